/** Smoke queries against a database endpoint, with the password read from SSM Parameter Store. */
import type pg from 'pg';
import type { EngineFamily } from '#domain/engine';
import type { SequenceReading } from '#domain/sequences';
import { readMysqlReadOnly, readMysqlReplicaStatus, runMysqlSmoke } from './mysql-database.ts';
import type { ParameterReader } from './parameters.ts';
import { connectPostgres } from './pg-connection.ts';

export interface DatabaseTarget {
  host: string;
  port: number;
  name: string;
  user: string;
  passwordParameter: string;
  /** which driver speaks to it; absent means postgres (documents and states from before MySQL support) */
  engine?: EngineFamily;
}

const mysqlEndpoint = (target: DatabaseTarget, password: string) => ({
  host: target.host,
  port: target.port,
  database: target.name,
  user: target.user,
  password,
});

/** The engine of a MySQL-family target, or a clear error when SQL meant for one reaches another. */
const mysqlEngineOf = (target: DatabaseTarget): 'mysql' | 'mariadb' => {
  if (target.engine === 'mysql' || target.engine === 'mariadb') return target.engine;
  throw new Error(
    `${target.host}: this check runs on MySQL or MariaDB only, not ${target.engine ?? 'postgres'}`,
  );
};

export interface SmokeResult {
  sql: string;
  ok: boolean;
  error?: string;
  ms: number;
}

/**
 * Runs one smoke query so that it cannot change anything: inside a READ ONLY transaction that is always
 * rolled back, sent with the extended protocol, which takes exactly one statement (a `COMMIT; DELETE …`
 * string cannot step out of the transaction: PostgreSQL refuses it as several commands).
 */
export const runReadOnly = async (client: pg.Client, sql: string): Promise<void> => {
  await client.query('BEGIN TRANSACTION READ ONLY');
  let failure: unknown;
  try {
    // queryMode is in pg 8.x but not in @types/pg.
    await client.query({ text: sql, queryMode: 'extended' } as pg.QueryConfig);
  } catch (err) {
    failure = err;
  }
  // The query's own error is the one worth reporting; a failed ROLLBACK (lost connection) only if alone.
  await client.query('ROLLBACK').catch((err: unknown) => {
    failure ??= err;
  });
  if (failure) throw failure;
};

/** Sequences owned by a column (serial: pg_depend 'a'; identity: 'i'), with their position. */
const OWNED_SEQUENCES_SQL = `
SELECT format('%I.%I', sn.nspname, s.relname) AS sequence, format('%I.%I', tn.nspname, t.relname) AS table,
       quote_ident(a.attname) AS column, ps.last_value::text AS last_value, ps.increment_by::text AS increment
  FROM pg_depend d
  JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
  JOIN pg_namespace sn ON sn.oid = s.relnamespace
  JOIN pg_class t ON t.oid = d.refobjid
  JOIN pg_namespace tn ON tn.oid = t.relnamespace
  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
  JOIN pg_sequences ps ON ps.schemaname = sn.nspname AND ps.sequencename = s.relname
 WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
   AND tn.nspname NOT IN ('pg_catalog', 'information_schema')
 ORDER BY 1`;

/**
 * Every sequence owned by a table column, with the column's maximum, in one read-only transaction on an
 * open session (the fail-back's old-blue session reads through this too).
 */
export const readOwnedSequencesOn = async (client: pg.Client): Promise<SequenceReading[]> => {
  await client.query('BEGIN TRANSACTION READ ONLY');
  try {
    await client.query(`SET LOCAL statement_timeout = '20s'`);
    const owned = await client.query(OWNED_SEQUENCES_SQL);
    const readings: SequenceReading[] = [];
    for (const r of owned.rows) {
      // Names come from the catalog, already quoted by format('%I')/quote_ident.
      const max = await client.query(`SELECT max(${r.column})::text AS m FROM ${r.table}`);
      readings.push({
        sequence: r.sequence,
        table: r.table,
        column: r.column,
        lastValue: r.last_value,
        increment: r.increment,
        columnMax: max.rows[0].m,
      });
    }
    return readings;
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
  }
};

export interface ClientFacts {
  /** client sessions other than this one */
  connections: number;
  /** the oldest open transaction's age, seconds; 0 when none */
  longestTransactionSeconds: number;
  /** the AWS drivers' blue/green plugin reads switchover status through the rds_tools extension */
  rdsTools: boolean;
  sequences: number;
}

const CLIENTS_SQL = `
SELECT (SELECT count(*) FROM pg_stat_activity
         WHERE backend_type = 'client backend' AND pid <> pg_backend_pid())::int AS connections,
       (SELECT coalesce(max(extract(epoch FROM clock_timestamp() - xact_start)), 0) FROM pg_stat_activity
         WHERE backend_type = 'client backend' AND xact_start IS NOT NULL AND pid <> pg_backend_pid())::float8 AS longest,
       EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'rds_tools') AS rds_tools,
       (SELECT count(*) FROM pg_sequences)::int AS sequences`;

export const makeDatabaseGateway = (readParameter: ParameterReader) => ({
  /** Sessions and transactions on a database, for the switchover estimate (read-only, one query). */
  async readClients(target: DatabaseTarget): Promise<ClientFacts> {
    const password = await readParameter(target.passwordParameter);
    const client = await connectPostgres(
      { host: target.host, port: target.port, database: target.name, user: target.user, password },
      { applicationName: 'switchyard-clients' },
    );
    client.on('error', () => undefined);
    try {
      const r = (await client.query(CLIENTS_SQL)).rows[0];
      return {
        connections: r.connections,
        longestTransactionSeconds: Math.round(r.longest),
        rdsTools: r.rds_tools,
        sequences: r.sequences,
      };
    } finally {
      await client.end().catch(() => undefined);
    }
  },

  /**
   * Each column-owned sequence and its column's maximum, read-only. max() uses the column's index when
   * it has one (a primary key does); statement_timeout bounds a column without one.
   */
  async readOwnedSequences(target: DatabaseTarget): Promise<SequenceReading[]> {
    const password = await readParameter(target.passwordParameter);
    const client = await connectPostgres(
      { host: target.host, port: target.port, database: target.name, user: target.user, password },
      { applicationName: 'switchyard-sequences' },
    );
    client.on('error', () => undefined);
    try {
      return await readOwnedSequencesOn(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  },

  /** Runs each query, read-only, with short timeouts; one failure does not hide the others. */
  async runSmoke(target: DatabaseTarget, queries: string[]): Promise<SmokeResult[]> {
    if (queries.length === 0) return [];
    const password = await readParameter(target.passwordParameter);
    if (target.engine === 'mysql' || target.engine === 'mariadb') {
      return runMysqlSmoke(mysqlEndpoint(target, password), target.engine, queries);
    }
    const results: SmokeResult[] = [];
    let client: Awaited<ReturnType<typeof connectPostgres>> | undefined;
    try {
      client = await connectPostgres(
        { host: target.host, port: target.port, database: target.name, user: target.user, password },
        { applicationName: 'switchyard-smoke' },
      );
      for (const sql of queries) {
        const started = Date.now();
        try {
          await runReadOnly(client, sql);
          results.push({ sql, ok: true, ms: Date.now() - started });
        } catch (err) {
          results.push({ sql, ok: false, error: (err as Error).message, ms: Date.now() - started });
        }
      }
    } catch (err) {
      return queries.map((sql) => ({
        sql,
        ok: false,
        error: `cannot connect: ${(err as Error).message}`,
        ms: 0,
      }));
    } finally {
      await client?.end().catch(() => undefined);
    }
    return results;
  },

  /** MySQL/MariaDB: `@@GLOBAL.read_only` of the server behind the endpoint (true: no writes). */
  async isReadOnly(target: DatabaseTarget): Promise<boolean> {
    const engine = mysqlEngineOf(target);
    const password = await readParameter(target.passwordParameter);
    return readMysqlReadOnly(mysqlEndpoint(target, password), engine);
  },

  /**
   * MySQL/MariaDB: whether the server is a binlog replica of some source (SHOW REPLICA STATUS, or RDS's
   * mysql.rds_replica_status on MariaDB ≥ 10.5). The statement follows the server's own @@version, so
   * `_engineVersion` (RDS's label) only documents the call.
   */
  async replicaStatus(
    target: DatabaseTarget,
    _engineVersion: string,
  ): Promise<{ replicating: boolean; sourceHost?: string; running?: boolean }> {
    const engine = mysqlEngineOf(target);
    const password = await readParameter(target.passwordParameter);
    return readMysqlReplicaStatus(mysqlEndpoint(target, password), engine);
  },
});

export type DatabaseGateway = ReturnType<typeof makeDatabaseGateway>;
