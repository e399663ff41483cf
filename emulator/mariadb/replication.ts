/**
 * Binlog GTID replication between two MariaDB servers, the way RDS for MySQL/MariaDB builds green:
 * a physical copy (mariabackup) at a known GTID, then `CHANGE MASTER … MASTER_USE_GTID=slave_pos`
 * with parallel, optimistic apply. Behaviour and traps: emulator/README.md, "Blue/Green on real MariaDB".
 */
import { lowerAlnum } from '../util.ts';
import { type MariaServer, REPL_USER, SYSTEM_USERS } from './server.ts';

export interface ReplicaLink {
  sourceServerId: string;
  password: string;
}

/** The replication account on the source (created outside the binlog: green gets it in the copy). */
export const ensureReplUser = async (source: MariaServer): Promise<string> => {
  const password = `rp-${lowerAlnum(20)}`;
  await source.admin(async (c) => {
    await c.query('SET SESSION sql_log_bin = 0');
    await c.query(`CREATE OR REPLACE USER ?@'127.0.0.1' IDENTIFIED BY ?`, [REPL_USER, password]);
    await c.query(`GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO ?@'127.0.0.1'`, [REPL_USER]);
  });
  return password;
};

/** Points `replica` at the source's current port from its saved GTID position and starts applying. */
export const pointReplica = async (
  replica: MariaServer,
  sourcePort: number,
  password: string,
  gtid?: string,
): Promise<void> => {
  const caFile = replica.cfg.tls?.caFile;
  await replica.admin(async (c) => {
    await c.query('SET SESSION sql_log_bin = 0');
    await c.query('STOP SLAVE');
    if (gtid !== undefined) await c.query('SET GLOBAL gtid_slave_pos = ?', [gtid]);
    // Over verified TLS when the emulator has a CA (both servers share its certificate).
    await c.query(
      `CHANGE MASTER TO MASTER_HOST='127.0.0.1', MASTER_PORT=?, MASTER_USER=?, MASTER_PASSWORD=?, MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1${
        caFile ? ', MASTER_SSL=1, MASTER_SSL_CA=?, MASTER_SSL_VERIFY_SERVER_CERT=1' : ''
      }`,
      [sourcePort, REPL_USER, password, ...(caFile ? [caFile] : [])],
    );
    await c.query('START SLAVE');
  });
};

export interface ReplicaStatus {
  io: boolean;
  sql: boolean;
  /** Seconds_Behind_Master: null while replication is not running (RDS reports ReplicaLag -1). */
  secondsBehind: number | null;
  lastError: string;
}

export const replicaStatus = async (replica: MariaServer): Promise<ReplicaStatus | undefined> => {
  const [r] = await replica.query<Record<string, unknown>>('SHOW SLAVE STATUS');
  if (!r) return undefined;
  const sbm = r.Seconds_Behind_Master;
  return {
    io: r.Slave_IO_Running === 'Yes',
    sql: r.Slave_SQL_Running === 'Yes',
    secondsBehind: sbm === null || sbm === undefined ? null : Number(sbm),
    lastError: String(r.Last_SQL_Error || r.Last_IO_Error || ''),
  };
};

/** RDS's own heartbeat table; created outside the binlog before green is copied, so both sides have it. */
export const ensureHeartbeatTable = async (source: MariaServer): Promise<void> => {
  await source.admin(async (c) => {
    await c.query('SET SESSION sql_log_bin = 0');
    await c.query(
      'CREATE TABLE IF NOT EXISTS mysql.rds_heartbeat2 (id INT NOT NULL PRIMARY KEY, value BIGINT) ENGINE=InnoDB',
    );
  });
};

/**
 * Writes a heartbeat on the source (as root, so `read_only` does not stop it: the table RDS itself
 * uses, mysql.rds_heartbeat2) and waits until the replica has applied it. False on the deadline.
 */
export const waitCaughtUp = async (
  source: MariaServer,
  replica: MariaServer,
  deadline: number,
): Promise<boolean> => {
  await source.query(
    'REPLACE INTO mysql.rds_heartbeat2 (id, value) VALUES (1, UNIX_TIMESTAMP(NOW(3)) * 1000)',
  );
  const [row] = await source.query<{ pos: string }>('SELECT @@gtid_binlog_pos AS pos');
  const seconds = Math.max(0, (deadline - Date.now()) / 1000);
  const [r] = await replica.query<{ w: number }>('SELECT MASTER_GTID_WAIT(?, ?) AS w', [
    row?.pos ?? '',
    seconds,
  ]);
  return Number(r?.w) === 0;
};

/**
 * Green becomes a standalone primary. Green has applied everything blue committed (caught up, blue
 * read-only), so stopping the IO thread is enough to detach it: that is the point of no return, then
 * writes are allowed. Stopping the parallel apply workers (STOP SLAVE, tens to hundreds of ms on a busy
 * machine) and RESET SLAVE ALL happen in `forgetSource`, after the endpoint is open again.
 */
export const promoteReplica = async (replica: MariaServer, commit: () => void): Promise<void> => {
  await replica.query('STOP SLAVE IO_THREAD');
  commit();
  await replica.setReadOnly(false);
};

export const forgetSource = async (replica: MariaServer): Promise<void> => {
  await replica.query('STOP SLAVE');
  await replica.query('RESET SLAVE ALL');
};

const systemUserList = SYSTEM_USERS.map(() => '?').join(', ');

/** Client sessions: not the emulator's (root), not replication threads. */
export const clientThreadsSql = `SELECT ID AS id FROM information_schema.PROCESSLIST
  WHERE ID <> CONNECTION_ID() AND USER NOT IN (${systemUserList})
    AND COMMAND NOT IN ('Binlog Dump', 'Daemon', 'Slave_IO', 'Slave_SQL', 'Slave_worker')`;

export const killClients = async (server: MariaServer): Promise<number> => {
  const rows = await server.query<{ id: number }>(clientThreadsSql, SYSTEM_USERS);
  await Promise.all(rows.map((r) => server.query(`KILL CONNECTION ${Number(r.id)}`).catch(() => {})));
  return rows.length;
};

export const countClients = async (server: MariaServer): Promise<number> =>
  (await server.query<{ id: number }>(clientThreadsSql, SYSTEM_USERS)).length;

/** Write transactions open longer than `ms`: InnoDB's view (rows modified), joined to the session. */
export const longWriteTransactions = async (
  server: MariaServer,
  ms: number,
): Promise<Array<{ id: number; ms: number; query: string; user: string }>> => {
  const rows = await server.query<{ id: number; ms: number; query: string | null; user: string }>(
    `SELECT p.ID AS id, CAST(TIMESTAMPDIFF(MICROSECOND, t.trx_started, NOW(6)) / 1000 AS SIGNED) AS ms,
            LEFT(COALESCE(t.trx_query, p.INFO, ''), 200) AS query, p.USER AS user
       FROM information_schema.INNODB_TRX t JOIN information_schema.PROCESSLIST p ON p.ID = t.trx_mysql_thread_id
      WHERE t.trx_rows_modified > 0 AND p.USER NOT IN (${systemUserList})
        AND t.trx_started < NOW(6) - INTERVAL ? MICROSECOND
      ORDER BY t.trx_started`,
    [...SYSTEM_USERS, ms * 1000],
  );
  return rows.map((r) => ({ id: Number(r.id), ms: Number(r.ms), query: r.query ?? '', user: r.user }));
};
