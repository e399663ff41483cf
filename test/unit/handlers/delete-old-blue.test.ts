/** DeleteOldBlue over the real RDS/CloudWatch gateways with the SDK clients mocked: what it reads, and what it never deletes. */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  type DBInstance,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  DescribeDBParametersCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeMetricsGateway } from '#aws/metrics-gateway';
import { makeRdsGateway } from '#aws/rds-gateway';
import { makeDeleteOldBlueHandler } from '../../../functions/delete-old-blue.ts';

const rdsMock = mockClient(RDSClient);
const cwMock = mockClient(CloudWatchClient);
const NOW = new Date('2026-11-25T02:00:00Z');
const EXEC = 'arn:aws:states:us-east-1:1:execution:sm:run-1';
const handler = () =>
  makeDeleteOldBlueHandler({
    rds: makeRdsGateway(new RDSClient({ region: 'us-east-1' })),
    metrics: makeMetricsGateway(new CloudWatchClient({ region: 'us-east-1' })),
    clock: () => NOW,
  });
const input = {
  oldBlueId: 'orders-db-old1',
  oldBlueResourceId: 'db-BLUE',
  executionId: EXEC,
  sourceId: 'orders-db',
  snapshotId: 'sy-final-orders-db-old1-abc',
};
const db = (id: string, resourceId: string, port: number, tags: Record<string, string> = {}): DBInstance => ({
  DBInstanceIdentifier: id,
  DBInstanceArn: `arn:aws:rds:us-east-1:1:db:${id}`,
  DbiResourceId: resourceId,
  DBInstanceStatus: 'available',
  Engine: 'postgres',
  Endpoint: { Address: `${id}.example`, Port: port },
  DBParameterGroups: [{ DBParameterGroupName: 'orders-pg17', ParameterApplyStatus: 'in-sync' }],
  TagList: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
});
const OLD_BLUE_TAGS = { 'switchyard:role': 'old-blue', 'switchyard:execution': EXEC };

/** Answers DescribeDBInstances by name or by the dbi-resource-id filter over a list of instances. */
const world = (instances: DBInstance[]) =>
  rdsMock
    .on(DescribeDBInstancesCommand)
    .callsFake((req: { DBInstanceIdentifier?: string; Filters?: Array<{ Values: string[] }> }) => {
      const found = req.DBInstanceIdentifier
        ? instances.filter((i) => i.DBInstanceIdentifier === req.DBInstanceIdentifier)
        : instances.filter((i) => req.Filters?.[0]?.Values.includes(i.DbiResourceId!));
      if (req.DBInstanceIdentifier && found.length === 0) {
        const err = new Error(`DBInstance ${req.DBInstanceIdentifier} not found.`);
        err.name = 'DBInstanceNotFoundFault';
        throw err;
      }
      return { DBInstances: found };
    });

beforeEach(() => {
  rdsMock.on(DescribeDBParametersCommand).resolves({
    Parameters: [
      { ParameterName: 'default_transaction_read_only', ParameterValue: '0', Source: 'engine-default' },
    ],
  });
  rdsMock.on(DescribeDBSnapshotsCommand).resolves({
    DBSnapshots: [
      { DBSnapshotIdentifier: input.snapshotId, DBInstanceIdentifier: 'orders-db-old1', Status: 'available' },
    ],
  });
  rdsMock.on(DeleteDBInstanceCommand).resolves({ DBInstance: { DBInstanceStatus: 'deleting' } });
  cwMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'm', Values: [0, 0, 0] }] });
});
afterEach(() => {
  rdsMock.reset();
  cwMock.reset();
});

describe('delete-old-blue', () => {
  it('deletes the proven old blue, after reading its connections over 15 minutes', async () => {
    world([db('orders-db-old1', 'db-BLUE', 5433, OLD_BLUE_TAGS), db('orders-db', 'db-GREEN', 5432)]);
    expect(await handler()(input, {})).toEqual({ deleted: true, status: 'deleting' });
    expect(rdsMock.commandCalls(DeleteDBInstanceCommand)[0]!.args[0].input).toMatchObject({
      DBInstanceIdentifier: 'orders-db-old1',
    });
    const query = cwMock.commandCalls(GetMetricDataCommand)[0]!.args[0].input;
    expect(query.MetricDataQueries?.[0]?.MetricStat).toMatchObject({
      Metric: {
        MetricName: 'DatabaseConnections',
        Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'orders-db-old1' }],
      },
      Stat: 'Maximum',
    });
    expect(query.EndTime!.getTime() - query.StartTime!.getTime()).toBe(15 * 60_000);
    expect(
      rdsMock.commandCalls(DescribeDBInstancesCommand).map((c) => c.args[0].input.Filters),
    ).toContainEqual([{ Name: 'dbi-resource-id', Values: ['db-BLUE'] }]);
  });

  it('refuses a failed-back old blue (its resource id now under the production name), deleting nothing', async () => {
    world([db('orders-db', 'db-BLUE', 5432, OLD_BLUE_TAGS), db('orders-db-new', 'db-GREEN', 5440)]);
    const run = handler()(input, {});
    await expect(run).rejects.toMatchObject({ name: 'OldBlueNotProvenError' });
    await expect(run).rejects.toThrow(/renamed from orders-db-old1 to orders-db.*owns the production name/);
    expect(rdsMock.commandCalls(DeleteDBInstanceCommand)).toHaveLength(0);
  });

  it('refuses while CloudWatch shows a connection in the window', async () => {
    world([db('orders-db-old1', 'db-BLUE', 5433, OLD_BLUE_TAGS), db('orders-db', 'db-GREEN', 5432)]);
    cwMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'm', Values: [0, 1, 0] }] });
    await expect(handler()(input, {})).rejects.toThrow(/had 1 connection\(s\) in the last 15 min/);
    expect(rdsMock.commandCalls(DeleteDBInstanceCommand)).toHaveLength(0);
  });

  it('ends held (DeletionHeldError) on a hold tag', async () => {
    world([
      db('orders-db-old1', 'db-BLUE', 5433, { ...OLD_BLUE_TAGS, 'switchyard:hold': 'dba 2026-11-25' }),
      db('orders-db', 'db-GREEN', 5432),
    ]);
    await expect(handler()(input, {})).rejects.toMatchObject({ name: 'DeletionHeldError' });
    expect(rdsMock.commandCalls(DeleteDBInstanceCommand)).toHaveLength(0);
  });

  it('reports an old blue nobody carries any more as already gone, without deleting', async () => {
    world([db('orders-db', 'db-GREEN', 5432)]);
    expect(await handler()(input, {})).toEqual({ deleted: false, status: 'already-gone' });
    expect(rdsMock.commandCalls(DeleteDBInstanceCommand)).toHaveLength(0);
  });
});
