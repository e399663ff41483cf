/**
 * SQL Switchyard runs on MySQL and MariaDB endpoints: smoke queries inside a READ ONLY transaction,
 * the server's read_only state, and whether the server is itself a binlog replica.
 */
import type { BinlogCatalogFacts } from '#domain/binlog-inspection';
import { compareVersions } from '#domain/facts';
import type { InspectionSummary } from '#domain/inspection/index';
import { connectMysql, type MysqlEndpoint } from './mysql-connection.ts';

export type MysqlEngine = 'mysql' | 'mariadb';

export interface SmokeOutcome {
  sql: string;
  ok: boolean;
  error?: string;
  ms: number;
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Runs one smoke query so that it cannot change anything. A READ ONLY transaction alone is not enough
 * on MySQL/MariaDB: DDL commits implicitly and then runs outside it (measured: `START TRANSACTION READ
 * ONLY; DROP TABLE t` drops t on MariaDB 10.11). So the session is read-only too (`SET SESSION
 * TRANSACTION READ ONLY`, under which DDL fails with "Cannot execute statement in a READ ONLY
 * transaction"), re-asserted before every statement in case the previous one flipped it, and each
 * statement runs in its own READ ONLY transaction that is rolled back. Multi-statement strings are off
 * in the driver, so one query cannot both flip the session and write.
 */
const runReadOnlyStatement = async (
  connection: Awaited<ReturnType<typeof connectMysql>>,
  sql: string,
): Promise<void> => {
  await connection.query('SET SESSION TRANSACTION READ ONLY');
  await connection.query('START TRANSACTION READ ONLY');
  let failure: unknown;
  try {
    await connection.query(sql);
  } catch (err) {
    failure = err;
  }
  await connection.query('ROLLBACK').catch((err: unknown) => {
    failure ??= err;
  });
  if (failure) throw failure;
};

/** Runs each query read-only (see runReadOnlyStatement); one failure does not hide the others. */
export const runMysqlSmoke = async (
  endpoint: MysqlEndpoint,
  engine: MysqlEngine,
  queries: string[],
): Promise<SmokeOutcome[]> => {
  let connection: Awaited<ReturnType<typeof connectMysql>> | undefined;
  try {
    connection = await connectMysql(endpoint, { engine });
  } catch (err) {
    return queries.map((sql) => ({ sql, ok: false, error: `cannot connect: ${message(err)}`, ms: 0 }));
  }
  try {
    const results: SmokeOutcome[] = [];
    for (const sql of queries) {
      const started = Date.now();
      try {
        await runReadOnlyStatement(connection, sql);
        results.push({ sql, ok: true, ms: Date.now() - started });
      } catch (err) {
        results.push({ sql, ok: false, error: message(err), ms: Date.now() - started });
      }
    }
    return results;
  } finally {
    await connection.end().catch(() => undefined);
  }
};

/** `@@GLOBAL.read_only` of the server behind the endpoint: RDS keeps old blue read-only this way. */
export const readMysqlReadOnly = async (endpoint: MysqlEndpoint, engine: MysqlEngine): Promise<boolean> => {
  const connection = await connectMysql(endpoint, { engine });
  try {
    const [rows] = await connection.query('SELECT @@GLOBAL.read_only AS read_only');
    const value = (rows as Array<{ read_only: number | string }>)[0]?.read_only;
    return Number(value) === 1;
  } finally {
    await connection.end().catch(() => undefined);
  }
};

/**
 * The replica-status statement the master user may run, by what the server says it is (`@@version`; the
 * rehearsal's MySQL stand-in is a MariaDB server). RDS for MariaDB ≥ 10.5 does not grant the privilege
 * SHOW SLAVE/REPLICA STATUS needs there and offers `CALL mysql.rds_replica_status` instead (RDS User
 * Guide, mysql.rds_replica_status); MySQL has `SHOW REPLICA STATUS` from 8.0.22 (8.4 removed the older
 * `SHOW SLAVE STATUS`, which is all 5.7 and MariaDB before 10.5 know).
 */
export const replicaStatusSql = (serverVersion: string): string => {
  const version = serverVersion.split('-')[0] ?? serverVersion;
  if (/mariadb/i.test(serverVersion))
    return compareVersions(version, '10.5.1') >= 0 ? 'CALL mysql.rds_replica_status' : 'SHOW SLAVE STATUS';
  return compareVersions(version, '8.0.22') >= 0 ? 'SHOW REPLICA STATUS' : 'SHOW SLAVE STATUS';
};

/** The server's replica-status row (its default connection or first channel), or undefined when it has none. */
export const readReplicaStatusRow = async (
  connection: Awaited<ReturnType<typeof connectMysql>>,
): Promise<Record<string, unknown> | undefined> => {
  const [versionRows] = await connection.query('SELECT @@version AS v');
  const version = String((versionRows as Array<{ v?: unknown }>)[0]?.v ?? '');
  const [result] = await connection.query(replicaStatusSql(version));
  // CALL answers with its result sets and an OK packet; SHOW with the rows themselves.
  const sets = result as unknown as unknown[];
  const rows = (Array.isArray(sets[0]) ? sets[0] : sets) as Array<Record<string, unknown>>;
  return rows[0];
};

/** Whether the server replicates from a source of its own (one row per channel or connection). */
export const readMysqlReplicaStatus = async (
  endpoint: MysqlEndpoint,
  engine: MysqlEngine,
): Promise<{ replicating: boolean; sourceHost?: string; running?: boolean }> => {
  const connection = await connectMysql(endpoint, { engine });
  try {
    const row = await readReplicaStatusRow(connection);
    if (!row) return { replicating: false };
    const host = row.Source_Host ?? row.Master_Host;
    // Replica_*/Source_* names on MySQL ≥ 8.0.22; Slave_*/Master_* on MariaDB and older MySQL (RDS's
    // procedure answers in its engine's naming).
    const yes = (...names: string[]) => names.some((n) => row[n] === 'Yes');
    return {
      replicating: true,
      sourceHost: typeof host === 'string' && host ? host : undefined,
      running: yes('Replica_IO_Running', 'Slave_IO_Running', 'Replica_SQL_Running', 'Slave_SQL_Running'),
    };
  } finally {
    await connection.end().catch(() => undefined);
  }
};

const SYSTEM_SCHEMAS = "('mysql', 'sys', 'information_schema', 'performance_schema')";

/**
 * Blue's catalog facts for the binlog data-plane rules, and the numbers that size the run
 * (information_schema only; reads nothing else, writes nothing).
 */
export const readBinlogInspection = async (
  endpoint: MysqlEndpoint,
  engine: MysqlEngine,
): Promise<{ facts: BinlogCatalogFacts; summary: InspectionSummary }> => {
  const connection = await connectMysql(endpoint, { engine });
  try {
    const [[version]] = (await connection.query('SELECT VERSION() AS v')) as unknown as [
      Array<{ v: string }>,
    ];
    const [tables] = await connection.query(
      `SELECT t.TABLE_SCHEMA AS s, t.TABLE_NAME AS n, t.ENGINE AS e, t.TABLE_ROWS AS r,
              COALESCE(t.DATA_LENGTH, 0) + COALESCE(t.INDEX_LENGTH, 0) AS b,
              EXISTS (SELECT 1 FROM information_schema.TABLE_CONSTRAINTS c
                       WHERE c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME
                         AND c.CONSTRAINT_TYPE = 'PRIMARY KEY') AS pk,
              EXISTS (SELECT 1 FROM information_schema.STATISTICS s
                       WHERE s.TABLE_SCHEMA = t.TABLE_SCHEMA AND s.TABLE_NAME = t.TABLE_NAME AND s.NON_UNIQUE = 0
                         AND s.INDEX_NAME <> 'PRIMARY'
                       GROUP BY s.INDEX_NAME HAVING SUM(s.NULLABLE = 'YES') = 0) AS uk
         FROM information_schema.TABLES t
        WHERE t.TABLE_TYPE = 'BASE TABLE' AND t.TABLE_SCHEMA NOT IN ${SYSTEM_SCHEMAS}
        ORDER BY t.TABLE_SCHEMA, t.TABLE_NAME`,
    );
    const [events] = await connection.query(
      `SELECT EVENT_SCHEMA AS s, EVENT_NAME AS n FROM information_schema.EVENTS
        WHERE STATUS = 'ENABLED' ORDER BY EVENT_SCHEMA, EVENT_NAME`,
    );
    const [[connections]] = (await connection.query(
      'SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST',
    )) as unknown as [Array<{ n: number }>];
    const [databases] = await connection.query(
      `SELECT SCHEMA_NAME AS s FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT IN ${SYSTEM_SCHEMAS} ORDER BY 1`,
    );
    // INNODB_TRX needs the PROCESS privilege (the RDS master user has it); without it this reads 0.
    const longest = await connection
      .query(
        'SELECT COALESCE(MAX(TIMESTAMPDIFF(SECOND, trx_started, NOW())), 0) AS s FROM information_schema.INNODB_TRX WHERE trx_mysql_thread_id <> CONNECTION_ID()',
      )
      .then(([rows]) => Number((rows as Array<{ s: number }>)[0]?.s ?? 0))
      .catch(() => 0);
    const facts: BinlogCatalogFacts = {
      serverVersion: version?.v ?? 'unknown',
      tables: (tables as Array<Record<string, unknown>>).map((t) => ({
        schema: String(t.s),
        name: String(t.n),
        engine: String(t.e ?? 'unknown'),
        hasPrimaryKey: Number(t.pk) === 1,
        hasUniqueNotNullKey: Number(t.uk) === 1,
        rows: t.r === null ? null : Number(t.r),
        bytes: Number(t.b),
      })),
      enabledEvents: (events as Array<{ s: string; n: string }>).map((e) => ({ schema: e.s, name: e.n })),
    };
    const summary: InspectionSummary = {
      serverVersion: facts.serverVersion,
      databaseBytes: facts.tables.reduce((sum, t) => sum + t.bytes, 0),
      tables: facts.tables.length,
      sequences: 0,
      connections: Number(connections?.n ?? 0),
      longestTransactionSeconds: longest,
      databases: (databases as Array<{ s: string }>).map((d) => d.s),
    };
    return { facts, summary };
  } finally {
    await connection.end().catch(() => undefined);
  }
};
