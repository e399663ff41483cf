/**
 * The database side of ApplyMigrations: one session on blue with the run's timeouts, the migration log
 * (`switchyard.migration_log`, primary key execution + unit, written in the unit's own transaction) and
 * the catalog checks that prove the outcome of an interrupted non-transactional statement.
 */
import type pg from 'pg';
import type { IndexState, LogEntry, MigrationUnit } from '#domain/migrations';
import type { ParameterReader } from './parameters.ts';
import { connectPostgres, type PgEndpoint } from './pg-connection.ts';

/** A statement PostgreSQL rejected, with its SQLSTATE (55P03 lock_not_available, 57014 query_canceled…). */
export class SqlStatementError extends Error {
  constructor(
    message: string,
    readonly sqlState: string | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'SqlStatementError';
  }
}

export const LOCK_NOT_AVAILABLE = '55P03';

// Every table on blue needs a primary key (logical replication to green applies UPDATE/DELETE by it).
const LOG_DDL = `
CREATE SCHEMA IF NOT EXISTS switchyard;
CREATE TABLE IF NOT EXISTS switchyard.migration_log (
  execution_id text NOT NULL,
  unit_key text NOT NULL,
  statement_hash text NOT NULL,
  source text NOT NULL,
  status text NOT NULL CHECK (status IN ('started', 'applied')),
  index_existed boolean,
  started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  applied_at timestamptz,
  duration_ms integer,
  PRIMARY KEY (execution_id, unit_key)
)`;

export interface MigrationTarget {
  host: string;
  port: number;
  name: string;
  user: string;
  passwordParameter: string;
}

export interface SessionSettings {
  lockTimeoutMs: number;
  statementTimeoutMs: number;
}

const asSqlError = (err: unknown): SqlStatementError => {
  const e = err as { message?: string; code?: string };
  return new SqlStatementError(e.message ?? String(err), e.code, { cause: err });
};

const qualified = (schema: string | null, name: string): string =>
  schema ? `"${schema.replace(/"/g, '""')}"."${name.replace(/"/g, '""')}"` : `"${name.replace(/"/g, '""')}"`;

export interface MigrationSession {
  /** Creates the log if missing and takes this execution's advisory lock (waits at most lock_timeout). */
  prepare(executionId: string): Promise<void>;
  logEntries(executionId: string): Promise<LogEntry[]>;
  runSession(sql: string): Promise<void>;
  /** The unit's statements and its log row in one transaction; returns the duration in ms. */
  applyInTransaction(executionId: string, unit: MigrationUnit): Promise<number>;
  /** Logs `started`, runs the statement outside a transaction, logs `applied`; on error forgets `started`. */
  applyNonTransactional(executionId: string, unit: MigrationUnit): Promise<number>;
  markApplied(executionId: string, unit: MigrationUnit): Promise<void>;
  indexState(schema: string | null, name: string): Promise<IndexState>;
  /** Drops an index only when it is invalid (the caller proved it is this run's leftover). */
  dropInvalidIndex(schema: string | null, name: string): Promise<void>;
  close(): Promise<void>;
}

export type OpenMigrationSession = (
  target: MigrationTarget,
  settings: SessionSettings,
) => Promise<MigrationSession>;

const sessionOver = (client: pg.Client): MigrationSession => {
  const run = async (sql: string, params: unknown[] = []) => {
    try {
      return await client.query(sql, params);
    } catch (err) {
      throw asSqlError(err);
    }
  };
  const indexState = async (schema: string | null, name: string): Promise<IndexState> => {
    const res = await run(
      `SELECT i.indisvalid AS valid FROM pg_index i WHERE i.indexrelid = to_regclass($1)`,
      [qualified(schema, name)],
    );
    if (res.rows.length === 0) return 'absent';
    return res.rows[0].valid ? 'valid' : 'invalid';
  };
  return {
    async prepare(executionId) {
      await run(LOG_DDL);
      // Two attempts of one execution never interleave (a timed-out Lambda may still hold its session).
      await run(`SELECT pg_advisory_lock(hashtextextended('switchyard-migrations:' || $1, 0))`, [
        executionId,
      ]);
    },
    async logEntries(executionId) {
      const res = await run(
        `SELECT unit_key, statement_hash, status, duration_ms, applied_at, index_existed
           FROM switchyard.migration_log WHERE execution_id = $1`,
        [executionId],
      );
      return res.rows.map((r) => ({
        key: r.unit_key,
        hash: r.statement_hash,
        status: r.status,
        durationMs: r.duration_ms,
        appliedAt: r.applied_at ? new Date(r.applied_at).toISOString() : null,
        indexExisted: r.index_existed,
      }));
    },
    async runSession(sql) {
      await run(sql);
    },
    async applyInTransaction(executionId, unit) {
      const started = Date.now();
      await run('BEGIN');
      try {
        for (const sql of unit.statements) await run(sql);
        await run(
          `INSERT INTO switchyard.migration_log
             (execution_id, unit_key, statement_hash, source, status, applied_at, duration_ms)
           VALUES ($1, $2, $3, $4, 'applied', clock_timestamp(), $5)`,
          [executionId, unit.key, unit.hash, unit.source, Date.now() - started],
        );
        await run('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
      return Date.now() - started;
    },
    async applyNonTransactional(executionId, unit) {
      const check = unit.check && unit.check !== 'rerun' ? unit.check : null;
      const existed =
        check?.kind === 'index-created' ? (await indexState(check.schema, check.name)) !== 'absent' : null;
      await run(
        `INSERT INTO switchyard.migration_log (execution_id, unit_key, statement_hash, source, status, index_existed)
         VALUES ($1, $2, $3, $4, 'started', $5)
         ON CONFLICT (execution_id, unit_key) DO UPDATE SET started_at = clock_timestamp()`,
        [executionId, unit.key, unit.hash, unit.source, existed],
      );
      const started = Date.now();
      try {
        await run(unit.statements[0] ?? '');
      } catch (err) {
        // A failed CREATE INDEX CONCURRENTLY leaves an invalid index; drop it only if we created it.
        if (check?.kind === 'index-created' && existed === false) {
          if ((await indexState(check.schema, check.name).catch(() => 'absent')) === 'invalid')
            await run(`DROP INDEX CONCURRENTLY IF EXISTS ${qualified(check.schema, check.name)}`).catch(
              () => undefined,
            );
        }
        await run(`DELETE FROM switchyard.migration_log WHERE execution_id = $1 AND unit_key = $2`, [
          executionId,
          unit.key,
        ]).catch(() => undefined);
        throw err;
      }
      const ms = Date.now() - started;
      await run(
        `UPDATE switchyard.migration_log SET status = 'applied', applied_at = clock_timestamp(), duration_ms = $3
          WHERE execution_id = $1 AND unit_key = $2`,
        [executionId, unit.key, ms],
      );
      return ms;
    },
    async markApplied(executionId, unit) {
      await run(
        `UPDATE switchyard.migration_log SET status = 'applied', applied_at = clock_timestamp()
          WHERE execution_id = $1 AND unit_key = $2`,
        [executionId, unit.key],
      );
    },
    indexState,
    async dropInvalidIndex(schema, name) {
      if ((await indexState(schema, name)) !== 'invalid') return;
      await run(`DROP INDEX CONCURRENTLY IF EXISTS ${qualified(schema, name)}`);
    },
    async close() {
      await client.end().catch(() => undefined);
    },
  };
};

/** Opens a session on blue with the run's timeouts; the password is read fresh from SSM. */
export const makeMigrationSessionOpener =
  (
    readParameter: ParameterReader,
    connect: (
      endpoint: PgEndpoint,
      options: { applicationName: string; statementTimeoutMs: number },
    ) => Promise<pg.Client> = connectPostgres,
  ): OpenMigrationSession =>
  async (target, settings) => {
    const password = await readParameter(target.passwordParameter);
    const client = await connect(
      { host: target.host, port: target.port, database: target.name, user: target.user, password },
      { applicationName: 'switchyard-migrations', statementTimeoutMs: settings.statementTimeoutMs },
    );
    client.on('error', () => undefined);
    try {
      await client.query(`SET lock_timeout = ${Math.round(settings.lockTimeoutMs)}`);
      await client.query(`SET statement_timeout = ${Math.round(settings.statementTimeoutMs)}`);
      // If this Lambda dies mid-statement, PostgreSQL notices the lost client and cancels the work.
      await client.query(`SET client_connection_check_interval = 10000`);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw asSqlError(err);
    }
    return sessionOver(client);
  };
