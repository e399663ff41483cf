import { describe, expect, it } from 'vitest';
import type { DeploymentFacts } from '#domain/facts';
import { judgeLag } from '#domain/lag';
import { judgeGreenReadiness } from '#domain/readiness';
import { instance } from '../../support/fake-world.ts';

const deployment = (over: Partial<DeploymentFacts> = {}): DeploymentFacts => ({
  id: 'bgd-1',
  name: 'sy-orders-db-1',
  source: 'arn:aws:rds:us-east-1:1:db:orders-db',
  target: 'arn:aws:rds:us-east-1:1:db:orders-db-green-abc123',
  status: 'AVAILABLE',
  tasks: [
    { name: 'CREATING_READ_REPLICA_OF_SOURCE', status: 'COMPLETED' },
    { name: 'CONFIGURE_BACKUPS', status: 'COMPLETED' },
  ],
  switchoverDetails: [
    {
      sourceMember: 'arn:aws:rds:us-east-1:1:db:orders-db',
      targetMember: 'arn:aws:rds:us-east-1:1:db:orders-db-green-abc123',
      status: 'AVAILABLE',
    },
  ],
  tags: {},
  ...over,
});
const green = (status: string) => instance('orders-db-green-abc123', { status });

describe('judgeGreenReadiness', () => {
  it.each([
    ['AVAILABLE', 'available', 'ready'],
    ['available', 'available', 'ready'], // statuses compare case-insensitively
    ['AVAILABLE', 'storage-optimization', 'wait'],
    ['AVAILABLE', 'storage-initialization', 'wait'],
    ['AVAILABLE', 'creating', 'wait'],
    ['AVAILABLE', 'modifying', 'wait'],
    ['PROVISIONING', 'available', 'wait'],
    ['SWITCHOVER_IN_PROGRESS', 'available', 'wait'],
    ['SOMETHING_NEW', 'available', 'wait'], // unknown values are never "ready"
    ['INVALID_CONFIGURATION', 'available', 'failed'],
    ['SWITCHOVER_FAILED', 'available', 'failed'],
    ['DELETING', 'available', 'failed'],
    ['AVAILABLE', 'failed', 'failed'],
    ['AVAILABLE', 'incompatible-parameters', 'failed'],
    ['AVAILABLE', 'deleting', 'failed'],
  ])('deployment %s with green %s is %s', (status, greenStatus, verdict) => {
    expect(judgeGreenReadiness(deployment({ status }), [green(greenStatus)]).verdict).toBe(verdict);
  });

  it('waits while any task is not COMPLETED even if the deployment says AVAILABLE', () => {
    const d = deployment({ tasks: [{ name: 'CONFIGURE_BACKUPS', status: 'IN_PROGRESS' }] });
    expect(judgeGreenReadiness(d, [green('available')])).toEqual({
      verdict: 'wait',
      reasons: ['task CONFIGURE_BACKUPS is IN_PROGRESS'],
    });
  });

  it('fails on a FAILED task', () => {
    const d = deployment({
      status: 'PROVISIONING',
      tasks: [{ name: 'DB_ENGINE_VERSION_UPGRADE', status: 'FAILED' }],
    });
    expect(judgeGreenReadiness(d, []).verdict).toBe('failed');
  });

  it('waits while a switchover member is not AVAILABLE or green is not visible yet', () => {
    const member = deployment({
      switchoverDetails: [{ sourceMember: 'a', targetMember: 'b', status: 'PROVISIONING' }],
    });
    expect(judgeGreenReadiness(member, [green('available')]).reasons).toContain('member b is PROVISIONING');
    expect(judgeGreenReadiness(deployment(), []).reasons).toContain(
      'not every green instance is visible yet',
    );
    const noTarget = deployment({ switchoverDetails: [{ sourceMember: 'a' }] });
    expect(judgeGreenReadiness(noTarget, []).verdict).toBe('wait');
  });
});

describe('judgeLag', () => {
  it.each([
    [0, 5, 0, 3, { withinThreshold: true, consecutiveOk: 1, converged: false }],
    [5, 5, 2, 3, { withinThreshold: true, consecutiveOk: 3, converged: true }],
    [5.1, 5, 2, 3, { withinThreshold: false, consecutiveOk: 0, converged: false }],
    [null, 5, 2, 3, { withinThreshold: false, consecutiveOk: 0, converged: false }],
    [-1, 5, 2, 3, { withinThreshold: false, consecutiveOk: 0, converged: false }], // -1: replication not active
    [1, 5, 0, 1, { withinThreshold: true, consecutiveOk: 1, converged: true }],
  ])('value %s threshold %s after %s ok (need %s)', (value, threshold, previous, stable, expected) => {
    expect(judgeLag(value, threshold, previous, stable)).toEqual(expected);
  });
});
