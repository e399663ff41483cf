import { describe, expect, it } from 'vitest';
import { validateExecutionInput } from '#domain/input';
import { deploymentNameFor, finalSnapshotNameFor } from '#domain/names';
import { buildPlan, replicationFor } from '#domain/plan';
import { judgeSwitchover, switchoverDeadline } from '#domain/switchover';
import { decideWindow } from '#domain/window';

const sunday2to4 = { days: ['SUN'], start: '02:00', end: '04:00', timezone: 'UTC' };

describe('decideWindow', () => {
  it.each([
    ['2026-11-21T10:00:00Z', sunday2to4, false, '2026-11-22T02:00:00.000Z'], // Saturday: next Sunday
    ['2026-11-22T02:00:00Z', sunday2to4, true, '2026-11-22T02:00:00.000Z'], // opening minute is inside
    ['2026-11-22T03:59:00Z', sunday2to4, true, '2026-11-22T02:00:00.000Z'],
    ['2026-11-22T04:00:00Z', sunday2to4, false, '2026-11-29T02:00:00.000Z'], // closing minute is outside
    [
      '2026-11-22T00:30:00Z',
      { days: ['SAT'], start: '23:00', end: '01:00', timezone: 'UTC' },
      true,
      '2026-11-21T23:00:00.000Z',
    ], // past midnight
    ['2026-11-21T10:00:00Z', { ...sunday2to4, timezone: 'Europe/Paris' }, false, '2026-11-22T01:00:00.000Z'], // UTC+1 in winter
    ['2026-07-04T10:00:00Z', { ...sunday2to4, timezone: 'Europe/Paris' }, false, '2026-07-05T00:00:00.000Z'], // UTC+2 in summer
    [
      '2026-11-21T10:00:00Z',
      { ...sunday2to4, timezone: 'America/New_York' },
      false,
      '2026-11-22T07:00:00.000Z',
    ],
  ])('at %s', (now, window, inWindow, opensAt) => {
    const decision = decideWindow(new Date(now), window);
    expect(decision.inWindow).toBe(inWindow);
    expect(decision.opensAt).toBe(opensAt);
    expect(Date.parse(decision.closesAt) - Date.parse(decision.opensAt)).toBe(2 * 3600_000);
  });

  it('throws when no listed day exists', () => {
    expect(() => decideWindow(new Date(), { ...sunday2to4, days: ['NOPE'] })).toThrow(/never opens/);
  });
});

describe('plan', () => {
  it.each([
    ['17.4', '17.5', 'physical'],
    ['17.4', '17.4', 'physical'],
    ['17.4', '18.4', 'logical'],
    ['16.9', '18.1', 'logical'],
  ])('%s → %s uses %s replication', (from, to, replication) => {
    expect(replicationFor(from, to)).toBe(replication);
  });

  it('reads ReplicaLag on green for physical and OldestReplicationSlotLag on blue for logical', () => {
    const verdict = validateExecutionInput({
      source: { dbInstanceIdentifier: 'orders-db' },
      target: { dbInstanceClass: 'db.r7g.xlarge' },
      approval: { required: false },
    });
    if (!verdict.ok) throw new Error(verdict.problems.join());
    const now = new Date('2026-11-21T00:00:00Z');
    const physical = buildPlan(verdict.input, { arn: 'arn:x', engineVersion: '17.4' }, 'exec-1', now);
    expect(physical.lag).toMatchObject({
      metric: 'ReplicaLag',
      unit: 'seconds',
      readOn: 'green',
      threshold: 5,
    });
    expect(physical.deadlines.greenReady).toBe('2026-11-21T06:00:00.000Z');
    const logical = buildPlan(
      { ...verdict.input, target: { engineVersion: '18.4' } },
      { arn: 'arn:x', engineVersion: '17.4' },
      'exec-1',
      now,
    );
    expect(logical.lag).toMatchObject({ metric: 'OldestReplicationSlotLag', unit: 'bytes', readOn: 'blue' });
  });

  it('names deployments and snapshots deterministically, within RDS patterns', () => {
    const name = deploymentNameFor('orders-db', 'arn:aws:states:us-east-1:1:execution:sm:run-1');
    expect(name).toBe(deploymentNameFor('orders-db', 'arn:aws:states:us-east-1:1:execution:sm:run-1'));
    expect(name).not.toBe(deploymentNameFor('orders-db', 'arn:aws:states:us-east-1:1:execution:sm:run-2'));
    expect(name).toMatch(/^[a-zA-Z](?:-?[a-zA-Z0-9]+)*$/);
    const long = deploymentNameFor(`a${'-b'.repeat(40)}`, 'x');
    expect(long.length).toBeLessThanOrEqual(60);
    expect(long).toMatch(/^[a-zA-Z](?:-?[a-zA-Z0-9]+)*$/);
    expect(finalSnapshotNameFor('orders-db-old1', 'x')).toMatch(/^sy-final-orders-db-old1-[0-9a-f]{10}$/);
  });
});

describe('judgeSwitchover', () => {
  const d = (status: string, source = 'arn:aws:rds:us-east-1:1:db:orders-db') => ({
    id: 'bgd-1',
    name: 'n',
    source,
    status,
    tasks: [],
    switchoverDetails: [],
    tags: {},
  });
  it.each([
    ['SWITCHOVER_COMPLETED', 'completed'],
    ['switchover_completed', 'completed'],
    ['SWITCHOVER_FAILED', 'failed'],
    ['SWITCHOVER_IN_PROGRESS', 'in-progress'],
    ['AVAILABLE', 'not-started'],
  ])('%s is %s', (status, progress) => {
    expect(judgeSwitchover(d(status)).progress).toBe(progress);
  });
  it('names old blue from Source after completion', () => {
    expect(
      judgeSwitchover(d('SWITCHOVER_COMPLETED', 'arn:aws:rds:us-east-1:1:db:orders-db-old1')).oldBlueId,
    ).toBe('orders-db-old1');
  });
  it('polls past the RDS timeout by a margin so a rollback can be observed', () => {
    expect(switchoverDeadline(new Date('2026-01-01T00:00:00Z'), 300)).toBe('2026-01-01T00:07:30.000Z');
    expect(switchoverDeadline(new Date('2026-01-01T00:00:00Z'), 30)).toBe('2026-01-01T00:01:30.000Z');
  });
});
