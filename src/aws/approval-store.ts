/**
 * The approval table (DynamoDB, key `pk`, TTL attribute `ttl`). Two item kinds:
 * - `approval#<approvalId>`: the record, holding the task token while pending;
 * - `execution#<executionArn>`: a pointer to the execution's latest approval (for the CLI).
 * Deciding is one conditional update (pending and not expired → decided) that removes the token and
 * returns it, so a link, a button or a command can win only once. The client is built once, with no
 * `endpoint`, so `AWS_ENDPOINT_URL_DYNAMODB` points it at the local emulator.
 */
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { ApprovalRecord, ApprovalStatus, Channel, Decision, DecisionFacts } from '#approval/contracts';
import { ApprovalClaimConflictError } from '#approval/errors';
import { dynamoDbClient } from './clients.ts';

export { ApprovalClaimConflictError };

type Item = Record<string, AttributeValue>;

const approvalKey = (approvalId: string): Item => ({ pk: { S: `approval#${approvalId}` } });
const executionKey = (executionArn: string): Item => ({ pk: { S: `execution#${executionArn}` } });

const s = (item: Item, name: string): string | undefined => item[name]?.S;

const toItem = (r: ApprovalRecord): Item => {
  const item: Item = {
    ...approvalKey(r.approvalId),
    approvalId: { S: r.approvalId },
    executionArn: { S: r.executionArn },
    approvers: { L: r.approvers.map((a) => ({ S: a })) },
    expiresAt: { S: r.expiresAt },
    createdAt: { S: r.createdAt },
    ttl: { N: String(r.ttl) },
    status: { S: r.status },
    request: { S: JSON.stringify(r.request) },
  };
  if (r.taskToken) item.taskToken = { S: r.taskToken };
  return item;
};

const fromItem = (item: Item): ApprovalRecord => {
  const record: ApprovalRecord = {
    approvalId: s(item, 'approvalId') ?? '',
    executionArn: s(item, 'executionArn') ?? '',
    approvers: (item.approvers?.L ?? []).map((a) => a.S ?? ''),
    expiresAt: s(item, 'expiresAt') ?? '',
    createdAt: s(item, 'createdAt') ?? '',
    ttl: Number(item.ttl?.N ?? 0),
    status: (s(item, 'status') ?? 'pending') as ApprovalStatus,
    request: JSON.parse(s(item, 'request') ?? '{}'),
  };
  const token = s(item, 'taskToken');
  if (token) record.taskToken = token;
  const decision = s(item, 'decision');
  if (decision) {
    record.decided = {
      decision: decision as Decision,
      by: s(item, 'decidedBy') ?? '',
      at: s(item, 'decidedAt') ?? '',
      channel: (s(item, 'channel') ?? 'email') as Channel,
      sourceIp: s(item, 'sourceIp') ?? '',
    };
    const reason = s(item, 'reason');
    if (reason) record.decided.reason = reason;
  }
  const slackChannel = s(item, 'slackChannel');
  const slackTs = s(item, 'slackTs');
  if (slackChannel && slackTs) record.slackMessage = { channel: slackChannel, ts: slackTs };
  return record;
};

const factValues = (f: DecisionFacts): Item => ({
  ':decision': { S: f.decision },
  ':by': { S: f.by },
  ':at': { S: f.at },
  ':channel': { S: f.channel },
  ':sourceIp': { S: f.sourceIp },
  ':reason': { S: f.reason ?? '' },
});
const SET_FACTS =
  'decision = :decision, decidedBy = :by, decidedAt = :at, channel = :channel, sourceIp = :sourceIp, reason = :reason';

export interface ApprovalStore {
  /** Stores a new pending record; when it already exists (a retried request), returns the stored one. */
  create(record: ApprovalRecord): Promise<ApprovalRecord>;
  get(approvalId: string): Promise<ApprovalRecord | undefined>;
  /** Points the execution at its latest approval. */
  pointExecution(executionArn: string, approvalId: string, ttl: number): Promise<void>;
  findByExecution(executionArn: string): Promise<ApprovalRecord | undefined>;
  /** Pending and not expired → decided: records the facts, removes the token and returns it. */
  claim(approvalId: string, facts: DecisionFacts): Promise<string>;
  /** Undoes a claim after a transient Step Functions failure, so the approval can be retried. */
  release(approvalId: string, facts: DecisionFacts, taskToken: string): Promise<void>;
  /** Records that Step Functions no longer waits for this approval. */
  markMovedOn(approvalId: string): Promise<void>;
  setSlackMessage(approvalId: string, message: { channel: string; ts: string }): Promise<void>;
}

export const makeApprovalStore = (
  tableName: string,
  client: Pick<DynamoDBClient, 'send'> = dynamoDbClient(),
): ApprovalStore => ({
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
      const existing = await this.get(record.approvalId);
      if (!existing) throw err;
      return existing;
    }
  },

  async get(approvalId) {
    const out = await client.send(
      new GetItemCommand({ TableName: tableName, Key: approvalKey(approvalId), ConsistentRead: true }),
    );
    return out.Item ? fromItem(out.Item) : undefined;
  },

  async pointExecution(executionArn, approvalId, ttl) {
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: { ...executionKey(executionArn), approvalId: { S: approvalId }, ttl: { N: String(ttl) } },
      }),
    );
  },

  async findByExecution(executionArn) {
    const out = await client.send(
      new GetItemCommand({ TableName: tableName, Key: executionKey(executionArn), ConsistentRead: true }),
    );
    const approvalId = out.Item?.approvalId?.S;
    return approvalId ? this.get(approvalId) : undefined;
  },

  async claim(approvalId, facts) {
    try {
      const out = await client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: approvalKey(approvalId),
          UpdateExpression: `SET #status = :decision, ${SET_FACTS} REMOVE taskToken`,
          ConditionExpression:
            'attribute_exists(pk) AND #status = :pending AND attribute_exists(taskToken) AND expiresAt > :at',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ...factValues(facts), ':pending': { S: 'pending' } },
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

  async release(approvalId, facts, taskToken) {
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: approvalKey(approvalId),
        UpdateExpression:
          'SET #status = :pending, taskToken = :token REMOVE decision, decidedBy, decidedAt, channel, sourceIp, reason',
        ConditionExpression: '#status = :decision AND decidedAt = :at',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':pending': { S: 'pending' },
          ':token': { S: taskToken },
          ':decision': { S: facts.decision },
          ':at': { S: facts.at },
        },
      }),
    );
  },

  async markMovedOn(approvalId) {
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: approvalKey(approvalId),
        UpdateExpression: 'SET #status = :movedOn',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':movedOn': { S: 'moved-on' } },
      }),
    );
  },

  async setSlackMessage(approvalId, message) {
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: approvalKey(approvalId),
        UpdateExpression: 'SET slackChannel = :channel, slackTs = :ts',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':channel': { S: message.channel }, ':ts': { S: message.ts } },
      }),
    );
  },
});
