/** The cost and throttling model (src/domain/cost-model.ts): single runs and fleets in waves. */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_WAVES,
  fleetCost,
  PRODUCTION_PROFILE,
  type RunProfile,
  runCost,
  waveSizes,
} from '#domain/cost-model';

const profile = (over: Partial<RunProfile> = {}): RunProfile => ({ ...PRODUCTION_PROFILE, ...over });

describe('runCost', () => {
  it.each([
    // label, profile, transitions, invocations
    ['4 h build + 24 h approval, events (the issue’s target: ≤ 300)', profile(), 148, 77],
    ['5 h build, events', profile({ greenBuildMinutes: 300 }), 160, 85],
    ['green in a minute, events', profile({ greenBuildMinutes: 1 }), 103, 47],
    [
      '4 h build, events, a fleet child (the fleet approves per wave)',
      profile({ ownApproval: false }),
      146,
      75,
    ],
    // The ASL before event waits: a poll every 60 s (committed BENCHMARKS: 811 for 4 h, + MaintainGreen's 3).
    ['4 h build, polling, switch in one poll', profile({ mode: 'polling', switchoverSeconds: 5 }), 814, 281],
    ['4 h build, polling, a one-minute switch', profile({ mode: 'polling' }), 847, 292],
  ])('%s', (_label, p, transitions, invocations) => {
    const cost = runCost(p);
    expect(cost.transitions).toBe(transitions);
    expect(cost.invocations).toBe(invocations);
  });

  it('meets the target with a margin, and costs the same whatever the approval lasts', () => {
    expect(runCost(profile()).transitions).toBeLessThanOrEqual(300);
    expect(runCost(profile({ approvalHours: 72 })).transitions).toBe(runCost(profile()).transitions);
  });

  it('loads RDS 15 times less per building database with events than with 60 s polls', () => {
    const events = runCost(profile()).rdsCallsPerSecondWhileBuilding;
    const polling = runCost(profile({ mode: 'polling' })).rdsCallsPerSecondWhileBuilding;
    expect(polling / events).toBe(15);
    expect(events).toBeCloseTo(2 / 900, 10);
  });
});

describe('waveSizes', () => {
  it.each([
    [10, [1, 3, 3, 3]],
    [100, [1, 25, 25, 25, 24]],
    [1000, [1, 250, 250, 250, 249]],
    [1, [1]],
  ])('%i databases → %j', (n, waves) => {
    expect(waveSizes(n, DEFAULT_WAVES)).toEqual(waves);
    expect((waves as number[]).reduce((a, b) => a + b, 0)).toBe(n);
  });

  it.each([
    [0, DEFAULT_WAVES, /databases/],
    [10, { ...DEFAULT_WAVES, waveShare: 0 }, /waveShare/],
    [10, { ...DEFAULT_WAVES, maxConcurrency: 0 }, /maxConcurrency/],
  ])('refuses %i databases with a bad plan, naming the field', (n, plan, message) => {
    expect(() => waveSizes(n, plan)).toThrow(message);
  });
});

describe('fleetCost', () => {
  const allAtOnce = (n: number) => ({ ...DEFAULT_WAVES, waveShare: 1, maxConcurrency: n });
  it.each([
    // databases, mode, wave plan, throttling
    [10, 'events', DEFAULT_WAVES, 'none'],
    [100, 'events', DEFAULT_WAVES, 'none'], // waves of 25: 200 calls at a wave's start, under the 300 burst
    [1000, 'events', DEFAULT_WAVES, 'burst'], // 50 Preflights at once: 400 calls
    [1000, 'polling', DEFAULT_WAVES, 'burst'], // 50 building × 2 calls / 60 s = 1.7/s: only the start bursts
    [1000, 'events', allAtOnce(1000), 'burst'], // 999 building: 2.2 calls/s, but 7,992 at the start
    [1000, 'polling', allAtOnce(1000), 'sustained'], // 999 polling every 60 s: 33 calls/s > 12
    [500, 'polling', allAtOnce(500), 'sustained'], // "a few hundred executions polling every minute": 16.6/s
    [500, 'events', allAtOnce(500), 'burst'],
  ] as const)('%i databases (%s) → RDS throttling: %s', (n, mode, plan, throttling) => {
    expect(fleetCost(n, plan, profile({ mode })).throttling).toBe(throttling);
  });

  it('adds up the runs, and batches waves larger than the concurrency cap', () => {
    const fleet = fleetCost(100, DEFAULT_WAVES, profile());
    expect(fleet.transitions).toBe(100 * 148);
    // canary + 4 waves of ≤ 25 (one batch each) + 4 bakes of an hour; a run is 4 h 17.5 min.
    expect(fleet.wallTimeHours).toBeCloseTo((5 * (240 + 1.5 + 1 + 15) + 4 * 60) / 60, 6);
    const big = fleetCost(1000, DEFAULT_WAVES, profile());
    // 250-database waves at 50 at a time: 5 batches each.
    expect(big.wallTimeHours).toBeCloseTo(((1 + 4 * 5) * (240 + 1.5 + 1 + 15) + 4 * 60) / 60, 6);
    expect(big.rdsPerSecondWhileBuilding).toBeCloseTo(50 * (2 / 900), 10);
  });
});
