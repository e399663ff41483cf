/**
 * Fail-back on whole rehearsals (real emulator, real PostgreSQL 17 → 18 → 17, live writes through the
 * production name): each run switches, clicks the e-mailed "Fail back" link in the rollback window and
 * keeps writing, so it measures side by side, in one run
 * - the switchover stall (longest gap between acknowledged writes around the switch), and
 * - the fail-back stall (longest gap from BlockWritesOnNewPrimary entered to VerifyAfterFailBack entered),
 * with the writes acknowledged on 18 between the two moves and the lost writes (must be 0).
 */
import { rehearse } from '../rehearsal/index.ts';
import { type Summary, summarize } from './stats.ts';

export interface FailBackSample {
  outcome: string;
  switchStallMs: number | null;
  failBackStallMs: number | null;
  writesOnNewPrimary: number;
  writesAfterFailBack: number;
  acknowledged: number;
  lost: number;
  durationMs: number;
}

export interface FailBackBench {
  samples: FailBackSample[];
  switchStallMs: Summary;
  failBackStallMs: Summary;
  /** median fail-back stall ÷ median switchover stall, both from the same runs */
  ratio: number | null;
  lost: Summary;
}

export const benchFailBack = async (runs: number, log: (line: string) => void): Promise<FailBackBench> => {
  const samples: FailBackSample[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await rehearse({ scenario: 'fail-back', autoApprove: true });
    const s: FailBackSample = {
      outcome: r.outcome,
      switchStallMs: r.failBack?.switchStallMs ?? null,
      failBackStallMs: r.failBack?.failBackStallMs ?? null,
      writesOnNewPrimary: r.failBack?.writesOnNewPrimary ?? 0,
      writesAfterFailBack: r.failBack?.writesAfterFailBack ?? 0,
      acknowledged: r.writes.acknowledged,
      lost: r.writes.lost,
      durationMs: r.durationMs,
    };
    samples.push(s);
    log(
      `  fail-back ${i + 1}/${runs} ${s.outcome}: switch stall ${s.switchStallMs} ms, fail-back stall ${s.failBackStallMs} ms; ${s.writesOnNewPrimary} writes on 18, ${s.writesAfterFailBack} after; ${s.lost} lost of ${s.acknowledged}`,
    );
  }
  const switchStallMs = summarize(samples.map((s) => s.switchStallMs));
  const failBackStallMs = summarize(samples.map((s) => s.failBackStallMs));
  const ratio =
    switchStallMs.median && failBackStallMs.median !== null
      ? Math.round((failBackStallMs.median / switchStallMs.median) * 10) / 10
      : null;
  return { samples, switchStallMs, failBackStallMs, ratio, lost: summarize(samples.map((s) => s.lost)) };
};
