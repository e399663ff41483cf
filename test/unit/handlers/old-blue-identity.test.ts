/** Old blue's identity is fixed at the switch (CheckSwitchover) and checked again before Retain tags it. */
import {
  AddTagsToResourceCommand,
  DescribeBlueGreenDeploymentsCommand,
  DescribeDBInstancesCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import type { Gateways } from '#aws/gateways';
import { makeRdsGateway } from '#aws/rds-gateway';
import { makeCheckSwitchoverHandler } from '../../../functions/check-switchover.ts';
import { makeRetainHandler } from '../../../functions/retain.ts';

const rdsMock = mockClient(RDSClient);
const gw = () =>
  ({
    rds: makeRdsGateway(new RDSClient({ region: 'us-east-1' })),
    clock: () => new Date('2026-11-22T02:00:00Z'),
  }) as unknown as Pick<Gateways, 'rds' | 'clock'>;
const EXEC = 'arn:aws:states:us-east-1:1:execution:sm:run-1';
const switched = {
  BlueGreenDeploymentIdentifier: 'bgd-abc',
  BlueGreenDeploymentName: 'sy-orders-db-1',
  Source: 'arn:aws:rds:us-east-1:1:db:orders-db-old1',
  Target: 'arn:aws:rds:us-east-1:1:db:orders-db',
  Status: 'SWITCHOVER_COMPLETED',
  SwitchoverDetails: [],
  Tasks: [],
  TagList: [{ Key: 'switchyard:execution', Value: EXEC }],
};
const oldBlue = (resourceId: string) => ({
  DBInstances: [
    {
      DBInstanceIdentifier: 'orders-db-old1',
      DBInstanceArn: 'arn:aws:rds:us-east-1:1:db:orders-db-old1',
      DbiResourceId: resourceId,
    },
  ],
});

afterEach(() => rdsMock.reset());

describe('check-switchover', () => {
  it('records old blue’s resource id when it is the id blue had before the switch', async () => {
    rdsMock.on(DescribeBlueGreenDeploymentsCommand).resolves({ BlueGreenDeployments: [switched] });
    rdsMock.on(DescribeDBInstancesCommand).resolves(oldBlue('db-BLUE'));
    const out = await makeCheckSwitchoverHandler(gw())(
      { deploymentId: 'bgd-abc', bakeSeconds: 60, blueResourceId: 'db-BLUE' },
      {},
    );
    expect(out).toMatchObject({
      progress: 'completed',
      oldBlueId: 'orders-db-old1',
      oldBlueResourceId: 'db-BLUE',
    });
  });

  it('refuses to name an old blue whose resource id is not blue’s (goes to AlertAndHold)', async () => {
    rdsMock.on(DescribeBlueGreenDeploymentsCommand).resolves({ BlueGreenDeployments: [switched] });
    rdsMock.on(DescribeDBInstancesCommand).resolves(oldBlue('db-STRANGER'));
    await expect(
      makeCheckSwitchoverHandler(gw())(
        { deploymentId: 'bgd-abc', bakeSeconds: 60, blueResourceId: 'db-BLUE' },
        {},
      ),
    ).rejects.toMatchObject({
      name: 'OldBlueNotProvenError',
      message: expect.stringContaining('db-STRANGER'),
    });
  });
});

describe('retain', () => {
  const input = {
    oldBlueId: 'orders-db-old1',
    oldBlueResourceId: 'db-BLUE',
    retentionSeconds: 3600,
    executionId: EXEC,
    sourceId: 'orders-db',
  };

  it('tags old blue with its role, the execution, the source and the end of retention', async () => {
    rdsMock.on(DescribeDBInstancesCommand).resolves(oldBlue('db-BLUE'));
    await makeRetainHandler(gw())(input, {});
    expect(rdsMock.commandCalls(AddTagsToResourceCommand)[0]!.args[0].input.Tags).toEqual([
      { Key: 'switchyard:retain-until', Value: '2026-11-22T03:00:00.000Z' },
      { Key: 'switchyard:role', Value: 'old-blue' },
      { Key: 'switchyard:execution', Value: EXEC },
      { Key: 'switchyard:source', Value: 'orders-db' },
    ]);
  });

  it('does not tag an instance that is not the recorded old blue', async () => {
    rdsMock.on(DescribeDBInstancesCommand).resolves(oldBlue('db-STRANGER'));
    await expect(makeRetainHandler(gw())(input, {})).rejects.toMatchObject({ name: 'OldBlueNotProvenError' });
    expect(rdsMock.commandCalls(AddTagsToResourceCommand)).toHaveLength(0);
  });
});
