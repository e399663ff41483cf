/**
 * Reconcile (the backstop): invoked by the EventBridge rule on this state machine's FAILED, TIMED_OUT and
 * ABORTED executions, and by a schedule that sweeps every Switchyard-tagged deployment whose execution is
 * not running. Before the switch it deletes green (the Compensate path); after it, it holds and pages.
 * It throws when it could not finish, so its Errors alarm fires and the event goes to the DLQ.
 */

import { sfnClient } from '#aws/clients';
import { type Gateways, notifyGateway, rdsGateway, requireEnv } from '#aws/gateways';
import { makeSfnReader, type SfnReader } from '#aws/sfn-gateway';
import { ReconcileIncompleteError } from '#domain/errors';
import { ReconcileEvent } from '#domain/reconcile';
import { reconcileExecution, sweepDeployments } from '#lib/reconcile-execution';
import { taskHandler } from '#lib/task-handler';

export const makeReconcileHandler = (
  gw: Pick<Gateways, 'rds' | 'notify'> & { sfn: SfnReader; stateMachineArn: string },
) =>
  taskHandler(ReconcileEvent, async (event) => {
    if ('sweep' in event) {
      const result = await sweepDeployments(gw, gw.stateMachineArn);
      if (result.failed.length > 0) {
        throw new ReconcileIncompleteError(
          `the sweep could not reconcile ${result.failed.length} execution(s): ${result.failed.map((f) => `${f.executionArn} (${f.error})`).join('; ')}`,
        );
      }
      return {
        swept: result.reconciled.map((r) => ({ executionArn: r.executionArn, action: r.decision.action })),
        running: result.running,
      };
    }
    const outcome = await reconcileExecution(gw, event.detail.executionArn);
    return {
      executionArn: outcome.executionArn,
      action: outcome.decision.action,
      messageId: outcome.messageId,
    };
  });

// Getters: NOTIFY_TOPIC_ARN is read when the first message is sent, not at import.
export const handler = makeReconcileHandler({
  rds: rdsGateway(),
  get notify() {
    return notifyGateway();
  },
  sfn: makeSfnReader(sfnClient()),
  // Read when a sweep runs, so a missing variable fails that sweep with its name.
  get stateMachineArn() {
    return requireEnv('STATE_MACHINE_ARN');
  },
});
