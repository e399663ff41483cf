/** Table tests of the deletion decisions: has it switched, may I delete green, is this the proven old blue, hold. */
import { describe, expect, it } from 'vitest';
import {
  hasSwitched,
  type InstanceView,
  mayDeleteGreen,
  type OldBlueEvidence,
  proveOldBlue,
  readOnlyParameterFor,
} from '#domain/deletion';
import { deploymentArn, executionArnProblem, holdTargets, holdValue } from '#domain/hold';
import { instance } from '../../support/fake-world.ts';

const EXEC = 'arn:aws:states:us-east-1:123456789012:execution:sm:run-1';

describe('hasSwitched', () => {
  it.each([
    ['PROVISIONING', 'not-switched'],
    ['AVAILABLE', 'not-switched'],
    ['INVALID_CONFIGURATION', 'not-switched'],
    ['SWITCHOVER_IN_PROGRESS', 'switching'],
    ['SWITCHOVER_COMPLETED', 'switched'],
    ['switchover_completed', 'switched'],
    ['SWITCHOVER_FAILED', 'rolled-back'],
    ['DELETING', 'unknown'],
    ['SOMETHING_NEW', 'unknown'],
  ])('%s → %s', (status, expected) => {
    expect(hasSwitched(status)).toBe(expected);
  });
});

describe('mayDeleteGreen', () => {
  const ours = { 'switchyard:execution': EXEC };
  it.each([
    ['AVAILABLE', ours, { verdict: 'delete' }],
    ['PROVISIONING', ours, { verdict: 'delete' }],
    ['INVALID_CONFIGURATION', ours, { verdict: 'delete' }],
    ['SWITCHOVER_FAILED', ours, { verdict: 'delete' }],
    ['DELETING', ours, { verdict: 'already-deleting' }],
    ['SWITCHOVER_COMPLETED', ours, { verdict: 'refuse', kind: 'switched' }],
    ['SWITCHOVER_IN_PROGRESS', ours, { verdict: 'refuse', kind: 'busy' }],
    ['SOMETHING_NEW', ours, { verdict: 'refuse', kind: 'unknown-status' }],
    ['AVAILABLE', { 'switchyard:execution': 'arn:other' }, { verdict: 'refuse', kind: 'not-ours' }],
    ['AVAILABLE', {}, { verdict: 'refuse', kind: 'not-ours' }],
    ['AVAILABLE', { ...ours, 'switchyard:hold': 'dba' }, { verdict: 'refuse', kind: 'held' }],
    // A hold wins over "already switched": nothing is deleted either way, but a person asked to hold.
    ['SWITCHOVER_COMPLETED', { ...ours, 'switchyard:hold': '' }, { verdict: 'refuse', kind: 'held' }],
  ] as const)('%s with tags %j → %j', (status, tags, expected) => {
    expect(mayDeleteGreen({ id: 'bgd-1', status, tags: { ...tags } }, EXEC)).toMatchObject(expected);
  });

  it('names the deployment and the reason in every refusal', () => {
    const decision = mayDeleteGreen(
      { id: 'bgd-9', status: 'SWITCHOVER_COMPLETED', tags: { 'switchyard:execution': EXEC } },
      EXEC,
    );
    expect(decision.verdict === 'refuse' && decision.reason).toMatch(/bgd-9 already switched over/);
  });
});

describe('proveOldBlue', () => {
  const claim = {
    instanceId: 'orders-db-old1',
    resourceId: 'db-BLUE',
    executionId: EXEC,
    sourceId: 'orders-db',
  };
  const oldBlue = (over: Partial<InstanceView> = {}): InstanceView => ({
    id: 'orders-db-old1',
    resourceId: 'db-BLUE',
    status: 'available',
    engine: 'postgres',
    tags: { 'switchyard:role': 'old-blue', 'switchyard:execution': EXEC },
    deletionProtection: false,
    endpoint: 'orders-db-old1.example:5432',
    ...over,
  });
  const production: InstanceView = {
    ...oldBlue(),
    id: 'orders-db',
    resourceId: 'db-GREEN',
    tags: {},
    endpoint: 'orders-db.example:5432',
  };
  const evidence = (over: Partial<OldBlueEvidence> = {}): OldBlueEvidence => ({
    byResourceId: oldBlue(),
    byName: oldBlue(),
    production,
    readOnlyParameter: {
      name: 'default_transaction_read_only',
      group: 'pg17',
      value: '0',
      source: 'engine-default',
    },
    maxConnections: 0,
    connectionsWindowMinutes: 15,
    snapshot: { id: 'sy-final', status: 'available', instanceId: 'orders-db-old1' },
    ...over,
  });

  it('lets the proven old blue go', () => {
    expect(proveOldBlue(claim, evidence())).toEqual({ verdict: 'delete' });
  });

  it('treats a resource id nobody carries as gone, and a stranger under the name as a refusal', () => {
    expect(proveOldBlue(claim, evidence({ byResourceId: undefined, byName: undefined }))).toEqual({
      verdict: 'gone',
    });
    expect(
      proveOldBlue(claim, evidence({ byResourceId: undefined, byName: oldBlue({ resourceId: 'db-OTHER' }) })),
    ).toMatchObject({
      verdict: 'refuse',
      reasons: [expect.stringMatching(/different instance \(resource id db-OTHER/)],
    });
  });

  it('accepts a retried delete that finds its own old blue already deleting', () => {
    expect(proveOldBlue(claim, evidence({ byResourceId: oldBlue({ status: 'deleting' }) }))).toEqual({
      verdict: 'already-deleting',
    });
    // …but not someone else's instance that is deleting.
    expect(
      proveOldBlue(claim, evidence({ byResourceId: oldBlue({ status: 'deleting', tags: {} }) })).verdict,
    ).toBe('refuse');
  });

  const failedBack = oldBlue({ id: 'orders-db', endpoint: 'orders-db.example:5432' });
  it.each<[string, Partial<OldBlueEvidence>, RegExp]>([
    [
      'failed back: renamed to the production name, owning its endpoint',
      { byResourceId: failedBack, byName: undefined, production: failedBack },
      /renamed from orders-db-old1 to orders-db.*not orders-db-old<N>.*owns the production name.*production endpoint/,
    ],
    [
      'renamed to another name',
      { byResourceId: oldBlue({ id: 'orders-db-keep' }) },
      /renamed from orders-db-old1 to orders-db-keep/,
    ],
    [
      'another resource under the old name',
      { byName: oldBlue({ resourceId: 'db-X' }) },
      /now names resource db-X/,
    ],
    [
      'role tag missing',
      { byResourceId: oldBlue({ tags: { 'switchyard:execution': EXEC } }) },
      /switchyard:role is missing/,
    ],
    [
      'another execution tag',
      { byResourceId: oldBlue({ tags: { 'switchyard:role': 'old-blue', 'switchyard:execution': 'arn:x' } }) },
      /switchyard:execution is arn:x, not this execution/,
    ],
    [
      'serving production by resource id',
      { production: { ...production, resourceId: 'db-BLUE' } },
      /owns the production name/,
    ],
    [
      'same endpoint as production',
      { production: { ...production, endpoint: 'orders-db-old1.example:5432' } },
      /production endpoint/,
    ],
    [
      'made writable by a person',
      {
        readOnlyParameter: {
          name: 'default_transaction_read_only',
          group: 'pg17',
          value: 'off',
          source: 'user',
        },
      },
      /default_transaction_read_only=off was set in its parameter group pg17/,
    ],
    ['parameter group unreadable', { readOnlyParameter: null }, /read-only not proven/],
    ['connected', { maxConnections: 2 }, /had 2 connection\(s\) in the last 15 min/],
    ['no datapoints', { maxConnections: null }, /no DatabaseConnections datapoint/],
    ['not available', { byResourceId: oldBlue({ status: 'rebooting' }) }, /status is rebooting/],
    [
      'snapshot not available',
      { snapshot: { id: 's', status: 'creating', instanceId: 'orders-db-old1' } },
      /final snapshot is creating/,
    ],
    ['snapshot missing', { snapshot: null }, /final snapshot is missing/],
    [
      'snapshot of another instance',
      { snapshot: { id: 's', status: 'available', instanceId: 'orders-db' } },
      /is of orders-db, not orders-db-old1/,
    ],
    [
      'deletion protection on',
      { byResourceId: oldBlue({ deletionProtection: true }) },
      /deletion protection is on/,
    ],
  ])('refuses when %s', (_name, over, reason) => {
    const verdict = proveOldBlue(claim, evidence(over));
    expect(verdict.verdict).toBe('refuse');
    expect(verdict.verdict === 'refuse' && verdict.reasons.join('; ')).toMatch(reason);
    expect(verdict.verdict === 'refuse' && verdict.held).toBe(false);
  });

  it('says held when a hold tag is there, listing the other reasons too', () => {
    const verdict = proveOldBlue(
      claim,
      evidence({
        byResourceId: oldBlue({ tags: { ...oldBlue().tags, 'switchyard:hold': 'dba 2026' } }),
        maxConnections: 1,
      }),
    );
    expect(verdict).toMatchObject({ verdict: 'refuse', held: true });
    expect(verdict.verdict === 'refuse' && verdict.reasons).toEqual([
      'it carries switchyard:hold=dba 2026',
      'it had 1 connection(s) in the last 15 min',
    ]);
  });

  it('skips the snapshot and deletion-protection checks before the snapshot exists (Cleanup)', () => {
    const { snapshot: _omit, ...beforeSnapshot } = evidence({
      byResourceId: oldBlue({ deletionProtection: true }),
    });
    expect(proveOldBlue(claim, beforeSnapshot)).toEqual({ verdict: 'delete' });
  });

  it.each([
    ['postgres', 'default_transaction_read_only'],
    ['mysql', 'read_only'],
    ['mariadb', 'read_only'],
  ])('reads read-only from %s as %s', (engine, name) => {
    expect(readOnlyParameterFor(engine)).toBe(name);
  });
});

describe('hold', () => {
  it.each([
    [EXEC, undefined],
    ['arn:aws-cn:states:cn-north-1:123456789012:execution:sm:run', undefined],
    ['run-1', /not a Step Functions execution ARN/],
    ['arn:aws:states:us-east-1:123456789012:stateMachine:sm', /not a Step Functions execution ARN/],
  ])('%s → %s', (arn, problem) => {
    const found = executionArnProblem(arn);
    if (problem) expect(found).toMatch(problem);
    else expect(found).toBeUndefined();
  });

  it('writes a tag value RDS accepts', () => {
    expect(holdValue('Jane <jane@example.com>', new Date('2026-11-22T01:00:00Z'))).toBe(
      'Jane _jane@example.com_ 2026-11-22T01:00:00.000Z',
    );
  });

  it("targets the run's deployment, its members and its tagged instances, nothing else", () => {
    const src = 'arn:aws:rds:us-east-1:123456789012:db:orders-db-old1';
    const deployment = {
      id: 'bgd-1',
      name: 'sy',
      source: src,
      status: 'SWITCHOVER_COMPLETED',
      tasks: [],
      switchoverDetails: [
        { sourceMember: src, targetMember: 'arn:aws:rds:us-east-1:123456789012:db:orders-db' },
      ],
      tags: { 'switchyard:execution': EXEC },
    };
    const other = { ...deployment, id: 'bgd-2', tags: { 'switchyard:execution': 'arn:other' } };
    const tagged = instance('orders-db-old1', { tags: { 'switchyard:execution': EXEC } });
    const stranger = instance('billing-db');
    expect(deploymentArn(deployment)).toBe('arn:aws:rds:us-east-1:123456789012:deployment:bgd-1');
    expect(holdTargets(EXEC, [deployment, other], [tagged, stranger])).toEqual([
      'arn:aws:rds:us-east-1:123456789012:db:orders-db',
      'arn:aws:rds:us-east-1:123456789012:db:orders-db-old1',
      'arn:aws:rds:us-east-1:123456789012:deployment:bgd-1',
    ]);
    expect(holdTargets(EXEC, [other], [stranger])).toEqual([]);
  });
});
