/** The fail-back's pure decisions (src/domain/fail-back.ts), as tables. */
import { describe, expect, it } from 'vitest';
import type { InstanceView } from '#domain/deletion';
import {
  CATCH_UP_POLL,
  catchUpNudgeDue,
  catchUpVerdict,
  type FailBackClaim,
  judgeFailBack,
  nextCatchUpRead,
  nextFailedName,
  proveFailBackPair,
  renameAction,
  renameProgress,
  sequencesToAdvance,
  windowSecondsLeft,
} from '#domain/fail-back';

const claim: FailBackClaim = {
  sourceId: 'orders-db',
  executionId: 'arn:exec:1',
  newPrimaryResourceId: 'db-GREEN',
  oldBlueId: 'orders-db-old1',
  oldBlueResourceId: 'db-BLUE',
};
const view = (id: string, resourceId: string, extra: Partial<InstanceView> = {}): InstanceView => ({
  id,
  resourceId,
  status: 'available',
  engine: 'postgres',
  tags: {},
  deletionProtection: false,
  ...extra,
});
const oldBlueTags = { 'switchyard:role': 'old-blue', 'switchyard:execution': 'arn:exec:1' };
const proven = {
  newPrimary: view('orders-db', 'db-GREEN'),
  oldBlue: view('orders-db-old1', 'db-BLUE', { tags: oldBlueTags }),
  production: view('orders-db', 'db-GREEN'),
};

describe('nextFailedName', () => {
  it.each([
    [[], 'orders-db-failed1'],
    [['orders-db-failed1'], 'orders-db-failed2'],
    [['ORDERS-DB-FAILED1', 'orders-db-failed2'], 'orders-db-failed3'],
    [['orders-db-failed2'], 'orders-db-failed1'],
  ])('with %j taken gives %s', (taken, expected) => {
    expect(nextFailedName('orders-db', taken)).toBe(expected);
  });
  it('refuses a name longer than RDS allows, naming the limit', () => {
    expect(() => nextFailedName('a'.repeat(57), [])).toThrow(/at most 63/);
  });
});

describe('proveFailBackPair', () => {
  it('proves the pair the run recorded', () => {
    expect(proveFailBackPair(claim, proven)).toEqual({ verdict: 'proven' });
  });
  it.each([
    [
      'old blue renamed by hand',
      { oldBlue: view('orders-db-x', 'db-BLUE', { tags: oldBlueTags }) },
      'is named orders-db-x',
    ],
    [
      'old blue on hold',
      { oldBlue: view('orders-db-old1', 'db-BLUE', { tags: { ...oldBlueTags, 'switchyard:hold': 'ops' } }) },
      'switchyard:hold=ops',
    ],
    [
      'old blue of another run',
      {
        oldBlue: view('orders-db-old1', 'db-BLUE', {
          tags: { ...oldBlueTags, 'switchyard:execution': 'arn:exec:2' },
        }),
      },
      'not this execution',
    ],
    ['production is someone else', { production: view('orders-db', 'db-OTHER') }, 'not the new primary'],
    ['new primary gone', { newPrimary: undefined }, "no instance has the new primary's resource id"],
    [
      'new primary busy',
      { newPrimary: view('orders-db', 'db-GREEN', { status: 'modifying' }) },
      'modifying, not available',
    ],
  ])('refuses when %s', (_case, change, reason) => {
    const verdict = proveFailBackPair(claim, { ...proven, ...change });
    expect(verdict.verdict).toBe('refuse');
    expect(verdict.verdict === 'refuse' ? verdict.reasons.join('; ') : '').toContain(reason);
  });
});

describe('renameProgress and renameAction', () => {
  const at = (np: string | undefined, ob: string | undefined, prod?: string) => ({
    newPrimary: np ? view(np, 'db-GREEN') : undefined,
    oldBlue: ob ? view(ob, 'db-BLUE') : undefined,
    production: prod ? view('orders-db', prod) : undefined,
  });
  it.each([
    [at('orders-db', 'orders-db-old1', 'db-GREEN'), 'not-started'],
    [at('orders-db-failed1', 'orders-db-old1'), 'aside'],
    [at('orders-db-failed1', 'orders-db', 'db-BLUE'), 'done'],
    [at('orders-db-failed1', 'orders-db-old1', 'db-OTHER'), 'unknown'],
    [at(undefined, 'orders-db-old1'), 'unknown'],
  ] as const)('%j is %s', (evidence, progress) => {
    expect(renameProgress(claim, 'orders-db-failed1', evidence)).toBe(progress);
  });
  it.each([
    ['new-primary-aside', 'not-started', { action: 'rename', from: 'orders-db', to: 'orders-db-failed1' }],
    ['new-primary-aside', 'aside', { action: 'none' }],
    ['old-blue-to-production', 'aside', { action: 'rename', from: 'orders-db-old1', to: 'orders-db' }],
    ['old-blue-to-production', 'done', { action: 'none' }],
    ['old-blue-to-production', 'not-started', { action: 'refuse' }],
    ['undo-new-primary-aside', 'aside', { action: 'rename', from: 'orders-db-failed1', to: 'orders-db' }],
    ['undo-new-primary-aside', 'not-started', { action: 'none' }],
    ['undo-new-primary-aside', 'done', { action: 'refuse' }],
    ['undo-new-primary-aside', 'unknown', { action: 'refuse' }],
  ] as const)('%s at %s → %j', (step, progress, expected) => {
    expect(renameAction(step, claim, 'orders-db-failed1', progress)).toMatchObject(expected);
  });
});

describe('catchUpVerdict', () => {
  const deadline = '2026-11-22T10:00:10Z';
  const now = new Date('2026-11-22T10:00:05Z');
  const late = new Date('2026-11-22T10:00:11Z');
  it.each([
    [{ state: 'replicating', lag: 0, detail: '' }, now, 'converged'],
    [{ state: 'replicating', lag: 0, detail: '' }, late, 'converged'],
    [{ state: 'replicating', lag: 10, detail: '' }, now, 'wait'],
    [{ state: 'replicating', lag: null, detail: '' }, now, 'wait'],
    [{ state: 'replicating', lag: 10, detail: '' }, late, 'refuse'],
    [{ state: 'broken', lag: null, detail: 'slot invalidated' }, now, 'refuse'],
    [{ state: 'absent', lag: null, detail: 'none' }, now, 'refuse'],
    [{ state: 'prepared', lag: null, detail: '' }, now, 'wait'],
  ] as const)('%j at %s → %s', (reading, at, verdict) => {
    expect(catchUpVerdict(reading, deadline, at).verdict).toBe(verdict);
  });
  it('names the broken stream and its detail', () => {
    const v = catchUpVerdict({ state: 'broken', lag: null, detail: 'slot invalidated' }, deadline, now);
    expect(v).toMatchObject({
      verdict: 'refuse',
      reason: expect.stringContaining('broken: slot invalidated'),
    });
  });
});

describe('nextCatchUpRead: the check re-reads for a few seconds, tens of ms apart, then hands over to the Wait loop', () => {
  const startedAt = new Date('2026-11-22T10:00:00.000Z');
  const after = (ms: number) => new Date(startedAt.getTime() + ms);
  it('keeps the poll short: well under the Task timeout (60 s) and faster than one Wait state (1 s)', () => {
    expect(CATCH_UP_POLL.everyMs).toBeLessThan(100);
    expect(CATCH_UP_POLL.withinMs).toBeLessThanOrEqual(10_000);
  });
  it.each([
    [{ verdict: 'wait' } as const, 0, CATCH_UP_POLL.everyMs],
    [{ verdict: 'wait' } as const, CATCH_UP_POLL.withinMs - CATCH_UP_POLL.everyMs, CATCH_UP_POLL.everyMs],
    // The next read would come after the budget: answer "wait" and let WaitForReverseCatchUp take over.
    [{ verdict: 'wait' } as const, CATCH_UP_POLL.withinMs - CATCH_UP_POLL.everyMs + 1, null],
    [{ verdict: 'wait' } as const, 60_000, null],
    // A verdict other than wait is returned at once, even with time left.
    [{ verdict: 'converged' } as const, 0, null],
    [{ verdict: 'refuse', reason: 'broken' } as const, 0, null],
  ])('%o after %i ms → %s', (verdict, elapsed, pause) => {
    expect(nextCatchUpRead(verdict, startedAt, after(elapsed))).toBe(pause);
  });
  it('reads again sooner right after a nudge, within the same budget', () => {
    const elapsed = (ms: number) => new Date(startedAt.getTime() + ms);
    expect(CATCH_UP_POLL.afterNudgeMs).toBeLessThan(CATCH_UP_POLL.everyMs);
    expect(nextCatchUpRead({ verdict: 'wait' }, startedAt, elapsed(0), true)).toBe(
      CATCH_UP_POLL.afterNudgeMs,
    );
    expect(
      nextCatchUpRead(
        { verdict: 'wait' },
        startedAt,
        elapsed(CATCH_UP_POLL.withinMs - CATCH_UP_POLL.afterNudgeMs),
        true,
      ),
    ).toBe(CATCH_UP_POLL.afterNudgeMs);
    expect(
      nextCatchUpRead(
        { verdict: 'wait' },
        startedAt,
        elapsed(CATCH_UP_POLL.withinMs - CATCH_UP_POLL.afterNudgeMs + 1),
        true,
      ),
    ).toBeNull();
    expect(nextCatchUpRead({ verdict: 'converged' }, startedAt, elapsed(0), true)).toBeNull();
  });
});

describe('catchUpNudgeDue: nudge only a replicating stream with lag left, at most every nudgeEveryMs', () => {
  const t0 = new Date('2026-11-22T10:00:00.000Z');
  const at = (ms: number) => new Date(t0.getTime() + ms);
  it.each([
    [{ state: 'replicating', lag: 800, detail: '' }, null, 0, true],
    [{ state: 'replicating', lag: 800, detail: '' }, t0, CATCH_UP_POLL.nudgeEveryMs - 1, false],
    [{ state: 'replicating', lag: 800, detail: '' }, t0, CATCH_UP_POLL.nudgeEveryMs, true],
    [{ state: 'replicating', lag: 0, detail: '' }, null, 0, false],
    [{ state: 'replicating', lag: null, detail: '' }, null, 0, false],
    [{ state: 'prepared', lag: 800, detail: '' }, null, 0, false],
    [{ state: 'broken', lag: 800, detail: '' }, null, 0, false],
  ] as const)('%o, last nudge %s, +%i ms → %s', (reading, last, ms, due) => {
    expect(catchUpNudgeDue(reading, last, at(ms))).toBe(due);
  });
});

describe('sequencesToAdvance', () => {
  const r = (sequence: string, lastValue: string | null, columnMax: string | null) => ({
    sequence,
    table: 'public.t',
    column: 'id',
    lastValue,
    increment: '1',
    columnMax,
  });
  it('moves old blue up to the new primary, or to its own replicated rows when those are further', () => {
    expect(
      sequencesToAdvance(
        [r('a', '500', '500'), r('b', '10', '10'), r('c', null, null), r('d', '7', '9')],
        // a behind; b already ahead; c never used; d: old blue's replicated rows reach 12, its sequence 1
        [r('a', '100', '500'), r('b', '20', '10'), r('c', null, null), r('d', '1', '12')],
      ),
    ).toEqual({
      moves: [
        { sequence: 'a', to: '500' },
        { sequence: 'd', to: '12' },
      ],
      missing: [],
    });
  });
  it('reports a sequence old blue lacks (the schema changed since the switch)', () => {
    expect(sequencesToAdvance([r('new_seq', '3', '3')], [])).toEqual({ moves: [], missing: ['new_seq'] });
  });
});

describe('windowSecondsLeft and judgeFailBack', () => {
  it('is what is left of the window, at least 1 s', () => {
    expect(windowSecondsLeft('2026-11-22T10:01:00Z', new Date('2026-11-22T10:00:00Z'))).toBe(60);
    expect(windowSecondsLeft('2026-11-22T09:00:00Z', new Date('2026-11-22T10:00:00Z'))).toBe(1);
  });
  const facts = {
    claim,
    failedName: 'orders-db-failed1',
    engineVersion: '17.4',
    production: { ...view('orders-db', 'db-BLUE'), engineVersion: '17.4' },
    failed: view('orders-db-failed1', 'db-GREEN'),
    writable: true,
    smoke: [{ sql: 'SELECT 1', ok: true }],
    alarms: [{ name: 'orders-5xx', state: 'OK' }],
    missingAlarms: [],
  };
  it('passes when old blue serves the name, writable, on its version', () => {
    expect(judgeFailBack(facts)).toEqual({ ok: true, problems: [] });
  });
  it('lists every problem', () => {
    const { ok, problems } = judgeFailBack({
      ...facts,
      production: { ...view('orders-db', 'db-GREEN'), engineVersion: '18.4' },
      writable: null,
      writableError: 'connection refused',
      smoke: [{ sql: 'SELECT 1', ok: false, error: 'boom' }],
      alarms: [{ name: 'orders-5xx', state: 'ALARM' }],
      missingAlarms: ['gone'],
    });
    expect(ok).toBe(false);
    expect(problems).toEqual([
      'orders-db is resource db-GREEN, not old blue db-BLUE',
      "orders-db runs 18.4, not old blue's 17.4",
      'cannot check that orders-db takes writes: connection refused',
      'smoke query failed: SELECT 1: boom',
      'alarm orders-5xx is in ALARM',
      'alarm gone does not exist',
    ]);
  });
});
