/** Smoke queries against a database endpoint, with the password read from SSM Parameter Store. */

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

export const makeDatabaseGateway = (readParameter: ParameterReader) => ({
  /** Runs each query with short timeouts; one failure does not hide the others. */
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
          await client.query(sql);
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
