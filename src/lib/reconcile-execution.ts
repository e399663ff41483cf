/**
 * The backstop's work, shared by the reconcile Lambda, `switchyard reconcile` and the local runner:
 * read the execution (DescribeExecution, GetExecutionHistory) and the deployment tagged with it,
 * decide (src/domain/reconcile.ts), act through the same compensation as the Compensate task, confirm,
 * and publish. A failure to act is published too, then rethrown so the Lambda's Errors alarm fires.
 */

import { errorName } from '#aws/errors';
import type { Gateways } from '#aws/gateways';
import type { SfnReader } from '#aws/sfn-gateway';
import { ExecutionNotFoundError } from '#domain/errors';
import { TAGS } from '#domain/names';
import { decideReconcile, type ReconcileDecision } from '#domain/reconcile';
import { composeReconcileNotification, type ReconcileReport } from '#domain/reconcile-notification';
import { compensateGreen } from './compensate-green.ts';

export type ReconcileGateways = Pick<Gateways, 'rds' | 'notify'> & { sfn: SfnReader };

export interface ReconcileOutcome extends ReconcileReport {
  messageId: string | null;
}

const sourceOf = (input: string | null): string | null => {
  try {
    const id = (JSON.parse(input ?? 'null') as { source?: { dbInstanceIdentifier?: unknown } } | null)?.source
      ?.dbInstanceIdentifier;
    return typeof id === 'string' ? id : null;
  } catch {
    return null;
  }
};

export const reconcileExecution = async (
  gw: ReconcileGateways,
  executionArn: string,
): Promise<ReconcileOutcome> => {
  const execution = await gw.sfn.describeExecution(executionArn);
  if (!execution) throw new ExecutionNotFoundError(`execution ${executionArn} does not exist`);
  const { statesEntered } = await gw.sfn.trail(executionArn);
  // Several would mean a person re-tagged one; the decision looks at the one that can still be deleted first.
  const tagged = await gw.rds.deploymentsTagged(TAGS.execution, executionArn);
  const deployment = tagged.find((d) => d.status.toUpperCase() !== 'DELETING') ?? tagged[0];
  const decision: ReconcileDecision = decideReconcile(
    { executionArn, status: execution.status, error: execution.error, cause: execution.cause, statesEntered },
    deployment,
  );
  const sourceId = sourceOf(execution.input);
  // The runbook names the engine's read-only parameter; an unreadable source leaves it unnamed.
  const source = sourceId ? await gw.rds.describeInstance(sourceId).catch(() => undefined) : undefined;
  const report: ReconcileReport = {
    executionArn,
    status: execution.status,
    error: execution.error,
    cause: execution.cause,
    sourceId,
    engine: source?.engine ?? null,
    deploymentId: deployment?.id ?? null,
    decision,
  };
  let failure: unknown;
  if (decision.action === 'compensate' && deployment) {
    try {
      const result = await compensateGreen(gw, {
        deploymentName: deployment.name,
        executionId: executionArn,
        createdDeploymentId: deployment.id,
      });
      // Confirm: RDS must now show the deployment deleting (or gone); green's own deletion follows from it.
      const after = await gw.rds.describeDeployment(deployment.id);
      const deploymentStatus = after?.status ?? 'gone';
      report.compensation = {
        action: result.action,
        greenInstanceIds: result.greenInstanceIds,
        confirmed: !after || after.status.toUpperCase() === 'DELETING',
        deploymentStatus,
      };
      if (!report.compensation.confirmed)
        failure = new Error(`deployment ${deployment.id} is ${deploymentStatus} after the delete call`);
    } catch (err) {
      failure = err;
      // A switch that completed between the two reads: now it is a hold, never a delete.
      if (errorName(err) === 'SwitchedAlreadyError') {
        report.decision = { ...decision, action: 'hold', notify: true, reason: (err as Error).message };
        failure = undefined;
      }
    }
  }
  if (failure) report.failure = `${errorName(failure)}: ${(failure as Error).message}`;
  let messageId: string | null = null;
  if (report.decision.notify || report.failure) {
    const { subject, message } = composeReconcileNotification(report);
    messageId = await gw.notify.publish(subject, message, {
      kind: 'backstop',
      action: report.decision.action,
    });
  }
  if (failure) throw failure;
  return { ...report, messageId };
};

/**
 * The sweep (schedule and `switchyard reconcile --all`): every deployment tagged by an execution of this
 * state machine that is not running. A failed reconcile does not stop the others; they are all reported.
 */
export const executionBelongsTo = (executionArn: string, stateMachineArn: string): boolean => {
  // arn:aws:states:<region>:<account>:stateMachine:<name> ↔ …:execution:<name>:<execution name>
  const prefix = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:`;
  return executionArn.startsWith(prefix);
};

export const sweepDeployments = async (
  gw: ReconcileGateways,
  stateMachineArn: string,
): Promise<{
  reconciled: ReconcileOutcome[];
  running: string[];
  failed: Array<{ executionArn: string; error: string }>;
}> => {
  const tagged = await gw.rds.deploymentsTagged(TAGS.execution);
  // Only this state machine's runs: another stage's deployments are its own backstop's business.
  const executions = [...new Set(tagged.map((d) => d.tags[TAGS.execution]!))].filter((arn) =>
    executionBelongsTo(arn, stateMachineArn),
  );
  const reconciled: ReconcileOutcome[] = [];
  const running: string[] = [];
  const failed: Array<{ executionArn: string; error: string }> = [];
  for (const executionArn of executions) {
    try {
      const execution = await gw.sfn.describeExecution(executionArn);
      if (execution?.status === 'RUNNING') {
        running.push(executionArn);
        continue;
      }
      reconciled.push(await reconcileExecution(gw, executionArn));
    } catch (err) {
      failed.push({ executionArn, error: `${errorName(err)}: ${(err as Error).message}` });
    }
  }
  return { reconciled, running, failed };
};
