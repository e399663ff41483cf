/** The non-RDS services the pipeline calls in local mode, with their real SDK clients, and JSON routing. */
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
} from '@aws-sdk/client-cloudwatch';
import { CreateTopicCommand, ListTopicsCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import {
  GetParameterCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/index.ts';
import { JsonServiceError } from '../../emulator/services/json-service.ts';
import { query, stopAndCheck, unretriedAt } from './helpers.ts';

let emu: Emulator;
const cfg = () => unretriedAt(emu);

beforeAll(async () => {
  emu = await startEmulator({
    seedRows: 10,
    jsonServices: [
      {
        targetPrefix: 'AWSStepFunctions',
        contentType: 'application/x-amz-json-1.0',
        async handle({ operation, body }) {
          if (operation === 'Fail')
            throw new JsonServiceError('ExecutionDoesNotExist', 'no such execution', 400);
          return { body: { echoed: operation, input: body } };
        },
      },
    ],
  });
});
afterAll(async () => {
  await stopAndCheck(emu);
});

describe('SNS', () => {
  it('publishes into the outbox with subject and attributes; creates and lists topics', async () => {
    const sns = new SNSClient(cfg());
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'switchyard-alerts' }));
    expect(TopicArn).toBe('arn:aws:sns:us-east-1:123456789012:switchyard-alerts');
    const out = await sns.send(
      new PublishCommand({
        TopicArn,
        Subject: 'Green ready',
        Message: '{"status":"AVAILABLE"}',
        MessageAttributes: { severity: { DataType: 'String', StringValue: 'info' } },
      }),
    );
    expect(out.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(emu.outbox()).toEqual([
      expect.objectContaining({
        topicArn: TopicArn,
        subject: 'Green ready',
        message: '{"status":"AVAILABLE"}',
        messageAttributes: { severity: { DataType: 'String', StringValue: 'info' } },
      }),
    ]);
    expect((await sns.send(new ListTopicsCommand({}))).Topics).toEqual([{ TopicArn }]);
    const e = await sns.send(new PublishCommand({ TopicArn, Message: '' })).catch((err: Error) => err);
    expect((e as Error).name).toBe('InvalidParameterException');
    const outbox = (await (await fetch(`${emu.url}/_switchyard/outbox`)).json()) as unknown[];
    expect(outbox).toHaveLength(1);
  });
});

describe('CloudWatch (awsJson1_0, query-compatible)', () => {
  it('reads DatabaseConnections live and answers no datapoints for a metric with no data', async () => {
    const cw = new CloudWatchClient(cfg());
    const c = await query(emu.connectionConfig('orders-db'), 'SELECT 1');
    expect(c).toHaveLength(1);
    const now = new Date();
    const out = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(now.getTime() - 60_000),
        EndTime: now,
        MetricDataQueries: [
          {
            Id: 'conn',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/RDS',
                MetricName: 'DatabaseConnections',
                Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'orders-db' }],
              },
              Period: 60,
              Stat: 'Average',
            },
          },
          {
            Id: 'lag',
            MetricStat: {
              Metric: {
                Namespace: 'AWS/RDS',
                MetricName: 'ReplicaLag',
                Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'orders-db' }],
              },
              Period: 60,
              Stat: 'Maximum',
            },
          },
        ],
      }),
    );
    expect(out.MetricDataResults?.[0]).toMatchObject({ Id: 'conn', StatusCode: 'Complete' });
    expect(out.MetricDataResults?.[0]?.Values?.[0]).toBeGreaterThanOrEqual(0);
    expect(out.MetricDataResults?.[1]).toMatchObject({ Id: 'lag', Values: [], Timestamps: [] });
    const stats = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'AWS/RDS',
        MetricName: 'DatabaseConnections',
        Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'orders-db' }],
        StartTime: new Date(now.getTime() - 60_000),
        EndTime: now,
        Period: 60,
        Statistics: ['Average', 'Maximum'],
      }),
    );
    expect(stats.Datapoints?.[0]).toMatchObject({ Unit: 'Count' });
    expect(stats.Datapoints?.[0]?.Timestamp).toBeInstanceOf(Date);
  });

  it('describes alarms set through setAlarmState and the control endpoint', async () => {
    const cw = new CloudWatchClient(cfg());
    expect((await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['orders-5xx'] }))).MetricAlarms).toEqual(
      [],
    );
    emu.setAlarmState('orders-5xx', 'OK');
    await fetch(`${emu.url}/_switchyard/alarms`, {
      method: 'POST',
      body: JSON.stringify({ name: 'orders-latency', state: 'ALARM' }),
    });
    const all = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['orders-5xx', 'orders-latency'] }));
    expect(all.MetricAlarms?.map((a) => [a.AlarmName, a.StateValue])).toEqual([
      ['orders-5xx', 'OK'],
      ['orders-latency', 'ALARM'],
    ]);
    expect(all.MetricAlarms?.[0]?.StateUpdatedTimestamp).toBeInstanceOf(Date);
    const alarming = await cw.send(new DescribeAlarmsCommand({ StateValue: 'ALARM' }));
    expect(alarming.MetricAlarms?.map((a) => a.AlarmName)).toEqual(['orders-latency']);
  });
});

describe('SSM Parameter Store (awsJson1_1)', () => {
  it('stores SecureStrings, decrypts only WithDecryption, and answers the modeled errors', async () => {
    const ssm = new SSMClient(cfg());
    await ssm.send(
      new PutParameterCommand({ Name: '/switchyard/approval-key', Value: 's3cr3t', Type: 'SecureString' }),
    );
    const plain = await ssm.send(
      new GetParameterCommand({ Name: '/switchyard/approval-key', WithDecryption: true }),
    );
    expect(plain.Parameter).toMatchObject({
      Name: '/switchyard/approval-key',
      Type: 'SecureString',
      Value: 's3cr3t',
      Version: 1,
    });
    expect(plain.Parameter?.LastModifiedDate).toBeInstanceOf(Date);
    const cipher = await ssm.send(new GetParameterCommand({ Name: '/switchyard/approval-key' }));
    expect(cipher.Parameter?.Value).not.toBe('s3cr3t');
    await expect(
      ssm.send(
        new PutParameterCommand({ Name: '/switchyard/approval-key', Value: 'x', Type: 'SecureString' }),
      ),
    ).rejects.toBeInstanceOf(ParameterAlreadyExists);
    const v2 = await ssm.send(
      new PutParameterCommand({ Name: '/switchyard/approval-key', Value: 'rotated', Overwrite: true }),
    );
    expect(v2.Version).toBe(2);
    await expect(ssm.send(new GetParameterCommand({ Name: '/nope' }))).rejects.toBeInstanceOf(
      ParameterNotFound,
    );
  });
});

describe('JSON services passed in and events', () => {
  it('routes x-amz-target to a JsonService and maps JsonServiceError to {__type, message}', async () => {
    const ok = await fetch(emu.url, {
      method: 'POST',
      headers: {
        'x-amz-target': 'AWSStepFunctions.StartExecution',
        'content-type': 'application/x-amz-json-1.0',
      },
      body: '{"a":1}',
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await ok.json()).toEqual({ echoed: 'StartExecution', input: { a: 1 } });
    const bad = await fetch(emu.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSStepFunctions.Fail' },
      body: '{}',
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ __type: 'ExecutionDoesNotExist', message: 'no such execution' });
    const unknown = await fetch(emu.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'DynamoDB_20120810.GetItem' },
      body: '{}',
    });
    expect(unknown.status).toBe(400);
  });

  it('keeps EventBridge-shaped envelopes (§8.2)', async () => {
    const e = emu.events().find((x) => x.detail.EventID === 'RDS-EVENT-0005');
    expect(e).toMatchObject({
      version: '0',
      source: 'aws.rds',
      'detail-type': 'RDS DB Instance Event',
      account: '123456789012',
      region: 'us-east-1',
    });
    expect(e?.resources).toEqual(['arn:aws:rds:us-east-1:123456789012:db:orders-db']);
    const viaHttp = (await (await fetch(`${emu.url}/_switchyard/events`)).json()) as unknown[];
    expect(viaHttp.length).toBe(emu.events().length);
  });
});
