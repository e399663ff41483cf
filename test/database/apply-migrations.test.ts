/**
 * ApplyMigrations on a real PostgreSQL server: a real blocking transaction, lock timeouts and their bound
 * (handler and whole state machine), idempotent retries, failing statements, CREATE INDEX CONCURRENTLY.
 */
import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeMigrationSessionOpener } from '#aws/migrations-gateway';
import { planUnits } from '#domain/migrations';
import { parseMigrationStatements } from '#lib/migration-statements';
import { makeApplyMigrationsHandler } from '../../functions/apply-migrations.ts';
import { makeWorld } from '../support/fake-world.ts';
import { baseInput, runPath } from '../support/run-path.ts';
import { readTestParameter, startTestDatabase, type TestDatabase } from './support.ts';

let db: TestDatabase;
let admin: pg.Client;
const open = makeMigrationSessionOpener(readTestParameter);

type Result = {
  verdict: string;
  lockAttempts: number;
  retryInSeconds: number;
  applied: number;
  total: number;
  units: Array<{ key: string; outcome: string; error?: string }>;
  failure: { source: string; error: string; sqlState: string | null } | null;
  noUndo: string | null;
};

const apply = (migrations: Record<string, unknown>, executionId: string, lockAttempts = 0): Promise<Result> =>
  makeApplyMigrationsHandler({ migrations: { open }, clock: () => new Date() })(
    {
      input: { migrations: { engine: 'postgres', ...migrations } },
      executionId,
      database: db.database,
      lockAttempts,
    },
    {},
  ) as Promise<Result>;

const columns = async (table: string): Promise<string[]> =>
  (
    await admin.query(
      `SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
      [table],
    )
  ).rows.map((r) => r.attname);

const logged = async (executionId: string) =>
  (
    await admin.query(
      `SELECT unit_key, status FROM switchyard.migration_log WHERE execution_id = $1 ORDER BY unit_key`,
      [executionId],
    )
  ).rows.map((r) => `${r.unit_key} ${r.status}`);

/** A transaction holding ACCESS SHARE on orders: every ALTER TABLE orders must wait for it. */
const blockOrders = async (): Promise<pg.Client> => {
  const blocker = await db.client();
  await blocker.query('BEGIN');
  await blocker.query('SELECT count(*) FROM orders');
  return blocker;
};

beforeAll(async () => {
  db = await startTestDatabase('migrations');
  admin = await db.client();
});

afterAll(async () => {
  await admin?.end().catch(() => undefined);
  await db?.stop();
});

beforeEach(async () => {
  await admin.query(
    'DROP TABLE IF EXISTS orders, order_notes CASCADE; DROP SCHEMA IF EXISTS switchyard CASCADE',
  );
  await admin.query(
    `CREATE TABLE orders (id bigint PRIMARY KEY, status text NOT NULL);
     INSERT INTO orders SELECT g, CASE WHEN g % 2 = 0 THEN 'paid' ELSE 'new' END FROM generate_series(1, 200) g`,
  );
});

describe('ApplyMigrations on real PostgreSQL', () => {
  it('times out on a lock held by a real transaction, then applies once the transaction ends', async () => {
    // Prepare
    const blocker = await blockOrders();
    const migrations = {
      expand: [
        'ALTER TABLE orders ADD COLUMN state_v2 text;',
        'CREATE TABLE order_notes (id bigint PRIMARY KEY);',
      ],
      lockTimeoutSeconds: 0.2,
      lockRetries: 3,
      lockRetrySeconds: 4,
    };
    try {
      // Act: the first attempt meets the lock
      const first = await apply(migrations, 'exec-lock');
      // Assess
      expect(first).toMatchObject({
        verdict: 'lock-timeout',
        lockAttempts: 1,
        retryInSeconds: 4,
        applied: 0,
      });
      expect(first.units[0]).toMatchObject({ key: 'expand:0', outcome: 'lock-timeout' });
      expect(first.units[0]?.error).toContain('lock timeout');
      expect(await columns('orders')).toEqual(['id', 'status']);
      expect(await logged('exec-lock')).toEqual([]);
    } finally {
      await blocker.query('COMMIT');
      await blocker.end();
    }
    // Act: the state machine comes back after the wait, with the count
    const second = await apply(migrations, 'exec-lock', 1);
    // Assess
    expect(second).toMatchObject({ verdict: 'done', lockAttempts: 1, applied: 2, total: 2 });
    expect(await columns('orders')).toEqual(['id', 'status', 'state_v2']);
    expect(await logged('exec-lock')).toEqual(['expand:0 applied', 'expand:1 applied']);
  });

  it('gives up after migrations.lockRetries and says nothing needs undoing', async () => {
    const blocker = await blockOrders();
    try {
      const result = await apply(
        { expand: ['ALTER TABLE orders ADD COLUMN state_v2 text;'], lockTimeoutSeconds: 0.2, lockRetries: 2 },
        'exec-bound',
        2,
      );
      expect(result.verdict).toBe('failed');
      expect(result.failure?.sqlState).toBe('55P03');
      expect(result.failure?.error).toContain(
        'lock timeout 3 time(s), the retry bound (migrations.lockRetries = 2)',
      );
      expect(result.noUndo).toContain('nothing was applied on blue');
      expect(await columns('orders')).toEqual(['id', 'status']);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
  });

  it('never applies a unit twice when Step Functions invokes it again', async () => {
    const migrations = {
      expand: [
        "ALTER TABLE orders ADD COLUMN state_v2 text;\nUPDATE orders SET status = status || '!' WHERE id = 1;",
        'CREATE INDEX CONCURRENTLY orders_state_v2 ON orders (state_v2);',
      ],
    };
    const first = await apply(migrations, 'exec-twice');
    const second = await apply(migrations, 'exec-twice');
    expect(first.units.map((u) => u.outcome)).toEqual(['applied', 'applied', 'applied']);
    expect(second).toMatchObject({ verdict: 'done', applied: 3 });
    expect(second.units.map((u) => u.outcome)).toEqual([
      'already-applied',
      'already-applied',
      'already-applied',
    ]);
    // The UPDATE ran once: one "!" only.
    expect((await admin.query('SELECT status FROM orders WHERE id = 1')).rows[0].status).toBe('new!');
    expect(await logged('exec-twice')).toEqual(['expand:0 applied', 'expand:1 applied', 'expand:2 applied']);
    // Another execution is another run: it applies the list again (and fails on the existing column).
    const other = await apply(migrations, 'exec-other');
    expect(other.verdict).toBe('failed');
    expect(other.failure?.error).toContain('already exists');
  });

  it('stops at a failing statement: earlier units stay applied, later ones pending, each listed', async () => {
    const result = await apply(
      {
        expand: [
          'ALTER TABLE orders ADD COLUMN state_v2 text;',
          'BEGIN; CREATE TABLE order_notes (id bigint PRIMARY KEY); ALTER TABLE orders ADD COLUMN nope_ref bigint REFERENCES nope (id); COMMIT;',
          'ALTER TABLE orders ADD COLUMN state_v3 text;',
        ],
      },
      'exec-fail',
    );
    expect(result.verdict).toBe('failed');
    expect(result.units.map((u) => `${u.key} ${u.outcome}`)).toEqual([
      'expand:0 applied',
      'expand:1 failed',
      'expand:2 pending',
    ]);
    expect(result.failure).toMatchObject({ source: 'migrations.expand[1] line 1', sqlState: '42P01' });
    expect(result.noUndo).toContain('backward compatible');
    // The block was one transaction: order_notes was not created.
    expect((await admin.query(`SELECT to_regclass('order_notes') AS t`)).rows[0].t).toBeNull();
    expect(await columns('orders')).toEqual(['id', 'status', 'state_v2']);
    expect(await logged('exec-fail')).toEqual(['expand:0 applied']);
  });

  it('fails a statement that runs past migrations.statementTimeoutSeconds', async () => {
    const result = await apply(
      { expand: ['SELECT pg_sleep(3);'], statementTimeoutSeconds: 0.3 },
      'exec-slow',
    );
    expect(result.verdict).toBe('failed');
    expect(result.failure?.sqlState).toBe('57014');
    expect(result.failure?.error).toContain('statement timeout');
  });

  it('drops the invalid index its failed CREATE UNIQUE INDEX CONCURRENTLY left behind', async () => {
    const result = await apply(
      { expand: ['CREATE UNIQUE INDEX CONCURRENTLY orders_status_key ON orders (status);'] },
      'exec-cic',
    );
    expect(result.verdict).toBe('failed');
    expect(result.failure?.sqlState).toBe('23505');
    expect((await admin.query(`SELECT to_regclass('orders_status_key') AS i`)).rows[0].i).toBeNull();
    expect(await logged('exec-cic')).toEqual([]);
  });

  it('proves the outcome of an interrupted CREATE INDEX CONCURRENTLY from the catalog before running it again', async () => {
    // Prepare: an attempt that died after logging "started" and leaving an invalid index behind.
    const sql = 'CREATE UNIQUE INDEX CONCURRENTLY orders_status_key ON orders (status);';
    await admin.query(`DELETE FROM orders WHERE id > 2`);
    await admin.query(`INSERT INTO orders VALUES (3, 'new')`);
    await admin.query(sql).catch(() => undefined); // duplicate 'new': leaves an invalid index
    expect(
      (await admin.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_status_key'::regclass`))
        .rows[0].indisvalid,
    ).toBe(false);
    await admin.query(`DELETE FROM orders WHERE id = 3`);
    const plan = planUnits(await parseMigrationStatements('expand', [sql]));
    if (!plan.ok) throw new Error(plan.problems.join('; '));
    await apply({ expand: [] }, 'exec-interrupted'); // nothing to apply: no log table yet
    await admin.query(`CREATE SCHEMA IF NOT EXISTS switchyard`);
    await apply({ expand: ['SELECT 1;'] }, 'exec-bootstrap'); // creates the log table
    await admin.query(
      `INSERT INTO switchyard.migration_log (execution_id, unit_key, statement_hash, source, status, index_existed)
       VALUES ('exec-interrupted', 'expand:0', $1, 'migrations.expand[0] line 1', 'started', false)`,
      [plan.units[0]!.hash],
    );
    // Act
    const result = await apply({ expand: [sql] }, 'exec-interrupted');
    // Assess: the leftover was ours (it did not exist when the attempt started), so it was dropped and rebuilt.
    expect(result.verdict).toBe('done');
    expect(
      (await admin.query(`SELECT indisvalid FROM pg_index WHERE indexrelid = 'orders_status_key'::regclass`))
        .rows[0].indisvalid,
    ).toBe(true);
    expect(await logged('exec-interrupted')).toEqual(['expand:0 applied']);
  });

  it('every table Switchyard creates on blue has a primary key (logical replication needs one)', async () => {
    await apply({ expand: ['SELECT 1;'] }, 'exec-pk');
    const withoutPk = await admin.query(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'switchyard' AND c.relkind = 'r'
          AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conrelid = c.oid AND k.contype = 'p')`,
    );
    expect(withoutPk.rows).toEqual([]);
  });
});

describe('the state machine with ApplyMigrations on real PostgreSQL', () => {
  const pipelineWorld = () => {
    const world = makeWorld({
      provisioningPolls: 1,
      source: { endpoint: { address: '127.0.0.1', port: db.port } },
    });
    world.gateways.migrations = { open };
    return world;
  };
  const input = (lockRetries: number) =>
    baseInput({
      migrations: {
        engine: 'postgres',
        expand: ['ALTER TABLE orders ADD COLUMN state_v2 text;'],
        lockTimeoutSeconds: 0.3,
        lockRetries,
        lockRetrySeconds: 1,
      },
      database: { name: 'postgres', user: 'postgres', passwordParameter: '/switchyard/test/db/password' },
    });

  it('retries through WaitForMigrationLocks until the blocking transaction ends, then creates green', async () => {
    const blocker = await blockOrders();
    const world = pipelineWorld();
    // The blocking transaction ends right after the first real lock timeout (a person's session closing).
    let lockTimeouts = 0;
    world.gateways.migrations = {
      open: async (target, settings) => {
        const session = await open(target, settings);
        return {
          ...session,
          applyInTransaction: (executionId, unit) =>
            session.applyInTransaction(executionId, unit).catch(async (err) => {
              if (++lockTimeouts === 1) await blocker.query('COMMIT');
              throw err;
            }),
        };
      },
    };
    try {
      const run = await runPath(world, input(3));
      expect(run.status).toBe('SUCCEEDED');
      expect(lockTimeouts).toBe(1);
      expect(run.states.slice(2, 11)).toEqual([
        'StartMigrations',
        'ApplyMigrations',
        'AreMigrationsApplied',
        'WaitForMigrationLocks',
        'ApplyMigrations',
        'AreMigrationsApplied',
        'InstallDdlGuard',
        'HasBeforeCreateHooks',
        'CreateGreen',
      ]);
      expect(await columns('orders')).toContain('state_v2');
    } finally {
      await blocker.end().catch(() => undefined);
    }
  });

  it('ends MigrationFailed with nothing created when the lock outlasts the retries', async () => {
    const blocker = await blockOrders();
    try {
      const world = pipelineWorld();
      const run = await runPath(world, input(1));
      expect(run.error).toBe('Switchyard.MigrationFailed');
      expect(run.states.filter((s) => s === 'ApplyMigrations')).toHaveLength(2);
      expect(world.calls).toEqual([]);
      expect(world.published[0]?.message).toContain('canceling statement due to lock timeout');
      expect(await columns('orders')).toEqual(['id', 'status']);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
  });
});
