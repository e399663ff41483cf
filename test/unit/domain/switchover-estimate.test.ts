import { describe, expect, it } from 'vitest';
import { type EstimateFacts, estimateSwitchover, refuseTimeout } from '#domain/switchover-estimate';

const facts = (extra: Partial<EstimateFacts> = {}): EstimateFacts => ({
  replication: 'logical',
  sequences: 0,
  connections: 0,
  longestTransactionSeconds: null,
  lagValues: [0],
  lagUnit: 'bytes',
  ...extra,
});

describe('estimateSwitchover', () => {
  it('an idle database: the fixed steps and the default timeout', () => {
    expect(estimateSwitchover(facts())).toMatchObject({
      lowerSeconds: 10,
      expectedSeconds: 30,
      upperSeconds: 30,
      recommendedTimeoutSeconds: 300,
    });
  });

  it.each([
    ['physical lag in seconds', { replication: 'physical', lagUnit: 'seconds', lagValues: [3, 40] }, 50, 70],
    ['logical lag in bytes (20 MiB/s)', { lagValues: [200 * 1024 * 1024] }, 20, 40],
    ['3,000 sequences on the logical path', { sequences: 3000 }, 40, 60],
    [
      'sequences do not count on the physical path',
      { replication: 'physical', lagUnit: 'seconds', sequences: 3000 },
      10,
      30,
    ],
    ['a missing lag sample counts as nothing known', { lagValues: [null] }, 10, 30],
  ] as const)('%s', (_name, extra, lower, expected) => {
    const e = estimateSwitchover(facts(extra as Partial<EstimateFacts>));
    expect([e.lowerSeconds, e.expectedSeconds]).toEqual([lower, expected]);
  });

  it('a long transaction raises the upper bound and the recommendation, capped at 3600 s', () => {
    expect(estimateSwitchover(facts({ longestTransactionSeconds: 600 }))).toMatchObject({
      upperSeconds: 630,
      recommendedTimeoutSeconds: 960,
    });
    expect(estimateSwitchover(facts({ longestTransactionSeconds: 9000 })).recommendedTimeoutSeconds).toBe(
      3600,
    );
  });
});

describe('refuseTimeout', () => {
  it('refuses a timeout below the lower bound, naming the field and the fix', () => {
    const e = estimateSwitchover(facts({ sequences: 5000 }));
    expect(refuseTimeout(30, e)).toBe(
      `switchover.timeoutSeconds 30 is below the estimated minimum switchover time of 60 s (lag drain 0.0 s (worst of the last lag samples, at an assumed 20 MiB/s apply rate); 5000 sequence(s) synced at 10 ms each (assumed)); set it to at least 60, recommended 300`,
    );
    expect(refuseTimeout(60, e)).toBeNull();
  });
});
