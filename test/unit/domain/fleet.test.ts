import { describe, expect, it } from 'vitest';
import {
  childExecutionName,
  childInput,
  deepMerge,
  type FleetPlan,
  INLINE_MAP_MAX_ITEMS,
  listedMembers,
  matchesTagQuery,
  parseFleetDocument,
  planFleet,
  planWaves,
  startProgress,
  tallyWave,
  thresholdExceeded,
} from '#domain/fleet';
import { composeFleetNotification, waveApprovalFor } from '#domain/fleet-tasks';
import { baseInput } from '../../support/run-path.ts';

const template = () => {
  const { source: _source, ...rest } = baseInput();
  return rest;
};
const ids = (n: number) => Array.from({ length: n }, (_, i) => `db-${i + 1}`);

describe('planWaves', () => {
  it.each([
    // [fleet size, canary, waves, wave sizes]
    [5, 1, { size: 2 }, [1, 2, 2]],
    [5, 0, { size: 2 }, [2, 2, 1]],
    [3, 5, { size: 2 }, [3]],
    [10, 1, { percent: 25 }, [1, 3, 3, 3]],
    [10, 2, { percent: 100 }, [2, 8]],
    [7, 1, { percent: 1 }, [1, 1, 1, 1, 1, 1, 1]],
    [1, 1, { size: 10 }, [1]],
    [0, 1, { size: 10 }, []],
  ] as const)('%i databases, canary %i, %o → %o', (n, canary, waves, sizes) => {
    const plan = planWaves(ids(n), canary, waves);
    expect(plan.map((w) => w.ids.length)).toEqual(sizes);
    expect(plan.flatMap((w) => w.ids)).toEqual(ids(n));
    expect(plan.map((w) => w.index)).toEqual(sizes.map((_, i) => i));
    if (canary > 0 && n > 0) expect(plan[0]!.kind).toBe('canary');
    expect(plan.slice(canary > 0 ? 1 : 0).every((w) => w.kind === 'wave')).toBe(true);
  });
});

describe('thresholdExceeded', () => {
  it.each([
    [{ toleratedFailureCount: 0, toleratedFailurePercent: null }, 0, 3, false],
    [{ toleratedFailureCount: 0, toleratedFailurePercent: null }, 1, 3, true],
    [{ toleratedFailureCount: 2, toleratedFailurePercent: null }, 2, 3, false],
    [{ toleratedFailureCount: 2, toleratedFailurePercent: null }, 3, 9, true],
    [{ toleratedFailureCount: null, toleratedFailurePercent: 50 }, 1, 2, false],
    [{ toleratedFailureCount: null, toleratedFailurePercent: 50 }, 2, 3, true],
    [{ toleratedFailureCount: null, toleratedFailurePercent: 0 }, 1, 100, true],
    [{ toleratedFailureCount: null, toleratedFailurePercent: 100 }, 5, 5, false],
  ])('%o with %i failed of %i → %s', (t, failed, ran, stops) => {
    expect(thresholdExceeded(t, failed, ran) !== null).toBe(stops);
  });
});

describe('the fleet document', () => {
  it('needs databases or a tag query, not both, and one threshold kind', () => {
    const both = parseFleetDocument({
      databases: ['a-db'],
      tagQuery: { tags: { team: 'x' } },
      template: template(),
      waves: { size: 1 },
      toleratedFailureCount: 1,
      toleratedFailurePercent: 10,
    });
    expect(both.ok).toBe(false);
    expect(!both.ok && both.problems).toEqual([
      'databases: give either databases or tagQuery (one of them)',
      'toleratedFailurePercent: give toleratedFailureCount or toleratedFailurePercent, not both',
    ]);
  });

  it('refuses a source in the template and unknown fields, naming them', () => {
    const bad = parseFleetDocument({
      databases: ['a-db'],
      template: { ...template(), source: { dbInstanceIdentifier: 'x' } },
      waves: { size: 1 },
      wave: 3,
    });
    expect(!bad.ok && bad.problems.join('\n')).toMatch(/wave/);
    expect(!bad.ok && bad.problems.join('\n')).toContain('template.source: remove it');
  });

  it('deep-merges overrides over the template; arrays replace', () => {
    expect(deepMerge({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, e: 2 })).toEqual({
      a: { b: 1, c: [3] },
      d: 1,
      e: 2,
    });
  });

  it("builds each child's input: template, its overrides, its source; the fleet's approval replaces the child's", () => {
    const parsed = parseFleetDocument({
      databases: [{ id: 'b-db', overrides: { lag: { maxSeconds: 9 } } }],
      template: template(),
      waves: { size: 1 },
      approval: { approvers: ['dba@example.com'] },
    });
    if (!parsed.ok) throw new Error(parsed.problems.join());
    const input = childInput(parsed.value, listedMembers(parsed.value)[0]!);
    expect(input.source).toEqual({ dbInstanceIdentifier: 'b-db' });
    expect(input.lag).toMatchObject({ maxSeconds: 9, maxBytes: 1_000_000 });
    expect(input.approval).toMatchObject({ required: false });
  });

  it('refuses the whole fleet when one database is invalid, naming every problem by database', () => {
    const parsed = parseFleetDocument({
      databases: ['a-db', { id: 'b-db', overrides: { lag: { maxSeconds: -1 }, colour: 'red' } }, 'a-db'],
      template: template(),
      waves: { size: 1 },
    });
    if (!parsed.ok) throw new Error(parsed.problems.join());
    const planned = planFleet(parsed.value, listedMembers(parsed.value));
    expect(planned.ok).toBe(false);
    const problems = !planned.ok ? planned.problems : [];
    expect(problems.some((p) => p.startsWith('databases[1] (b-db).lag.maxSeconds'))).toBe(true);
    expect(problems.some((p) => p.startsWith('databases[1] (b-db).colour: unknown field'))).toBe(true);
    expect(problems).toContain('databases[2] (a-db): listed twice; list each database once');
  });
});

describe('child execution names', () => {
  it('are stable, unique per database, at most 80 characters of [A-Za-z0-9-_]', () => {
    const long = 'x'.repeat(80);
    const a = childExecutionName(long, `${'a'.repeat(63)}`);
    expect(a.length).toBeLessThanOrEqual(80);
    expect(a).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(childExecutionName('fleet-1', 'orders-db')).toBe(childExecutionName('fleet-1', 'orders-db'));
    expect(childExecutionName('fleet-1', 'orders-db')).not.toBe(childExecutionName('fleet-2', 'orders-db'));
    // same truncated prefix, different databases: the hash keeps them apart
    expect(childExecutionName(long, `${'a'.repeat(40)}-1`)).not.toBe(
      childExecutionName(long, `${'a'.repeat(40)}-2`),
    );
  });
});

describe('tallyWave', () => {
  const plan = (n: number, t = { toleratedFailureCount: 0, toleratedFailurePercent: null }): FleetPlan => ({
    ids: ids(n),
    waves: planWaves(ids(n), 1, { size: 2 }),
    thresholds: t,
    maxConcurrency: 10,
    canaryBakeSeconds: 600,
    approval: 'none',
    resolvedBy: 'list',
    tagQuery: null,
  });
  const result = (id: string, ok: boolean) => ({
    id,
    childName: `c-${id}`,
    status: ok ? ('SUCCEEDED' as const) : ('FAILED' as const),
    executionArn: null,
    error: ok ? null : 'States.TaskFailed',
  });

  it('bakes after the canary, then goes on wave by wave to done', () => {
    const p = plan(5);
    let progress = startProgress(p);
    progress = tallyWave(p, progress, [result('db-1', true)]);
    expect(progress).toMatchObject({
      decision: 'next',
      bakeSeconds: 600,
      wave: { index: 1, ids: ['db-2', 'db-3'] },
    });
    progress = tallyWave(p, progress, [result('db-2', true), result('db-3', true)]);
    expect(progress).toMatchObject({ decision: 'next', bakeSeconds: 0 });
    progress = tallyWave(p, progress, [result('db-4', true), result('db-5', true)]);
    expect(progress).toMatchObject({
      decision: 'done',
      totals: { ran: 5, succeeded: 5, failed: 0, notStarted: 0 },
    });
  });

  it('stops past the threshold, counting what did not start', () => {
    const p = plan(5);
    let progress = tallyWave(p, startProgress(p), [result('db-1', true)]);
    progress = tallyWave(p, progress, [result('db-2', true), result('db-3', false)]);
    expect(progress.decision).toBe('stop');
    expect(progress.reason).toContain('2 not started');
    expect(progress.waves[1]).toMatchObject({ failed: 1, failedIds: ['db-3'] });
  });

  it('runs waves above the inline line as a Distributed Map, and caps inline concurrency at 40', () => {
    const big: FleetPlan = { ...plan(200), waves: planWaves(ids(200), 1, { size: 100 }), maxConcurrency: 80 };
    const progress = tallyWave(big, startProgress(big), [result('db-1', true)]);
    expect(progress.wave).toMatchObject({ distributed: true, maxConcurrency: 80 });
    expect(startProgress(big).wave).toMatchObject({ distributed: false, maxConcurrency: 40 });
    expect(INLINE_MAP_MAX_ITEMS).toBe(40);
  });
});

describe('tag queries', () => {
  it('match every tag and never a Switchyard green or old blue', () => {
    expect(matchesTagQuery({ id: 'a', tags: { team: 'p', env: 'prod' } }, { team: 'p' })).toBe(true);
    expect(matchesTagQuery({ id: 'a', tags: { team: 'p' } }, { team: 'p', env: 'prod' })).toBe(false);
    expect(
      matchesTagQuery({ id: 'a-old1', tags: { team: 'p', 'switchyard:role': 'old-blue' } }, { team: 'p' }),
    ).toBe(false);
  });
});

describe('wave approvals and notifications', () => {
  it('asks once per wave, naming its databases, with what differs per database said as such', () => {
    const parsed = parseFleetDocument({
      databases: ids(3),
      template: template(),
      waves: { size: 2 },
      approval: { approvers: ['dba@example.com'], timeoutMinutes: 30 },
    });
    if (!parsed.ok) throw new Error(parsed.problems.join());
    const wave = {
      index: 1,
      kind: 'wave' as const,
      ids: ['db-2', 'db-3'],
      maxConcurrency: 2,
      distributed: false,
      approval: true,
      of: 2,
    };
    const approval = waveApprovalFor(parsed.value, wave, 'fleet-1', new Date('2026-11-22T00:00:00Z'))!;
    expect(approval.expiresAt).toBe('2026-11-22T00:30:00.000Z');
    expect(approval.timeoutSeconds).toBe(1800);
    expect(approval.request.database).toBe('fleet fleet-1, wave 2 of 2: db-2, db-3');
    expect(approval.request.target.engineVersion).toBe('18.4');
    expect(approval.request.replication).toBe('per-database');
  });

  it('reports the counts per wave and the reason a fleet stopped', () => {
    const state = {
      fleetPlan: {
        plan: {
          ids: ['a', 'b'],
          resolvedBy: 'list',
          tagQuery: null,
          waves: [{ index: 0, kind: 'canary', ids: ['a'] }],
        },
      },
      progress: {
        totals: { planned: 2, ran: 1, succeeded: 0, failed: 1, notStarted: 1 },
        waves: [{ index: 0, kind: 'canary', planned: 1, succeeded: 0, failed: 1, failedIds: ['a'] }],
        reason: '1 failed, more than the 0 tolerated (toleratedFailureCount); 1 not started',
      },
    };
    const n = composeFleetNotification('stopped', 'arn:aws:states:us-east-1:1:execution:f:fleet-9', state);
    expect(n.reason).toBe('1 failed, more than the 0 tolerated (toleratedFailureCount); 1 not started');
    expect(n.message).toContain('canary 1: 0 succeeded, 1 failed of 1 (failed: a;');
    expect(n.message).toContain('Totals: 0 succeeded, 1 failed, 1 not started, of 2');
  });
});
