/** Smoke queries against a database endpoint, with the password read from SSM Parameter Store. */
import type pg from 'pg';
import type { ParameterReader } from './parameters.ts';
import { connectPostgres } from './pg-connection.ts';

export interface DatabaseTarget {
  host: string;
  port: number;
  name: string;
  user: string;
  passwordParameter: string;
}

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
});

export type DatabaseGateway = ReturnType<typeof makeDatabaseGateway>;
