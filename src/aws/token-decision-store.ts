/**
 * One DynamoDB store for every decision a paused execution waits on through a task token (an approval,
 * a rollback window): the approval table (key `pk`, TTL attribute `ttl`) with two item kinds per kind
 * of decision, told apart by key prefix:
 * - `<recordPrefix>#<id>`: the record, holding the task token while it waits;
 * - `<executionPrefix>#<executionArn>`: a pointer to the execution's latest record (for the CLI).
 * Deciding is one conditional update (waiting, token present, before the end → decided) that removes
 * the token and returns it, so a link, a button or a command can win only once. What differs between
 * kinds (key prefixes, the record's attributes, how the decision's facts are stored) is the codec.
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

export type Item = Record<string, AttributeValue>;

/** The attributes this store itself reads and writes; the codec owns the rest. */
export interface TokenDecisionRecord {
  taskToken?: string;
  slackMessage?: { channel: string; ts: string };
}

export interface TokenDecisionCodec<R extends TokenDecisionRecord, F extends { at: string }> {
  /** Records live at `<recordPrefix>#<id>`. */
  recordPrefix: string;
  /** Execution pointers live at `<executionPrefix>#<executionArn>`. */
  executionPrefix: string;
  /** The attribute naming the record's id, in the record and in the execution pointer. */
  idAttribute: string;
  idOf(record: R): string;
  /** The status while the token is held. */
  waitingStatus: string;
  /** The status a claim sets. */
  decidedStatus(facts: F): string;
  /** The record's own attributes (without key, task token and Slack message). */
  encode(record: R): Item;
  decode(item: Item): R;
  /** How a claim stores the facts: a SET clause that sets `decidedAt = :at`, and its values. */
  factWrites(facts: F): { set: string; values: Item };
  /** The attributes `factWrites` sets, which a release removes again. */
  factAttributes: string;
}

export interface TokenDecisionStore<R, F> {
  /** Stores a new waiting record; when it already exists (a retried request), returns the stored one. */
  create(record: R): Promise<R>;
  get(id: string): Promise<R | undefined>;
  /** Points the execution at its latest record. */
  pointExecution(executionArn: string, id: string, ttl: number): Promise<void>;
  findByExecution(executionArn: string): Promise<R | undefined>;
  /** Waiting and before the end → decided: records the facts, removes the token and returns it. */
  claim(id: string, facts: F): Promise<string>;
  /** Undoes a claim after a transient Step Functions failure, so the decision can be retried. */
  release(id: string, facts: F, taskToken: string): Promise<void>;
  /** Records that Step Functions no longer waits for this record. */
  markMovedOn(id: string): Promise<void>;
  setSlackMessage(id: string, message: { channel: string; ts: string }): Promise<void>;
}

export const makeTokenDecisionStore = <R extends TokenDecisionRecord, F extends { at: string }>(
  codec: TokenDecisionCodec<R, F>,
  tableName: string,
  client: Pick<DynamoDBClient, 'send'>,
): TokenDecisionStore<R, F> => {
  const recordKey = (id: string): Item => ({ pk: { S: `${codec.recordPrefix}#${id}` } });
  const executionKey = (executionArn: string): Item => ({
    pk: { S: `${codec.executionPrefix}#${executionArn}` },
  });

  const toItem = (record: R): Item => {
    const item: Item = { ...recordKey(codec.idOf(record)), ...codec.encode(record) };
    if (record.taskToken) item.taskToken = { S: record.taskToken };
    return item;
  };

  const fromItem = (item: Item): R => {
    const record = codec.decode(item);
    const token = item.taskToken?.S;
    if (token) record.taskToken = token;
    const slackChannel = item.slackChannel?.S;
    const slackTs = item.slackTs?.S;
    if (slackChannel && slackTs) record.slackMessage = { channel: slackChannel, ts: slackTs };
    return record;
  };

  return {
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
        const existing = await this.get(codec.idOf(record));
        if (!existing) throw err;
        return existing;
      }
    },

    async get(id) {
      const out = await client.send(
        new GetItemCommand({ TableName: tableName, Key: recordKey(id), ConsistentRead: true }),
      );
      return out.Item ? fromItem(out.Item) : undefined;
    },

    async pointExecution(executionArn, id, ttl) {
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: { ...executionKey(executionArn), [codec.idAttribute]: { S: id }, ttl: { N: String(ttl) } },
        }),
      );
    },

    async findByExecution(executionArn) {
      const out = await client.send(
        new GetItemCommand({ TableName: tableName, Key: executionKey(executionArn), ConsistentRead: true }),
      );
      const id = out.Item?.[codec.idAttribute]?.S;
      return id ? this.get(id) : undefined;
    },

    async claim(id, facts) {
      const writes = codec.factWrites(facts);
      try {
        const out = await client.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: recordKey(id),
            UpdateExpression: `SET #status = :decidedStatus, ${writes.set} REMOVE taskToken`,
            ConditionExpression:
              'attribute_exists(pk) AND #status = :waiting AND attribute_exists(taskToken) AND expiresAt > :at',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ...writes.values,
              ':decidedStatus': { S: codec.decidedStatus(facts) },
              ':waiting': { S: codec.waitingStatus },
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

    async release(id, facts, taskToken) {
      await client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: recordKey(id),
          UpdateExpression: `SET #status = :waiting, taskToken = :token REMOVE ${codec.factAttributes}`,
          // Only the claim this caller made: same decided status, same instant.
          ConditionExpression: '#status = :decidedStatus AND decidedAt = :at',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':waiting': { S: codec.waitingStatus },
            ':token': { S: taskToken },
            ':decidedStatus': { S: codec.decidedStatus(facts) },
            ':at': { S: facts.at },
          },
        }),
      );
    },

    async markMovedOn(id) {
      await client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: recordKey(id),
          UpdateExpression: 'SET #status = :movedOn',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':movedOn': { S: 'moved-on' } },
        }),
      );
    },

    async setSlackMessage(id, message) {
      await client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: recordKey(id),
          UpdateExpression: 'SET slackChannel = :channel, slackTs = :ts',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':channel': { S: message.channel }, ':ts': { S: message.ts } },
        }),
      );
    },
  };
};
