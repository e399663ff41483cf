/** The RDS Query API (version 2014-10-31): action handlers and the XML shapes they answer with. */

import type { Core } from '../core.ts';
import { engineOfInstance, type RdsEngine, rdsEngineOf, serverKindOf } from '../engines/index.ts';
import {
  invalidParameter,
  type Params,
  paginate,
  QueryError,
  type Tag,
  tagList,
  type XObject,
  xlist,
} from '../http/query.ts';
import { lowerAlnum } from '../util.ts';
import {
  deploymentArn,
  deploymentOf,
  setReadOnly,
  startDelete,
  startProvisioning,
  startSwitchover,
} from './bluegreen.ts';
import { checkDegradation, checkDegradationOfGreen, greenStatusInfos } from './degraded.ts';
import {
  catalog,
  createInstance,
  createSnapshot,
  deleteInstance,
  ENGINES,
  instanceNotFound,
  parameterGroup,
  renameInstance,
  requireEngineBinaries,
  resolveVersion,
  snapshotNotFound,
  upgradeTargets,
  validIdentifier,
} from './instances.ts';
import {
  DEFAULT_PARAMETERS,
  type DeploymentRecord,
  type EventRecord,
  type InstanceRecord,
  type ParameterGroupRecord,
  type SnapshotRecord,
} from './model.ts';
import { MYSQL_FAMILY_PARAMETERS } from './mysql-parameters.ts';
import {
  applyParameterChanges,
  applyReadOnlyAfterReboot,
  markInSync,
  markPendingReboot,
} from './parameter-apply.ts';
import {
  definitionsOf,
  modifyChanges,
  type RequestedParameter,
  registeredChanges,
  resetChanges,
} from './parameter-changes.ts';

export const RDS_XMLNS = 'http://rds.amazonaws.com/doc/2014-10-31/';

const LICENSE: Record<RdsEngine, string> = {
  postgres: 'postgresql-license',
  mariadb: 'general-public-license',
  mysql: 'general-public-license',
};
/** RDS's default option group name: `default:postgres-17`, `default:mariadb-10-11`, `default:mysql-8-0`. */
const defaultOptionGroup = (engine: RdsEngine, version: string): string => {
  const parts = version.split('.');
  return `default:${engine}-${(engine === 'postgres' ? parts.slice(0, 1) : parts.slice(0, 2)).join('-')}`;
};
const familyOf = (engine: RdsEngine, version: string): string | undefined =>
  catalog().find((e) => e.engine === engine && e.version === version)?.family;

type Handler = (core: Core, p: Params) => Promise<XObject | undefined>;

// ---- shapes --------------------------------------------------------------------------------------

export const instanceXml = (core: Core, i: InstanceRecord): XObject => ({
  DBInstanceIdentifier: i.id,
  DBInstanceClass: i.instanceClass,
  Engine: rdsEngineOf(i),
  DBInstanceStatus: i.status,
  MasterUsername: i.masterUsername,
  DBName: i.dbName,
  Endpoint:
    i.endpointPort && i.status !== 'creating'
      ? { Address: '127.0.0.1', Port: i.endpointPort, HostedZoneId: 'Z2R2ITUGPM61AM' }
      : undefined,
  AllocatedStorage: i.allocatedStorage,
  InstanceCreateTime: new Date(i.createTime),
  PreferredBackupWindow: '03:00-03:30',
  BackupRetentionPeriod: i.backupRetentionPeriod,
  DBSecurityGroups: xlist('DBSecurityGroup', []),
  VpcSecurityGroups: xlist('VpcSecurityGroupMembership', []),
  DBParameterGroups: xlist('DBParameterGroup', [
    { DBParameterGroupName: i.parameterGroup, ParameterApplyStatus: i.parameterApplyStatus },
  ]),
  AvailabilityZone: `${core.cfg.region}a`,
  PreferredMaintenanceWindow: 'sun:05:00-sun:05:30',
  PendingModifiedValues: i.pendingModifiedValues ? { ...i.pendingModifiedValues } : undefined,
  LatestRestorableTime:
    i.backupRetentionPeriod > 0 && i.status === 'available' ? new Date(Date.now() - 5 * 60_000) : undefined,
  MultiAZ: i.multiAZ,
  EngineVersion: i.engineVersion,
  AutoMinorVersionUpgrade: true,
  ReadReplicaSourceDBInstanceIdentifier: i.readReplicaSource,
  ReadReplicaDBInstanceIdentifiers: xlist('ReadReplicaDBInstanceIdentifier', i.readReplicaIds ?? []),
  ReadReplicaDBClusterIdentifiers: xlist('ReadReplicaDBClusterIdentifier', []),
  LicenseModel: LICENSE[rdsEngineOf(i)],
  OptionGroupMemberships: xlist('OptionGroupMembership', [
    { OptionGroupName: defaultOptionGroup(rdsEngineOf(i), i.engineVersion), Status: 'in-sync' },
  ]),
  PubliclyAccessible: false,
  StorageType: i.storageType,
  DbInstancePort: 0,
  StorageEncrypted: i.storageEncrypted,
  KmsKeyId: i.storageEncrypted
    ? `arn:aws:kms:${core.cfg.region}:${core.cfg.accountId}:key/00000000-0000-4000-8000-000000000000`
    : undefined,
  DbiResourceId: i.resourceId,
  StatusInfos: ((infos) => (infos ? xlist('DBInstanceStatusInfo', infos) : undefined))(
    greenStatusInfos(core, i),
  ),
  CACertificateIdentifier: 'rds-ca-rsa2048-g1',
  DomainMemberships: xlist('DomainMembership', []),
  CopyTagsToSnapshot: false,
  MonitoringInterval: 0,
  DBInstanceArn: core.instanceArn(i),
  IAMDatabaseAuthenticationEnabled: false,
  PerformanceInsightsEnabled: false,
  DeletionProtection: i.deletionProtection,
  AssociatedRoles: xlist('DBInstanceRole', []),
  TagList: tagList(i.tags),
  CustomerOwnedIpEnabled: false,
  BackupTarget: 'region',
  NetworkType: 'IPV4',
  MasterUserSecret: i.masterUserSecret ? { ...i.masterUserSecret } : undefined,
  PercentProgress: i.percentProgress,
  DedicatedLogVolume: false,
  IsStorageConfigUpgradeAvailable: false,
});

export const deploymentXml = (core: Core, d: DeploymentRecord, createResponse = false): XObject => {
  const blue = core.instanceByResource(d.sourceResourceId);
  const green = core.instanceByResource(d.targetResourceId);
  const source = blue ? core.instanceArn(blue) : undefined;
  const target = green && !createResponse ? core.instanceArn(green) : undefined;
  return {
    BlueGreenDeploymentIdentifier: d.id,
    BlueGreenDeploymentName: d.name,
    Source: source,
    Target: target,
    SwitchoverDetails: xlist('member', [
      createResponse
        ? { SourceMember: source }
        : { SourceMember: source, TargetMember: target, Status: target ? d.memberStatus : undefined },
    ]),
    Tasks: xlist(
      'member',
      d.tasks.map((t) => ({ Name: t.Name, Status: t.Status })),
    ),
    Status: d.status,
    StatusDetails: d.statusDetails,
    CreateTime: new Date(d.createTime),
    DeleteTime: d.deleteTime ? new Date(d.deleteTime) : undefined,
    TagList: tagList(d.tags),
  };
};

const snapshotXml = (core: Core, s: SnapshotRecord): XObject => ({
  DBSnapshotIdentifier: s.id,
  DBInstanceIdentifier: s.instanceId,
  SnapshotCreateTime: s.status === 'available' ? new Date(s.createTime) : undefined,
  Engine: s.engine ?? 'postgres',
  AllocatedStorage: s.allocatedStorage,
  Status: s.status,
  Port: s.port,
  AvailabilityZone: `${core.cfg.region}a`,
  InstanceCreateTime: new Date(s.instanceCreateTime),
  MasterUsername: s.masterUsername,
  EngineVersion: s.engineVersion,
  LicenseModel: LICENSE[s.engine ?? 'postgres'],
  SnapshotType: s.type,
  OptionGroupName: defaultOptionGroup(s.engine ?? 'postgres', s.engineVersion),
  PercentProgress: s.percentProgress,
  StorageType: s.storageType,
  Encrypted: s.storageEncrypted,
  DBSnapshotArn: core.arn('snapshot', s.id),
  IAMDatabaseAuthenticationEnabled: false,
  ProcessorFeatures: xlist('ProcessorFeature', []),
  DbiResourceId: s.resourceId,
  TagList: tagList(s.tags),
  OriginalSnapshotCreateTime: new Date(s.createTime),
  SnapshotTarget: 'region',
  DedicatedLogVolume: false,
  MultiTenant: false,
});

const eventXml = (e: EventRecord): XObject => ({
  SourceIdentifier: e.sourceIdentifier,
  SourceType: e.sourceType,
  Message: e.message,
  EventCategories: xlist('EventCategory', e.categories),
  Date: new Date(e.date),
  SourceArn: e.sourceArn,
});

// ---- helpers -------------------------------------------------------------------------------------

const getInstance = (core: Core, id: string): InstanceRecord => {
  const i = core.instance(id);
  if (!i) throw instanceNotFound(id);
  return i;
};

const deploymentNotFound = (id: string): QueryError =>
  new QueryError(
    'BlueGreenDeploymentNotFoundFault',
    `BlueGreenDeploymentIdentifier ${id} doesn't refer to an existing blue/green deployment.`,
    404,
  );

const getDeployment = (core: Core, id: string): DeploymentRecord => {
  const d = core.state.deployments.find((x) => x.id === id.toLowerCase());
  if (!d) throw deploymentNotFound(id);
  return d;
};

const checkFilters = (filters: Array<{ name: string }>, allowed: string[]): void => {
  for (const f of filters)
    if (!allowed.includes(f.name)) throw invalidParameter(`Unrecognized filter name: ${f.name}.`);
};

const arnOrId = (v: string): string => (v.startsWith('arn:') ? (v.split(':').at(-1) ?? v) : v).toLowerCase();

const withTags = (list: Tag[], add: Tag[]): Tag[] => {
  const out = list.filter((t) => !add.some((a) => a.Key === t.Key));
  return [...out, ...add];
};

// ---- instances -----------------------------------------------------------------------------------

const DescribeDBInstances: Handler = async (core, p) => {
  const id = p.str('DBInstanceIdentifier');
  let items = [...core.state.instances].sort((a, b) => a.createTime.localeCompare(b.createTime));
  if (id) items = [getInstance(core, id)];
  const filters = p.filters();
  checkFilters(filters, ['db-cluster-id', 'db-instance-id', 'dbi-resource-id', 'domain', 'engine']);
  for (const f of filters) {
    const vals = f.values.map((v) => v.toLowerCase());
    if (f.name === 'db-instance-id')
      items = items.filter((i) => vals.includes(i.id) || vals.includes(core.instanceArn(i)));
    if (f.name === 'dbi-resource-id') items = items.filter((i) => f.values.includes(i.resourceId));
    if (f.name === 'engine') items = items.filter((i) => vals.includes(rdsEngineOf(i)));
    if (f.name === 'db-cluster-id' || f.name === 'domain') items = [];
  }
  const { page, marker } = paginate(items, p);
  // A green's replication health is current when it is described (rds/degraded.ts).
  for (const i of page) await checkDegradationOfGreen(core, i);
  return {
    Marker: marker,
    DBInstances: xlist(
      'DBInstance',
      page.map((i) => instanceXml(core, i)),
    ),
  };
};

const CreateDBInstance: Handler = async (core, p) => {
  const id = p.req('DBInstanceIdentifier');
  const engineParam = p.req('Engine');
  const engine = ENGINES.find((e) => e === engineParam.toLowerCase());
  if (!engine)
    throw invalidParameter(
      `Invalid DB engine: ${engineParam}. The emulator supports postgres, mariadb and mysql (mysql runs on MariaDB as a stand-in).`,
    );
  requireEngineBinaries(engine);
  const cls = p.req('DBInstanceClass');
  if (!/^db\.[0-9a-z]{2,6}\.[0-9a-z]{4,9}$/.test(cls))
    throw invalidParameter(`Invalid DB Instance class: ${cls}`);
  const manage = p.bool('ManageMasterUserPassword') ?? false;
  const user = p.str('MasterUsername');
  if (!user) throw invalidParameter('The parameter MasterUsername must be provided and must not be blank.');
  let password = p.str('MasterUserPassword');
  if (manage && password)
    throw new QueryError(
      'InvalidParameterCombination',
      "You can't specify MasterUserPassword and ManageMasterUserPassword at the same time.",
    );
  if (!manage) {
    if (!password)
      throw invalidParameter('The parameter MasterUserPassword must be provided and must not be blank.');
    if (password.length < 8)
      throw invalidParameter(
        'The parameter MasterUserPassword is not a valid password because it is shorter than 8 characters.',
      );
  } else password = `sy-${lowerAlnum(20)}`;
  const backups = p.int('BackupRetentionPeriod');
  if (backups !== undefined && (backups < 0 || backups > 35))
    throw invalidParameter('The parameter BackupRetentionPeriod must be between 0 and 35.');
  const inst = await createInstance(core, {
    id,
    engine,
    instanceClass: cls,
    engineVersion: p.str('EngineVersion'),
    masterUsername: user,
    masterPassword: password,
    dbName: p.str('DBName'),
    allocatedStorage: p.int('AllocatedStorage'),
    storageType: p.str('StorageType'),
    backupRetentionPeriod: backups,
    parameterGroup: p.str('DBParameterGroupName'),
    deletionProtection: p.bool('DeletionProtection'),
    storageEncrypted: p.bool('StorageEncrypted'),
    multiAZ: p.bool('MultiAZ'),
    manageMasterUserPassword: manage,
    tags: p.tags(),
  });
  return { DBInstance: instanceXml(core, inst) };
};

const DeleteDBInstance: Handler = async (core, p) => {
  const inst = getInstance(core, p.req('DBInstanceIdentifier'));
  const skip = p.bool('SkipFinalSnapshot') ?? false;
  const final = p.str('FinalDBSnapshotIdentifier');
  if (inst.deletionProtection)
    throw new QueryError(
      'InvalidDBInstanceState',
      'Cannot delete protected DB Instance, please disable deletion protection and try again.',
    );
  if (inst.status === 'deleting')
    throw new QueryError('InvalidDBInstanceState', `Instance ${inst.id} is already being deleted.`);
  if (inst.status === 'creating')
    throw new QueryError(
      'InvalidDBInstanceState',
      `Instance ${inst.id} is currently creating - a final snapshot cannot be taken.`,
    );
  const dep = deploymentOf(core, inst);
  if (dep)
    throw new QueryError(
      'InvalidDBInstanceState',
      `DB instance ${inst.id} is part of blue/green deployment ${dep.id}; delete the blue/green deployment first.`,
    );
  if (skip && final)
    throw new QueryError(
      'InvalidParameterCombination',
      'Cannot specify FinalDBSnapshotIdentifier when SkipFinalSnapshot is true.',
    );
  if (!skip && !final)
    throw new QueryError(
      'InvalidParameterCombination',
      'FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.',
    );
  if (final) {
    validIdentifier(final, 'FinalDBSnapshotIdentifier');
    if (core.state.snapshots.some((s) => s.id === final.toLowerCase()))
      throw new QueryError(
        'DBSnapshotAlreadyExists',
        `Cannot create the snapshot because a snapshot with the identifier ${final} already exists.`,
      );
  }
  deleteInstance(core, inst, final);
  return { DBInstance: instanceXml(core, inst) };
};

const ModifyDBInstance: Handler = async (core, p) => {
  const inst = getInstance(core, p.req('DBInstanceIdentifier'));
  if (inst.status !== 'available')
    throw new QueryError('InvalidDBInstanceState', `Database instance is not in available state.`);
  const dep = deploymentOf(core, inst);
  if (dep?.status === 'SWITCHOVER_IN_PROGRESS')
    throw new QueryError(
      'InvalidDBInstanceState',
      `DB instance ${inst.id} can't be modified while blue/green deployment ${dep.id} is switching over.`,
    );
  const now = p.bool('ApplyImmediately') ?? false;
  const newId = p.str('NewDBInstanceIdentifier');
  if (newId) {
    validIdentifier(newId, 'NewDBInstanceIdentifier');
    if (newId.toLowerCase() !== inst.id && core.instance(newId))
      throw new QueryError('DBInstanceAlreadyExists', 'DB instance already exists', 400);
  }
  const dp = p.bool('DeletionProtection');
  if (dp !== undefined) inst.deletionProtection = dp;
  const backups = p.int('BackupRetentionPeriod');
  if (backups !== undefined) {
    if (backups < 0 || backups > 35)
      throw invalidParameter('The parameter BackupRetentionPeriod must be between 0 and 35.');
    inst.backupRetentionPeriod = backups;
  }
  const cls = p.str('DBInstanceClass');
  if (cls) {
    if (now) inst.instanceClass = cls;
    else inst.pendingModifiedValues = { ...(inst.pendingModifiedValues ?? {}), DBInstanceClass: cls };
  }
  const group = p.str('DBParameterGroupName');
  if (group) {
    const g = parameterGroup(core, group);
    if (g.family !== familyOf(rdsEngineOf(inst), inst.engineVersion))
      throw new QueryError(
        'InvalidParameterCombination',
        `The parameter group ${g.name} can't be used with ${rdsEngineOf(inst)} ${inst.engineVersion}.`,
      );
    if (g.name !== inst.parameterGroup) {
      inst.parameterGroup = g.name;
      markPendingReboot(core, inst);
    }
  }
  const pw = p.str('MasterUserPassword');
  if (pw) {
    const server = core.server(inst);
    if (server) await engineOfInstance(inst).setMasterPassword(server, inst.masterUsername, pw);
    inst.masterPassword = pw;
    if (server) server.cfg.password = pw;
  }
  // Without ApplyImmediately a rename waits for the maintenance window (the emulator has none: it stays pending).
  if (newId && newId.toLowerCase() !== inst.id) {
    if (now) renameInstance(core, inst, newId.toLowerCase());
    else
      inst.pendingModifiedValues = {
        ...(inst.pendingModifiedValues ?? {}),
        DBInstanceIdentifier: newId.toLowerCase(),
      };
  }
  core.save();
  return { DBInstance: instanceXml(core, inst) };
};

const RebootDBInstance: Handler = async (core, p) => {
  const inst = getInstance(core, p.req('DBInstanceIdentifier'));
  if (inst.status !== 'available')
    throw new QueryError('InvalidDBInstanceState', 'Database instance is not in available state.');
  inst.status = 'rebooting';
  core.save();
  const response = instanceXml(core, inst);
  core.run(`reboot ${inst.id}`, async () => {
    const rec = core.serverRecord(inst.serverId);
    await core.stopServer(inst.serverId);
    if (rec) await core.startServer(rec, inst);
    // Old blue stays read-only until default_transaction_read_only (PostgreSQL) or read_only (MySQL
    // family) is set to 0 on its group and it reboots (§6.4). On the MySQL family every instance's
    // read_only then follows its group (parameter-apply.ts).
    const g = core.state.parameterGroups.find((x) => x.name === inst.parameterGroup);
    const server = core.server(inst);
    if (serverKindOf(inst.engine) === 'mariadb') await applyReadOnlyAfterReboot(core, inst);
    else if (inst.readOnly && g?.params[engineOfInstance(inst).readOnlyParameter] === '0' && server) {
      await setReadOnly(inst, server, false);
      inst.readOnly = false;
    }
    markInSync(core, inst);
    if (inst.pendingModifiedValues?.DBInstanceClass) {
      inst.instanceClass = String(inst.pendingModifiedValues.DBInstanceClass);
      delete inst.pendingModifiedValues;
    }
    inst.status = 'available';
    core.save();
    core.event({
      sourceIdentifier: inst.id,
      sourceType: 'db-instance',
      sourceArn: core.instanceArn(inst),
      message: 'DB instance restarted',
      categories: ['availability'],
      eventId: 'RDS-EVENT-0006',
    });
  });
  return { DBInstance: response };
};

const DescribeDBClusters: Handler = async (_core, p) => {
  const id = p.str('DBClusterIdentifier');
  if (id) throw new QueryError('DBClusterNotFoundFault', `DBCluster ${id} not found.`, 404);
  paginate([], p);
  return { DBClusters: xlist('DBCluster', []) };
};

// ---- engine versions and parameters ------------------------------------------------------------

const ENGINE_DESCRIPTION: Record<RdsEngine, string> = {
  postgres: 'PostgreSQL',
  mariadb: 'MariaDb Community Edition',
  mysql: 'MySQL Community Edition',
};
const versionDescription = (engine: RdsEngine, version: string): string =>
  engine === 'postgres'
    ? `PostgreSQL ${version}-R1`
    : `${ENGINE_DESCRIPTION[engine].split(' ')[0]} ${version}`;

const DescribeDBEngineVersions: Handler = async (_core, p) => {
  const engine = p.str('Engine');
  const version = p.str('EngineVersion');
  const family = p.str('DBParameterGroupFamily');
  let items = engine ? catalog().filter((e) => e.engine === engine) : catalog();
  if (version)
    items = items.filter(
      (e) => e.version === version || String(e.major) === version || e.majorVersion === version,
    );
  if (family) items = items.filter((e) => e.family === family);
  if (p.bool('DefaultOnly')) {
    const defs = ENGINES.map((en) => resolveVersion(version, en));
    items = items.filter((e) => defs.includes(e));
  }
  const { page, marker } = paginate(items, p);
  return {
    Marker: marker,
    DBEngineVersions: xlist(
      'DBEngineVersion',
      page.map((e) => ({
        Engine: e.engine,
        MajorEngineVersion: e.majorVersion,
        EngineVersion: e.version,
        DBParameterGroupFamily: e.family,
        DBEngineDescription: ENGINE_DESCRIPTION[e.engine],
        DBEngineVersionDescription: versionDescription(e.engine, e.version),
        ValidUpgradeTarget: xlist(
          'UpgradeTarget',
          upgradeTargets(e).map((t) => ({
            Engine: t.engine,
            EngineVersion: t.version,
            Description: versionDescription(t.engine, t.version),
            AutoUpgrade: false,
            IsMajorVersionUpgrade: t.majorVersion !== e.majorVersion,
            SupportedEngineModes: xlist('member', ['provisioned']),
            SupportsParallelQuery: false,
            SupportsGlobalDatabases: false,
            SupportsBabelfish: false,
            SupportsLimitlessDatabase: false,
            SupportsLocalWriteForwarding: false,
            SupportsIntegrations: false,
          })),
        ),
        ExportableLogTypes: xlist(
          'member',
          e.engine === 'postgres' ? ['postgresql', 'upgrade'] : ['audit', 'error', 'general', 'slowquery'],
        ),
        SupportsLogExportsToCloudwatchLogs: true,
        SupportsReadReplica: true,
        SupportedEngineModes: xlist('member', ['provisioned']),
        SupportedFeatureNames: xlist(
          'member',
          e.engine === 'postgres' ? ['Lambda', 's3Import', 's3Export'] : [],
        ),
        Status: 'available',
        SupportsParallelQuery: false,
        SupportsGlobalDatabases: false,
        TagList: xlist('Tag', []),
        SupportsBabelfish: false,
        SupportsLimitlessDatabase: false,
        SupportsCertificateRotationWithoutRestart: true,
        SupportedCACertificateIdentifiers: xlist('member', [
          'rds-ca-rsa2048-g1',
          'rds-ca-ecc384-g1',
          'rds-ca-rsa4096-g1',
        ]),
        SupportsLocalWriteForwarding: false,
        SupportsIntegrations: false,
      })),
    ),
  };
};

const DescribeDBParameters: Handler = async (core, p) => {
  const g = parameterGroup(core, p.req('DBParameterGroupName'));
  const source = p.str('Source');
  if (source && !['user', 'system', 'engine-default'].includes(source))
    throw invalidParameter(`Invalid value ${source} for Source. Valid values: user, system, engine-default`);
  const filters = p.filters();
  checkFilters(filters, ['parameter-name']);
  const defaults = MYSQL_FAMILY_PARAMETERS[g.family] ?? DEFAULT_PARAMETERS;
  let params = defaults.map((d) => {
    const user = g.params[d.name];
    return {
      ParameterName: d.name,
      ParameterValue: user ?? d.value,
      Description: d.description,
      Source: user !== undefined ? 'user' : 'engine-default',
      ApplyType: d.type,
      DataType: d.dataType,
      AllowedValues: d.allowed,
      IsModifiable: true,
      ApplyMethod: d.type === 'static' ? 'pending-reboot' : 'immediate',
    };
  });
  for (const [name, value] of Object.entries(g.params))
    if (!defaults.some((d) => d.name === name))
      params.push({
        ParameterName: name,
        ParameterValue: value,
        Description: name,
        Source: 'user',
        ApplyType: 'dynamic',
        DataType: 'string',
        AllowedValues: undefined,
        IsModifiable: true,
        ApplyMethod: 'immediate',
      });
  if (source) params = params.filter((x) => x.Source === source);
  for (const f of filters) params = params.filter((x) => f.values.includes(x.ParameterName));
  params.sort((a, b) => a.ParameterName.localeCompare(b.ParameterName));
  const { page, marker } = paginate(params, p);
  return { Parameters: xlist('Parameter', page), Marker: marker };
};

const groupXml = (core: Core, g: { name: string; family: string; description: string }): XObject => ({
  DBParameterGroupName: g.name,
  DBParameterGroupFamily: g.family,
  Description: g.description,
  DBParameterGroupArn: core.arn('pg', g.name),
});

const DescribeDBParameterGroups: Handler = async (core, p) => {
  const name = p.str('DBParameterGroupName');
  const items = name ? [parameterGroup(core, name)] : core.state.parameterGroups;
  const { page, marker } = paginate(items, p);
  return {
    Marker: marker,
    DBParameterGroups: xlist(
      'DBParameterGroup',
      page.map((g) => groupXml(core, g)),
    ),
  };
};

const CreateDBParameterGroup: Handler = async (core, p) => {
  const name = p.req('DBParameterGroupName').toLowerCase();
  const family = p.req('DBParameterGroupFamily');
  const description = p.req('Description');
  const families = [...new Set(catalog().map((e) => e.family))];
  if (!families.includes(family))
    throw invalidParameter(
      `ParameterGroupFamily ${family} is not supported by the emulator (${families.join(', ')}).`,
    );
  if (core.state.parameterGroups.some((g) => g.name === name))
    throw new QueryError('DBParameterGroupAlreadyExists', `Parameter group ${name} already exists`);
  const g = { name, family, description, params: {} };
  core.state.parameterGroups.push(g);
  core.save();
  return { DBParameterGroup: groupXml(core, g) };
};

/** `Parameters.Parameter.N` as the request names them. */
const requestedParameters = (p: Params): RequestedParameter[] =>
  p.list('Parameters').map((item) => ({
    name: item.str('ParameterName'),
    value: item.str('ParameterValue'),
    applyMethod: item.str('ApplyMethod'),
  }));

/** RDS refuses changes to a default group with this InvalidParameterValue message. */
const refuseDefaultGroup = (g: ParameterGroupRecord): void => {
  if (g.name.startsWith('default.')) throw invalidParameter('Cannot modify a default parameter group.');
};

const ModifyDBParameterGroup: Handler = async (core, p) => {
  const g = parameterGroup(core, p.req('DBParameterGroupName'));
  refuseDefaultGroup(g);
  const changes = registeredChanges(modifyChanges(definitionsOf(g.family), requestedParameters(p)), g.params);
  for (const c of changes) if (c.value !== undefined) g.params[c.name] = c.value;
  await applyParameterChanges(core, g, changes);
  return { DBParameterGroupName: g.name };
};

const ResetDBParameterGroup: Handler = async (core, p) => {
  const g = parameterGroup(core, p.req('DBParameterGroupName'));
  refuseDefaultGroup(g);
  const changes = registeredChanges(
    resetChanges(definitionsOf(g.family), g.params, requestedParameters(p), p.bool('ResetAllParameters')),
    g.params,
  );
  for (const c of changes) delete g.params[c.name];
  await applyParameterChanges(core, g, changes);
  return { DBParameterGroupName: g.name };
};

// ---- Blue/Green ----------------------------------------------------------------------------------

const NAME_RE = /^[a-zA-Z](?:-?[a-zA-Z0-9]+)*$/;

const CreateBlueGreenDeployment: Handler = async (core, p) => {
  const name = p.req('BlueGreenDeploymentName');
  const sourceArn = p.req('Source');
  if (name.length > 60 || !NAME_RE.test(name))
    throw invalidParameter(`The parameter BlueGreenDeploymentName is not valid: ${name}`);
  if (!/^arn:[A-Za-z][0-9A-Za-z-:._]*$/.test(sourceArn))
    throw invalidParameter(`The parameter Source is not a valid ARN: ${sourceArn}`);
  if (core.state.deployments.some((d) => d.name.toLowerCase() === name.toLowerCase()))
    throw new QueryError(
      'BlueGreenDeploymentAlreadyExistsFault',
      `A Blue Green Deployment with the name '${name}' already exists`,
    );
  if (sourceArn.includes(':cluster:'))
    throw new QueryError(
      'DBClusterNotFoundFault',
      `DBCluster ${sourceArn.split(':').at(-1)} not found.`,
      404,
    );
  const blue = core.instance(sourceArn);
  if (!blue || !sourceArn.includes(':db:')) throw instanceNotFound(sourceArn.split(':').at(-1) ?? sourceArn);
  if (blue.masterUserSecret)
    throw new QueryError(
      'SourceDatabaseNotSupportedFault',
      `The source DB instance ${blue.id} uses a master user password managed in AWS Secrets Manager, which blue/green deployments don't support.`,
    );
  if (blue.readReplicaSource)
    throw new QueryError(
      'SourceDatabaseNotSupportedFault',
      `The source DB instance ${blue.id} is a read replica; blue/green deployments don't support it as a source.`,
    );
  if (blue.status !== 'available')
    throw new QueryError('InvalidDBInstanceState', `DB instance ${blue.id} is not in available state.`);
  if (deploymentOf(core, blue))
    throw new QueryError(
      'InvalidDBInstanceState',
      `DB instance ${blue.id} is already part of a blue/green deployment.`,
    );
  if (blue.backupRetentionPeriod <= 0)
    throw new QueryError(
      'InvalidDBInstanceState',
      `Automated backups must be enabled on the source DB instance ${blue.id} to create a blue/green deployment.`,
    );
  if (blue.parameterApplyStatus !== 'in-sync')
    throw new QueryError(
      'InvalidDBInstanceState',
      `The parameter group ${blue.parameterGroup} of DB instance ${blue.id} is ${blue.parameterApplyStatus}; it must be in-sync. Reboot the instance first.`,
    );
  const engine = rdsEngineOf(blue);
  const from = resolveVersion(blue.engineVersion, engine);
  const targetVersionParam = p.str('TargetEngineVersion');
  let target = from;
  if (targetVersionParam) {
    target = resolveVersion(targetVersionParam, engine);
    if (!target || !from)
      throw new QueryError(
        'InvalidParameterCombination',
        `Cannot find version ${targetVersionParam} for ${engine}`,
      );
    if (target.version !== from.version && !upgradeTargets(from).some((t) => t.version === target?.version))
      throw new QueryError(
        'InvalidParameterCombination',
        `Cannot upgrade ${engine} from ${from.version} to ${target.version}`,
      );
  }
  if (!target || !from)
    throw new QueryError('InvalidParameterCombination', `Unsupported engine version ${blue.engineVersion}`);
  // MySQL family: binlog replication whatever the change; PostgreSQL: logical for a major upgrade.
  const method =
    engine !== 'postgres' ? 'binlog' : target.majorVersion !== from.majorVersion ? 'logical' : 'physical';
  const groupName = p.str('TargetDBParameterGroupName');
  let targetGroup = groupName ? parameterGroup(core, groupName).name : undefined;
  if (targetGroup && parameterGroup(core, targetGroup).family !== target.family)
    throw new QueryError(
      'InvalidParameterCombination',
      `The parameter group ${targetGroup} can't be used with ${engine} ${target.version} (family ${target.family}).`,
    );
  if (!targetGroup && method === 'logical') targetGroup = `default.${target.family}`;
  if (method === 'logical') {
    const g = core.state.parameterGroups.find((x) => x.name === blue.parameterGroup);
    if (g?.params['rds.logical_replication'] !== '1')
      throw new QueryError(
        'SourceDatabaseNotSupportedFault',
        `A major version upgrade uses logical replication: set rds.logical_replication to 1 in the DB parameter group ${blue.parameterGroup} of ${blue.id} and reboot it.`,
      );
  }
  const cls = p.str('TargetDBInstanceClass');
  if (cls && !/^db\.[0-9a-z]{2,6}\.[0-9a-z]{4,9}$/.test(cls))
    throw invalidParameter(`Invalid DB Instance class: ${cls}`);
  const tasks = [
    'CREATING_READ_REPLICA_OF_SOURCE',
    ...(targetVersionParam ? ['DB_ENGINE_VERSION_UPGRADE'] : []),
    'CONFIGURE_BACKUPS',
  ];
  const dep: DeploymentRecord = {
    id: `bgd-${lowerAlnum(16)}`,
    name,
    sourceResourceId: blue.resourceId,
    method,
    status: 'PROVISIONING',
    memberStatus: 'PROVISIONING',
    tasks: tasks.map((Name) => ({ Name, Status: 'PENDING' })),
    tags: p.tags(),
    createTime: new Date().toISOString(),
    ...(targetVersionParam ? { targetEngineVersion: target.version } : {}),
    ...(targetGroup ? { targetParameterGroup: targetGroup } : {}),
    ...(cls ? { targetInstanceClass: cls } : {}),
  };
  core.state.deployments.push(dep);
  core.save();
  const response = deploymentXml(core, dep, true);
  startProvisioning(core, dep);
  return { BlueGreenDeployment: response };
};

const DescribeBlueGreenDeployments: Handler = async (core, p) => {
  const id = p.str('BlueGreenDeploymentIdentifier');
  let items = [...core.state.deployments].sort((a, b) => a.createTime.localeCompare(b.createTime));
  if (id) items = [getDeployment(core, id)];
  const filters = p.filters();
  checkFilters(filters, [
    'blue-green-deployment-identifier',
    'blue-green-deployment-name',
    'source',
    'target',
  ]);
  for (const f of filters) {
    items = items.filter((d) => {
      const x = deploymentXml(core, d);
      if (f.name === 'blue-green-deployment-identifier')
        return f.values.some((v) => v.toLowerCase() === d.id);
      if (f.name === 'blue-green-deployment-name') return f.values.includes(d.name);
      if (f.name === 'source') return f.values.includes(String(x.Source));
      return x.Target !== undefined && f.values.includes(String(x.Target));
    });
  }
  const { page, marker } = paginate(items, p);
  for (const d of page) await checkDegradation(core, d).catch(() => undefined);
  return {
    BlueGreenDeployments: xlist(
      'member',
      page.map((d) => deploymentXml(core, d)),
    ),
    Marker: marker,
  };
};

const SwitchoverBlueGreenDeployment: Handler = async (core, p) => {
  const dep = getDeployment(core, p.req('BlueGreenDeploymentIdentifier'));
  const timeout = p.int('SwitchoverTimeout') ?? 300;
  if (timeout < 30 || timeout > 3600)
    throw invalidParameter(`SwitchoverTimeout must be between 30 and 3600 seconds; got ${timeout}.`);
  const snapshot = await startSwitchover(core, dep, timeout);
  return { BlueGreenDeployment: deploymentXml(core, snapshot) };
};

const DeleteBlueGreenDeployment: Handler = async (core, p) => {
  const dep = getDeployment(core, p.req('BlueGreenDeploymentIdentifier'));
  const deleteTarget = p.bool('DeleteTarget');
  const invalid = (m: string) => new QueryError('InvalidBlueGreenDeploymentStateFault', m);
  if (dep.status === 'DELETING')
    throw invalid(`The blue/green deployment ${dep.id} is already being deleted.`);
  if (dep.status === 'SWITCHOVER_IN_PROGRESS')
    throw invalid(`The blue/green deployment ${dep.id} can't be deleted while a switchover is in progress.`);
  if (deleteTarget && dep.status === 'SWITCHOVER_COMPLETED')
    throw invalid(
      `You can't specify DeleteTarget for blue/green deployment ${dep.id} because its status is SWITCHOVER_COMPLETED.`,
    );
  const green = core.instanceByResource(dep.targetResourceId);
  if (deleteTarget && green?.deletionProtection)
    throw invalid(
      `DB instance ${green.id} in the green environment has deletion protection enabled; turn it off before deleting the target.`,
    );
  const snapshot = startDelete(core, dep, deleteTarget ?? false);
  return { BlueGreenDeployment: deploymentXml(core, snapshot) };
};

// ---- events, snapshots, tags ---------------------------------------------------------------------

const SOURCE_TYPES = [
  'db-instance',
  'db-parameter-group',
  'db-security-group',
  'db-snapshot',
  'db-cluster',
  'db-cluster-snapshot',
  'custom-engine-version',
  'db-proxy',
  'blue-green-deployment',
];

const DescribeEvents: Handler = async (core, p) => {
  const sourceType = p.str('SourceType');
  const sourceId = p.str('SourceIdentifier');
  if (sourceType && !SOURCE_TYPES.includes(sourceType))
    throw invalidParameter(`Invalid value for SourceType: ${sourceType}`);
  if (sourceId && !sourceType)
    throw new QueryError('InvalidParameterCombination', 'Cannot specify SourceIdentifier without SourceType');
  const end = p.date('EndTime') ?? new Date();
  const duration = p.int('Duration');
  const start = p.date('StartTime') ?? new Date(end.getTime() - (duration ?? 60) * 60_000);
  const cats = p.strList('EventCategories');
  p.filters();
  let items = core.state.events.filter((e) => {
    const t = Date.parse(e.date);
    return t >= start.getTime() && t <= end.getTime() + 1000 && Date.now() - t <= 14 * 86_400_000;
  });
  if (sourceType) items = items.filter((e) => e.sourceType === sourceType);
  if (sourceId)
    items = items.filter(
      (e) =>
        e.sourceIdentifier === sourceId.toLowerCase() ||
        e.sourceIdentifier === sourceId ||
        e.sourceArn === sourceId,
    );
  if (cats.length) items = items.filter((e) => e.categories.some((c) => cats.includes(c)));
  const { page, marker } = paginate(items, p);
  return { Marker: marker, Events: xlist('Event', page.map(eventXml)) };
};

const CreateDBSnapshot: Handler = async (core, p) => {
  const snapId = p.req('DBSnapshotIdentifier');
  const inst = getInstance(core, p.req('DBInstanceIdentifier'));
  if (inst.status !== 'available')
    throw new QueryError(
      'InvalidDBInstanceState',
      `Cannot create a snapshot because the database instance ${inst.id} is not currently in the available state.`,
    );
  const snap = await createSnapshot(core, inst, snapId, p.tags());
  return { DBSnapshot: snapshotXml(core, snap) };
};

const DescribeDBSnapshots: Handler = async (core, p) => {
  const instId = p.str('DBInstanceIdentifier');
  const snapId = p.str('DBSnapshotIdentifier');
  const type = p.str('SnapshotType');
  let items = [...core.state.snapshots].sort((a, b) => a.createTime.localeCompare(b.createTime));
  if (snapId) {
    const s = items.find((x) => x.id === arnOrId(snapId));
    if (!s) throw snapshotNotFound(snapId);
    items = [s];
  }
  if (instId) items = items.filter((s) => s.instanceId === arnOrId(instId));
  if (type) items = items.filter((s) => s.type === type);
  const dbi = p.str('DbiResourceId');
  if (dbi) items = items.filter((s) => s.resourceId === dbi);
  const filters = p.filters();
  checkFilters(filters, ['db-instance-id', 'db-snapshot-id', 'dbi-resource-id', 'snapshot-type', 'engine']);
  for (const f of filters) {
    const vals = f.values.map(arnOrId);
    if (f.name === 'db-instance-id') items = items.filter((s) => vals.includes(s.instanceId));
    if (f.name === 'db-snapshot-id') items = items.filter((s) => vals.includes(s.id));
    if (f.name === 'dbi-resource-id') items = items.filter((s) => f.values.includes(s.resourceId));
    if (f.name === 'snapshot-type') items = items.filter((s) => f.values.includes(s.type));
    if (f.name === 'engine') items = items.filter(() => f.values.includes('postgres'));
  }
  const { page, marker } = paginate(items, p);
  return {
    Marker: marker,
    DBSnapshots: xlist(
      'DBSnapshot',
      page.map((s) => snapshotXml(core, s)),
    ),
  };
};

const DeleteDBSnapshot: Handler = async (core, p) => {
  const id = p.req('DBSnapshotIdentifier');
  const s = core.state.snapshots.find((x) => x.id === arnOrId(id));
  if (!s) throw snapshotNotFound(id);
  if (s.status !== 'available')
    throw new QueryError(
      'InvalidDBSnapshotState',
      `Cannot delete the snapshot because it is not in the available state.`,
    );
  core.state.snapshots = core.state.snapshots.filter((x) => x !== s);
  const { rmSync } = await import('node:fs');
  rmSync(s.dir, { recursive: true, force: true });
  core.save();
  return { DBSnapshot: { ...snapshotXml(core, s), Status: 'deleted' } };
};

/** The taggable resource an ARN names: an instance, a deployment or a snapshot. */
const taggable = (core: Core, arn: string): { tags: Tag[] } => {
  const parts = arn.split(':');
  const kind = parts[5];
  const id = (parts[6] ?? '').toLowerCase();
  if (kind === 'db') {
    const i = core.instance(id);
    if (i) return i;
    throw instanceNotFound(id);
  }
  if (kind === 'deployment') {
    const d = core.state.deployments.find((x) => x.id === id);
    if (d) return d;
    throw deploymentNotFound(id);
  }
  if (kind === 'snapshot') {
    const s = core.state.snapshots.find((x) => x.id === id);
    if (s) return s;
    throw snapshotNotFound(id);
  }
  throw invalidParameter(`The specified resource name does not match an RDS resource in this region: ${arn}`);
};

const AddTagsToResource: Handler = async (core, p) => {
  const r = taggable(core, p.req('ResourceName'));
  r.tags = withTags(r.tags, p.tags());
  core.save();
  return undefined;
};

const RemoveTagsFromResource: Handler = async (core, p) => {
  const r = taggable(core, p.req('ResourceName'));
  const keys = p.strList('TagKeys');
  r.tags = r.tags.filter((t) => !keys.includes(t.Key));
  core.save();
  return undefined;
};

const ListTagsForResource: Handler = async (core, p) => ({
  TagList: tagList(taggable(core, p.req('ResourceName')).tags),
});

export const RDS_ACTIONS: Record<string, Handler> = {
  DescribeDBInstances,
  CreateDBInstance,
  DeleteDBInstance,
  ModifyDBInstance,
  RebootDBInstance,
  DescribeDBClusters,
  DescribeDBEngineVersions,
  DescribeDBParameters,
  DescribeDBParameterGroups,
  CreateDBParameterGroup,
  ModifyDBParameterGroup,
  ResetDBParameterGroup,
  CreateBlueGreenDeployment,
  DescribeBlueGreenDeployments,
  SwitchoverBlueGreenDeployment,
  DeleteBlueGreenDeployment,
  DescribeEvents,
  CreateDBSnapshot,
  DescribeDBSnapshots,
  DeleteDBSnapshot,
  AddTagsToResource,
  RemoveTagsFromResource,
  ListTagsForResource,
};

export { deploymentArn };
