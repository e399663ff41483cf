/** Table tests of the migration and DDL-guard decisions (src/domain/migrations.ts, ddl-guard.ts). */
import { describe, expect, it } from 'vitest';
import type { ApprovalRecord, ApprovalRequest } from '#approval/contracts';
import { describeRequest } from '#approval/messages';
import { describeObservation, planGuard } from '#domain/ddl-guard';
import {
  decideLockRetry,
  decideUnit,
  excerpt,
  hasTimeFor,
  type LogEntry,
  type MigrationStatement,
  type MigrationUnit,
  noUndoReason,
  planUnits,
  resolveInterrupted,
} from '#domain/migrations';
import { composeNotification } from '#domain/notification';
import { requestInput } from '../../approval/support/fixtures.ts';

const st = (sql: string, kind: Partial<MigrationStatement> = {}, line = 1): MigrationStatement =>
  ({
    phase: 'expand',
    source: `migrations.expand[0] line ${line}`,
    sql,
    kind: 'plain',
    ...kind,
  }) as MigrationStatement;
const BEGIN = { kind: 'begin' } as const;
const COMMIT = { kind: 'commit' } as const;

describe('planUnits', () => {
  it('makes one unit per statement and one per BEGIN … COMMIT block, keyed per phase', () => {
    const plan = planUnits([
      st('SET lock_timeout = 1', { kind: 'session' }),
      st('ALTER TABLE a ADD COLUMN b int'),
      st('BEGIN', BEGIN, 2),
      st('CREATE TABLE c (id int PRIMARY KEY)', {}, 2),
      st('ALTER TABLE c ADD COLUMN d int', {}, 3),
      st('COMMIT', COMMIT, 4),
      st('CREATE INDEX CONCURRENTLY i ON a (b)', { kind: 'non-transactional', check: 'rerun' }, 5),
      { ...st('ALTER TABLE a DROP COLUMN x'), phase: 'contract', source: 'migrations.contract[0] line 1' },
    ]);
    expect(plan.ok).toBe(true);
    if (!plan.ok) return;
    expect(plan.units.map((u) => `${u.key} ${u.mode} ${u.statements.length}`)).toEqual([
      'expand:0 session 1',
      'expand:1 transaction 1',
      'expand:2 transaction 2',
      'expand:3 non-transactional 1',
      'contract:0 transaction 1',
    ]);
    expect(plan.units[2]?.source).toBe('migrations.expand[0] line 2');
    expect(new Set(plan.units.map((u) => u.hash)).size).toBe(5);
  });

  it.each([
    [
      [st('BEGIN', BEGIN), st('BEGIN', BEGIN, 2)],
      'line 2: BEGIN inside the block opened at migrations.expand[0] line 1',
    ],
    [[st('COMMIT', COMMIT)], 'COMMIT without a BEGIN'],
    [[st('BEGIN', BEGIN), st('x')], 'BEGIN without a COMMIT'],
    [
      [
        st('BEGIN', BEGIN),
        st('VACUUM a', { kind: 'non-transactional', check: 'rerun' }, 2),
        st('COMMIT', COMMIT, 3),
      ],
      'cannot run this statement inside the BEGIN … COMMIT block',
    ],
    [[st('ROLLBACK', { kind: 'transaction-control', detail: 'ROLLBACK' })], 'ROLLBACK is not allowed'],
    [
      [st('ALTER TABL', { kind: 'unparseable', error: 'syntax error' })],
      'PostgreSQL cannot parse it (syntax error)',
    ],
  ])('refuses %#', (statements, problem) => {
    const plan = planUnits(statements as MigrationStatement[]);
    expect(plan.ok).toBe(false);
    if (!plan.ok) expect(plan.problems.join('\n')).toContain(problem);
  });

  it('drops an empty BEGIN … COMMIT block', () => {
    const plan = planUnits([st('BEGIN', BEGIN), st('COMMIT', COMMIT)]);
    expect(plan).toEqual({ ok: true, units: [] });
  });
});

const unit = (extra: Partial<MigrationUnit> = {}): MigrationUnit => ({
  key: 'expand:0',
  phase: 'expand',
  source: 'migrations.expand[0] line 1',
  statements: ['CREATE INDEX CONCURRENTLY i ON a (b)'],
  mode: 'non-transactional',
  check: { kind: 'index-created', name: 'i', schema: null },
  hash: 'h1',
  ...extra,
});
const entry = (extra: Partial<LogEntry> = {}): LogEntry => ({
  key: 'expand:0',
  hash: 'h1',
  status: 'started',
  durationMs: null,
  appliedAt: null,
  indexExisted: false,
  ...extra,
});

describe('decideUnit', () => {
  it.each([
    ['no log entry', undefined, 'apply'],
    ['applied with the same SQL', entry({ status: 'applied' }), 'skip'],
    ['started, never finished', entry(), 'resolve-interrupted'],
    ['logged with other SQL', entry({ hash: 'other' }), 'refuse'],
  ])('%s → %s', (_name, logged, action) => {
    expect(decideUnit(unit(), logged).action).toBe(action);
  });

  it('always re-runs session settings', () => {
    expect(decideUnit(unit({ mode: 'session' }), entry({ status: 'applied' })).action).toBe('apply');
  });
});

describe('resolveInterrupted', () => {
  const dropIdx = { kind: 'index-dropped', name: 'i', schema: 's' } as const;
  it.each([
    ['created index valid', unit(), entry(), 'valid', 'mark-applied'],
    ['created index absent', unit(), entry(), 'absent', 'rerun'],
    ['our invalid index', unit(), entry({ indexExisted: false }), 'invalid', 'rerun+drop'],
    ['an invalid index that pre-existed', unit(), entry({ indexExisted: true }), 'invalid', 'refuse'],
    ['dropped index gone', unit({ check: dropIdx }), entry(), 'absent', 'mark-applied'],
    ['dropped index still there', unit({ check: dropIdx }), entry(), 'valid', 'rerun'],
    ['repeatable statement', unit({ check: 'rerun' }), entry(), null, 'rerun'],
    ['no check possible', unit({ check: null }), entry(), null, 'refuse'],
  ] as const)('%s → %s', (_name, u, e, index, expected) => {
    const r = resolveInterrupted(u, e, index);
    expect(r.action === 'rerun' && r.dropInvalidIndexFirst ? 'rerun+drop' : r.action).toBe(expected);
  });
});

describe('retries and budget', () => {
  it.each([
    [0, { retry: true, retryInSeconds: 10 }],
    [1, { retry: true, retryInSeconds: 20 }],
    [4, { retry: true, retryInSeconds: 160 }],
    [5, { retry: false }],
  ])('after %i lock timeouts → %o', (attempts, expected) => {
    expect(decideLockRetry(attempts, { lockRetries: 5, lockRetrySeconds: 10 })).toEqual(expected);
  });

  it('caps the wait at 5 minutes', () => {
    expect(decideLockRetry(9, { lockRetries: 20, lockRetrySeconds: 300 })).toEqual({
      retry: true,
      retryInSeconds: 300,
    });
  });

  it.each([
    [0, 300_000, 840_000, true],
    [540_000, 300_000, 840_000, true],
    [540_001, 300_000, 840_000, false],
  ])('elapsed %i + timeout %i within %i → %s', (elapsed, timeout, budget, expected) => {
    expect(hasTimeFor(elapsed, timeout, budget)).toBe(expected);
  });
});

describe('reporting', () => {
  it('shortens long SQL to an excerpt', () => {
    expect(excerpt(['SELECT   1'])).toBe('SELECT 1');
    expect(excerpt(['x'.repeat(200)])).toHaveLength(80);
  });

  it.each([
    [[], 'nothing was applied on blue'],
    [[{ key: 'expand:0' }], 'passed the gate as backward compatible'],
    [[{ key: 'contract:0' }], 'no retained old blue depends on what they removed'],
  ])('explains why no undo is needed %#', (applied, text) => {
    expect(noUndoReason(applied as never)).toContain(text);
  });
});

describe('planGuard', () => {
  it.each([
    ['physical', false, true, 'event-trigger', false, 0],
    ['physical', true, true, 'event-trigger', true, 0],
    ['logical', false, true, 'fingerprint', false, 0],
    ['logical', true, true, 'fingerprint', false, 1],
    ['physical', true, false, 'off', false, 1],
  ] as const)('%s, freeze %s, database %s → %s', (replication, freeze, db, mode, frozen, warnings) => {
    const plan = planGuard(replication, freeze, db);
    expect(plan).toMatchObject({ mode, freeze: frozen });
    expect(plan.warnings).toHaveLength(warnings);
  });

  it('describes what the guard saw', () => {
    expect(describeObservation(null)).toContain('no guard');
    expect(
      describeObservation({
        logged: 2,
        schemaChanged: true,
        entries: [
          { at: '', commandTag: 'CREATE TABLE', objects: [], user: 'app', statement: '' },
          { at: '', commandTag: 'CREATE TABLE', objects: [], user: 'app', statement: '' },
        ],
      }),
    ).toBe('2 DDL command(s) logged on blue; schema changed since the guard was installed (CREATE TABLE)');
  });
});

describe('notifications about the guard', () => {
  const state = (extra: Record<string, unknown>) => ({
    preflight: { plan: { sourceId: 'orders-db' } },
    ddlGuard: { mode: 'event-trigger', freeze: true, warnings: [] },
    ...extra,
  });

  it('tells the owners the guard is still on blue when the run stopped before releasing it', () => {
    const { message } = composeNotification('failed-after-switch', 'exec-1', state({}));
    expect(message).toContain('DDL guard: event-trigger (DDL frozen)');
    expect(message).toContain('The guard is still installed');
    expect(message).toContain('DROP EVENT TRIGGER IF EXISTS switchyard_ddl_freeze');
  });

  it('asks for action when a release after the switch failed', () => {
    const { message } = composeNotification(
      'switched',
      'exec-1',
      state({
        ddlGuardRelease: {
          allReleased: false,
          summary: '0 DDL command(s) logged on blue; schema unchanged',
          instances: [{ instanceId: 'orders-db', released: false, detail: 'connection refused' }],
        },
      }),
    );
    expect(message).toContain('ACTION: the guard could not be removed from orders-db');
  });

  it('says nothing more once the guard is released everywhere', () => {
    const { message } = composeNotification(
      'switched',
      'exec-1',
      state({
        ddlGuardRelease: {
          allReleased: true,
          summary: 'ok',
          instances: [{ instanceId: 'orders-db', released: true, detail: '' }],
        },
      }),
    );
    expect(message).not.toContain('DROP EVENT TRIGGER');
  });
});

describe('the approval message about the guard', () => {
  const record = (ddlGuard: ApprovalRequest['ddlGuard']) =>
    ({ ...requestInput(), request: { ...requestInput().request, ddlGuard } }) as unknown as ApprovalRecord;

  it.each([
    [
      { mode: 'event-trigger', freeze: true, warnings: [], logged: 1, schemaChanged: true },
      'event-trigger, frozen: 1 DDL command(s) logged, schema CHANGED since green was created',
    ],
    [
      { mode: 'fingerprint', freeze: false, warnings: ['no freeze here'], logged: 0, schemaChanged: false },
      'fingerprint: schema unchanged (no freeze here)',
    ],
    [
      {
        mode: 'event-trigger',
        freeze: false,
        warnings: [],
        logged: null,
        schemaChanged: null,
        note: 'cannot read the guard on blue: timeout',
      },
      'event-trigger: cannot read the guard on blue: timeout',
    ],
    [
      { mode: 'off', freeze: false, warnings: [], logged: null, schemaChanged: null },
      'not guarded (no database block)',
    ],
  ] as const)('shows %o', (guard, text) => {
    const facts = describeRequest(record(guard as unknown as ApprovalRequest['ddlGuard']));
    expect(facts.find((f) => f.label === 'DDL on blue')?.value).toBe(text);
  });

  it('leaves the line out for a request without the guard', () => {
    expect(describeRequest(record(undefined)).map((f) => f.label)).not.toContain('DDL on blue');
  });
});
