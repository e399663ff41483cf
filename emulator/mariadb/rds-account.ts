/**
 * The RDS for MariaDB master user, exactly as RDS grants it, and the `mysql.rds_*` stored procedures RDS
 * gives it instead of the privileges it withholds (emulator/README.md, "The master user and RDS's
 * procedures"). Sources: RDS User Guide, "Master user account privileges" (the MariaDB row, `ON *.* WITH
 * GRANT OPTION`), and the pages of each procedure (mysql_rds_set_external_master_gtid, the
 * "Replicating" and "Ending a session or query" procedure pages, mysql_rds_replica_status).
 *
 * What the list withholds, and what that means on MariaDB 10.11: no SUPER, READ_ONLY ADMIN, BINLOG
 * ADMIN, REPLICATION SLAVE ADMIN (so no CHANGE MASTER, START/STOP/RESET SLAVE, SET GLOBAL read_only,
 * SET sql_log_bin), no SLAVE MONITOR (so no SHOW SLAVE STATUS: RDS says so on the rds_replica_status
 * page), no CONNECTION ADMIN (KILL of another user's session). `REPLICATION CLIENT` is MariaDB's alias of
 * `BINLOG MONITOR` since 10.5.
 *
 * Everything here is created by root with `sql_log_bin = 0`: a green copied from this server gets the
 * same objects through its physical copy, and no GTID of the emulator's own ever enters a binlog.
 */
import type mysql from 'mysql2/promise';

/** RDS User Guide, "Master user account privileges", RDS for MariaDB (from 11.4 RDS adds SHOW CREATE ROUTINE; this is 10.11). */
export const RDS_MARIADB_MASTER_PRIVILEGES = [
  'SELECT',
  'INSERT',
  'UPDATE',
  'DELETE',
  'CREATE',
  'DROP',
  'RELOAD',
  'PROCESS',
  'REFERENCES',
  'INDEX',
  'ALTER',
  'SHOW DATABASES',
  'CREATE TEMPORARY TABLES',
  'LOCK TABLES',
  'EXECUTE',
  'REPLICATION CLIENT',
  'CREATE VIEW',
  'SHOW VIEW',
  'CREATE ROUTINE',
  'ALTER ROUTINE',
  'CREATE USER',
  'EVENT',
  'TRIGGER',
  'REPLICATION SLAVE',
] as const;

const grantRdsPrivileges = (c: mysql.Connection, user: string) =>
  c.query(`GRANT ${RDS_MARIADB_MASTER_PRIVILEGES.join(', ')} ON *.* TO ?@'%' WITH GRANT OPTION`, [user]);

/** Creates (or resets) the master user with exactly RDS's privileges, on a root session. */
export const createRdsMasterUser = async (
  c: mysql.Connection,
  user: string,
  password: string,
): Promise<void> => {
  await c.query(`CREATE OR REPLACE USER ?@'%' IDENTIFIED BY ?`, [user, password]);
  await grantRdsPrivileges(c, user);
};

/**
 * Accounts whose sessions `mysql.rds_kill` refuses to end (RDS's own: here root plays rdsadmin, and the
 * server's own threads). The KILL refusal reuses MariaDB's ER_KILL_DENIED_ERROR (1095).
 */
const PROTECTED_USERS = "'root', 'rdsadmin', 'rdsrepladmin', 'system user', 'event_scheduler', 'mariadb.sys'";

/**
 * The procedures, in the `mysql` schema, SQL SECURITY DEFINER (root), callable by the master user through its
 * global EXECUTE. Dynamic SQL quotes every string with QUOTE() and casts the numbers: a caller's argument
 * can never become SQL of root's.
 */
const PROCEDURES: ReadonlyArray<readonly [name: string, body: string]> = [
  [
    'rds_set_external_master_gtid',
    `(IN host_name VARCHAR(255), IN host_port INT, IN replication_user_name VARCHAR(255),
      IN replication_user_password VARCHAR(255), IN gtid VARCHAR(2048), IN ssl_encryption TINYINT)
     SQL SECURITY DEFINER
     BEGIN
       IF host_name IS NULL OR host_name = '' OR host_port IS NULL OR replication_user_name IS NULL THEN
         SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'host_name, host_port and replication_user_name are required';
       END IF;
       -- Where replication starts: the given GTID position, then MASTER_USE_GTID = slave_pos.
       SET GLOBAL gtid_slave_pos = COALESCE(gtid, '');
       SET @rds_sql = CONCAT('CHANGE MASTER TO MASTER_HOST = ', QUOTE(host_name),
         ', MASTER_PORT = ', CAST(host_port AS UNSIGNED),
         ', MASTER_USER = ', QUOTE(replication_user_name),
         ', MASTER_PASSWORD = ', QUOTE(COALESCE(replication_user_password, '')),
         ', MASTER_USE_GTID = slave_pos',
         -- RDS: MASTER_SSL_VERIFY_SERVER_CERT is not supported and set to 0 (encrypted, not verified).
         ', MASTER_SSL = ', IF(COALESCE(ssl_encryption, 0) = 1, 1, 0),
         ', MASTER_SSL_VERIFY_SERVER_CERT = 0');
       PREPARE rds_stmt FROM @rds_sql;
       EXECUTE rds_stmt;
       DEALLOCATE PREPARE rds_stmt;
       SET @rds_sql = NULL;
     END`,
  ],
  ['rds_start_replication', '() SQL SECURITY DEFINER BEGIN START SLAVE; END'],
  ['rds_stop_replication', '() SQL SECURITY DEFINER BEGIN STOP SLAVE; END'],
  // MariaDB refuses RESET SLAVE on a running connection (1198): stop it first, as RDS's docs sequence it.
  ['rds_reset_external_master', '() SQL SECURITY DEFINER BEGIN RESET SLAVE ALL; END'],
  // RDS: the equivalent of SHOW REPLICA STATUS, which the master user may not run on MariaDB ≥ 10.5.
  ['rds_replica_status', '() SQL SECURITY DEFINER BEGIN SHOW SLAVE STATUS; END'],
  ...(['rds_kill', 'rds_kill_query'] as const).map(
    (name) =>
      [
        name,
        `(IN processID BIGINT UNSIGNED)
         SQL SECURITY DEFINER
         BEGIN
           DECLARE owner VARCHAR(128) DEFAULT NULL;
           SELECT USER INTO owner FROM information_schema.PROCESSLIST WHERE ID = processID;
           IF owner IS NULL THEN
             SET @rds_msg = CONCAT('Unknown thread id: ', processID);
             SIGNAL SQLSTATE 'HY000' SET MYSQL_ERRNO = 1094, MESSAGE_TEXT = @rds_msg;
           END IF;
           IF owner IN (${PROTECTED_USERS}) THEN
             SET @rds_msg = CONCAT('You are not owner of thread ', processID);
             SIGNAL SQLSTATE 'HY000' SET MYSQL_ERRNO = 1095, MESSAGE_TEXT = @rds_msg;
           END IF;
           SET @rds_sql = CONCAT('${name === 'rds_kill' ? 'KILL CONNECTION' : 'KILL QUERY'} ', processID);
           PREPARE rds_stmt FROM @rds_sql;
           EXECUTE rds_stmt;
           DEALLOCATE PREPARE rds_stmt;
         END`,
      ] as const,
  ),
];

/** Installs every procedure on a root session (kept out of the binlog; idempotent). */
export const installRdsProcedures = async (c: mysql.Connection): Promise<void> => {
  await c.query('SET @sy_log_bin = @@SESSION.sql_log_bin, SESSION sql_log_bin = 0');
  try {
    for (const [name, body] of PROCEDURES)
      await c.query(`CREATE OR REPLACE DEFINER = 'root'@'localhost' PROCEDURE mysql.${name} ${body}`);
  } finally {
    await c.query('SET SESSION sql_log_bin = @sy_log_bin');
  }
};

/**
 * A data dir made before the emulator modelled RDS's master user (every privilege but SUPER and READ_ONLY
 * ADMIN, no procedures): installs the procedures and narrows the user's grants to RDS's, keeping its
 * password. Nothing when the procedures are there or the master user does not exist yet (a fresh copy).
 * Outside the binlog, like everything of the emulator's own.
 */
export const upgradeRdsAccount = async (c: mysql.Connection, user: string): Promise<boolean> => {
  const [rows] = await c.query(
    `SELECT (SELECT COUNT(*) FROM mysql.proc WHERE db = 'mysql' AND name = 'rds_replica_status') AS procs,
            (SELECT COUNT(*) FROM mysql.user WHERE User = ? AND Host = '%') AS users`,
    [user],
  );
  const found = (rows as Array<{ procs: number; users: number }>)[0];
  if (Number(found?.procs) > 0 || Number(found?.users) === 0) return false;
  await installRdsProcedures(c);
  await c.query('SET @sy_log_bin = @@SESSION.sql_log_bin, SESSION sql_log_bin = 0');
  try {
    await c.query(`REVOKE ALL PRIVILEGES, GRANT OPTION FROM ?@'%'`, [user]);
    await grantRdsPrivileges(c, user);
  } finally {
    await c.query('SET SESSION sql_log_bin = @sy_log_bin');
  }
  return true;
};
