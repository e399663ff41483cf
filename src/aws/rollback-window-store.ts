/**
 * Rollback windows in the approval table (same table, own keys, same TTL attribute):
 * - `rollback-window#<windowId>`: the window, holding the task token while open;
 * - `execution-rollback-window#<executionArn>`: a pointer to the execution's latest window (for the CLI).
 * Deciding is one conditional update (open, token present, before the end → decided) that removes the
 * token and returns it, so a link, a button and a command can win only once.
 */
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { ApprovalClaimConflictError } from '#approval/errors';
import type { FailBackDecisionFacts, RollbackWindowRecord, WindowStatus } from '#approval/fail-back';
import { dynamoDbClient } from './clients.ts';

type Item = Record<string, AttributeValue>;

const windowKey = (windowId: string): Item => ({ pk: { S: `rollback-window#${windowId}` } });
const executionKey = (executionArn: string): Item => ({
  pk: { S: `execution-rollback-window#${executionArn}` },
});

const toItem = (r: RollbackWindowRecord): Item => {
  const item: Item = {
    ...windowKey(r.windowId),
    windowId: { S: r.windowId },
    executionArn: { S: r.executionArn },
    approvers: { S: JSON.stringify(r.approvers) },
    expiresAt: { S: r.expiresAt },
    createdAt: { S: r.createdAt },
    ttl: { N: String(r.ttl) },
    status: { S: r.status },
    summary: { S: JSON.stringify(r.summary) },
  };
  if (r.taskToken) item.taskToken = { S: r.taskToken };
  return item;
};

const fromItem = (item: Item): RollbackWindowRecord => {
  const s = (name: string) => item[name]?.S;
  const record: RollbackWindowRecord = {
    windowId: s('windowId') ?? '',
    executionArn: s('executionArn') ?? '',
    approvers: JSON.parse(s('approvers') ?? '[]'),
    expiresAt: s('expiresAt') ?? '',
    createdAt: s('createdAt') ?? '',
    ttl: Number(item.ttl?.N ?? 0),
    status: (s('status') ?? 'open') as WindowStatus,
    summary: JSON.parse(s('summary') ?? '{}'),
  };
  const token = s('taskToken');
  if (token) record.taskToken = token;
  const decided = s('decided');
  if (decided) record.decided = JSON.parse(decided);
  const slackChannel = s('slackChannel');
  const slackTs = s('slackTs');
  if (slackChannel && slackTs) record.slackMessage = { channel: slackChannel, ts: slackTs };
  return record;
};

export interface RollbackWindowStore {
  /** Stores a new open window; a retried request finds the stored one. */
  create(record: RollbackWindowRecord): Promise<RollbackWindowRecord>;
  get(windowId: string): Promise<RollbackWindowRecord | undefined>;
  pointExecution(executionArn: string, windowId: string, ttl: number): Promise<void>;
  findByExecution(executionArn: string): Promise<RollbackWindowRecord | undefined>;
  /** Open and before the end → decided: records the facts, removes the token and returns it. */
  claim(windowId: string, facts: FailBackDecisionFacts): Promise<string>;
  /** Undoes a claim after a transient Step Functions failure, so the decision can be retried. */
  release(windowId: string, facts: FailBackDecisionFacts, taskToken: string): Promise<void>;
  markMovedOn(windowId: string): Promise<void>;
  setSlackMessage(windowId: string, message: { channel: string; ts: string }): Promise<void>;
}

export const makeRollbackWindowStore = (
  tableName: string,
  client: Pick<DynamoDBClient, 'send'> = dynamoDbClient(),
): RollbackWindowStore => ({
  async create(record) {
    try {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: toItem(record),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return record;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      const existing = await this.get(record.windowId);
      if (!existing) throw err;
      return existing;
    }
  },

  async get(windowId) {
    const out = await client.send(
      new GetItemCommand({ TableName: tableName, Key: windowKey(windowId), ConsistentRead: true }),
    );
    return out.Item ? fromItem(out.Item) : undefined;
  },

  async pointExecution(executionArn, windowId, ttl) {
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { ...executionKey(executionArn), windowId: { S: windowId }, ttl: { N: String(ttl) } },
      }),
    );
  },

  async findByExecution(executionArn) {
    const out = await client.send(
      new GetItemCommand({ TableName: tableName, Key: executionKey(executionArn), ConsistentRead: true }),
    );
    const windowId = out.Item?.windowId?.S;
    return windowId ? this.get(windowId) : undefined;
  },

  async claim(windowId, facts) {
    try {
      const out = await client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: windowKey(windowId),
          UpdateExpression: 'SET #status = :decided, decided = :facts, decidedAt = :at REMOVE taskToken',
          ConditionExpression:
            'attribute_exists(pk) AND #status = :open AND attribute_exists(taskToken) AND expiresAt > :at',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':decided': { S: 'decided' },
            ':open': { S: 'open' },
            ':facts': { S: JSON.stringify(facts) },
            ':at': { S: facts.at },
          },
          ReturnValues: 'ALL_OLD',
        }),
      );
      const token = out.Attributes?.taskToken?.S;
      if (!token) throw new ApprovalClaimConflictError();
      return token;
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException)
        throw new ApprovalClaimConflictError({ cause: err });
      throw err;
    }
  },

  async release(windowId, facts, taskToken) {
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: windowKey(windowId),
        UpdateExpression: 'SET #status = :open, taskToken = :token REMOVE decided, decidedAt',
        ConditionExpression: '#status = :decided AND decidedAt = :at',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':open': { S: 'open' },
          ':decided': { S: 'decided' },
          ':token': { S: taskToken },
          ':at': { S: facts.at },
        },
      }),
    );
  },

  async markMovedOn(windowId) {
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: windowKey(windowId),
        UpdateExpression: 'SET #status = :movedOn',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':movedOn': { S: 'moved-on' } },
      }),
    );
  },

  async setSlackMessage(windowId, message) {
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: windowKey(windowId),
        UpdateExpression: 'SET slackChannel = :channel, slackTs = :ts',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':channel': { S: message.channel }, ':ts': { S: message.ts } },
      }),
    );
  },
});
