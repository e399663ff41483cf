/**
 * green.recreateOnDegraded: when the replication window breaks (RDS's "Replication degraded", or DDL on
 * blue), RDS's only fix is to delete green and create a new one. The run may do that itself a bounded
 * number of times instead of rolling back; each recreation is counted in the state with its cause, and
 * over the bound the run compensates as it would without the option.
 *
 * Only before approval: a window that breaks in the lag loop rebuilds green; one that breaks at the recheck
 * right before the switch compensates, because the approvers approved the green that broke (and a new one
 * would need a new approval inside a maintenance window that is already running).
 *
 * Why bounded, and why the default is 1: a cause that keeps coming back (an application that runs DDL,
 * a job that writes large objects) would otherwise rebuild green forever, each build copying the whole
 * database again. One retry covers the one-off mistake; a second failure needs a person.
 */
import type { WindowJudgement } from './replication-window.ts';

export const MAX_RECREATES = 3;
export const DEFAULT_MAX_RECREATES = 1;

export interface RecreateCause {
  at: string;
  verdict: string;
  reason: string | null;
  fix: string | null;
  /** the deployment that was deleted for it */
  deploymentId: string | null;
}

export interface Recreates {
  count: number;
  causes: RecreateCause[];
}

/** How many recreations the input allows (0 without green.recreateOnDegraded). */
export const recreateBound = (green: { recreateOnDegraded?: boolean; maxRecreates?: number }): number =>
  green.recreateOnDegraded ? (green.maxRecreates ?? DEFAULT_MAX_RECREATES) : 0;

/** Whether one more recreation is allowed (the ASL Choice makes the same comparison; the handler re-checks). */
export const mayRecreate = (recreates: Recreates, max: number): boolean => recreates.count < max;

/** The state after one more recreation for this broken window. */
export const recordRecreate = (
  recreates: Recreates,
  window: { verdict: WindowJudgement['verdict'] | string; reason: string | null; fix: string | null },
  deploymentId: string | null,
  at: string,
): Recreates => ({
  count: recreates.count + 1,
  causes: [
    ...recreates.causes,
    { at, verdict: window.verdict, reason: window.reason, fix: window.fix, deploymentId },
  ],
});

/** One line per recreation for the notification and the report. */
export const describeRecreates = (recreates: Recreates | undefined): string[] =>
  !recreates || recreates.count === 0
    ? []
    : [
        `Green recreated ${recreates.count} time(s) (green.recreateOnDegraded):`,
        ...recreates.causes.map(
          (c, i) =>
            `  ${i + 1}. ${c.at} ${c.verdict}${c.deploymentId ? ` (deleted ${c.deploymentId})` : ''}: ${c.reason ?? 'no reason given'}${c.fix ? `. Fix: ${c.fix}` : ''}`,
        ),
      ];
