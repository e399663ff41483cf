/** NotifyFleet: publish a wave's counts, or the fleet's outcome, to the same SNS topic as single runs. */
import { type Gateways, notifyGateway } from '#aws/gateways';
import { composeFleetNotification, NotifyFleetInput } from '#domain/fleet-tasks';
import { taskHandler } from '#lib/task-handler';

export const makeNotifyFleetHandler = (gw: Pick<Gateways, 'notify'>) =>
  taskHandler(NotifyFleetInput, async ({ kind, executionId, summary }) => {
    const { subject, message, reason } = composeFleetNotification(kind, executionId, summary);
    const messageId = await gw.notify.publish(subject, message, { outcome: kind, kind: 'fleet' });
    // `reason` becomes the Fail state's Cause (CausePath), like the single-database Notify.
    return { kind, subject, messageId, reason };
  });

// A getter: NOTIFY_TOPIC_ARN is read when the first notification is sent, not at import.
export const handler = makeNotifyFleetHandler({
  get notify() {
    return notifyGateway();
  },
});
