/**
 * The emulator's DynamoDB service, driven by the real @aws-sdk/client-dynamodb over loopback
 * (AWS_ENDPOINT_URL_DYNAMODB), and the approval store on top of it.
 */
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ResourceNotFoundException,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApprovalRecord } from '#approval/decide';
import { ApprovalClaimConflictError, makeApprovalStore } from '#aws/approval-store';
import { createDynamoDbService } from '../../emulator/services/dynamodb.ts';
import { unretried } from '../support/unretried-client.ts';
import { type FakeAws, startFakeAws } from './support/aws-fakes.ts';
import { NOW, requestInput, TASK_TOKEN } from './support/fixtures.ts';

let aws: FakeAws;
let client: DynamoDBClient;
const T = 'things';

beforeAll(async () => {
  aws = await startFakeAws([createDynamoDbService({ tables: [{ name: 'approvals', hashKey: 'pk' }] })]);
  process.env.AWS_ENDPOINT_URL_DYNAMODB = aws.url;
  client = new DynamoDBClient(unretried);
  await client.send(
    new CreateTableCommand({
      TableName: T,
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
});
afterAll(async () => {
  client?.destroy();
  await aws?.stop();
});

describe('emulator DynamoDB service', () => {
  it('describes tables and maps a missing table to ResourceNotFoundException', async () => {
    const out = await client.send(new DescribeTableCommand({ TableName: T }));
    expect(out.Table?.TableStatus).toBe('ACTIVE');
    await expect(
      client.send(new GetItemCommand({ TableName: 'nope', Key: { pk: { S: 'x' } } })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('puts conditionally and maps a failed condition to ConditionalCheckFailedException', async () => {
    const put = (v: string) =>
      client.send(
        new PutItemCommand({
          TableName: T,
          Item: { pk: { S: 'a' }, v: { S: v } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    await put('1');
    const err = await put('2').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConditionalCheckFailedException);
    expect((err as ConditionalCheckFailedException).$metadata.httpStatusCode).toBe(400);
    const got = await client.send(
      new GetItemCommand({ TableName: T, Key: { pk: { S: 'a' } }, ConsistentRead: true }),
    );
    expect(got.Item?.v).toEqual({ S: '1' });
  });

  it('updates with SET / REMOVE / arithmetic under a compound condition and returns ALL_OLD / ALL_NEW / UPDATED_NEW', async () => {
    await client.send(
      new PutItemCommand({
        TableName: T,
        Item: {
          pk: { S: 'u' },
          status: { S: 'pending' },
          n: { N: '1' },
          secret: { S: 's' },
          stamp: { S: '2026-01-01' },
        },
      }),
    );
    const cond = {
      ConditionExpression:
        '#s = :pending AND attribute_exists(secret) AND (stamp > :since OR NOT attribute_exists(stamp))',
      ExpressionAttributeNames: { '#s': 'status' },
    };
    const old = await client.send(
      new UpdateItemCommand({
        TableName: T,
        Key: { pk: { S: 'u' } },
        UpdateExpression: 'SET #s = :done, n = n + :one, tags = if_not_exists(tags, :empty) REMOVE secret',
        ...cond,
        ExpressionAttributeValues: {
          ':pending': { S: 'pending' },
          ':since': { S: '2025-12-31' },
          ':done': { S: 'done' },
          ':one': { N: '1' },
          ':empty': { L: [] },
        },
        ReturnValues: 'ALL_OLD',
      }),
    );
    expect(old.Attributes?.secret).toEqual({ S: 's' });
    const again = await client
      .send(
        new UpdateItemCommand({
          TableName: T,
          Key: { pk: { S: 'u' } },
          UpdateExpression: 'SET #s = :done',
          ...cond,
          ExpressionAttributeValues: {
            ':pending': { S: 'pending' },
            ':since': { S: '2025-12-31' },
            ':done': { S: 'done' },
          },
        }),
      )
      .catch((e: unknown) => e);
    expect(again).toBeInstanceOf(ConditionalCheckFailedException);
    const now = await client.send(
      new UpdateItemCommand({
        TableName: T,
        Key: { pk: { S: 'u' } },
        UpdateExpression: 'SET tags = list_append(tags, :t) ADD hits :one',
        ExpressionAttributeValues: { ':t': { L: [{ S: 'x' }] }, ':one': { N: '5' } },
        ReturnValues: 'ALL_NEW',
      }),
    );
    expect(now.Attributes).toMatchObject({
      status: { S: 'done' },
      n: { N: '2' },
      tags: { L: [{ S: 'x' }] },
      hits: { N: '5' },
    });
    expect(now.Attributes?.secret).toBeUndefined();
    const upd = await client.send(
      new UpdateItemCommand({
        TableName: T,
        Key: { pk: { S: 'u' } },
        UpdateExpression: 'SET n = :n',
        ConditionExpression:
          'n BETWEEN :lo AND :hi AND #s IN (:a, :b) AND begins_with(#s, :d) AND size(tags) = :one',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: {
          ':n': { N: '10' },
          ':lo': { N: '1' },
          ':hi': { N: '3' },
          ':a': { S: 'x' },
          ':b': { S: 'done' },
          ':d': { S: 'do' },
          ':one': { N: '1' },
        },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    expect(upd.Attributes).toEqual({ n: { N: '10' } });
  });

  it('rejects unused or undefined names and values, reserved words and key updates, with ValidationException', async () => {
    const bad: Array<Pick<UpdateItemCommandInput, 'UpdateExpression' | 'ExpressionAttributeValues'>> = [
      { UpdateExpression: 'SET v = :v', ExpressionAttributeValues: { ':v': { S: '1' }, ':w': { S: '2' } } },
      { UpdateExpression: 'SET v = :missing', ExpressionAttributeValues: { ':v': { S: '1' } } },
      { UpdateExpression: 'SET pk = :v', ExpressionAttributeValues: { ':v': { S: '1' } } },
      { UpdateExpression: 'SET v = = :v', ExpressionAttributeValues: { ':v': { S: '1' } } },
      { UpdateExpression: 'SET status = :v', ExpressionAttributeValues: { ':v': { S: '1' } } },
      { UpdateExpression: 'REMOVE ttl' },
    ];
    for (const b of bad) {
      const err = await client
        .send(new UpdateItemCommand({ TableName: T, Key: { pk: { S: 'z' } }, ...b }))
        .catch((e: unknown) => e);
      expect((err as Error).name).toBe('ValidationException');
    }
  });

  it('upserts on UpdateItem without a condition, and deletes conditionally', async () => {
    await client.send(
      new UpdateItemCommand({
        TableName: T,
        Key: { pk: { S: 'new' } },
        UpdateExpression: 'SET v = :v',
        ExpressionAttributeValues: { ':v': { S: '1' } },
      }),
    );
    const del = () =>
      client.send(
        new DeleteItemCommand({
          TableName: T,
          Key: { pk: { S: 'new' } },
          ConditionExpression: 'v = :v',
          ExpressionAttributeValues: { ':v': { S: '1' } },
          ReturnValues: 'ALL_OLD',
        }),
      );
    expect((await del()).Attributes?.v).toEqual({ S: '1' });
    await expect(del()).rejects.toBeInstanceOf(ConditionalCheckFailedException);
  });
});

describe('approval store on the emulator', () => {
  it('creates once, claims once (returning and removing the token), releases, and marks moved-on', async () => {
    const store = makeApprovalStore('approvals', client);
    const record = newApprovalRecord(requestInput(), 'AbCdEfGhIjKlMnOpQrStUv', NOW);
    expect(await store.create(record)).toEqual(record);
    expect((await store.create({ ...record, expiresAt: '2030-01-01T00:00:00.000Z' })).expiresAt).toBe(
      record.expiresAt,
    );
    await store.pointExecution(record.executionArn, record.approvalId, record.ttl);
    expect((await store.findByExecution(record.executionArn))?.approvalId).toBe(record.approvalId);

    const facts = {
      decision: 'approved' as const,
      by: 'dba@example.com',
      at: NOW.toISOString(),
      channel: 'email' as const,
      sourceIp: '1.2.3.4',
    };
    expect(await store.claim(record.approvalId, facts)).toBe(TASK_TOKEN);
    await expect(store.claim(record.approvalId, facts)).rejects.toBeInstanceOf(ApprovalClaimConflictError);
    const decided = await store.get(record.approvalId);
    expect(decided).toMatchObject({ status: 'approved', decided: facts });
    expect(decided?.taskToken).toBeUndefined();

    await store.release(record.approvalId, facts, TASK_TOKEN);
    expect(await store.get(record.approvalId)).toMatchObject({ status: 'pending', taskToken: TASK_TOKEN });
    expect((await store.get(record.approvalId))?.decided).toBeUndefined();

    await store.markMovedOn(record.approvalId);
    expect((await store.get(record.approvalId))?.status).toBe('moved-on');
  });

  it('refuses to claim after the deadline, even when the record is still pending', async () => {
    const store = makeApprovalStore('approvals', client);
    const record = newApprovalRecord(requestInput({ taskToken: 'tok-late' }), 'LateLateLateLateLate00', NOW);
    await store.create(record);
    const facts = {
      decision: 'approved' as const,
      by: 'x',
      at: record.expiresAt,
      channel: 'cli' as const,
      sourceIp: '',
    };
    await expect(store.claim(record.approvalId, facts)).rejects.toBeInstanceOf(ApprovalClaimConflictError);
    expect((await store.get(record.approvalId))?.taskToken).toBe('tok-late');
  });
});
