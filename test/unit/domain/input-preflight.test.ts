import { describe, expect, it } from 'vitest';
import { type ExecutionInput, validateExecutionInput } from '#domain/input';
import { openRollbackWindows, type PreflightFacts, preflightFindings } from '#domain/preflight';
import { judgeVerification } from '#domain/verify';
import { instance } from '../../support/fake-world.ts';

const valid = (over: Record<string, unknown> = {}) => ({
  source: { dbInstanceIdentifier: 'orders-db' },
  target: { engineVersion: '18.4', dbParameterGroupName: 'orders-pg18' },
  approval: { approvers: ['dba@example.com', 'slack:U0123ABCD'] },
  ...over,
});

const parse = (raw: unknown): ExecutionInput => {
  const v = validateExecutionInput(raw);
  if (!v.ok) throw new Error(v.problems.join('\n'));
  return v.input;
};

describe('validateExecutionInput', () => {
  it('fills documented defaults', () => {
    const input = parse(valid());
    expect(input.lag).toEqual({
      maxSeconds: 5,
      maxBytes: 64 * 1024 * 1024,
      stableSamples: 3,
      pollSeconds: 30,
      deadlineMinutes: 60,
    });
    expect(input.switchover.timeoutSeconds).toBe(300);
    expect(input.retention).toEqual({ keepOldBlueHours: 72, finalSnapshot: true });
  });

  it.each([
    [{ surprise: 1 }, 'surprise: unknown field'],
    [{ lag: { maxSecnds: 1 } }, 'lag.maxSecnds: unknown field'],
    [{ lag: { stableSamples: 'three' } }, 'lag.stableSamples: must be a number, not "three"'],
    [{ switchover: { timeoutSeconds: 29 } }, 'switchover.timeoutSeconds'],
    [{ switchover: { timeoutSeconds: 3601 } }, 'switchover.timeoutSeconds'],
    [{ target: {} }, 'target: set at least one of'],
    [{ target: { engineVersion: 'latest' } }, 'target.engineVersion: must be an engine version'],
    [{ target: { dbInstanceClass: 'm5.large' } }, 'target.dbInstanceClass'],
    [{ source: { dbInstanceIdentifier: '9lives' } }, 'source.dbInstanceIdentifier'],
    [{ source: {} }, 'source.dbInstanceIdentifier: is required'],
    [{ window: { days: ['SUN'], start: '02:00', end: '02:00', timezone: 'UTC' } }, 'window.end: must differ'],
    [
      { window: { days: ['SUN'], start: '2am', end: '04:00', timezone: 'UTC' } },
      'window.start: must be HH:MM',
    ],
    [{ window: { days: ['SUN'], start: '02:00', end: '04:00', timezone: 'Mars/Base' } }, 'window.timezone'],
    [
      { window: { days: ['SUN', 'SUN'], start: '02:00', end: '04:00', timezone: 'UTC' } },
      'window.days: lists a day twice',
    ],
    [{ approval: { approvers: [] } }, 'approval.approvers: name at least one approver'],
    [{ approval: { approvers: ['bob'] } }, 'approval.approvers[0]: must be an e-mail address'],
    [{ retention: { finalSnapshot: false } }, 'retention.finalSnapshot: must be true'],
    [
      { lag: { stableSamples: 10, pollSeconds: 60, deadlineMinutes: 5 } },
      'lag.deadlineMinutes: is shorter than stableSamples × pollSeconds',
    ],
    [{ verify: { smokeSql: ['SELECT 1'] } }, 'database: is required when'],
  ])('refuses %j naming the field', (over, expected) => {
    const v = validateExecutionInput(valid(over));
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.problems.join('\n')).toContain(expected);
  });

  it('reports every problem at once', () => {
    const v = validateExecutionInput({
      source: { dbInstanceIdentifier: 'orders-db' },
      target: { engineVersion: 'x' },
      a: 1,
      b: 2,
    });
    expect(v.ok).toBe(false);
    // Cross-field checks still run when other fields are wrong, so all four are reported together.
    if (!v.ok)
      expect(v.problems.map((p) => p.split(':')[0])).toEqual([
        'target.engineVersion',
        'a',
        'b',
        'approval.approvers',
      ]);
  });
});

const facts = (over: Partial<PreflightFacts> = {}): PreflightFacts => ({
  instance: instance('orders-db'),
  blueParameters: { 'rds.logical_replication': '1' },
  validUpgradeTargets: ['17.5', '18.4'],
  targetParameterGroupExists: true,
  existingDeployments: [],
  ...over,
});

describe('preflightFindings', () => {
  it('passes a healthy source', () => {
    expect(preflightFindings(parse(valid()), facts())).toEqual([]);
  });

  it.each<[string, Partial<PreflightFacts>, Record<string, unknown>, string]>([
    ['missing source', { instance: undefined }, {}, 'no DB instance "orders-db"'],
    [
      'an Aurora cluster',
      { instance: undefined, clusterEngine: 'aurora-postgresql' },
      {},
      'is an Aurora DB cluster (aurora-postgresql)',
    ],
    [
      'not available',
      { instance: instance('orders-db', { status: 'backing-up' }) },
      {},
      'status is "backing-up"',
    ],
    [
      'pending modifications',
      { instance: instance('orders-db', { pendingModifiedValues: ['EngineVersion'] }) },
      {},
      'pending modifications (EngineVersion)',
    ],
    [
      'backups off',
      { instance: instance('orders-db', { backupRetentionPeriod: 0 }) },
      {},
      'automated backups are off',
    ],
    [
      'group not in sync',
      {
        instance: instance('orders-db', { parameterGroups: [{ name: 'g', applyStatus: 'pending-reboot' }] }),
      },
      {},
      '"pending-reboot", must be "in-sync"',
    ],
    [
      'a replica',
      { instance: instance('orders-db', { readReplicaSource: 'main-db' }) },
      {},
      'read replica of "main-db"',
    ],
    [
      'secrets manager password',
      { instance: instance('orders-db', { masterUserSecret: true }) },
      {},
      'Secrets Manager',
    ],
    [
      'not an upgrade target',
      { validUpgradeTargets: ['17.5'] },
      {},
      'not a valid upgrade target of 17.4 (valid: 17.5)',
    ],
    ['a downgrade', {}, { target: { engineVersion: '16.9' } }, 'older than the current 17.4'],
    [
      'logical replication off',
      { blueParameters: { 'rds.logical_replication': '0' } },
      {},
      'rds.logical_replication=1',
    ],
    [
      'major without a target group',
      {},
      { target: { engineVersion: '18.4' } },
      'required for a major-version upgrade',
    ],
    [
      'unknown target group',
      { targetParameterGroupExists: false },
      {},
      'no DB parameter group "orders-pg18"',
    ],
    [
      'another deployment',
      {
        existingDeployments: [
          {
            id: 'bgd-x',
            name: 'other',
            source: 's',
            status: 'AVAILABLE',
            tasks: [],
            switchoverDetails: [],
            tags: {},
          },
        ],
      },
      {},
      'bgd-x ("other", AVAILABLE) already exists',
    ],
    [
      'an Oracle source',
      { instance: instance('orders-db', { engine: 'oracle-ee' }) },
      {},
      'engine "oracle-ee" is not supported; Switchyard drives RDS for PostgreSQL, MySQL and MariaDB',
    ],
  ])('refuses when %s', (_label, factOverrides, inputOverrides, expected) => {
    const problems = preflightFindings(parse(valid(inputOverrides)), facts(factOverrides)).map(
      (f) => f.problem,
    );
    expect(problems.join('\n')).toContain(expected);
  });

  it('lists every problem, not just the first', () => {
    const bad = instance('orders-db', {
      backupRetentionPeriod: 0,
      masterUserSecret: true,
      status: 'modifying',
    });
    expect(preflightFindings(parse(valid()), facts({ instance: bad }))).toHaveLength(3);
  });

  it('does not require logical replication for a same-major change', () => {
    const input = parse(valid({ target: { engineVersion: '17.5' } }));
    expect(preflightFindings(input, facts({ blueParameters: {} }))).toEqual([]);
  });
});

describe('judgeVerification', () => {
  const base = {
    deployment: {
      id: 'bgd-1',
      name: 'n',
      source: 's',
      status: 'SWITCHOVER_COMPLETED',
      tasks: [],
      switchoverDetails: [],
      tags: {},
    },
    primary: instance('orders-db', { resourceId: 'db-GREEN' }),
    expectedResourceId: 'db-GREEN',
    oldBlue: instance('orders-db-old1'),
    alarms: [{ name: 'orders-5xx', state: 'OK' }],
    missingAlarms: [],
    smoke: [{ sql: 'SELECT 1', ok: true }],
  };
  it('passes a healthy switch', () => expect(judgeVerification(base)).toEqual({ ok: true, problems: [] }));
  it.each([
    [{ primary: instance('orders-db', { resourceId: 'db-BLUE' }) }, "expected green's db-GREEN"],
    [{ primary: undefined }, 'no instance carries the original name'],
    [{ oldBlue: undefined }, 'old blue (-old<N>) is missing'],
    [{ alarms: [{ name: 'orders-5xx', state: 'ALARM' }] }, 'alarm orders-5xx is in ALARM'],
    [{ missingAlarms: ['typo'] }, 'alarm typo does not exist'],
    [{ smoke: [{ sql: 'SELECT 1', ok: false, error: 'boom' }] }, 'smoke query failed: SELECT 1: boom'],
    [{ deployment: undefined }, 'deployment is gone'],
  ])('fails on %j', (over, expected) => {
    const verdict = judgeVerification({ ...base, ...over });
    expect(verdict.ok).toBe(false);
    expect(verdict.problems.join('\n')).toContain(expected);
  });
});

describe('openRollbackWindows', () => {
  it('keeps only old blues of this source that carry a retain-until tag', () => {
    const instances = [
      instance('orders-db-old1', {
        tags: { 'switchyard:retain-until': '2030-01-01T00:00:00Z', 'switchyard:source': 'orders-db' },
      }),
      instance('billing-db-old1', {
        tags: { 'switchyard:retain-until': '2030-01-01T00:00:00Z', 'switchyard:source': 'billing-db' },
      }),
      instance('orders-db-old2', { tags: { 'switchyard:source': 'orders-db' } }),
      instance('orders-db'),
    ];
    expect(openRollbackWindows(instances, 'orders-db')).toEqual([
      { instanceId: 'orders-db-old1', retainUntil: '2030-01-01T00:00:00Z' },
    ]);
  });
});
