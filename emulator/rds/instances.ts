/** DB instances: creation on a fresh PostgreSQL server, deletion, snapshots, parameter groups, catalogue. */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Core, newResourceId } from '../core.ts';
import { QueryError } from '../http/query.ts';
import { binariesFor } from '../pg/binaries.ts';
import { retargetSubscriptions } from '../pg/logical.ts';
import { baseBackup } from '../pg/physical.ts';
import { errorMessage, ident, lowerAlnum, sleep } from '../util.ts';
import {
  type EngineVersionInfo,
  engineCatalog,
  type InstanceRecord,
  type ParameterGroupRecord,
  type SnapshotRecord,
  type Tag,
} from './model.ts';

export const catalog = (): EngineVersionInfo[] =>
  engineCatalog(binariesFor(17).version, binariesFor(18).version);

/** Resolves `17`, `17.10`, `18.4`… to a catalogue entry. */
export const resolveVersion = (v: string | undefined): EngineVersionInfo | undefined => {
  const all = catalog();
  if (!v) return all.filter((e) => e.real).at(-1);
  return all.find((e) => e.version === v) ?? all.filter((e) => e.real && String(e.major) === v).at(-1);
};

/** Valid upgrade targets: a later minor of the same major, or a later major. */
export const upgradeTargets = (from: EngineVersionInfo): EngineVersionInfo[] =>
  catalog().filter((e) => {
    const [fa, fb] = from.version.split('.').map(Number) as [number, number];
    const [ta, tb] = e.version.split('.').map(Number) as [number, number];
    return ta > fa || (ta === fa && tb > fb);
  });

export const ensureParameterGroups = (core: Core): void => {
  const want: ParameterGroupRecord[] = [
    {
      name: 'default.postgres17',
      family: 'postgres17',
      description: 'Default parameter group for postgres17',
      params: {},
    },
    {
      name: 'default.postgres18',
      family: 'postgres18',
      description: 'Default parameter group for postgres18',
      params: {},
    },
    {
      name: 'orders-pg17',
      family: 'postgres17',
      description: 'orders-db: logical replication on',
      params: { 'rds.logical_replication': '1' },
    },
    {
      name: 'orders-pg18',
      family: 'postgres18',
      description: 'orders-db after the major upgrade',
      params: { 'rds.logical_replication': '1' },
    },
  ];
  for (const g of want)
    if (!core.state.parameterGroups.some((x) => x.name === g.name)) core.state.parameterGroups.push(g);
  core.save();
};

export const parameterGroup = (core: Core, name: string): ParameterGroupRecord => {
  const g = core.state.parameterGroups.find((x) => x.name === name.toLowerCase() || x.name === name);
  if (!g) throw new QueryError('DBParameterGroupNotFound', `DBParameterGroup not found: ${name}`, 404);
  return g;
};

export const instanceNotFound = (id: string): QueryError =>
  new QueryError('DBInstanceNotFound', `DBInstance ${id} not found.`, 404);

const ID_RE = /^[a-zA-Z](?:-?[a-zA-Z0-9])*$/;
export const validIdentifier = (id: string, param: string): void => {
  if (!ID_RE.test(id) || id.length > 63)
    throw new QueryError(
      'InvalidParameterValue',
      `The parameter ${param} is not a valid identifier. Identifiers must begin with a letter; must contain only ASCII letters, digits, and hyphens; and must not end with a hyphen or contain two consecutive hyphens.`,
    );
};

export interface CreateInstanceSpec {
  id: string;
  instanceClass: string;
  engineVersion?: string;
  masterUsername: string;
  masterPassword: string;
  dbName?: string;
  allocatedStorage?: number;
  storageType?: string;
  backupRetentionPeriod?: number;
  parameterGroup?: string;
  deletionProtection?: boolean;
  storageEncrypted?: boolean;
  multiAZ?: boolean;
  manageMasterUserPassword?: boolean;
  tags?: Tag[];
  /** SQL run once the server is up (the seed). */
  setupSql?: string[];
}

/** Records the instance as `creating` and builds its server in the background; `wait` awaits it. */
export const createInstance = async (
  core: Core,
  spec: CreateInstanceSpec,
  wait = false,
): Promise<InstanceRecord> => {
  const id = spec.id.toLowerCase();
  validIdentifier(id, 'DBInstanceIdentifier');
  if (core.instance(id)) throw new QueryError('DBInstanceAlreadyExists', 'DB instance already exists', 400);
  const ver = resolveVersion(spec.engineVersion);
  if (!ver)
    throw new QueryError(
      'InvalidParameterCombination',
      `Cannot find version ${spec.engineVersion} for postgres`,
      400,
    );
  const groupName = spec.parameterGroup ?? `default.${ver.family}`;
  const group = parameterGroup(core, groupName);
  if (group.family !== ver.family)
    throw new QueryError(
      'InvalidParameterCombination',
      `The parameter group ${group.name} with DBParameterGroupFamily ${group.family} can't be used for this instance. Use a parameter group with DBParameterGroupFamily ${ver.family}.`,
    );
  const inst: InstanceRecord = {
    resourceId: newResourceId(),
    id,
    status: 'creating',
    engineVersion: ver.version,
    major: ver.major,
    instanceClass: spec.instanceClass,
    allocatedStorage: spec.allocatedStorage ?? 20,
    storageType: spec.storageType ?? 'gp3',
    masterUsername: spec.masterUsername,
    masterPassword: spec.masterPassword,
    ...(spec.dbName ? { dbName: spec.dbName } : {}),
    backupRetentionPeriod: spec.backupRetentionPeriod ?? 1,
    parameterGroup: group.name,
    parameterApplyStatus: 'in-sync',
    deletionProtection: spec.deletionProtection ?? false,
    storageEncrypted: spec.storageEncrypted ?? false,
    multiAZ: spec.multiAZ ?? false,
    tags: spec.tags ?? [],
    createTime: new Date().toISOString(),
  };
  if (spec.manageMasterUserPassword)
    inst.masterUserSecret = {
      SecretArn: `arn:aws:secretsmanager:${core.cfg.region}:${core.cfg.accountId}:secret:rds!db-${randomUUID()}-${lowerAlnum(6)}`,
      SecretStatus: 'active',
      KmsKeyId: `arn:aws:kms:${core.cfg.region}:${core.cfg.accountId}:key/${randomUUID()}`,
    };
  core.state.instances.push(inst);
  core.save();
  const build = async (): Promise<void> => {
    try {
      const rec = await core.newServerRecord(ver.major, id);
      inst.serverId = rec.id;
      core.save();
      const server = core.pgServer(rec, inst);
      await server.initdb();
      await core.startServer(rec, inst);
      if (inst.dbName && inst.dbName !== 'postgres')
        await server.query(`CREATE DATABASE ${ident(inst.dbName)}`);
      for (const sql of spec.setupSql ?? []) await server.query(sql, [], inst.dbName ?? 'postgres');
      await core.openEndpoint(inst);
      inst.status = 'available';
      core.save();
      core.event({
        sourceIdentifier: inst.id,
        sourceType: 'db-instance',
        sourceArn: core.instanceArn(inst),
        message: 'DB instance created',
        categories: ['creation'],
        eventId: 'RDS-EVENT-0005',
      });
    } catch (e) {
      inst.status = 'failed';
      core.save();
      core.log(`[instance] ${id} failed: ${errorMessage(e)}`);
      if (wait) throw e;
    }
  };
  if (wait) await build();
  else core.run(`create ${id}`, build);
  return inst;
};

/** Starts the server and endpoint of every instance after a restart. */
export const startInstances = async (core: Core): Promise<void> => {
  // Primaries first: a standby's primary_conninfo needs its primary's port.
  const order = [...core.state.instances].sort(
    (a, b) =>
      Number(!!core.serverRecord(a.serverId)?.standby) - Number(!!core.serverRecord(b.serverId)?.standby),
  );
  await Promise.all(
    order
      .filter((i) => !core.serverRecord(i.serverId)?.standby)
      .map(async (inst) => {
        const rec = core.serverRecord(inst.serverId);
        if (!rec || !existsSync(rec.dir)) {
          if (inst.status === 'creating') inst.status = 'failed';
          return;
        }
        await core.startServer(rec, inst);
        await core.openEndpoint(inst);
        if (inst.status === 'creating' || inst.status === 'rebooting' || inst.status === 'modifying')
          inst.status = 'available';
      }),
  );
  for (const inst of order.filter((i) => core.serverRecord(i.serverId)?.standby)) {
    const rec = core.serverRecord(inst.serverId);
    if (!rec) continue;
    await core.startServer(rec, inst);
    await core.openEndpoint(inst);
  }
  // A logical subscription's connection string names the publisher's port, which may have changed.
  for (const rec of core.state.servers) {
    if (!rec.logical) continue;
    const green = core.servers.get(rec.id);
    const blue = core.servers.get(rec.logical.publisherServerId);
    if (green?.running && blue?.running)
      await retargetSubscriptions(blue, green, rec.logical.links).catch((e) =>
        core.log(`[logical] retarget: ${errorMessage(e)}`),
      );
  }
  core.save();
};

// ---- snapshots -----------------------------------------------------------------------------------

export const snapshotNotFound = (id: string): QueryError =>
  new QueryError('DBSnapshotNotFound', `DBSnapshot ${id} not found.`, 404);

/** A real copy of the instance's data directory (a base backup with its WAL), `creating` → `available`. */
export const createSnapshot = async (
  core: Core,
  inst: InstanceRecord,
  snapshotId: string,
  tags: Tag[],
  wait = false,
): Promise<SnapshotRecord> => {
  const id = snapshotId.toLowerCase();
  validIdentifier(id, 'DBSnapshotIdentifier');
  if (core.state.snapshots.some((s) => s.id === id))
    throw new QueryError(
      'DBSnapshotAlreadyExists',
      `Cannot create the snapshot because a snapshot with the identifier ${id} already exists.`,
      400,
    );
  const snap: SnapshotRecord = {
    id,
    instanceId: inst.id,
    resourceId: inst.resourceId,
    type: 'manual',
    status: 'creating',
    createTime: new Date().toISOString(),
    engineVersion: inst.engineVersion,
    allocatedStorage: inst.allocatedStorage,
    masterUsername: inst.masterUsername,
    port: 5432,
    storageEncrypted: inst.storageEncrypted,
    storageType: inst.storageType,
    instanceCreateTime: inst.createTime,
    dir: join(core.snapshotDir, id),
    tags,
    percentProgress: 0,
  };
  core.state.snapshots.push(snap);
  core.save();
  const work = async (): Promise<void> => {
    const server = core.server(inst);
    mkdirSync(core.snapshotDir, { recursive: true });
    rmSync(snap.dir, { recursive: true, force: true });
    if (server?.running) await baseBackup(server, snap.dir, { includeWal: true });
    snap.status = 'available';
    snap.percentProgress = 100;
    core.save();
    core.event({
      sourceIdentifier: id,
      sourceType: 'db-snapshot',
      sourceArn: core.arn('snapshot', id),
      message: 'Manual snapshot created',
      categories: ['creation'],
      eventId: 'RDS-EVENT-0042',
    });
  };
  if (wait) await work();
  else core.run(`snapshot ${id}`, work);
  return snap;
};

/** Deletes an instance: optional final snapshot, server stopped and removed, record gone after delays.deleteMs. */
export const deleteInstance = (core: Core, inst: InstanceRecord, finalSnapshot: string | undefined): void => {
  inst.status = 'deleting';
  core.save();
  core.run(`delete instance ${inst.id}`, async () => {
    const started = Date.now();
    if (finalSnapshot) await createSnapshot(core, inst, finalSnapshot, inst.tags, true);
    await core.closeEndpoint(inst);
    await core.removeServer(inst.serverId);
    const rest = core.cfg.delays.deleteMs - (Date.now() - started);
    if (rest > 0) await sleep(rest);
    core.state.instances = core.state.instances.filter((i) => i !== inst);
    core.save();
    core.event({
      sourceIdentifier: inst.id,
      sourceType: 'db-instance',
      sourceArn: core.instanceArn(inst),
      message: 'DB instance deleted',
      categories: ['deletion'],
      eventId: 'RDS-EVENT-0003',
    });
  });
};

/**
 * ModifyDBInstance NewDBInstanceIdentifier with ApplyImmediately: status `renaming`, then the new name.
 * The endpoint follows the name, as RDS's DNS names do: the instance leaves its endpoint (port) to
 * its old name and takes the endpoint last held by the new name, if one was left behind, or a new one.
 * So renaming `orders-db-old1` to `orders-db` (after `orders-db` was renamed away) puts it behind the
 * port applications use: a fail-back by hand. DbiResourceId does not change.
 */
export const renameInstance = (core: Core, inst: InstanceRecord, newId: string): void => {
  const oldId = inst.id;
  inst.status = 'renaming';
  core.save();
  core.run(`rename ${oldId} to ${newId}`, async () => {
    await sleep(core.cfg.delays.taskMs);
    core.state.releasedEndpoints ??= {};
    const released = core.state.releasedEndpoints;
    if (inst.endpointPort) released[oldId] = inst.endpointPort;
    await core.closeEndpoint(inst);
    inst.id = newId;
    inst.endpointPort = released[newId];
    delete released[newId];
    if (core.server(inst)) await core.openEndpoint(inst);
    inst.status = 'available';
    core.save();
    core.event({
      sourceIdentifier: newId,
      sourceType: 'db-instance',
      sourceArn: core.instanceArn(inst),
      message: `Renamed instance from ${oldId} to ${newId}`,
      categories: ['configuration change'],
    });
  });
};

// ---- the seed ------------------------------------------------------------------------------------

/** `orders-db`: PostgreSQL 17, an `orders` table with sample rows, backups on, parameter group orders-pg17. */
export const seed = async (core: Core, rows: number): Promise<void> => {
  if (core.state.seeded) return;
  await createInstance(
    core,
    {
      id: 'orders-db',
      instanceClass: 'db.t4g.medium',
      engineVersion: '17',
      masterUsername: 'postgres',
      masterPassword: core.state.masterPassword,
      parameterGroup: 'orders-pg17',
      backupRetentionPeriod: 7,
      allocatedStorage: 50,
      storageEncrypted: true,
      tags: [
        { Key: 'app', Value: 'orders' },
        { Key: 'env', Value: 'local' },
      ],
      setupSql: [
        `CREATE TABLE orders (
           id bigserial PRIMARY KEY,
           customer_id integer NOT NULL,
           status text NOT NULL DEFAULT 'new',
           amount_cents integer NOT NULL CHECK (amount_cents >= 0),
           created_at timestamptz NOT NULL DEFAULT now())`,
        'CREATE INDEX orders_customer_id_idx ON orders (customer_id)',
        `INSERT INTO orders (customer_id, status, amount_cents)
           SELECT 1 + (g % 97), (ARRAY['new','paid','shipped'])[1 + g % 3], 100 + (g * 37) % 9900 FROM generate_series(1, ${Math.max(0, Math.floor(rows))}) g`,
      ],
    },
    true,
  );
  core.state.seeded = true;
  core.save();
};
