/**
 * Path tests of the migrations and DDL-guard branches: the real ASL, the real handlers (ApplyMigrations
 * parses with the real PostgreSQL parser), a scripted fake world whose database records what it applied.
 */
import { describe, expect, it } from 'vitest';
import { makeWorld } from '../support/fake-world.ts';
import { baseInput, runPath } from '../support/run-path.ts';

const DATABASE = { name: 'app', user: 'switchyard', passwordParameter: '/switchyard/test/db/password' };
const EXPAND = [
  'ALTER TABLE orders ADD COLUMN order_state_v2 varchar(20);\nCREATE INDEX CONCURRENTLY orders_state_v2 ON orders (order_state_v2);',
  'BEGIN; CREATE TABLE order_notes (id bigint PRIMARY KEY, note text); ALTER TABLE order_notes ADD COLUMN at timestamptz; COMMIT;',
];
const withMigrations = (extra: Record<string, unknown> = {}) =>
  baseInput({
    migrations: { engine: 'postgres', expand: EXPAND, lockRetries: 2, lockRetrySeconds: 1 },
    database: DATABASE,
    ...extra,
  });
const START = ['Begin', 'Preflight', 'StartMigrations', 'ApplyMigrations', 'AreMigrationsApplied'];
const MIGRATION_FAILED = ['MigrationsFailed', 'NotifyMigrationFailed', 'MigrationFailed'];

describe('migrations and the DDL guard in the state machine', () => {
  it('applies every unit on blue before green exists, guards DDL, and releases the guard after the switch', async () => {
    // Prepare: 17.4 → 18.4 is the logical path; the DDL comes after the last lag check (RecheckLag would refuse it)
    const world = makeWorld({ provisioningPolls: 1, database: { ddlSeen: 2, ddlFromObserve: 99 } });
    // Act
    const run = await runPath(world, withMigrations());
    // Assess
    expect(run.status).toBe('SUCCEEDED');
    expect(run.states.slice(0, 8)).toEqual([
      ...START,
      'InstallDdlGuard',
      'HasBeforeCreateHooks',
      'CreateGreen',
    ]);
    expect(world.dbCalls).toEqual([
      'applied expand:0',
      'applied expand:1 (no transaction)',
      'applied expand:2',
      'install-guard orders-db.example fingerprint',
      // after the switch the names moved: old blue first (where the guard saw blue's DDL), then the new primary
      'release-guard orders-db-old1.example',
      'release-guard orders-db.example',
    ]);
    const report = run.output as {
      migrationsApplied: {
        verdict: string;
        applied: number;
        total: number;
        units: Array<{ source: string; outcome: string }>;
      };
      ddlGuard: { mode: string };
      ddlGuardRelease: { allReleased: boolean; summary: string };
    };
    expect(report.migrationsApplied).toMatchObject({ verdict: 'done', applied: 3, total: 3 });
    expect(report.migrationsApplied.units.map((u) => `${u.source} ${u.outcome}`)).toEqual([
      'migrations.expand[0] line 1 applied',
      'migrations.expand[0] line 2 applied',
      'migrations.expand[1] line 1 applied',
    ]);
    expect(report.ddlGuard.mode).toBe('fingerprint');
    expect(report.ddlGuardRelease.allReleased).toBe(true);
    expect(report.ddlGuardRelease.summary).toContain('2 DDL command(s) logged on blue');
    expect(world.published[0]?.message).toContain('Migrations applied on blue: 3 of 3 (done)');
    // Approvers see what the guard saw on blue since green was created.
    const asked = run.approvalRequests[0] as { request: { ddlGuard: unknown } };
    expect(asked.request.ddlGuard).toEqual({
      mode: 'fingerprint',
      freeze: false,
      warnings: [],
      logged: 0,
      schemaChanged: false,
    });
  });

  it('installs event triggers (and the freeze) on the physical path', async () => {
    const world = makeWorld({ provisioningPolls: 1 });
    const run = await runPath(
      world,
      withMigrations({ target: { engineVersion: '17.5' }, guards: { ddlFreeze: true } }),
    );
    expect(run.status).toBe('SUCCEEDED');
    expect(world.dbCalls).toContain('install-guard orders-db.example event-trigger freeze');
    expect(world.published[0]?.message).toContain('DDL guard: event-trigger (DDL frozen)');
  });

  it('says the freeze is not available on the logical path instead of pretending', async () => {
    const world = makeWorld({ provisioningPolls: 1 });
    const run = await runPath(world, withMigrations({ guards: { ddlFreeze: true } }));
    expect(run.status).toBe('SUCCEEDED');
    expect(world.dbCalls).toContain('install-guard orders-db.example fingerprint');
    expect(world.published[0]?.message).toContain('guards.ddlFreeze cannot block DDL on the logical path');
  });

  it('waits and retries a lock timeout, then applies the rest once the lock is free', async () => {
    const world = makeWorld({ provisioningPolls: 1, database: { lockTimeouts: 2 } });
    const run = await runPath(world, withMigrations());
    expect(run.status).toBe('SUCCEEDED');
    expect(run.states.slice(0, 14)).toEqual([
      ...START,
      'WaitForMigrationLocks',
      'ApplyMigrations',
      'AreMigrationsApplied',
      'WaitForMigrationLocks',
      'ApplyMigrations',
      'AreMigrationsApplied',
      'InstallDdlGuard',
      'HasBeforeCreateHooks',
      'CreateGreen',
    ]);
    expect(world.dbCalls.slice(0, 5)).toEqual([
      'lock-timeout expand:0',
      'lock-timeout expand:0',
      'applied expand:0',
      'applied expand:1 (no transaction)',
      'applied expand:2',
    ]);
  });

  it('ends MigrationFailed, nothing created, after lockRetries lock timeouts', async () => {
    const world = makeWorld({ database: { lockTimeouts: 10 } });
    const run = await runPath(world, withMigrations());
    expect(run.error).toBe('Switchyard.MigrationFailed');
    expect(run.states).toEqual([
      ...START,
      'WaitForMigrationLocks',
      'ApplyMigrations',
      'AreMigrationsApplied',
      'WaitForMigrationLocks',
      'ApplyMigrations',
      'AreMigrationsApplied',
      ...MIGRATION_FAILED,
    ]);
    expect(world.calls).toEqual([]);
    expect(world.dbCalls.filter((c) => c.startsWith('lock-timeout'))).toHaveLength(3);
    const message = world.published[0]?.message ?? '';
    expect(world.published[0]?.subject).toBe('[Switchyard] orders-db: migration-failed');
    expect(message).toContain('lock timeout 3 time(s), the retry bound (migrations.lockRetries = 2)');
    expect(message).toContain('nothing was applied on blue');
  });

  it('ends MigrationFailed when a statement fails, listing what was applied, the failure and why no undo is needed', async () => {
    const world = makeWorld({ database: { failKey: 'expand:2' } });
    const run = await runPath(world, withMigrations());
    expect(run.error).toBe('Switchyard.MigrationFailed');
    expect(run.states).toEqual([...START, ...MIGRATION_FAILED]);
    expect(world.calls).toEqual([]);
    expect(world.dbCalls).toEqual([
      'applied expand:0',
      'applied expand:1 (no transaction)',
      'failed expand:2',
    ]);
    const message = world.published[0]?.message ?? '';
    expect(message).toContain(
      'a migration failed, or the DDL guard could not be installed); nothing was created',
    );
    expect(message).toContain('- applied migrations.expand[0] line 1 (3 ms): ALTER TABLE orders ADD COLUMN');
    expect(message).toContain('- failed migrations.expand[1] line 1: CREATE TABLE order_notes');
    expect(message).toContain('Failing: migrations.expand[1] line 1: column "nope" does not exist');
    expect(message).toContain('passed the gate as backward compatible');
  });

  it('refuses a BEGIN without COMMIT before applying anything', async () => {
    const world = makeWorld();
    const run = await runPath(
      world,
      baseInput({
        migrations: { engine: 'postgres', expand: ['BEGIN; ALTER TABLE orders ADD COLUMN x int;'] },
        database: DATABASE,
      }),
    );
    expect(run.error).toBe('Switchyard.MigrationFailed');
    expect(world.dbCalls).toEqual([]);
    expect(world.published[0]?.message).toContain('migrations.expand[0] line 1: BEGIN without a COMMIT');
  });

  it('ends MigrationFailed, nothing created, when the DDL guard cannot be installed', async () => {
    const world = makeWorld({ database: { guardInstallFails: true } });
    const run = await runPath(world, withMigrations());
    expect(run.error).toBe('Switchyard.MigrationFailed');
    expect(run.states).toEqual([...START, 'InstallDdlGuard', 'NotifyMigrationFailed', 'MigrationFailed']);
    expect(world.calls).toEqual([]);
    const message = world.published[0]?.message ?? '';
    expect(message).toContain('the DDL guard could not be installed');
    expect(message).toContain('permission denied to create event trigger');
    expect(message).toContain('Migrations applied on blue: 3 of 3 (done)');
  });

  it('releases the guard on blue when the run rolls back', async () => {
    const world = makeWorld({ provisioningPolls: 1 });
    const run = await runPath(world, withMigrations(), 'reject');
    expect(run.error).toBe('Switchyard.RolledBack');
    expect(run.states.slice(-3)).toEqual(['ReleaseDdlGuardAfterRollback', 'NotifyRolledBack', 'RolledBack']);
    expect(world.dbCalls.slice(-2)).toEqual([
      'install-guard orders-db.example fingerprint',
      'release-guard orders-db.example',
    ]);
    expect(world.guards.size).toBe(0);
  });

  it('applies nothing when the release has no migrations, and still guards DDL on blue', async () => {
    const world = makeWorld({ provisioningPolls: 1 });
    const run = await runPath(world, baseInput());
    expect(run.status).toBe('SUCCEEDED');
    expect(world.dbCalls).toEqual([
      'install-guard orders-db.example fingerprint',
      'release-guard orders-db-old1.example',
      'release-guard orders-db.example',
    ]);
    expect((run.output as { migrationsApplied: unknown }).migrationsApplied).toMatchObject({
      verdict: 'done',
      total: 0,
      checkedAt: null,
    });
  });
});
