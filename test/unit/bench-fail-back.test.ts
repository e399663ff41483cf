/** The fail-back bench's breakdown: each state of the fail-back, StateEntered to the next StateEntered. */
import { describe, expect, it } from 'vitest';
import { failBackSteps } from '../../bench/fail-back.ts';

describe('failBackSteps', () => {
  it('times each state from BlockWritesOnNewPrimary up to VerifyAfterFailBack, summing a state entered twice', () => {
    const states = [
      { state: 'OpenRollbackWindow', atMs: 0 },
      { state: 'CountFailBackAttempt', atMs: 500 },
      { state: 'BlockWritesOnNewPrimary', atMs: 510 },
      { state: 'CheckReverseCatchUp', atMs: 540 },
      { state: 'IsReverseCaughtUp', atMs: 640 },
      { state: 'WaitForReverseCatchUp', atMs: 641 },
      { state: 'CheckReverseCatchUp', atMs: 1641 },
      { state: 'IsReverseCaughtUp', atMs: 1700 },
      { state: 'HandOverToOldBlue', atMs: 1701 },
      { state: 'VerifyAfterFailBack', atMs: 1800 },
      { state: 'IsFailBackVerified', atMs: 1900 },
    ];
    expect(failBackSteps(states)).toEqual([
      { state: 'BlockWritesOnNewPrimary', ms: 30 },
      { state: 'CheckReverseCatchUp', ms: 159 },
      { state: 'IsReverseCaughtUp', ms: 2 },
      { state: 'WaitForReverseCatchUp', ms: 1000 },
      { state: 'HandOverToOldBlue', ms: 99 },
    ]);
  });

  it('is empty when the run never failed back', () => {
    expect(failBackSteps([{ state: 'Cleanup', atMs: 1 }])).toEqual([]);
  });
});
