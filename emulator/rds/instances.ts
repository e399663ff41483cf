/** DB instances: creation on a fresh PostgreSQL server, deletion, snapshots, parameter groups, catalogue. */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type Core, newResourceId } from '../core.ts';
import { engineOfInstance, type RdsEngine, serverKindOf } from '../engines/index.ts';
import { QueryError } from '../http/query.ts';
import { MARIADB_INSTALL_HINT, mariaBinaries, mariadbAvailable } from '../mariadb/binaries.ts';
import { binariesFor } from '../pg/binaries.ts';
import { retargetSubscriptions } from '../pg/logical.ts';
import { PgServer } from '../pg/server.ts';
import { errorMessage, lowerAlnum, sleep } from '../util.ts';
import {
  type EngineVersionInfo,
  engineCatalog,
  type InstanceRecord,
  type ParameterGroupRecord,
  type SnapshotRecord,
  type Tag,
} from './model.ts';
import { applyGroupReadOnly } from './parameter-apply.ts';

/** Every engine's versions; MariaDB and the MySQL stand-in only when the MariaDB binaries are installed. */
export const catalog = (): EngineVersionInfo[] =>
  engineCatalog(
    binariesFor(17).version,
    binariesFor(18).version,
    mariadbAvailable() ? mariaBinaries().version : undefined,
  );

export const ENGINES: readonly RdsEngine[] = ['postgres', 'mariadb', 'mysql'];

/** Resolves `17`, `17.10`, `10.11`, `8.0.41`… of one engine to a catalogue entry (no version: the default). */
export const resolveVersion = (
  v: string | undefined,
  engine: RdsEngine = 'postgres',
): EngineVersionInfo | undefined => {
  const all = catalog().filter((e) => e.engine === engine);
  const defaults = all.filter((e) => e.real || e.standIn);
  if (!v) return engine === 'mysql' ? defaults[0] : defaults.at(-1);
  return (
    all.find((e) => e.version === v) ??
    defaults.filter((e) => String(e.major) === v || e.majorVersion === v).at(engine === 'mysql' ? 0 : -1)
  );
};

const versionParts = (v: string): number[] => v.split('.').map(Number);
const compareVersions = (a: string, b: string): number => {
  const [x, y] = [versionParts(a), versionParts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d) return d;
  }
  return 0;
};

/** Valid upgrade targets: a later version of the same engine (a later minor, or a later major). */
export const upgradeTargets = (from: EngineVersionInfo): EngineVersionInfo[] =>
  catalog().filter((e) => e.engine === from.engine && compareVersions(e.version, from.version) > 0);

/** A request for engine mariadb or mysql on a machine without the MariaDB binaries. */
export const requireEngineBinaries = (engine: RdsEngine): void => {
  if (serverKindOf(engine) === 'mariadb' && !mariadbAvailable())
    throw new QueryError(
      'InvalidParameterCombination',
      `Engine ${engine} runs on the MariaDB server binary, which is not installed here. Install it with: ${MARIADB_INSTALL_HINT}`,
    );
};

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
  if (mariadbAvailable()) {
    const maria = resolveVersion(undefined, 'mariadb');
    if (maria)
      want.push(
        {
          name: `default.${maria.family}`,
          family: maria.family,
          description: `Default parameter group for ${maria.family}`,
          params: {},
        },
        {
          name: 'orders-mariadb',
          family: maria.family,
          description: 'orders on MariaDB: row-based binlog, event scheduler off',
          params: { binlog_format: 'ROW', event_scheduler: 'OFF' },
        },
        // Green's own group: a fail-back changes read_only in each instance's group, never a shared one.
        {
          name: 'orders-mariadb-green',
          family: maria.family,
          description: "orders' green on MariaDB: the same settings in a group of its own",
          params: { binlog_format: 'ROW', event_scheduler: 'OFF' },
        },
      );
    want.push(
      {
        name: 'default.mysql8.0',
        family: 'mysql8.0',
        description: 'Default parameter group for mysql8.0',
        params: {},
      },
      {
        name: 'orders-mysql80',
        family: 'mysql8.0',
        description: 'orders on MySQL 8.0 (MariaDB stand-in): row-based binlog, event scheduler off',
        params: { binlog_format: 'ROW', event_scheduler: 'OFF' },
      },
    );
  }
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
  engine?: RdsEngine;
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
  const engine = spec.engine ?? 'postgres';
  requireEngineBinaries(engine);
  const ver = resolveVersion(spec.engineVersion, engine);
  if (!ver)
    throw new QueryError(
      'InvalidParameterCombination',
      `Cannot find version ${spec.engineVersion} for ${engine}`,
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
    ...(engine === 'postgres' ? {} : { engine }),
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
      const eng = engineOfInstance(inst);
      const rec = await core.newServerRecord(ver.major, id, eng.kind);
      inst.serverId = rec.id;
      core.save();
      const server = core.serverFor(rec, inst);
      await eng.initialize(server, inst.dbName);
      for (const sql of spec.setupSql ?? []) await eng.runSql(server, sql, inst.dbName);
      await applyGroupReadOnly(core, inst); // a group that already says read_only=1
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

/** Replicas that must start after their source (a physical standby, a MariaDB replica): they need its port. */
const startsLater = (core: Core, inst: InstanceRecord): boolean => {
  const rec = core.serverRecord(inst.serverId);
  return !!rec?.standby || !!rec?.replica;
};

/** Starts the server and endpoint of every instance after a restart. */
export const startInstances = async (core: Core): Promise<void> => {
  // Primaries first: a standby's primary_conninfo needs its primary's port.
  const order = [...core.state.instances].sort(
    (a, b) => Number(startsLater(core, a)) - Number(startsLater(core, b)),
  );
  await Promise.all(
    order
      .filter((i) => !startsLater(core, i))
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
  for (const inst of order.filter((i) => startsLater(core, i))) {
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
    if (green instanceof PgServer && blue instanceof PgServer && green.running && blue.running)
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
    ...(inst.engine ? { engine: inst.engine } : {}),
    engineVersion: inst.engineVersion,
    allocatedStorage: inst.allocatedStorage,
    masterUsername: inst.masterUsername,
    port: engineOfInstance(inst).defaultPort,
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
    if (server?.running) await engineOfInstance(inst).snapshot(server, snap.dir);
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

/** The seed's SQL on the MySQL family: the same `orders` table as on PostgreSQL, in MySQL's dialect. */
const mysqlOrdersSql = (rows: number): string[] => [
  `CREATE TABLE orders (
     id BIGINT AUTO_INCREMENT PRIMARY KEY,
     customer_id INT NOT NULL,
     status VARCHAR(20) NOT NULL DEFAULT 'new',
     amount_cents INT NOT NULL CHECK (amount_cents >= 0),
     created_at DATETIME(6) NOT NULL DEFAULT NOW(6),
     KEY orders_customer_id_idx (customer_id))`,
  ...(rows > 0
    ? [
        `INSERT INTO orders (customer_id, status, amount_cents)
           SELECT 1 + (seq % 97), ELT(1 + seq % 3, 'new', 'paid', 'shipped'), 100 + (seq * 37) % 9900 FROM seq_1_to_${rows}`,
      ]
    : []),
];

/**
 * `orders-db`: PostgreSQL 17 with an `orders` table, sample rows, backups on, parameter group orders-pg17.
 * With `engine` mariadb (10.11) or mysql (8.0, the MariaDB stand-in): master user `admin`, database
 * `orders`, parameter group orders-mariadb or orders-mysql80 (binlog_format ROW, event_scheduler OFF).
 */
export const seed = async (core: Core, rows: number, engine: RdsEngine = 'postgres'): Promise<void> => {
  if (core.state.seeded) return;
  const n = Math.max(0, Math.floor(rows));
  const common = {
    id: 'orders-db',
    instanceClass: 'db.t4g.medium',
    masterPassword: core.state.masterPassword,
    backupRetentionPeriod: 7,
    allocatedStorage: 50,
    storageEncrypted: true,
    tags: [
      { Key: 'app', Value: 'orders' },
      { Key: 'env', Value: 'local' },
    ],
  };
  await createInstance(
    core,
    engine === 'postgres'
      ? {
          ...common,
          engineVersion: '17',
          masterUsername: 'postgres',
          parameterGroup: 'orders-pg17',
          setupSql: [
            `CREATE TABLE orders (
               id bigserial PRIMARY KEY,
               customer_id integer NOT NULL,
               status text NOT NULL DEFAULT 'new',
               amount_cents integer NOT NULL CHECK (amount_cents >= 0),
               created_at timestamptz NOT NULL DEFAULT now())`,
            'CREATE INDEX orders_customer_id_idx ON orders (customer_id)',
            `INSERT INTO orders (customer_id, status, amount_cents)
               SELECT 1 + (g % 97), (ARRAY['new','paid','shipped'])[1 + g % 3], 100 + (g * 37) % 9900 FROM generate_series(1, ${n}) g`,
          ],
        }
      : {
          ...common,
          engine,
          masterUsername: 'admin',
          dbName: 'orders',
          parameterGroup: engine === 'mariadb' ? 'orders-mariadb' : 'orders-mysql80',
          setupSql: mysqlOrdersSql(n),
        },
    true,
  );
  core.state.seeded = true;
  core.save();
};
