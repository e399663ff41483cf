/**
 * The SQL a fail-back runs (issue #15): one short session per call, except the hand-over's old-blue
 * session (openOldBlue), kept for its reads and writes. Why these statements:
 *
 * PostgreSQL. RDS gives the master user no superuser and no ALTER SYSTEM, so the server-wide switch is
 * out of reach; a per-database setting is not: `ALTER DATABASE … SET default_transaction_read_only`
 * overrides the server's value (PostgreSQL's setting precedence: database over configuration file) for
 * every new session, with no reboot. Sessions already open keep their setting, so blocking writes also
 * terminates the database's other client backends (rds_superuser may terminate non-superuser sessions;
 * walsenders, including the reverse stream's, are not client backends and keep running). On old blue,
 * whose whole server RDS keeps read-only, the same per-database setting set to off makes it writable
 * again without the parameter-group change and reboot RDS documents (a reboot would stretch the
 * outage the fail-back already causes). Statements on old blue run in a session that turned
 * `default_transaction_read_only` off for itself first (any user may; verified in docs/fail-back.md).
 * Limit: a client that turns the setting off in its own session can still write; the catch-up check
 * only proves what old blue received, so the report says so.
 *
 * MySQL/MariaDB. The RDS master user may not `SET GLOBAL read_only` (it needs SUPER or READ_ONLY ADMIN),
 * so the write switches there go through DB parameter groups (src/lib/fail-back-writes.ts); this
 * gateway only reads `@@GLOBAL.read_only` for them. Sequences: AUTO_INCREMENT follows the replicated rows
 * on the replica, so there is nothing to sync (MariaDB SEQUENCE objects are not handled: a limit).
 */
import type pg from 'pg';
import type { SequenceMove } from '#domain/fail-back';
import type { SequenceReading } from '#domain/sequences';
import { type DatabaseTarget, readOwnedSequencesOn } from './database-gateway.ts';
import { connectMysql } from './mysql-connection.ts';
import type { ParameterReader } from './parameters.ts';
import { connectPostgres } from './pg-connection.ts';

export interface WriteBlockResult {
  /** client sessions terminated so that none keeps writing with its old setting (PostgreSQL) */
  terminatedSessions: number;
  detail: string;
}

/**
 * Old blue's side of the hand-over on PostgreSQL, in one session (each new TLS session costs 10–30 ms
 * while writes are blocked): read its sequences, set them, then take writes.
 */
export interface OldBlueSession {
  readOwnedSequences(): Promise<SequenceReading[]>;
  advanceSequences(moves: SequenceMove[]): Promise<string>;
  makeWritable(): Promise<void>;
  close(): Promise<void>;
}

/** The SQL write switches are PostgreSQL's; MySQL/MariaDB's go through parameter groups. */
export interface FailBackDatabaseGateway {
  /** Old blue, PostgreSQL: one session for the hand-over's reads and writes (close it). */
  openOldBlue(target: DatabaseTarget): Promise<OldBlueSession>;
  /** New primary: refuse writes from now on (new sessions read-only, old ones terminated). */
  blockWrites(target: DatabaseTarget): Promise<WriteBlockResult>;
  /** New primary: take writes again (the compensation of blockWrites). */
  unblockWrites(target: DatabaseTarget): Promise<void>;
  /** Old blue: back to read-only (the compensation of the hand-over's makeWritable). */
  makeReadOnly(target: DatabaseTarget): Promise<void>;
  /** A fresh session's view: can it write? (not in recovery, not read-only) */
  isWritable(target: DatabaseTarget): Promise<boolean>;
}

const isMysqlFamily = (t: DatabaseTarget): t is DatabaseTarget & { engine: 'mysql' | 'mariadb' } =>
  t.engine === 'mysql' || t.engine === 'mariadb';

/** MySQL/MariaDB write switches are parameter-group changes (src/lib/fail-back-writes.ts), never SQL here. */
const pgOnly = (t: DatabaseTarget, step: string): void => {
  if (isMysqlFamily(t))
    throw new Error(
      `${step} on ${t.engine} goes through the DB parameter group (src/lib/fail-back-writes.ts), not SQL`,
    );
};

/** A double-quoted identifier (the database name comes from the user's document). */
const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

const TERMINATE_SQL = `
SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
 WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`;

export const makeFailBackDatabaseGateway = (readParameter: ParameterReader): FailBackDatabaseGateway => {
  /** One PostgreSQL session that may write even on a server RDS keeps read-only. */
  const openPg = async (target: DatabaseTarget): Promise<pg.Client> => {
    const password = await readParameter(target.passwordParameter);
    const client = await connectPostgres(
      { host: target.host, port: target.port, database: target.name, user: target.user, password },
      { applicationName: 'switchyard-fail-back', statementTimeoutMs: 30_000 },
    );
    client.on('error', () => undefined);
    try {
      await client.query('SET default_transaction_read_only = off');
      return client;
    } catch (e) {
      await client.end().catch(() => undefined);
      throw e;
    }
  };
  const withPg = async <T>(target: DatabaseTarget, work: (c: pg.Client) => Promise<T>): Promise<T> => {
    const client = await openPg(target);
    try {
      return await work(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  const withMysql = async <T>(
    target: DatabaseTarget & { engine: 'mysql' | 'mariadb' },
    work: (c: Awaited<ReturnType<typeof connectMysql>>) => Promise<T>,
  ): Promise<T> => {
    const password = await readParameter(target.passwordParameter);
    const connection = await connectMysql(
      { host: target.host, port: target.port, database: target.name, user: target.user, password },
      { engine: target.engine, statementTimeoutMs: 30_000 },
    );
    try {
      return await work(connection);
    } finally {
      await connection.end().catch(() => undefined);
    }
  };

  return {
    async openOldBlue(target) {
      pgOnly(target, 'openOldBlue');
      const c = await openPg(target);
      return {
        readOwnedSequences: () => readOwnedSequencesOn(c),
        async advanceSequences(moves) {
          if (moves.length === 0) return 'every sequence on old blue is already at or past the new primary';
          for (const m of moves)
            await c.query('SELECT setval($1::regclass, $2::bigint, true)', [m.sequence, m.to]);
          return `set ${moves.length} sequence(s) on old blue: ${moves.map((m) => `${m.sequence}=${m.to}`).join(', ')}`;
        },
        async makeWritable() {
          await c.query(`ALTER DATABASE ${ident(target.name)} SET default_transaction_read_only = off`);
        },
        close: () => c.end().catch(() => undefined),
      };
    },

    async blockWrites(target) {
      pgOnly(target, 'blockWrites');
      return withPg(target, async (c) => {
        await c.query(`ALTER DATABASE ${ident(target.name)} SET default_transaction_read_only = on`);
        const n = (await c.query(TERMINATE_SQL)).rows[0]?.n ?? 0;
        return {
          terminatedSessions: n,
          detail: `database ${target.name} on ${target.host} read-only for new sessions; ${n} client session(s) terminated`,
        };
      });
    },

    async unblockWrites(target) {
      pgOnly(target, 'unblockWrites');
      await withPg(target, (c) =>
        c.query(`ALTER DATABASE ${ident(target.name)} RESET default_transaction_read_only`),
      );
    },

    async makeReadOnly(target) {
      pgOnly(target, 'makeReadOnly');
      // RESET: back to the server's value, which RDS keeps on for old blue.
      await withPg(target, (c) =>
        c.query(`ALTER DATABASE ${ident(target.name)} RESET default_transaction_read_only`),
      );
    },

    async isWritable(target) {
      if (isMysqlFamily(target))
        return withMysql(target, async (c) => {
          const [rows] = await c.query('SELECT @@GLOBAL.read_only AS ro');
          return Number((rows as Array<{ ro: unknown }>)[0]?.ro) === 0;
        });
      // A plain session (not withPg: that one turns the setting off for itself).
      const password = await readParameter(target.passwordParameter);
      const client = await connectPostgres(
        { host: target.host, port: target.port, database: target.name, user: target.user, password },
        { applicationName: 'switchyard-fail-back-verify' },
      );
      client.on('error', () => undefined);
      try {
        const r = (
          await client.query(
            `SELECT current_setting('default_transaction_read_only') AS ro, pg_is_in_recovery() AS recovery`,
          )
        ).rows[0];
        return r.ro === 'off' && r.recovery === false;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
  };
};
