/**
 * Fail-back on whole rehearsals (real emulator, real PostgreSQL 17 → 18 → 17, live writes through the
 * production name): each run switches, clicks the e-mailed "Fail back" link in the rollback window and
 * keeps writing, so it measures side by side, in one run
 * - the switchover stall (longest gap between acknowledged writes around the switch), and
 * - the fail-back stall (longest gap from BlockWritesOnNewPrimary entered to VerifyAfterFailBack entered),
 * with the writes acknowledged on 18 between the two moves and the lost writes (must be 0), and where the
 * fail-back's time goes: each state from BlockWritesOnNewPrimary to VerifyAfterFailBack, entered → next
 * state entered, from the run's state timeline (the execution history's StateEntered timestamps).
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
  /** ms per state of the fail-back (a state entered twice is summed), in the order first entered */
  steps: Array<{ state: string; ms: number }>;
}

/**
 * Where a fail-back's time goes: every state from BlockWritesOnNewPrimary up to (not including)
 * VerifyAfterFailBack, timed from its StateEntered to the next state's, repeats summed.
 */
export const failBackSteps = (states: Array<{ state: string; atMs: number }>): FailBackSample['steps'] => {
  const from = states.findIndex((s) => s.state === 'BlockWritesOnNewPrimary');
  if (from < 0) return [];
  const steps: FailBackSample['steps'] = [];
  for (let i = from; i < states.length - 1; i++) {
    const here = states[i];
    const next = states[i + 1];
    if (!here || !next || here.state === 'VerifyAfterFailBack') break;
    const known = steps.find((s) => s.state === here.state);
    if (known) known.ms += next.atMs - here.atMs;
    else steps.push({ state: here.state, ms: next.atMs - here.atMs });
  }
  return steps;
};

export interface FailBackBench {
  samples: FailBackSample[];
  switchStallMs: Summary;
  failBackStallMs: Summary;
  /** median fail-back stall ÷ median switchover stall, both from the same runs */
  ratio: number | null;
  lost: Summary;
  /** per state of the fail-back, over the runs (a run that did not enter a state counts 0 there) */
  steps: Array<{ state: string; ms: Summary }>;
}

export const benchFailBack = async (
  runs: number,
  log: (line: string) => void,
  /** mariadb: a 10.11 minor upgrade and back, writes blocked through parameter groups, old blue rebooted */
  engine: 'postgres' | 'mariadb' = 'postgres',
): Promise<FailBackBench> => {
  const samples: FailBackSample[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await rehearse({ scenario: 'fail-back', autoApprove: true, engine });
    const s: FailBackSample = {
      outcome: r.outcome,
      switchStallMs: r.failBack?.switchStallMs ?? null,
      failBackStallMs: r.failBack?.failBackStallMs ?? null,
      writesOnNewPrimary: r.failBack?.writesOnNewPrimary ?? 0,
      writesAfterFailBack: r.failBack?.writesAfterFailBack ?? 0,
      acknowledged: r.writes.acknowledged,
      lost: r.writes.lost,
      durationMs: r.durationMs,
      steps: failBackSteps(r.timeline.states),
    };
    samples.push(s);
    log(
      `  fail-back (${engine}) ${i + 1}/${runs} ${s.outcome}: switch stall ${s.switchStallMs} ms, fail-back stall ${s.failBackStallMs} ms; ${s.writesOnNewPrimary} writes on the new primary, ${s.writesAfterFailBack} after; ${s.lost} lost of ${s.acknowledged}`,
    );
  }
  const switchStallMs = summarize(samples.map((s) => s.switchStallMs));
  const failBackStallMs = summarize(samples.map((s) => s.failBackStallMs));
  const ratio =
    switchStallMs.median && failBackStallMs.median !== null
      ? Math.round((failBackStallMs.median / switchStallMs.median) * 10) / 10
      : null;
  const names = [...new Set(samples.flatMap((s) => s.steps.map((x) => x.state)))];
  const steps = names.map((state) => ({
    state,
    ms: summarize(samples.map((s) => s.steps.find((x) => x.state === state)?.ms ?? 0)),
  }));
  return {
    samples,
    switchStallMs,
    failBackStallMs,
    ratio,
    lost: summarize(samples.map((s) => s.lost)),
    steps,
  };
};
