import { describe, expect, it } from 'vitest';
import { describeRecreates, mayRecreate, recordRecreate, recreateBound } from '#domain/recreate';

const window = {
  verdict: 'replication-degraded',
  reason: 'RDS reports replication degraded',
  fix: 'recreate',
};

describe('green.recreateOnDegraded', () => {
  it.each([
    [{}, 0],
    [{ recreateOnDegraded: false, maxRecreates: 3 }, 0],
    [{ recreateOnDegraded: true }, 1],
    [{ recreateOnDegraded: true, maxRecreates: 3 }, 3],
  ])('bound of %j is %i', (green, bound) => {
    expect(recreateBound(green)).toBe(bound);
  });

  it('allows recreations up to the bound and no further', () => {
    const none = { count: 0, causes: [] };
    expect(mayRecreate(none, 0)).toBe(false);
    expect(mayRecreate(none, 1)).toBe(true);
    const once = recordRecreate(none, window, 'bgd-1', '2026-11-29T22:00:00.000Z');
    expect(mayRecreate(once, 1)).toBe(false);
    expect(mayRecreate(once, 2)).toBe(true);
    expect(once).toEqual({
      count: 1,
      causes: [{ at: '2026-11-29T22:00:00.000Z', deploymentId: 'bgd-1', ...window }],
    });
  });

  it('describes each recreation with its cause and fix, and nothing when there was none', () => {
    expect(describeRecreates(undefined)).toEqual([]);
    expect(describeRecreates({ count: 0, causes: [] })).toEqual([]);
    const lines = describeRecreates(recordRecreate({ count: 0, causes: [] }, window, 'bgd-1', 'T'));
    expect(lines).toEqual([
      'Green recreated 1 time(s) (green.recreateOnDegraded):',
      '  1. T replication-degraded (deleted bgd-1): RDS reports replication degraded. Fix: recreate',
    ]);
  });
});
