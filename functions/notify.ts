/** Notify: publish the run's outcome, with the numbers and the runbook, to the SNS topic. */

import { type Gateways, notifyGateway, systemClock } from '#aws/gateways';
import { NotifyInput } from '#domain/contracts';
import { composeNotification } from '#domain/notification';
import { taskHandler } from '#lib/task-handler';

export const makeNotifyHandler = (gw: Pick<Gateways, 'notify' | 'clock'>) =>
  taskHandler(NotifyInput, async ({ outcome, executionId, summary }) => {
    const { subject, message, reason } = composeNotification(outcome, executionId, summary);
    const messageId = await gw.notify.publish(subject, message, { outcome, kind: 'run-outcome' });
    // `reason` becomes the Fail state's Cause (CausePath), so DescribeExecution says why in one line.
    return { outcome, subject, messageId, reason };
  });

// A getter: NOTIFY_TOPIC_ARN is read when the first notification is sent, not at import.
export const handler = makeNotifyHandler({
  get notify() {
    return notifyGateway();
  },
  clock: systemClock,
});
