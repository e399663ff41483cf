/** RDS reads and writes Switchyard makes, returning domain facts. One SDK call per method (pagination aside). */
import {
  AddTagsToResourceCommand,
  type BlueGreenDeployment,
  CreateBlueGreenDeploymentCommand,
  CreateDBSnapshotCommand,
  type DBInstance,
  DeleteBlueGreenDeploymentCommand,
  DeleteDBInstanceCommand,
  DescribeBlueGreenDeploymentsCommand,
  DescribeDBClustersCommand,
  DescribeDBEngineVersionsCommand,
  DescribeDBInstancesCommand,
  DescribeDBParametersCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBInstanceCommand,
  ModifyDBParameterGroupCommand,
  type RDSClient,
  RebootDBInstanceCommand,
  RemoveTagsFromResourceCommand,
  ResetDBParameterGroupCommand,
  SwitchoverBlueGreenDeploymentCommand,
  type Tag,
} from '@aws-sdk/client-rds';
import type { DeploymentFacts, InstanceFacts, SnapshotFacts } from '#domain/facts';
import { logger } from '#lib/logger';
import { callAws, unlessNotFound } from './errors.ts';

const tagsToRecord = (tags: Tag[] | undefined): Record<string, string> =>
  Object.fromEntries((tags ?? []).filter((t) => t.Key).map((t) => [t.Key!, t.Value ?? '']));

const recordToTags = (tags: Record<string, string>): Tag[] =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

/** RDS's default port per engine, for an endpoint that omits it. */
const defaultPort = (engine: string | undefined): number =>
  engine === 'mysql' || engine === 'mariadb' ? 3306 : 5432;

export const toInstanceFacts = (db: DBInstance): InstanceFacts => ({
  id: db.DBInstanceIdentifier ?? '',
  arn: db.DBInstanceArn ?? '',
  resourceId: db.DbiResourceId ?? '',
  status: db.DBInstanceStatus ?? 'unknown',
  engine: db.Engine ?? '',
  engineVersion: db.EngineVersion ?? '',
  instanceClass: db.DBInstanceClass ?? '',
  backupRetentionPeriod: db.BackupRetentionPeriod ?? 0,
  parameterGroups: (db.DBParameterGroups ?? []).map((g) => ({
    name: g.DBParameterGroupName ?? '',
    applyStatus: g.ParameterApplyStatus ?? 'unknown',
  })),
  optionGroups: (db.OptionGroupMemberships ?? []).map((g) => ({
    name: g.OptionGroupName ?? '',
    status: g.Status ?? 'unknown',
  })),
  readReplicaSource: db.ReadReplicaSourceDBInstanceIdentifier || undefined,
  readReplicas: db.ReadReplicaDBInstanceIdentifiers ?? [],
  pendingModifiedValues: Object.entries(db.PendingModifiedValues ?? {})
    .filter(([, v]) => v !== undefined && v !== null)
    .map(([k]) => k),
  masterUserSecret: Boolean(db.MasterUserSecret?.SecretArn ?? db.MasterUserSecret),
  deletionProtection: db.DeletionProtection ?? false,
  endpoint: db.Endpoint?.Address
    ? { address: db.Endpoint.Address, port: db.Endpoint.Port ?? defaultPort(db.Engine) }
    : undefined,
  tags: tagsToRecord(db.TagList),
  statusInfos: (db.StatusInfos ?? []).map((i) => ({
    type: i.StatusType ?? '',
    status: i.Status ?? '',
    normal: i.Normal ?? true,
    ...(i.Message ? { message: i.Message } : {}),
  })),
});

export const toDeploymentFacts = (d: BlueGreenDeployment): DeploymentFacts => ({
  id: d.BlueGreenDeploymentIdentifier ?? '',
  name: d.BlueGreenDeploymentName ?? '',
  source: d.Source ?? '',
  target: d.Target || undefined,
  status: d.Status ?? 'UNKNOWN',
  statusDetails: d.StatusDetails || undefined,
  tasks: (d.Tasks ?? []).map((t) => ({ name: t.Name ?? '', status: t.Status ?? 'UNKNOWN' })),
  switchoverDetails: (d.SwitchoverDetails ?? []).map((m) => ({
    sourceMember: m.SourceMember ?? '',
    targetMember: m.TargetMember || undefined,
    status: m.Status || undefined,
  })),
  tags: tagsToRecord(d.TagList),
});

export interface CreateDeploymentRequest {
  name: string;
  sourceArn: string;
  targetEngineVersion?: string;
  targetParameterGroup?: string;
  targetInstanceClass?: string;
  tags: Record<string, string>;
}

/** Builds the RDS gateway over an injected client. */
/** One log line before each call that changes something in RDS, with what it is about to change. */
const logMutation = (operation: string, target: Record<string, unknown>): void =>
  logger.info(`RDS ${operation}`, { rdsMutation: operation, ...target });

export const makeRdsGateway = (rds: RDSClient) => {
  const describeInstance = async (id: string): Promise<InstanceFacts | undefined> => {
    return unlessNotFound('DBInstanceNotFoundFault', async () => {
      const out = await callAws('DescribeDBInstances', () =>
        rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id })),
      );
      const db = out.DBInstances?.[0];
      return db ? toInstanceFacts(db) : undefined;
    });
  };

  const listDeployments = async (
    filters: Array<{ Name: string; Values: string[] }>,
  ): Promise<DeploymentFacts[]> => {
    const all: DeploymentFacts[] = [];
    let marker: string | undefined;
    do {
      const out = await callAws('DescribeBlueGreenDeployments', () =>
        rds.send(
          new DescribeBlueGreenDeploymentsCommand({
            Filters: filters.length > 0 ? filters : undefined,
            Marker: marker,
            MaxRecords: 100,
          }),
        ),
      );
      all.push(...(out.BlueGreenDeployments ?? []).map(toDeploymentFacts));
      marker = out.Marker;
    } while (marker);
    return all;
  };

  return {
    describeInstance,

    /** The instance with this DbiResourceId, whatever it is named now (resource ids survive renames). */
    async describeInstanceByResourceId(resourceId: string): Promise<InstanceFacts | undefined> {
      const out = await callAws('DescribeDBInstances', () =>
        rds.send(
          new DescribeDBInstancesCommand({ Filters: [{ Name: 'dbi-resource-id', Values: [resourceId] }] }),
        ),
      );
      const db = out.DBInstances?.[0];
      return db ? toInstanceFacts(db) : undefined;
    },

    /**
     * Every deployment carrying tag key=value, or the key with any value when `value` is left out (RDS has
     * no tag filter for deployments, so all are listed).
     */
    async deploymentsTagged(key: string, value?: string): Promise<DeploymentFacts[]> {
      return (await listDeployments([])).filter(
        (d) => key in d.tags && (value === undefined || d.tags[key] === value),
      );
    },

    /** The engine of an Aurora cluster with this identifier, or undefined when there is none. */
    async describeClusterEngine(id: string): Promise<string | undefined> {
      return unlessNotFound('DBClusterNotFoundFault', async () => {
        const out = await callAws('DescribeDBClusters', () =>
          rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id })),
        );
        return out.DBClusters?.[0]?.Engine;
      });
    },

    /** Every instance (paginated); used to find old blues still inside their rollback window. */
    async listInstances(): Promise<InstanceFacts[]> {
      const all: InstanceFacts[] = [];
      let marker: string | undefined;
      do {
        const out = await callAws('DescribeDBInstances', () =>
          rds.send(new DescribeDBInstancesCommand({ Marker: marker, MaxRecords: 100 })),
        );
        all.push(...(out.DBInstances ?? []).map(toInstanceFacts));
        marker = out.Marker;
      } while (marker);
      return all;
    },

    /** Values of the named parameters in a DB parameter group (absent names are left out). */
    async describeParameters(group: string, names: string[]): Promise<Record<string, string>> {
      const out = await callAws('DescribeDBParameters', () =>
        rds.send(
          new DescribeDBParametersCommand({
            DBParameterGroupName: group,
            Filters: [{ Name: 'parameter-name', Values: names }],
          }),
        ),
      );
      return Object.fromEntries(
        (out.Parameters ?? [])
          .filter((p) => p.ParameterName)
          .map((p) => [p.ParameterName!, p.ParameterValue ?? '']),
      );
    },

    /** One parameter of a group with its Source (`user` when a person set it, `engine-default` otherwise). */
    async describeParameter(
      group: string,
      name: string,
    ): Promise<{ value: string | null; source: string } | undefined> {
      const out = await callAws('DescribeDBParameters', () =>
        rds.send(
          new DescribeDBParametersCommand({
            DBParameterGroupName: group,
            Filters: [{ Name: 'parameter-name', Values: [name] }],
          }),
        ),
      );
      const p = out.Parameters?.find((x) => x.ParameterName === name);
      return p ? { value: p.ParameterValue ?? null, source: p.Source ?? 'unknown' } : undefined;
    },

    async parameterGroupExists(group: string): Promise<boolean> {
      const found = await unlessNotFound('DBParameterGroupNotFoundFault', () =>
        callAws('DescribeDBParameters', () =>
          rds.send(new DescribeDBParametersCommand({ DBParameterGroupName: group, MaxRecords: 20 })),
        ),
      );
      return found !== undefined;
    },

    async validUpgradeTargets(engine: string, version: string): Promise<string[]> {
      const out = await callAws('DescribeDBEngineVersions', () =>
        rds.send(new DescribeDBEngineVersionsCommand({ Engine: engine, EngineVersion: version })),
      );
      return (out.DBEngineVersions ?? []).flatMap((v) =>
        (v.ValidUpgradeTarget ?? []).flatMap((t) => (t.EngineVersion ? [t.EngineVersion] : [])),
      );
    },

    deploymentsForSource: (sourceArn: string) => listDeployments([{ Name: 'source', Values: [sourceArn] }]),

    async deploymentByName(name: string): Promise<DeploymentFacts | undefined> {
      const found = await listDeployments([{ Name: 'blue-green-deployment-name', Values: [name] }]);
      return found[0];
    },

    async describeDeployment(id: string): Promise<DeploymentFacts | undefined> {
      return unlessNotFound('BlueGreenDeploymentNotFoundFault', async () => {
        const out = await callAws('DescribeBlueGreenDeployments', () =>
          rds.send(new DescribeBlueGreenDeploymentsCommand({ BlueGreenDeploymentIdentifier: id })),
        );
        const d = out.BlueGreenDeployments?.[0];
        return d ? toDeploymentFacts(d) : undefined;
      });
    },

    async createDeployment(req: CreateDeploymentRequest): Promise<DeploymentFacts> {
      logMutation('CreateBlueGreenDeployment', { name: req.name, source: req.sourceArn });
      const out = await callAws('CreateBlueGreenDeployment', () =>
        rds.send(
          new CreateBlueGreenDeploymentCommand({
            BlueGreenDeploymentName: req.name,
            Source: req.sourceArn,
            TargetEngineVersion: req.targetEngineVersion,
            TargetDBParameterGroupName: req.targetParameterGroup,
            TargetDBInstanceClass: req.targetInstanceClass,
            Tags: recordToTags(req.tags),
          }),
        ),
      );
      if (!out.BlueGreenDeployment) throw new Error('CreateBlueGreenDeployment returned no deployment');
      return toDeploymentFacts(out.BlueGreenDeployment);
    },

    async switchover(id: string, timeoutSeconds: number): Promise<DeploymentFacts> {
      logMutation('SwitchoverBlueGreenDeployment', { deployment: id, timeoutSeconds });
      const out = await callAws('SwitchoverBlueGreenDeployment', () =>
        rds.send(
          new SwitchoverBlueGreenDeploymentCommand({
            BlueGreenDeploymentIdentifier: id,
            SwitchoverTimeout: timeoutSeconds,
          }),
        ),
      );
      if (!out.BlueGreenDeployment) throw new Error('SwitchoverBlueGreenDeployment returned no deployment');
      return toDeploymentFacts(out.BlueGreenDeployment);
    },

    /** Deletes the deployment; undefined when it was already gone. */
    async deleteDeployment(id: string, deleteTarget: boolean): Promise<DeploymentFacts | undefined> {
      logMutation('DeleteBlueGreenDeployment', { deployment: id, deleteTarget });
      return unlessNotFound('BlueGreenDeploymentNotFoundFault', async () => {
        const out = await callAws('DeleteBlueGreenDeployment', () =>
          rds.send(
            new DeleteBlueGreenDeploymentCommand({
              BlueGreenDeploymentIdentifier: id,
              // DeleteTarget may not be sent at all after a switchover, so omit it when false.
              ...(deleteTarget ? { DeleteTarget: true } : {}),
            }),
          ),
        );
        return out.BlueGreenDeployment ? toDeploymentFacts(out.BlueGreenDeployment) : undefined;
      });
    },

    async disableDeletionProtection(instanceId: string): Promise<void> {
      logMutation('ModifyDBInstance', { instance: instanceId, deletionProtection: false });
      await callAws('ModifyDBInstance', () =>
        rds.send(
          new ModifyDBInstanceCommand({
            DBInstanceIdentifier: instanceId,
            DeletionProtection: false,
            ApplyImmediately: true,
          }),
        ),
      );
    },

    async addTags(arn: string, tags: Record<string, string>): Promise<void> {
      logMutation('AddTagsToResource', { resource: arn, tags });
      await callAws('AddTagsToResource', () =>
        rds.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: recordToTags(tags) })),
      );
    },

    async removeTags(arn: string, keys: string[]): Promise<void> {
      logMutation('RemoveTagsFromResource', { resource: arn, keys });
      await callAws('RemoveTagsFromResource', () =>
        rds.send(new RemoveTagsFromResourceCommand({ ResourceName: arn, TagKeys: keys })),
      );
    },

    /** One dynamic parameter of a DB parameter group, applied immediately to every instance using it. */
    async setParameter(group: string, name: string, value: string): Promise<void> {
      logMutation('ModifyDBParameterGroup', { group, name, value });
      await callAws('ModifyDBParameterGroup', () =>
        rds.send(
          new ModifyDBParameterGroupCommand({
            DBParameterGroupName: group,
            Parameters: [{ ParameterName: name, ParameterValue: value, ApplyMethod: 'immediate' }],
          }),
        ),
      );
    },

    /** One parameter back to the engine default, applied immediately. */
    async resetParameter(group: string, name: string): Promise<void> {
      logMutation('ResetDBParameterGroup', { group, name });
      await callAws('ResetDBParameterGroup', () =>
        rds.send(
          new ResetDBParameterGroupCommand({
            DBParameterGroupName: group,
            Parameters: [{ ParameterName: name, ApplyMethod: 'immediate' }],
          }),
        ),
      );
    },

    async rebootInstance(instanceId: string): Promise<void> {
      logMutation('RebootDBInstance', { instance: instanceId });
      await callAws('RebootDBInstance', () =>
        rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: instanceId })),
      );
    },

    async describeSnapshot(snapshotId: string): Promise<SnapshotFacts | undefined> {
      return unlessNotFound('DBSnapshotNotFoundFault', async () => {
        const out = await callAws('DescribeDBSnapshots', () =>
          rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: snapshotId })),
        );
        const s = out.DBSnapshots?.[0];
        return s
          ? {
              id: s.DBSnapshotIdentifier ?? snapshotId,
              instanceId: s.DBInstanceIdentifier ?? '',
              status: s.Status ?? 'unknown',
            }
          : undefined;
      });
    },

    async createSnapshot(
      snapshotId: string,
      instanceId: string,
      tags: Record<string, string>,
    ): Promise<SnapshotFacts> {
      logMutation('CreateDBSnapshot', { snapshot: snapshotId, instance: instanceId });
      const out = await callAws('CreateDBSnapshot', () =>
        rds.send(
          new CreateDBSnapshotCommand({
            DBSnapshotIdentifier: snapshotId,
            DBInstanceIdentifier: instanceId,
            Tags: recordToTags(tags),
          }),
        ),
      );
      const s = out.DBSnapshot;
      return { id: s?.DBSnapshotIdentifier ?? snapshotId, instanceId, status: s?.Status ?? 'creating' };
    },

    /** Deletes an instance whose final snapshot is already verified; returns its new status. */
    async deleteInstance(instanceId: string): Promise<string> {
      logMutation('DeleteDBInstance', { instance: instanceId, skipFinalSnapshot: true });
      const out = await callAws('DeleteDBInstance', () =>
        rds.send(
          new DeleteDBInstanceCommand({
            DBInstanceIdentifier: instanceId,
            SkipFinalSnapshot: true,
            DeleteAutomatedBackups: false,
          }),
        ),
      );
      return out.DBInstance?.DBInstanceStatus ?? 'deleting';
    },
  };
};

export type RdsGateway = ReturnType<typeof makeRdsGateway>;
