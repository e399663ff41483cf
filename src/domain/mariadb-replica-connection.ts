/**
 * Old blue's one replica connection on RDS for MariaDB, as the master user sees it: RDS's procedures
 * (`mysql.rds_set_external_master_gtid`, `rds_start_replication`, `rds_stop_replication`,
 * `rds_reset_external_master`) manage only the default (unnamed) connection, so Switchyard must prove the
 * connection is the one it made before it stops or resets it, and must leave one to another source alone.
 * Pure: the row comes from `CALL mysql.rds_replica_status` (or SHOW SLAVE/REPLICA STATUS), parsed here.
 */

/** The fields Switchyard reads, under either naming (MySQL ≥ 8.0.22: Source_/Replica_; MariaDB and older MySQL: Master_/Slave_). */
export interface ReplicaConnectionRow {
  sourceHost: string;
  sourcePort: number;
  sourceUser: string;
  /** Yes, No, Connecting or Preparing */
  ioState: string;
  sqlRunning: boolean;
  lastError: string;
}

const field = (row: Record<string, unknown>, ...names: string[]): unknown => {
  for (const n of names) if (row[n] !== undefined && row[n] !== null) return row[n];
  return undefined;
};

/** One status row, whichever names the server used; undefined when there is no row (no connection). */
export const parseReplicaRow = (
  row: Record<string, unknown> | undefined,
): ReplicaConnectionRow | undefined => {
  if (!row) return undefined;
  const text = (...names: string[]) => String(field(row, ...names) ?? '');
  return {
    sourceHost: text('Source_Host', 'Master_Host'),
    sourcePort: Number(field(row, 'Source_Port', 'Master_Port') ?? 0),
    sourceUser: text('Source_User', 'Master_User'),
    ioState: text('Replica_IO_Running', 'Slave_IO_Running'),
    sqlRunning: text('Replica_SQL_Running', 'Slave_SQL_Running') === 'Yes',
    lastError: text('Last_SQL_Error') || text('Last_IO_Error'),
  };
};

export interface ExpectedSource {
  host: string;
  port: number;
  user: string;
}

export type ConnectionVerdict =
  | { kind: 'none' }
  | { kind: 'ours'; row: ReplicaConnectionRow }
  | { kind: 'foreign'; row: ReplicaConnectionRow; reason: string };

/**
 * Whether old blue's default connection is the reverse stream Switchyard set up: it points at the new
 * primary's endpoint (host and port) as the user Switchyard gave it. Anything else is another source's,
 * and nothing of Switchyard's may stop or reset it.
 */
export const judgeReplicaConnection = (
  row: ReplicaConnectionRow | undefined,
  expected: ExpectedSource,
): ConnectionVerdict => {
  if (!row) return { kind: 'none' };
  const same =
    row.sourceHost.toLowerCase() === expected.host.toLowerCase() &&
    row.sourcePort === expected.port &&
    row.sourceUser === expected.user;
  if (same) return { kind: 'ours', row };
  return {
    kind: 'foreign',
    row,
    reason: `old blue already replicates from ${row.sourceUser}@${row.sourceHost}:${row.sourcePort}, not from the new primary (${expected.user}@${expected.host}:${expected.port}); RDS for MariaDB's procedures manage one unnamed source, so Switchyard leaves that connection alone: remove it (CALL mysql.rds_stop_replication; CALL mysql.rds_reset_external_master) if it is stale, or set failBack.enabled=false`,
  };
};
