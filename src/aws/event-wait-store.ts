/**
 * The event-waits table (DynamoDB, key `pk`, TTL attribute `ttl`): one item per execution,
 * `rds-wait#<executionArn>`, holding the task token of the wait it has armed (if any) and the last
 * RDS event the relay saw for it. The relay takes the token with one conditional update that removes
 * it (so a duplicate event finds none); an event that arrives before the wait is armed is recorded,
 * and arming reads it back, so the race between a Describe and the arming costs no fallback poll.
 * The client is built once, with no `endpoint`: `AWS_ENDPOINT_URL_DYNAMODB` points it at the emulator.
 */
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { ArmedWait, RdsEventFacts, WaitKind } from '#domain/rds-events';
import { dynamoDbClient } from './clients.ts';

type Item = Record<string, AttributeValue>;

const key = (executionArn: string): Item => ({ pk: { S: `rds-wait#${executionArn}` } });

/** Items outlive any run's wait: a week after the last write. */
const TTL_SECONDS = 7 * 24 * 3600;

export interface EventWaitStore {
  /** Stores the wait's token (replacing an older one); returns the last event recorded for the execution. */
  arm(wait: ArmedWait, nowSeconds: number): Promise<RdsEventFacts | undefined>;
  /**
   * Takes this token if it is still the armed one, removing it so that no second caller (a duplicate
   * event, a newer wait) gets it: true for exactly one caller.
   */
  take(executionArn: string, taskToken: string): Promise<boolean>;
  /** Looks at the armed wait without taking it. */
  peek(executionArn: string): Promise<ArmedWait | undefined>;
  /** Remembers the last event seen for the execution (for an arming that comes after it). */
  record(event: RdsEventFacts, nowSeconds: number): Promise<void>;
}

const s = (item: Item | undefined, name: string): string | undefined => item?.[name]?.S;

const armedFrom = (executionArn: string, item: Item | undefined): ArmedWait | undefined => {
  const taskToken = s(item, 'taskToken');
  const deploymentId = s(item, 'deploymentId');
  const wait = s(item, 'waitKind') as WaitKind | undefined;
  if (!taskToken || !deploymentId || !wait) return undefined;
  return { executionArn, deploymentId, wait, taskToken, since: s(item, 'since') ?? '' };
};

const eventFrom = (executionArn: string, item: Item | undefined): RdsEventFacts | undefined => {
  const eventId = s(item, 'lastEventId');
  const deploymentId = s(item, 'lastEventDeploymentId');
  if (!eventId || !deploymentId) return undefined;
  return {
    eventId,
    deploymentId,
    executionArn,
    date: s(item, 'lastEventDate') ?? '',
    message: s(item, 'lastEventMessage') ?? '',
  };
};

export const makeEventWaitStore = (
  tableName: string,
  client: Pick<DynamoDBClient, 'send'> = dynamoDbClient(),
): EventWaitStore => ({
  async arm(wait, nowSeconds) {
    const out = await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: key(wait.executionArn),
        UpdateExpression:
          'SET taskToken = :token, deploymentId = :deployment, waitKind = :wait, since = :since, #ttl = :ttl',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':token': { S: wait.taskToken },
          ':deployment': { S: wait.deploymentId },
          ':wait': { S: wait.wait },
          ':since': { S: wait.since },
          ':ttl': { N: String(nowSeconds + TTL_SECONDS) },
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return eventFrom(wait.executionArn, out.Attributes);
  },

  async take(executionArn, taskToken) {
    try {
      await client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: key(executionArn),
          UpdateExpression: 'REMOVE taskToken',
          ConditionExpression: 'taskToken = :token',
          ExpressionAttributeValues: { ':token': { S: taskToken } },
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException) return false;
      throw err;
    }
  },

  async peek(executionArn) {
    const out = await client.send(
      new GetItemCommand({ TableName: tableName, Key: key(executionArn), ConsistentRead: true }),
    );
    return armedFrom(executionArn, out.Item);
  },

  async record(event, nowSeconds) {
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: key(event.executionArn),
        UpdateExpression:
          'SET lastEventId = :id, lastEventDeploymentId = :deployment, lastEventDate = :date, lastEventMessage = :message, #ttl = :ttl',
        ExpressionAttributeNames: { '#ttl': 'ttl' },
        ExpressionAttributeValues: {
          ':id': { S: event.eventId },
          ':deployment': { S: event.deploymentId },
          ':date': { S: event.date || '-' },
          ':message': { S: event.message || '-' },
          ':ttl': { N: String(nowSeconds + TTL_SECONDS) },
        },
      }),
    );
  },
});
