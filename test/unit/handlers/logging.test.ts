/**
 * Powertools logging through the shared task wrapper: every line of an invocation carries the run's ids
 * from its input, each mutating RDS call gets its own line, and a failure is logged without being
 * swallowed (Step Functions must still see it).
 */
import {
  DeleteBlueGreenDeploymentCommand,
  DeleteDBInstanceCommand,
  DescribeBlueGreenDeploymentsCommand,
  DescribeDBInstancesCommand,
  ModifyDBInstanceCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Gateways } from '#aws/gateways';

// The Lambdas read their level once, when the logger module loads (vitest.config sets SILENT): this
// file loads them after raising it, in its own process.
process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
const { makeRdsGateway } = await import('#aws/rds-gateway');
const { runLogKeys } = await import('#lib/logger');
const { makeCompensateHandler } = await import('../../../functions/compensate.ts');

const rdsMock = mockClient(RDSClient);
const EXEC = 'arn:aws:states:us-east-1:1:execution:sm:run-1';
let lines: Array<Record<string, unknown>> = [];

beforeEach(() => {
  lines = [];
  // Powertools writes INFO to stdout and ERROR to stderr.
  const capture = (chunk: string | Uint8Array) => {
    for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
});

afterEach(() => {
  vi.restoreAllMocks();
  rdsMock.reset();
});

describe('runLogKeys', () => {
  it.each([
    [
      { executionId: EXEC, deploymentId: 'bgd-1', sourceId: 'orders-db' },
      { executionId: EXEC, deploymentId: 'bgd-1', sourceId: 'orders-db' },
    ],
    [
      { plan: { executionId: EXEC, sourceId: 'orders-db', deploymentName: 'sy-x' } },
      { executionId: EXEC, deploymentId: 'sy-x', sourceId: 'orders-db' },
    ],
    [
      { input: { source: { dbInstanceIdentifier: 'orders-db' } }, executionId: EXEC },
      { executionId: EXEC, sourceId: 'orders-db' },
    ],
    [{ oldBlueId: 'orders-db-old1' }, {}],
    [null, {}],
  ])('finds the ids in %j', (input, expected) => {
    expect(runLogKeys(input)).toEqual(expected);
  });
});

describe('a task handler’s log lines', () => {
  const input = { deploymentName: 'sy-orders-db-1', executionId: EXEC, sourceId: 'orders-db' };
  const deployment = (status: string) => ({
    BlueGreenDeploymentIdentifier: 'bgd-abc',
    BlueGreenDeploymentName: 'sy-orders-db-1',
    Source: 'arn:aws:rds:us-east-1:1:db:orders-db',
    Status: status,
    SwitchoverDetails: [
      {
        SourceMember: 'arn:aws:rds:us-east-1:1:db:orders-db',
        TargetMember: 'arn:aws:rds:us-east-1:1:db:orders-db-green-1',
      },
    ],
    Tasks: [],
    TagList: [{ Key: 'switchyard:execution', Value: EXEC }],
  });
  const gateways = () =>
    ({
      rds: makeRdsGateway(new RDSClient({ region: 'us-east-1' })),
      clock: () => new Date('2026-11-22T02:00:00Z'),
    }) as unknown as Gateways;

  it('carry the run’s ids on every line and one line per mutating RDS call', async () => {
    // Prepare
    rdsMock
      .on(DescribeBlueGreenDeploymentsCommand)
      .resolves({ BlueGreenDeployments: [deployment('AVAILABLE')] });
    rdsMock.on(DescribeDBInstancesCommand).resolves({
      DBInstances: [{ DBInstanceIdentifier: 'orders-db-green-1', DeletionProtection: true }],
    });
    rdsMock.on(ModifyDBInstanceCommand).resolves({});
    rdsMock.on(DeleteBlueGreenDeploymentCommand).resolves({ BlueGreenDeployment: deployment('DELETING') });
    // Act
    await makeCompensateHandler(gateways())(input, {});
    // Assess
    expect(lines.map((l) => l.rdsMutation ?? l.message)).toEqual([
      'AddTagsToResource',
      'ModifyDBInstance',
      'DeleteBlueGreenDeployment',
      'task succeeded',
    ]);
    for (const line of lines)
      expect(line).toMatchObject({ executionId: EXEC, sourceId: 'orders-db', service: 'switchyard' });
    expect(lines[2]).toMatchObject({ deployment: 'bgd-abc', deleteTarget: true });
  });

  it('logs a failure with its name and still throws it', async () => {
    rdsMock.on(DescribeBlueGreenDeploymentsCommand).resolves({
      BlueGreenDeployments: [deployment('SWITCHOVER_COMPLETED')],
    });
    await expect(makeCompensateHandler(gateways())(input, {})).rejects.toMatchObject({
      name: 'SwitchedAlreadyError',
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'ERROR', message: 'task failed', executionId: EXEC });
    expect(JSON.stringify(lines[0])).toContain('SwitchedAlreadyError');
  });

  it('does not carry one run’s ids into the next invocation', async () => {
    rdsMock.on(DescribeBlueGreenDeploymentsCommand).resolves({
      BlueGreenDeployments: [deployment('SWITCHOVER_COMPLETED')],
    });
    const compensate = makeCompensateHandler(gateways());
    await expect(compensate(input, {})).rejects.toThrow();
    await expect(compensate({ ...input, executionId: 'other', sourceId: 'other-db' }, {})).rejects.toThrow();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ executionId: EXEC, sourceId: 'orders-db' });
    expect(lines[1]).toMatchObject({ executionId: 'other', sourceId: 'other-db' });
  });
});

describe('the RDS gateway', () => {
  it('logs DeleteDBInstance with the instance before calling it', async () => {
    rdsMock.on(DeleteDBInstanceCommand).rejects(new Error('network down'));
    await expect(
      makeRdsGateway(new RDSClient({ region: 'us-east-1' })).deleteInstance('orders-db-old1'),
    ).rejects.toThrow();
    expect(lines).toEqual([
      expect.objectContaining({ rdsMutation: 'DeleteDBInstance', instance: 'orders-db-old1' }),
    ]);
  });
});
