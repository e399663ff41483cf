/** Handlers over the real RDS/CloudWatch gateways with the SDK clients mocked (aws-sdk-client-mock). */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  AddTagsToResourceCommand,
  CreateBlueGreenDeploymentCommand,
  DBInstanceNotFoundFault,
  DeleteBlueGreenDeploymentCommand,
  DescribeBlueGreenDeploymentsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  InvalidBlueGreenDeploymentStateFault,
  ModifyDBInstanceCommand,
  RDSClient,
  SwitchoverBlueGreenDeploymentCommand,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Gateways } from '#aws/gateways';
import { makeMetricsGateway } from '#aws/metrics-gateway';
import { makeRdsGateway } from '#aws/rds-gateway';
import { makeCheckLagHandler } from '../../../functions/check-lag.ts';
import { makeCompensateHandler } from '../../../functions/compensate.ts';
import { makeCreateGreenHandler } from '../../../functions/create-green.ts';
import { makePreflightHandler } from '../../../functions/preflight.ts';
import { makeSwitchoverHandler } from '../../../functions/switchover.ts';
import { passingGate } from '../../support/run-path.ts';

const rdsMock = mockClient(RDSClient);
const cwMock = mockClient(CloudWatchClient);
const NOW = new Date('2026-11-22T02:00:00Z');
const gateways = (): Gateways =>
  ({
    rds: makeRdsGateway(new RDSClient({ region: 'us-east-1' })),
    metrics: makeMetricsGateway(new CloudWatchClient({ region: 'us-east-1' })),
    clock: () => NOW,
  }) as unknown as Gateways;
const EXEC = 'arn:aws:states:us-east-1:1:execution:sm:run-1';
const context = {};

const bgd = (status: string, tags: Record<string, string> = { 'switchyard:execution': EXEC }) => ({
  BlueGreenDeploymentIdentifier: 'bgd-abc',
  BlueGreenDeploymentName: 'sy-orders-db-1',
  Source: 'arn:aws:rds:us-east-1:1:db:orders-db',
  Status: status,
  SwitchoverDetails: [
    {
      SourceMember: 'arn:aws:rds:us-east-1:1:db:orders-db',
      TargetMember: 'arn:aws:rds:us-east-1:1:db:orders-db-green-x1y2z3',
      Status: 'AVAILABLE',
    },
  ],
  Tasks: [],
  TagList: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
});

afterEach(() => {
  rdsMock.reset();
  cwMock.reset();
});

describe('create-green', () => {
  const plan = {
    sourceId: 'orders-db',
    sourceArn: 'arn:aws:rds:us-east-1:1:db:orders-db',
    deploymentName: 'sy-orders-db-1',
    executionId: EXEC,
    release: 'v1.2.3',
    currentEngineVersion: '17.4',
    targetEngineVersion: '18.4',
  };

  it('creates the deployment with the deterministic name and the execution tag', async () => {
    // Prepare
    rdsMock.on(DescribeBlueGreenDeploymentsCommand).resolves({ BlueGreenDeployments: [] });
    rdsMock.on(CreateBlueGreenDeploymentCommand).resolves({ BlueGreenDeployment: bgd('PROVISIONING') });
    // Act
    const out = await makeCreateGreenHandler(gateways())(
      { plan, target: { engineVersion: '18.4', dbParameterGroupName: 'orders-pg18' } },
      context,
    );
    // Assess
    expect(out).toMatchObject({ deploymentId: 'bgd-abc', adopted: false });
    const create = rdsMock.commandCalls(CreateBlueGreenDeploymentCommand)[0]!.args[0].input;
    expect(create).toMatchObject({
      BlueGreenDeploymentName: 'sy-orders-db-1',
      Source: plan.sourceArn,
      TargetEngineVersion: '18.4',
      TargetDBParameterGroupName: 'orders-pg18',
      Tags: [
        { Key: 'switchyard:execution', Value: EXEC },
        { Key: 'switchyard:release', Value: 'v1.2.3' },
      ],
    });
    const filters = rdsMock.commandCalls(DescribeBlueGreenDeploymentsCommand)[0]!.args[0].input.Filters;
    expect(filters).toEqual([{ Name: 'blue-green-deployment-name', Values: ['sy-orders-db-1'] }]);
  });

  it('adopts its own deployment on a retry and never creates a second', async () => {
    rdsMock.on(DescribeBlueGreenDeploymentsCommand).resolves({ BlueGreenDeployments: [bgd('PROVISIONING')] });
    const out = await makeCreateGreenHandler(gateways())({ plan, target: {} }, context);
    expect(out).toMatchObject({ deploymentId: 'bgd-abc', adopted: true });
    expect(rdsMock.commandCalls(CreateBlueGreenDeploymentCommand)).toHaveLength(0);
  });

  it("refuses to adopt another execution's deployment", async () => {
    rdsMock
      .on(DescribeBlueGreenDeploymentsCommand)
      .resolves({ BlueGreenDeployments: [bgd('AVAILABLE', { 'switchyard:execution': 'other' })] });
    await expect(makeCreateGreenHandler(gateways())({ plan, target: {} }, context)).rejects.toMatchObject({
      name: 'DeploymentConflictError',
    });
    expect(rdsMock.commandCalls(CreateBlueGreenDeploymentCommand)).toHaveLength(0);
  });

  it('turns throttling that outlived the SDK retries into AwsThrottledError for the ASL Retry', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'Throttling' });
    rdsMock.on(DescribeBlueGreenDeploymentsCommand).rejects(throttled);
    await expect(makeCreateGreenHandler(gateways())({ plan, target: {} }, context)).rejects.toMatchObject({
      name: 'AwsThrottledError',
    });
  });

  it('rejects an input that breaks the contract before calling AWS', async () => {
    await expect(
      makeCreateGreenHandler(gateways())({ plan: { sourceId: 1 } } as never, context),
    ).rejects.toMatchObject({ name: 'ContractViolationError' });
    expect(rdsMock.calls()).toHaveLength(0);
  });
});

describe('compensate', () => {
  const input = { deploymentName: 'sy-orders-db-1', executionId: EXEC, sourceId: 'orders-db' };

  it('turns off deletion protection on green, then deletes with DeleteTarget=true', async () => {
    rdsMock.on(DescribeBlueGreenDeploymentsCommand).resolves({ BlueGreenDeployments: [bgd('AVAILABLE')] });
    rdsMock.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [{ DBInstanceIdentifier: 'orders-db-green-x1y2z3', DeletionProtection: true }],
    });
    rdsMock.on(ModifyDBInstanceCommand).resolves({});
    rdsMock.on(DeleteBlueGreenDeploymentCommand).resolves({ BlueGreenDeployment: bgd('DELETING') });
    const out = await makeCompensateHandler(gateways())(input, context);
    // Green is marked first, so the IAM condition rds:db-tag/switchyard:role=green lets DeleteTarget delete it.
    expect(rdsMock.commandCalls(AddTagsToResourceCommand)[0]!.args[0].input.Tags).toEqual([
      { Key: 'switchyard:role', Value: 'green' },
      { Key: 'switchyard:execution', Value: EXEC },
    ]);
    expect(out).toMatchObject({
      action: 'deleted-with-target',
      greenInstanceIds: ['orders-db-green-x1y2z3'],
    });
    expect(rdsMock.commandCalls(ModifyDBInstanceCommand)[0]!.args[0].input).toMatchObject({
      DBInstanceIdentifier: 'orders-db-green-x1y2z3',
      DeletionProtection: false,
    });
    expect(rdsMock.commandCalls(DeleteBlueGreenDeploymentCommand)[0]!.args[0].input).toEqual({
      BlueGreenDeploymentIdentifier: 'bgd-abc',
      DeleteTarget: true,
    });
  });

  it('never deletes after a completed switch: green is production', async () => {
    rdsMock
      .on(DescribeBlueGreenDeploymentsCommand)
      .resolves({ BlueGreenDeployments: [bgd('SWITCHOVER_COMPLETED')] });
    await expect(makeCompensateHandler(gateways())(input, context)).rejects.toMatchObject({
      name: 'SwitchedAlreadyError',
    });
    expect(rdsMock.commandCalls(DeleteBlueGreenDeploymentCommand)).toHaveLength(0);
  });

  it('waits (retriable) while a switchover is in progress', async () => {
    rdsMock
      .on(DescribeBlueGreenDeploymentsCommand)
      .resolves({ BlueGreenDeployments: [bgd('SWITCHOVER_IN_PROGRESS')] });
    await expect(makeCompensateHandler(gateways())(input, context)).rejects.toMatchObject({
      name: 'CompensationBlockedError',
    });
    expect(rdsMock.commandCalls(DeleteBlueGreenDeploymentCommand)).toHaveLength(0);
  });

  it('asks the ASL to look again (bounded) when CreateGreen never returned and nothing is visible', async () => {
    rdsMock.on(DescribeBlueGreenDeploymentsCommand).resolves({ BlueGreenDeployments: [] });
    await expect(
      makeCompensateHandler(gateways())({ ...input, createdDeploymentId: null }, context),
    ).rejects.toMatchObject({ name: 'GreenLookupPendingError', message: expect.stringContaining(EXEC) });
    expect(rdsMock.commandCalls(DeleteBlueGreenDeploymentCommand)).toHaveLength(0);
  });

  it('reports nothing found when the deployment CreateGreen returned is gone', async () => {
    rdsMock.on(DescribeBlueGreenDeploymentsCommand).resolves({ BlueGreenDeployments: [] });
    expect(
      await makeCompensateHandler(gateways())({ ...input, createdDeploymentId: 'bgd-abc' }, context),
    ).toMatchObject({ deploymentId: null, action: 'nothing-found' });
  });

  it('finds green by the execution tag when the lookup by name misses it', async () => {
    // The name filter answers nothing; only the unfiltered list (searched by tag) has the deployment.
    rdsMock.on(DescribeBlueGreenDeploymentsCommand).callsFake((req: { Filters?: unknown[] }) => ({
      BlueGreenDeployments: req.Filters ? [] : [bgd('AVAILABLE')],
    }));
    rdsMock
      .on(DescribeDBInstancesCommand)
      .resolves({ DBInstances: [{ DBInstanceIdentifier: 'orders-db-green-x1y2z3' }] });
    rdsMock.on(DeleteBlueGreenDeploymentCommand).resolves({ BlueGreenDeployment: bgd('DELETING') });
    expect(await makeCompensateHandler(gateways())(input, context)).toMatchObject({
      deploymentId: 'bgd-abc',
      action: 'deleted-with-target',
    });
    expect(rdsMock.commandCalls(DeleteBlueGreenDeploymentCommand)).toHaveLength(1);
    const lookups = rdsMock
      .commandCalls(DescribeBlueGreenDeploymentsCommand)
      .map((c) => c.args[0].input.Filters);
    expect(lookups).toEqual([
      [{ Name: 'blue-green-deployment-name', Values: ['sy-orders-db-1'] }],
      undefined,
    ]);
  });

  it('keeps a held deployment (DeletionHeldError), deleting nothing', async () => {
    rdsMock.on(DescribeBlueGreenDeploymentsCommand).resolves({
      BlueGreenDeployments: [bgd('AVAILABLE', { 'switchyard:execution': EXEC, 'switchyard:hold': 'dba' })],
    });
    await expect(makeCompensateHandler(gateways())(input, context)).rejects.toMatchObject({
      name: 'DeletionHeldError',
    });
    expect(rdsMock.commandCalls(DeleteBlueGreenDeploymentCommand)).toHaveLength(0);
  });

  it("leaves another execution's deployment alone", async () => {
    rdsMock
      .on(DescribeBlueGreenDeploymentsCommand)
      .resolves({ BlueGreenDeployments: [bgd('AVAILABLE', {})] });
    await expect(makeCompensateHandler(gateways())(input, context)).rejects.toMatchObject({
      name: 'DeploymentConflictError',
    });
    expect(rdsMock.commandCalls(DeleteBlueGreenDeploymentCommand)).toHaveLength(0);
  });

  it('maps a refused delete to CompensationBlockedError', async () => {
    rdsMock.on(DescribeBlueGreenDeploymentsCommand).resolves({ BlueGreenDeployments: [bgd('AVAILABLE')] });
    rdsMock
      .on(DescribeDBInstancesCommand)
      .resolves({ DBInstances: [{ DBInstanceIdentifier: 'g', DeletionProtection: false }] });
    rdsMock
      .on(DeleteBlueGreenDeploymentCommand)
      .rejects(new InvalidBlueGreenDeploymentStateFault({ message: 'busy', $metadata: {} }));
    await expect(makeCompensateHandler(gateways())(input, context)).rejects.toMatchObject({
      name: 'CompensationBlockedError',
    });
  });
});

describe('switchover', () => {
  beforeEach(() => {
    rdsMock
      .on(DescribeDBInstancesCommand)
      .resolves({ DBInstances: [{ DBInstanceIdentifier: 'orders-db', DbiResourceId: 'db-BLUE' }] });
  });

  it("passes the explicit SwitchoverTimeout and records blue's resource id", async () => {
    rdsMock.on(DescribeBlueGreenDeploymentsCommand).resolves({ BlueGreenDeployments: [bgd('AVAILABLE')] });
    rdsMock
      .on(SwitchoverBlueGreenDeploymentCommand)
      .resolves({ BlueGreenDeployment: bgd('SWITCHOVER_IN_PROGRESS') });
    const out = await makeSwitchoverHandler(gateways())(
      { deploymentId: 'bgd-abc', timeoutSeconds: 120 },
      context,
    );
    expect(out).toMatchObject({
      status: 'SWITCHOVER_IN_PROGRESS',
      deadline: '2026-11-22T02:03:00.000Z',
      blueResourceId: 'db-BLUE',
    });
    expect(rdsMock.commandCalls(SwitchoverBlueGreenDeploymentCommand)[0]!.args[0].input).toEqual({
      BlueGreenDeploymentIdentifier: 'bgd-abc',
      SwitchoverTimeout: 120,
    });
  });

  it('does not ask twice when a previous attempt already started the switch', async () => {
    rdsMock
      .on(DescribeBlueGreenDeploymentsCommand)
      .resolves({ BlueGreenDeployments: [bgd('SWITCHOVER_IN_PROGRESS')] });
    await makeSwitchoverHandler(gateways())({ deploymentId: 'bgd-abc', timeoutSeconds: 300 }, context);
    expect(rdsMock.commandCalls(SwitchoverBlueGreenDeploymentCommand)).toHaveLength(0);
  });

  it('maps an RDS guardrail refusal to SwitchoverRefusedError', async () => {
    rdsMock.on(DescribeBlueGreenDeploymentsCommand).resolves({ BlueGreenDeployments: [bgd('AVAILABLE')] });
    rdsMock.on(SwitchoverBlueGreenDeploymentCommand).rejects(
      new InvalidBlueGreenDeploymentStateFault({
        message: 'DB instance orders-db-green-x1y2z3 is not in available state',
        $metadata: {},
      }),
    );
    await expect(
      makeSwitchoverHandler(gateways())({ deploymentId: 'bgd-abc', timeoutSeconds: 300 }, context),
    ).rejects.toMatchObject({
      name: 'SwitchoverRefusedError',
      message: expect.stringContaining('not in available state'),
    });
  });
});

describe('check-lag', () => {
  const lag = (readOn: 'green' | 'blue') => ({
    metric: readOn === 'green' ? ('ReplicaLag' as const) : ('OldestReplicationSlotLag' as const),
    unit: readOn === 'green' ? ('seconds' as const) : ('bytes' as const),
    readOn,
    threshold: 5,
    stableSamples: 2,
  });

  it.each([
    ['green', 'ReplicaLag', 'orders-db-green-x1y2z3'],
    ['blue', 'OldestReplicationSlotLag', 'orders-db'],
  ] as const)('reads the metric on %s', async (readOn, metric, instanceId) => {
    cwMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'lag', Values: [3, 9] }] });
    const out = await makeCheckLagHandler(gateways())(
      {
        lag: lag(readOn),
        sourceId: 'orders-db',
        greenInstanceId: 'orders-db-green-x1y2z3',
        consecutiveOk: 1,
        samples: [],
      },
      context,
    );
    expect(out).toMatchObject({
      value: 3,
      instanceId,
      withinThreshold: true,
      consecutiveOk: 2,
      converged: true,
    });
    const query =
      cwMock.commandCalls(GetMetricDataCommand)[0]!.args[0].input.MetricDataQueries?.[0]?.MetricStat?.Metric;
    expect(query).toEqual({
      Namespace: 'AWS/RDS',
      MetricName: metric,
      Dimensions: [{ Name: 'DBInstanceIdentifier', Value: instanceId }],
    });
  });

  it('counts a missing datapoint as not converged', async () => {
    cwMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 'lag', Values: [] }] });
    const out = await makeCheckLagHandler(gateways())(
      { lag: lag('green'), sourceId: 'orders-db', greenInstanceId: 'g', consecutiveOk: 1, samples: [] },
      context,
    );
    expect(out).toMatchObject({ value: null, withinThreshold: false, consecutiveOk: 0, converged: false });
  });
});

describe('preflight', () => {
  const input = {
    source: { dbInstanceIdentifier: 'orders-aurora' },
    target: { engineVersion: '17.5' },
    approval: { required: false },
  };

  it('names an Aurora cluster precisely instead of "not found"', async () => {
    rdsMock
      .on(DescribeDBInstancesCommand)
      .rejects(new DBInstanceNotFoundFault({ message: 'not found', $metadata: {} }));
    rdsMock
      .on(DescribeDBClustersCommand)
      .resolves({ DBClusters: [{ DBClusterIdentifier: 'orders-aurora', Engine: 'aurora-postgresql' }] });
    await expect(
      makePreflightHandler(gateways(), passingGate)({ input, executionId: EXEC }, context),
    ).rejects.toMatchObject({
      name: 'PreflightRefusedError',
      message: expect.stringContaining('is an Aurora DB cluster (aurora-postgresql)'),
    });
  });

  it('says the instance does not exist when neither an instance nor a cluster has the name', async () => {
    rdsMock
      .on(DescribeDBInstancesCommand)
      .rejects(new DBInstanceNotFoundFault({ message: 'not found', $metadata: {} }));
    const missing = Object.assign(new Error('none'), { name: 'DBClusterNotFoundFault' });
    rdsMock.on(DescribeDBClustersCommand).rejects(missing);
    await expect(
      makePreflightHandler(gateways(), passingGate)({ input, executionId: EXEC }, context),
    ).rejects.toMatchObject({
      message: expect.stringContaining('no DB instance "orders-aurora"'),
    });
  });
});
