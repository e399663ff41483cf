/**
 * Degraded replication on whole rehearsals (real emulator, real PostgreSQL 17 → 18 logical, live writes):
 * the `ddl-during-replication-recreate` scenario runs the DDL on blue right after the first lag check, so
 * each run measures
 * - DDL on blue → the pipeline leaving the lag loop (CanRecreateGreen), with 1 s lag polls: the DDL is
 *   committed in the first CheckLag's after-task hook, before IsLagConverged is entered, so the first
 *   IsLagConverged marks it (an upper bound of a few ms);
 * - the rebuild: CanRecreateGreen → the new green's first lag check (delete, wait, re-arm, build);
 * - PrepareApproval's modelled RDS switchover estimate beside the switch measured here (write stall, and
 *   Switchover entered → Verify entered): a local figure, not a promise about RDS.
 */
import { type RehearsalReport, rehearse } from '../rehearsal/index.ts';
import { type Summary, summarize } from './stats.ts';

export interface DegradedSample {
  outcome: string;
  ddlToExitMs: number | null;
  rebuildMs: number | null;
  lagChecksAfterDdl: number;
  writeStallMs: number | null;
  switchMs: number | null;
  estimate: { lowerSeconds: number; expectedSeconds: number; upperSeconds: number } | null;
  lost: number;
  durationMs: number;
}

export interface DegradedBench {
  samples: DegradedSample[];
  ddlToExitMs: Summary;
  rebuildMs: Summary;
  writeStallMs: Summary;
  switchMs: Summary;
  estimateExpectedSeconds: Summary;
}

const at = (r: RehearsalReport, state: string, after = 0): number | null =>
  r.timeline.states.find((s) => s.state === state && s.atMs >= after)?.atMs ?? null;

export const degradedSampleOf = (r: RehearsalReport): DegradedSample => {
  const ddl = at(r, 'IsLagConverged');
  const exit = ddl === null ? null : at(r, 'CanRecreateGreen', ddl);
  const firstNewLag = exit === null ? null : at(r, 'CheckLag', exit);
  const switched = at(r, 'Switchover');
  const verify = switched === null ? null : at(r, 'Verify', switched);
  const states = r.timeline.states.map((s) => s.state);
  const exitIndex = states.indexOf('CanRecreateGreen');
  const e = r.switchover.productionEstimate;
  return {
    outcome: r.outcome,
    ddlToExitMs: ddl !== null && exit !== null ? exit - ddl : null,
    rebuildMs: exit !== null && firstNewLag !== null ? firstNewLag - exit : null,
    lagChecksAfterDdl: states
      .slice(states.indexOf('IsLagConverged'), exitIndex)
      .filter((s) => s === 'CheckLag').length,
    writeStallMs: r.switchover.writeStallMs,
    switchMs: switched !== null && verify !== null ? verify - switched : null,
    estimate: e
      ? { lowerSeconds: e.lowerSeconds, expectedSeconds: e.expectedSeconds, upperSeconds: e.upperSeconds }
      : null,
    lost: r.writes.lost,
    durationMs: r.durationMs,
  };
};

export const benchDegraded = async (runs: number, log: (line: string) => void): Promise<DegradedBench> => {
  const samples: DegradedSample[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await rehearse({ scenario: 'ddl-during-replication-recreate', autoApprove: true });
    const s = degradedSampleOf(r);
    samples.push(s);
    log(
      `  degraded ${i + 1}/${runs} ${s.outcome}: DDL → lag loop left ${s.ddlToExitMs} ms (${s.lagChecksAfterDdl} lag check(s)), rebuild ${s.rebuildMs} ms; switch ${s.switchMs} ms, stall ${s.writeStallMs} ms vs RDS estimate ${s.estimate?.expectedSeconds ?? '–'} s; ${s.lost} lost`,
    );
  }
  return {
    samples,
    ddlToExitMs: summarize(samples.map((s) => s.ddlToExitMs)),
    rebuildMs: summarize(samples.map((s) => s.rebuildMs)),
    writeStallMs: summarize(samples.map((s) => s.writeStallMs)),
    switchMs: summarize(samples.map((s) => s.switchMs)),
    estimateExpectedSeconds: summarize(samples.map((s) => s.estimate?.expectedSeconds)),
  };
};
