/**
 * The event-wait machinery for local runs: the AwaitRdsEvent and RelayRdsEvent handlers over a local
 * bus, with the task tokens settled in the runner's CallbackRegistry. Path tests use the in-process
 * DynamoDB (the emulator's implementation, called without HTTP); the rehearsal passes the real
 * gateways (SDK clients → the emulator), as the Lambdas use in AWS.
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoDbService } from '../emulator/services/dynamodb.ts';
import { JsonServiceError } from '../emulator/services/json-service.ts';
import { makeAwaitRdsEventHandler } from '../functions/await-rds-event.ts';
import { makeRelayRdsEventHandler } from '../functions/relay-rds-event.ts';
import { makeEventWaitStore } from '../src/aws/event-wait-store.ts';
import type { TaskTokens } from '../src/aws/task-tokens.ts';
import type { EventWaitDeps } from '../src/lib/rds-event-relay.ts';
import type { CallbackRegistry } from './callbacks.ts';
import { LocalEventBus } from './event-bus.ts';

export const LOCAL_EVENT_WAITS_TABLE = 'switchyard-local-event-waits';

/** A DynamoDB client stand-in over the in-process service: same expression semantics, no sockets. */
export const inProcessDynamoDb = (tableName = LOCAL_EVENT_WAITS_TABLE): Pick<DynamoDBClient, 'send'> => {
  const service = createDynamoDbService({ tables: [{ name: tableName, hashKey: 'pk' }] });
  return {
    send: (async (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const operation = command.constructor.name.replace(/Command$/, '');
      try {
        const out = await service.handle({ operation, body: structuredClone(command.input), headers: {} });
        return out.body;
      } catch (err) {
        if (err instanceof JsonServiceError && err.type.endsWith('ConditionalCheckFailedException'))
          throw new ConditionalCheckFailedException({ message: err.message, $metadata: {} });
        throw err;
      }
    }) as never,
  };
};

/** SendTaskSuccess straight into the runner's registry; an unknown token is the AWS "moved on" case. */
export const registryTokens = (registry: CallbackRegistry): TaskTokens => ({
  succeed: async (taskToken, output) => (registry.sendTaskSuccess(taskToken, output) ? 'sent' : 'moved-on'),
});

export interface LocalEventWaits {
  bus: LocalEventBus;
  /** the Task handler bound to the event-wait states */
  awaitRdsEvent: (event: unknown, context: object) => Promise<unknown>;
}

export const localEventWaits = (
  deps: EventWaitDeps | { callbacks: CallbackRegistry; clock: () => Date },
): LocalEventWaits => {
  const real: EventWaitDeps =
    'callbacks' in deps
      ? {
          waits: makeEventWaitStore(LOCAL_EVENT_WAITS_TABLE, inProcessDynamoDb()),
          tokens: registryTokens(deps.callbacks),
          clock: deps.clock,
        }
      : deps;
  const relay = makeRelayRdsEventHandler(real);
  const bus = new LocalEventBus().bind('relayRdsEvent', (event) =>
    relay(event as Record<string, unknown>, {} as never),
  );
  const arm = makeAwaitRdsEventHandler(real);
  return { bus, awaitRdsEvent: (event, context) => arm(event as never, context as never) };
};
