/**
 * Benchmarks measured on whole happy-path rehearsals (real emulator, real PostgreSQL, live writes):
 * the write stall at switchover with the endpoint dropping connections (RDS behaviour) and with it
 * holding and resuming them, lost writes, the reaction time from an emulator status change to the
 * pipeline's next action, and the rehearsal's wall time.
 */
import { type RehearsalReport, rehearse } from '../rehearsal/index.ts';
import { type Summary, summarize } from './stats.ts';

export interface RehearsalSample {
  mode: 'dropped' | 'held';
  durationMs: number;
  executionMs: number;
  emulatorStartMs: number;
  outcome: string;
  writeStallMs: number | null;
  clientErrors: number;
  acknowledged: number;
  failed: number;
  lost: number;
  transitions: number;
  /** RDS-EVENT-0244 (green AVAILABLE) → StartLagWatch entered. */
  reactGreenReadyMs: number | null;
  /** RDS-EVENT-0248 (switchover completed) → Verify entered. */
  reactSwitchedMs: number | null;
}

export interface RehearsalBench {
  samples: RehearsalSample[];
  dropped: { writeStallMs: Summary; clientErrors: Summary; lost: Summary; durationMs: Summary };
  held: { writeStallMs: Summary; clientErrors: Summary; lost: Summary; durationMs: Summary } | null;
  reaction: { greenReadyMs: Summary; switchedMs: Summary };
  wallTimeMs: Summary;
}

/** ms from an RDS event to the first time the pipeline entered `state` after it. */
export const reaction = (r: RehearsalReport, eventId: string, state: string): number | null => {
  const event = r.timeline.rdsEvents.find((e) => e.eventId === eventId);
  if (!event) return null;
  const next = r.timeline.states.find((s) => s.state === state && s.atMs >= event.atMs);
  return next ? next.atMs - event.atMs : null;
};

export const sampleOf = (mode: RehearsalSample['mode'], r: RehearsalReport): RehearsalSample => ({
  mode,
  durationMs: r.durationMs,
  executionMs: r.timings.executionMs,
  emulatorStartMs: r.timings.emulatorStartMs,
  outcome: r.outcome,
  writeStallMs: r.switchover.writeStallMs,
  clientErrors: r.switchover.clientErrors,
  acknowledged: r.writes.acknowledged,
  failed: r.writes.failed,
  lost: r.writes.lost,
  transitions: r.transitions,
  reactGreenReadyMs: reaction(r, 'RDS-EVENT-0244', 'StartLagWatch'),
  reactSwitchedMs: reaction(r, 'RDS-EVENT-0248', 'Verify'),
});

const group = (xs: RehearsalSample[]) => ({
  writeStallMs: summarize(xs.map((x) => x.writeStallMs)),
  clientErrors: summarize(xs.map((x) => x.clientErrors)),
  lost: summarize(xs.map((x) => x.lost)),
  durationMs: summarize(xs.map((x) => x.durationMs)),
});

/** Alternates dropped/held runs so load on the machine affects both alike. */
export const benchRehearsals = async (
  runs: number,
  withHeld: boolean,
  log: (line: string) => void,
): Promise<RehearsalBench> => {
  const samples: RehearsalSample[] = [];
  for (let i = 0; i < runs; i++) {
    for (const mode of withHeld ? (['dropped', 'held'] as const) : (['dropped'] as const)) {
      const r = await rehearse({ scenario: 'happy', autoApprove: true, holdConnections: mode === 'held' });
      const s = sampleOf(mode, r);
      samples.push(s);
      log(
        `  rehearsal ${i + 1}/${runs} ${mode.padEnd(7)} ${r.outcome} in ${(s.durationMs / 1000).toFixed(1)} s; stall ${s.writeStallMs} ms, ${s.clientErrors} client errors, ${s.lost} lost; react ${s.reactGreenReadyMs}/${s.reactSwitchedMs} ms`,
      );
    }
  }
  const dropped = samples.filter((s) => s.mode === 'dropped');
  const held = samples.filter((s) => s.mode === 'held');
  return {
    samples,
    dropped: group(dropped),
    held: withHeld ? group(held) : null,
    reaction: {
      greenReadyMs: summarize(samples.map((s) => s.reactGreenReadyMs)),
      switchedMs: summarize(samples.map((s) => s.reactSwitchedMs)),
    },
    wallTimeMs: summarize(dropped.map((s) => s.durationMs)),
  };
};
