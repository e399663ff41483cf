/** The emulator's persisted state: RDS resources as records, plus the engine catalogue it offers. */

import type { Tag } from '../http/query.ts';
import type { ReplicationBaseline } from '../pg/degrade.ts';
import type { LogicalLink } from '../pg/logical.ts';

export type { Tag };

export interface ServerRecord {
  id: string;
  dir: string;
  port: number;
  major: number;
  /** The server family (absent: postgres, as records written before engines existed). */
  engine?: 'postgres' | 'mariadb';
  /** MariaDB: while a binlog GTID replica (green), its source and replication account. */
  replica?: { sourceServerId: string; password: string; gtid?: string; stalled?: boolean };
  /** While a physical standby: the primary server and the slot it streams from. */
  standby?: { primaryServerId: string; slot: string };
  /** While a logical subscriber: the publisher server and the pub/sub pairs. */
  logical?: { publisherServerId: string; links: LogicalLink[] };
}

export interface MasterUserSecret {
  SecretArn: string;
  SecretStatus: string;
  KmsKeyId?: string;
}

export interface InstanceRecord {
  /** DbiResourceId: stable across renames. */
  resourceId: string;
  id: string;
  /** RDS engine (absent: postgres). `mysql` runs on the MariaDB binary as a labelled stand-in. */
  engine?: 'postgres' | 'mariadb' | 'mysql';
  serverId?: string;
  endpointPort?: number;
  status: string;
  engineVersion: string;
  major: number;
  instanceClass: string;
  allocatedStorage: number;
  storageType: string;
  masterUsername: string;
  masterPassword: string;
  dbName?: string;
  backupRetentionPeriod: number;
  parameterGroup: string;
  parameterApplyStatus: string;
  deletionProtection: boolean;
  storageEncrypted: boolean;
  multiAZ: boolean;
  pendingModifiedValues?: Record<string, string | number | boolean>;
  masterUserSecret?: MasterUserSecret;
  readReplicaSource?: string;
  readReplicaIds?: string[];
  percentProgress?: string;
  tags: Tag[];
  createTime: string;
  /** Made read-only by a switchover (old blue). */
  readOnly?: boolean;
}

export interface ParameterGroupRecord {
  name: string;
  family: string;
  description: string;
  /** Values set on the group (Source `user`). */
  params: Record<string, string>;
}

export interface TaskRecord {
  Name: string;
  Status: 'PENDING' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
}

export type DeploymentStatus =
  | 'PROVISIONING'
  | 'AVAILABLE'
  | 'SWITCHOVER_IN_PROGRESS'
  | 'SWITCHOVER_COMPLETED'
  | 'INVALID_CONFIGURATION'
  | 'SWITCHOVER_FAILED'
  | 'DELETING';

export interface DeploymentRecord {
  id: string;
  name: string;
  sourceResourceId: string;
  targetResourceId?: string;
  /** PostgreSQL: physical (same major) or logical (major upgrade); MySQL family: binlog. */
  method: 'physical' | 'logical' | 'binlog';
  status: DeploymentStatus;
  memberStatus: string;
  statusDetails?: string;
  tasks: TaskRecord[];
  tags: Tag[];
  createTime: string;
  deleteTime?: string;
  targetEngineVersion?: string;
  targetParameterGroup?: string;
  targetInstanceClass?: string;
  /** Blue's schema fingerprint when green was built (logical path): a change means DDL on blue. */
  fingerprint?: string;
  degraded?: boolean;
  /** Logical path: what green's replication is compared against (pg/degrade.ts). */
  replicationBaseline?: ReplicationBaseline;
  /** Why and since when replication is degraded (rds/degraded.ts). */
  degradation?: { cause: string; message: string; at: string };
  /** In-flight switchover (kept so a restart can roll it back). */
  switchover?: { startedAt: string; timeoutSeconds: number; blueWasReadOnly: boolean };
  deleteTarget?: boolean;
}

export interface SnapshotRecord {
  id: string;
  instanceId: string;
  resourceId: string;
  type: 'manual' | 'automated';
  /** Absent: postgres. */
  engine?: 'postgres' | 'mariadb' | 'mysql';
  status: 'creating' | 'available';
  createTime: string;
  engineVersion: string;
  allocatedStorage: number;
  masterUsername: string;
  port: number;
  storageEncrypted: boolean;
  storageType: string;
  instanceCreateTime: string;
  dir: string;
  tags: Tag[];
  percentProgress: number;
}

export interface EventRecord {
  sourceIdentifier: string;
  sourceType: 'db-instance' | 'blue-green-deployment' | 'db-snapshot' | 'db-parameter-group';
  sourceArn: string;
  message: string;
  categories: string[];
  date: string;
  eventId?: string;
  tags?: Record<string, string>;
}

export interface AlarmRecord {
  name: string;
  state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
  reason: string;
  updated: string;
}

export interface SsmParameterRecord {
  name: string;
  type: 'String' | 'StringList' | 'SecureString';
  value: string;
  version: number;
  modified: string;
  description?: string;
}

export interface SnsMessage {
  topicArn: string;
  subject?: string;
  message: string;
  messageAttributes: Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }>;
  at: string;
  messageId: string;
}

export interface PersistedState {
  version: 1;
  masterPassword: string;
  seeded: boolean;
  servers: ServerRecord[];
  instances: InstanceRecord[];
  parameterGroups: ParameterGroupRecord[];
  deployments: DeploymentRecord[];
  snapshots: SnapshotRecord[];
  events: EventRecord[];
  /** Endpoint ports left behind by renamed instances, by name: the endpoint follows the name. */
  releasedEndpoints?: Record<string, number>;
  alarms: AlarmRecord[];
  ssm: SsmParameterRecord[];
  topics: string[];
  outbox: SnsMessage[];
  /** EventBridge-shaped envelopes (EventBridge events reference: Amazon RDS events). */
  bus: EmulatorEvent[];
}

export interface EmulatorEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: 'aws.rds';
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: {
    EventCategories: string[];
    SourceType: string;
    SourceArn: string;
    SourceIdentifier: string;
    Date: string;
    EventID?: string;
    Message: string;
    Tags?: Record<string, string>;
  };
}

// ---- engine catalogue -------------------------------------------------------------------------------

export interface EngineVersionInfo {
  engine: 'postgres' | 'mariadb' | 'mysql';
  version: string;
  /** PostgreSQL: the major (17, 18). MySQL family: the first component (10, 8). */
  major: number;
  /** RDS's MajorEngineVersion: `17`, `10.11`, `8.0`. */
  majorVersion: string;
  family: string;
  /** Served by the real binary of this version (false: an emulated minor served by the major's binary). */
  real: boolean;
  /** Runs on another engine's binary (engine `mysql` on MariaDB): say so wherever it is shown. */
  standIn?: boolean;
}

/**
 * The versions offered. 17.10 and 18.4 are the real npm binaries. 17.11 exists so that a minor-version
 * upgrade (physical path) can be requested; it runs on the 17.10 binary. MariaDB: the Debian binary's
 * version (10.11.19 here) and the next minor on the same binary. MySQL: 8.0.41 and 8.0.42, both run by the
 * MariaDB binary as a stand-in; no MySQL major upgrade is offered (one binary cannot do one for real).
 */
export const engineCatalog = (real17: string, real18: string, realMaria?: string): EngineVersionInfo[] => {
  const [maj17, min17] = real17.split('.').map(Number) as [number, number];
  const pg = (version: string, major: number, real: boolean): EngineVersionInfo => ({
    engine: 'postgres',
    version,
    major,
    majorVersion: String(major),
    family: `postgres${major}`,
    real,
  });
  const out = [pg(real17, 17, true), pg(`${maj17}.${min17 + 1}`, 17, false), pg(real18, 18, true)];
  if (realMaria) {
    const [a, b, c] = realMaria.split('.').map(Number) as [number, number, number];
    const maria = (version: string, real: boolean): EngineVersionInfo => ({
      engine: 'mariadb',
      version,
      major: a,
      majorVersion: `${a}.${b}`,
      family: `mariadb${a}.${b}`,
      real,
    });
    const my = (version: string): EngineVersionInfo => ({
      engine: 'mysql',
      version,
      major: 8,
      majorVersion: '8.0',
      family: 'mysql8.0',
      real: false,
      standIn: true,
    });
    out.push(maria(realMaria, true), maria(`${a}.${b}.${c + 1}`, false), my('8.0.41'), my('8.0.42'));
  }
  return out;
};

/** Engine-default parameters reported by DescribeDBParameters (a small, relevant subset). */
export const DEFAULT_PARAMETERS: Array<{
  name: string;
  value: string;
  type: 'static' | 'dynamic';
  dataType: string;
  description: string;
  allowed?: string;
}> = [
  {
    name: 'rds.logical_replication',
    value: '0',
    type: 'static',
    dataType: 'boolean',
    description: 'Enables logical decoding.',
    allowed: '0,1',
  },
  {
    name: 'max_replication_slots',
    value: '20',
    type: 'static',
    dataType: 'integer',
    description: 'Sets the maximum number of replication slots.',
    allowed: '5-8388607',
  },
  {
    name: 'max_wal_senders',
    value: '20',
    type: 'static',
    dataType: 'integer',
    description: 'Sets the maximum number of simultaneously running WAL sender processes.',
    allowed: '5-8388607',
  },
  {
    name: 'max_logical_replication_workers',
    value: '8',
    type: 'static',
    dataType: 'integer',
    description: 'Maximum number of logical replication worker processes.',
    allowed: '0-262143',
  },
  {
    name: 'max_worker_processes',
    value: '16',
    type: 'static',
    dataType: 'integer',
    description: 'Maximum number of concurrent worker processes.',
    allowed: '0-262143',
  },
  {
    name: 'max_connections',
    value: '100',
    type: 'static',
    dataType: 'integer',
    description: 'Sets the maximum number of concurrent connections.',
    allowed: '6-262143',
  },
  {
    name: 'shared_preload_libraries',
    value: 'pg_stat_statements',
    type: 'static',
    dataType: 'list',
    description: 'Lists shared libraries to preload into server.',
  },
  {
    name: 'synchronous_commit',
    value: 'on',
    type: 'dynamic',
    dataType: 'string',
    description: 'Sets the current transactions synchronization level.',
    allowed: 'local,on,off,remote_apply,remote_write',
  },
  {
    name: 'default_transaction_read_only',
    value: '0',
    type: 'dynamic',
    dataType: 'boolean',
    description: 'Sets the default read-only status of new transactions.',
    allowed: '0,1',
  },
  {
    name: 'wal_sender_timeout',
    value: '60000',
    type: 'dynamic',
    dataType: 'integer',
    description: 'Sets the maximum time to wait for WAL replication.',
    allowed: '0-3600000',
  },
  {
    name: 'logical_decoding_work_mem',
    value: '65536',
    type: 'dynamic',
    dataType: 'integer',
    description: 'Sets the maximum memory to be used for logical decoding.',
    allowed: '64-2147483647',
  },
  {
    // The default for PostgreSQL 15 and later (emulator/rds/force-ssl.ts); it has an effect here.
    name: 'rds.force_ssl',
    value: '1',
    type: 'dynamic',
    dataType: 'boolean',
    description: 'Force SSL connections.',
    allowed: '0,1',
  },
  {
    name: 'autovacuum',
    value: '1',
    type: 'dynamic',
    dataType: 'boolean',
    description: 'Starts the autovacuum subprocess.',
    allowed: '0,1',
  },
  {
    name: 'checkpoint_timeout',
    value: '300',
    type: 'dynamic',
    dataType: 'integer',
    description: 'Sets the maximum time between automatic WAL checkpoints.',
    allowed: '30-86400',
  },
  {
    name: 'hot_standby_feedback',
    value: '0',
    type: 'dynamic',
    dataType: 'boolean',
    description: 'Allows feedback from a hot standby to the primary.',
    allowed: '0,1',
  },
  {
    name: 'idle_in_transaction_session_timeout',
    value: '86400000',
    type: 'dynamic',
    dataType: 'integer',
    description: 'Sets the maximum allowed idle time between queries, when in a transaction.',
    allowed: '0-2147483647',
  },
  {
    name: 'lock_timeout',
    value: '0',
    type: 'dynamic',
    dataType: 'integer',
    description: 'Sets the maximum allowed duration of any wait for a lock.',
    allowed: '0-2147483647',
  },
  {
    name: 'log_min_duration_statement',
    value: '-1',
    type: 'dynamic',
    dataType: 'integer',
    description: 'Sets the minimum execution time above which statements will be logged.',
    allowed: '-1-2147483647',
  },
  {
    name: 'maintenance_work_mem',
    value: '65536',
    type: 'dynamic',
    dataType: 'integer',
    description: 'Sets the maximum memory to be used for maintenance operations.',
    allowed: '1024-2147483647',
  },
  {
    name: 'max_slot_wal_keep_size',
    value: '-1',
    type: 'dynamic',
    dataType: 'integer',
    description: 'Sets the maximum WAL size that can be reserved by replication slots.',
    allowed: '-1-2147483647',
  },
  {
    name: 'max_sync_workers_per_subscription',
    value: '2',
    type: 'dynamic',
    dataType: 'integer',
    description: 'Maximum number of table synchronization workers per subscription.',
    allowed: '0-262143',
  },
  {
    name: 'pg_stat_statements.track',
    value: 'top',
    type: 'dynamic',
    dataType: 'string',
    description: 'Selects which statements are tracked by pg_stat_statements.',
    allowed: 'all,none,top',
  },
  {
    name: 'rds.logically_replicate_unlogged_tables',
    value: '0',
    type: 'static',
    dataType: 'boolean',
    description: 'Logically replicate unlogged tables.',
    allowed: '0,1',
  },
  {
    name: 'statement_timeout',
    value: '0',
    type: 'dynamic',
    dataType: 'integer',
    description: 'Sets the maximum allowed duration of any statement.',
    allowed: '0-2147483647',
  },
  {
    name: 'wal_receiver_timeout',
    value: '30000',
    type: 'dynamic',
    dataType: 'integer',
    description: 'Sets the maximum wait time to receive data from the primary.',
    allowed: '0-3600000',
  },
  {
    name: 'work_mem',
    value: '4096',
    type: 'dynamic',
    dataType: 'integer',
    description: 'Sets the maximum memory to be used for query workspaces.',
    allowed: '64-2147483647',
  },
];

export const TERMINAL_DEPLOYMENT = new Set<DeploymentStatus>(['INVALID_CONFIGURATION']);
