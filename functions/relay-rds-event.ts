/**
 * RelayRdsEvent: the EventBridge rule's target for RDS Blue/Green events (serverless.yml). Wakes the
 * execution named by the deployment's `switchyard:execution` tag if it waits for this event; ignores
 * everything else with a logged reason. Throws only when DynamoDB or Step Functions fail, so Lambda's
 * asynchronous retries try again (the fallback poll covers an event lost for good).
 */
import { RelayRdsEventInput } from '#domain/event-wait-contracts';
import { logger } from '#lib/logger';
import { defaultEventWaitDeps, type EventWaitDeps, relayEvent } from '#lib/rds-event-relay';
import { taskHandler } from '#lib/task-handler';

export const makeRelayRdsEventHandler = (deps: EventWaitDeps) =>
  taskHandler(RelayRdsEventInput, async (envelope) => {
    const outcome = await relayEvent(deps, envelope);
    logger.info('rds event relayed', { outcome });
    return outcome;
  });

export const handler = makeRelayRdsEventHandler(defaultEventWaitDeps());
