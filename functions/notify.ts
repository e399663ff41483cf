/** Notify: publish the run's outcome, with the numbers and the runbook, to the SNS topic. */
import { NotifyInput } from '#domain/contracts';
import { composeNotification } from '#domain/notification';
import { defaultGateways, type Gateways } from '#aws/gateways';
import { taskHandler } from '#lib/task-handler';

export const makeNotifyHandler = (gw: Gateways) =>
  taskHandler(NotifyInput, async ({ outcome, executionId, summary }) => {
    const { subject, message } = composeNotification(outcome, executionId, summary);
    const messageId = await gw.notify.publish(subject, message, { outcome, kind: 'run-outcome' });
    return { outcome, subject, messageId };
  });

export const handler = makeNotifyHandler(defaultGateways());
