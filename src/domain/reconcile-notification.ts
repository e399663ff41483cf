/** The backstop's message: what ended, where, what the reconciler found and did, and what a person must do. */
import { readableCause } from './error-envelope.ts';
import { runbookFor } from './notification.ts';
import type { ReconcileDecision } from './reconcile.ts';

export interface ReconcileReport {
  executionArn: string;
  status: string;
  error: string | null;
  cause: string | null;
  sourceId: string | null;
  /** the source's engine as RDS reports it (names the read-only parameter in the runbook) */
  engine?: string | null;
  deploymentId: string | null;
  decision: ReconcileDecision;
  /** what the compensation did (compensate only) */
  compensation?: { action: string; greenInstanceIds: string[]; confirmed: boolean; deploymentStatus: string };
  /** the error the reconciler hit while acting, if any */
  failure?: string;
}

const runbook = (
  outcome: 'compensation-stuck' | 'failed-after-switch',
  executionArn: string,
  engine: string,
): string[] =>
  (runbookFor(engine)[outcome] ?? []).map((line) => line.replace('<executionArn>', executionArn));

const HEADLINE: Record<ReconcileDecision['action'], string> = {
  none: 'nothing to do',
  compensate: 'green deleted by the backstop (the run ended before the switch)',
  hold: 'ACTION NEEDED: the run ended after the switch; nothing deleted, old blue kept',
  'nothing-left': 'the run ended; nothing of it is left in RDS',
  'already-deleting': 'the run ended; its deployment is already being deleted',
};

export const composeReconcileNotification = (r: ReconcileReport): { subject: string; message: string } => {
  const source = r.sourceId ?? 'unknown source';
  const headline = r.failure
    ? `ACTION NEEDED: the backstop could not finish (${r.decision.action})`
    : HEADLINE[r.decision.action];
  const lines = [
    `Switchyard ${source}: ${headline}.`,
    `Execution: ${r.executionArn}`,
    `Ended: ${r.status}${r.error ? ` with ${r.error}` : ''} in state ${r.decision.lastState ?? '—'}`,
    ...(r.cause ? [`Cause: ${readableCause(r.cause)}`] : []),
    `Deployment: ${r.deploymentId ?? 'none found tagged with this execution'}`,
    `Backstop: ${r.decision.reason}`,
  ];
  if (r.compensation) {
    lines.push(
      `Compensation: ${r.compensation.action}; green ${r.compensation.greenInstanceIds.join(', ') || '—'}; ` +
        `deployment now ${r.compensation.deploymentStatus}${r.compensation.confirmed ? ' (deletion confirmed under way)' : ' (NOT confirmed)'}`,
    );
  }
  if (r.failure) {
    lines.push(
      `Backstop error: ${r.failure}`,
      ...runbook('compensation-stuck', r.executionArn, r.engine ?? 'postgres'),
    );
  } else if (r.decision.action === 'hold') {
    lines.push(...runbook('failed-after-switch', r.executionArn, r.engine ?? 'postgres'));
  }
  return {
    subject: `[Switchyard] ${source}: backstop ${r.failure ? 'failed' : r.decision.action}`,
    message: lines.join('\n'),
  };
};
