/**
 * The engine interface: what the engine-neutral Blue/Green control plane (rds/bluegreen.ts) asks of the
 * database servers behind DB instances. PostgreSQL (physical and logical replication) and MariaDB (binlog
 * GTID replication; also the `mysql` stand-in) implement it in engines/postgres.ts and engines/mariadb.ts.
 */
import type { DeploymentRecord, InstanceRecord, ServerRecord } from '../rds/model.ts';
import type { EmulatorTls } from '../tls.ts';

/** RDS engine names the emulator accepts. */
export type RdsEngine = 'postgres' | 'mariadb' | 'mysql';
/** The server family that runs an instance: `mysql` runs on MariaDB (a labelled stand-in). */
export type ServerKind = 'postgres' | 'mariadb';

export const serverKindOf = (engine: RdsEngine | undefined): ServerKind =>
  engine === 'mariadb' || engine === 'mysql' ? 'mariadb' : 'postgres';

/** What every real server behind an instance offers, whatever the engine. */
export interface DbServer {
  readonly cfg: { id: string; dir: string; port: number; password: string };
  readonly pid: number | undefined;
  readonly running: boolean;
  readonly port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

export interface ReplicationHealth {
  healthy: boolean;
  /** ReplicaLag in seconds, where the engine reports it. */
  seconds?: number;
  /** Replication backlog in bytes (PostgreSQL WAL); 0 where the engine does not count bytes. */
  bytes: number;
  detail?: string;
}

/** Why green's replication is degraded (only recreating green recovers it). */
export interface Degradation {
  /** ddl, new-partition, large-object (PostgreSQL logical) or apply-error */
  cause: string;
  message: string;
}

export interface LongWriter {
  id: number;
  ms: number;
  query: string;
  app: string;
}

/** What the engine needs from the emulator's runtime (a narrow view of Core). */
export interface EngineHost {
  log(line: string): void;
  save(): void;
  serverRecord(id: string | undefined): ServerRecord | undefined;
  /** The server object of a record (created on first use, not started). */
  serverFor(rec: ServerRecord, inst: Pick<InstanceRecord, 'masterUsername' | 'masterPassword'>): DbServer;
  startServer(
    rec: ServerRecord,
    inst: Pick<InstanceRecord, 'masterUsername' | 'masterPassword'>,
  ): Promise<DbServer>;
  /** Emits a Blue/Green deployment event. */
  deploymentEvent(
    dep: DeploymentRecord,
    eventId: string | undefined,
    category: string,
    message: string,
  ): void;
}

/** What a new server gets from the runtime: the log, the data dir's CA and certificate, rds.force_ssl. */
export interface ServerContext {
  log: (line: string) => void;
  tls: EmulatorTls;
  /** PostgreSQL: refuse plain connections (rds.force_ssl). */
  forceSsl: boolean;
}

/** What starting a server needs from the runtime. */
export type StartHost = Pick<EngineHost, 'serverRecord' | 'save' | 'log'>;

/** The pair a deployment replicates between. */
export interface Pair {
  blue: DbServer;
  green: DbServer;
  /** Green's server record (replication state lives there). */
  rec: ServerRecord;
}

export interface Engine {
  readonly kind: ServerKind;
  /** The parameter that keeps old blue read-only until it is set to 0 and the instance rebooted (§6.4). */
  readonly readOnlyParameter: string;
  /** The DB instance's default port as RDS reports it in snapshots (5432, 3306). */
  readonly defaultPort: number;
  newServer(
    rec: ServerRecord,
    inst: Pick<InstanceRecord, 'masterUsername' | 'masterPassword'>,
    ctx: ServerContext,
  ): DbServer;
  /** Before start: settings that depend on other servers' current ports (a standby's primary). */
  beforeStart(host: StartHost, rec: ServerRecord, server: DbServer): void;
  /** After start: re-point replication at the source's current port. */
  afterStart(host: StartHost, rec: ServerRecord, server: DbServer): Promise<void>;
  /** A fresh, empty server with the master user; `dbName` created when given. */
  initialize(server: DbServer, dbName: string | undefined): Promise<void>;
  /** Runs setup SQL (the seed) as the emulator's admin. */
  runSql(server: DbServer, sql: string, dbName: string | undefined): Promise<void>;
  /** Builds green's server from blue and leaves it replicating, read-only (CREATING_READ_REPLICA_OF_SOURCE). */
  buildGreen(
    host: EngineHost,
    dep: DeploymentRecord,
    blue: DbServer,
    rec: ServerRecord,
    green: InstanceRecord,
  ): Promise<void>;
  /** The DB_ENGINE_VERSION_UPGRADE task where it does real work (PostgreSQL logical), else nothing. */
  upgradeTask(host: EngineHost, dep: DeploymentRecord, pair: Pair): Promise<void>;
  /** Green stops (or resumes) applying changes: the replication-stall fault. */
  setStall(pair: Pair, stalled: boolean): Promise<void>;
  health(dep: DeploymentRecord, pair: Pair): Promise<ReplicationHealth>;
  /** A change green cannot follow (PostgreSQL logical: DDL, a new partition, large objects, an apply error), or undefined. */
  degradation(dep: DeploymentRecord, pair: Pair): Promise<Degradation | undefined>;
  /** CloudWatch AWS/RDS metric of an instance, or undefined when the engine does not publish it. */
  metric(metric: string, server: DbServer, pairAsGreen: Pair | undefined): Promise<number | undefined>;
  setReadOnly(server: DbServer, on: boolean): Promise<void>;
  /** ModifyDBInstance MasterUserPassword. */
  setMasterPassword(server: DbServer, user: string, password: string): Promise<void>;
  /** Ends every client session (not the emulator's, not replication's). */
  terminateClients(server: DbServer): Promise<void>;
  longWriters(server: DbServer, olderThanMs: number): Promise<LongWriter[]>;
  /** Opens a real write transaction on `server` and keeps it open until the returned function runs. */
  openLongWrite(server: DbServer, dbName: string | undefined): Promise<() => Promise<void>>;
  /** Waits until green has applied everything blue committed (blue takes no writes now). */
  catchUp(pair: Pair, deadline: number): Promise<boolean>;
  /** Work between catch-up and promotion (PostgreSQL logical: sequence sync). */
  beforePromote(host: EngineHost, dep: DeploymentRecord, pair: Pair): Promise<void>;
  /** Makes green a standalone primary; calls `commit()` at the point of no return. */
  promote(pair: Pair, commit: () => void): Promise<void>;
  /** After a completed switchover (MySQL family: the binary log coordinates event). */
  afterSwitchover(host: EngineHost, dep: DeploymentRecord, pair: Pair): Promise<void>;
  /** DeleteBlueGreenDeployment without DeleteTarget: what happens to green (engine-specific, §2.5). */
  detachGreen(pair: Pair): Promise<{ keepsReplicating: boolean }>;
  /** Before green's server is removed: clean up what blue keeps for it (slots, publications). May stop green. */
  forgetGreen(blue: DbServer | undefined, green: DbServer | undefined, rec: ServerRecord): Promise<void>;
  /** A real, restorable copy of the server's data into `dir`. */
  snapshot(server: DbServer, dir: string): Promise<void>;
  /** Whether green's record says it still replicates from blue. */
  replicating(rec: ServerRecord | undefined): boolean;
}
