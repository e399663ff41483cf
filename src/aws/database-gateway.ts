/** Smoke queries against a database endpoint, with the password read from SSM Parameter Store. */
import type pg from 'pg';
import type { EngineFamily } from '#domain/engine';
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

export const makeDatabaseGateway = (readParameter: ParameterReader) => ({
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

  /** MySQL/MariaDB: whether the server is a binlog replica of some source (SHOW REPLICA STATUS). */
  async replicaStatus(
    target: DatabaseTarget,
    engineVersion: string,
  ): Promise<{ replicating: boolean; sourceHost?: string; running?: boolean }> {
    const engine = mysqlEngineOf(target);
    const password = await readParameter(target.passwordParameter);
    return readMysqlReplicaStatus(mysqlEndpoint(target, password), engine, engineVersion);
  },
});

export type DatabaseGateway = ReturnType<typeof makeDatabaseGateway>;
