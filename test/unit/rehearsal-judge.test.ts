/** The rehearsal's verdict, `checks(scenario, facts)`: every check for every expected end, held and failed. */
import { describe, expect, it } from 'vitest';
import type { HookRecord } from '#domain/hooks';
import { checks, type FleetFacts, fleetChecks, type RunFacts } from '../../rehearsal/judge.ts';
import type { EndpointIdentity } from '../../rehearsal/report.ts';
import { SCENARIO_NAMES, SCENARIOS, type ScenarioName } from '../../rehearsal/scenarios.ts';

const server = (sysid: string, version: string, instanceId = 'orders-db'): EndpointIdentity => ({
  endpoint: 'orders-db',
  serverPort: 5432,
  systemIdentifier: sysid,
  serverVersion: version,
  instanceId,
  resourceId: null,
});
const blue = server('111', '17.10');
const green = server('222', '18.4');

const facts = (over: Partial<RunFacts> = {}): RunFacts => ({
  outcome: 'switched',
  states: ['Begin', 'Preflight', 'ApplyMigrations', 'CreateGreen'],
  migrations: null,
  expandMigrations: 0,
  endpoint: 'orders-db',
  lostWrites: 0,
  acknowledgedWrites: 1500,
  before: blue,
  after: green,
  deployments: [],
  instances: [{ id: 'orders-db', status: 'available', readOnly: false }],
  approvalLinkError: null,
  preflightRefusal: '',
  hazardNames: ['PG-NO-REPLICA-IDENTITY', 'public.audit_log'],
  productionWrites: [],
  schemaRows: null,
  verifyProblems: [],
  replicationWindow: { brokenReason: null, lagChecksAfterDdl: null },
  drift: null,
  ...over,
});

const suiteRecord = (over: Partial<HookRecord> = {}): HookRecord => ({
  name: 'green-suite',
  point: 'greenReady',
  kind: 'lambda',
  label: 'greenReady[0] green-suite (lambda switchyard-rehearsal-hook-green-suite)',
  outcome: 'passed',
  onFailure: 'abort',
  attempts: 1,
  durationMs: 800,
  summary: '3 of 3 checks passed',
  next: 'continue',
  cause: null,
  ...over,
});
const suiteRan = (record: HookRecord, cause = '') => ({
  hooks: { expected: [{ point: 'greenReady', name: 'green-suite' }], records: [record], cause },
});
const abortedSuite = suiteRecord({ outcome: 'failed', next: 'abort', summary: 'exited 1' });
const hookCause = `rolled back before the switch: HookAborted: hook ${abortedSuite.label} failed after 1 attempt(s)`;

const verdict = (list: ReturnType<typeof checks>) => Object.fromEntries(list.map((c) => [c.name, c.ok]));

describe('checks(scenario, facts)', () => {
  it('checks each hook the run was given: passed when the run goes on', () => {
    const ran = checks(SCENARIOS.happy, facts(suiteRan(suiteRecord())));
    expect(verdict(ran)['greenReady hook green-suite passed']).toBe(true);
    const failed = checks(
      SCENARIOS.happy,
      facts(suiteRan(suiteRecord({ outcome: 'failed', onFailure: 'warn' }))),
    );
    expect(verdict(failed)['greenReady hook green-suite passed']).toBe(false);
    const never = checks(
      SCENARIOS.happy,
      facts({ hooks: { expected: [{ point: 'greenReady', name: 'green-suite' }], records: [], cause: '' } }),
    );
    expect(never.find((c) => c.name === 'greenReady hook green-suite passed')?.detail).toBe(
      'the hook never ran',
    );
  });

  it('hook-fails: the failing hook is named and nobody was asked to approve', () => {
    const asked = checks(
      SCENARIOS['hook-fails'],
      facts({
        outcome: 'rolled-back',
        after: blue,
        states: ['RunHooks', 'RequestApproval'],
        ...suiteRan(abortedSuite, hookCause),
      }),
    );
    expect(verdict(asked)['failing greenReady hook green-suite named, nobody asked to approve']).toBe(false);
  });

  it('happy: a switch to 18 with nothing lost and nothing left passes every check', () => {
    const list = checks(SCENARIOS.happy, facts());
    expect(verdict(list)).toEqual({
      outcome: true,
      'no lost writes': true,
      'writes flowed': true,
      'endpoint moved to green': true,
      'no Blue/Green deployment left': true,
    });
    expect(list.find((c) => c.name === 'endpoint moved to green')?.detail).toBe('17.10 → 18.4');
  });

  it.each<[string, Partial<RunFacts>, string]>([
    ['one lost write', { lostWrites: 1 }, 'no lost writes'],
    ['no acknowledged write', { acknowledgedWrites: 0 }, 'writes flowed'],
    ['a rollback', { outcome: 'rolled-back' }, 'outcome'],
    ['blue still answering', { after: blue }, 'endpoint moved to green'],
    ['green on the wrong major', { after: server('333', '17.10') }, 'endpoint moved to green'],
    ['no endpoint identity', { after: null }, 'endpoint moved to green'],
    [
      'a deployment left',
      { deployments: [{ id: 'bgd-1', status: 'SWITCHOVER_COMPLETED' }] },
      'no Blue/Green deployment left',
    ],
  ])('happy fails on %s', (_name, over, failing) => {
    const list = checks(SCENARIOS.happy, facts(over));
    expect(list.filter((c) => !c.ok).map((c) => c.name)).toEqual([failing]);
  });

  describe('the reverse stream to old blue', () => {
    const replicating = { enabled: true, state: 'replicating', lag: 0, detail: 'old blue applies' };
    it('passes when old blue applied on every bake pass and the stream was removed', () => {
      const list = checks(
        SCENARIOS.happy,
        facts({ reverse: { statuses: [replicating, replicating], ended: true } }),
      );
      expect(verdict(list)).toMatchObject({
        'reverse stream to old blue replicating': true,
        'reverse stream removed before cleanup': true,
      });
      expect(list.find((c) => c.name === 'reverse stream to old blue replicating')?.detail).toBe(
        '2 bake pass(es), last lag 0: old blue applies',
      );
    });
    it.each<[string, NonNullable<RunFacts['reverse']>, string]>([
      [
        'a broken pass',
        { statuses: [replicating, { ...replicating, state: 'broken', detail: 'conflict' }], ended: true },
        'reverse stream to old blue replicating',
      ],
      [
        'a stream left behind',
        { statuses: [replicating], ended: false },
        'reverse stream removed before cleanup',
      ],
      [
        'a stream still connecting at the last pass',
        { statuses: [replicating, { ...replicating, state: 'prepared', detail: 'connecting' }], ended: true },
        'reverse stream to old blue replicating',
      ],
    ])('fails on %s', (_name, reverse, failing) => {
      const list = checks(SCENARIOS.happy, facts({ reverse }));
      expect(list.filter((c) => !c.ok).map((c) => c.name)).toEqual([failing]);
    });
    it('passes a first pass that read the subscription still connecting', () => {
      const connecting = { ...replicating, state: 'prepared', detail: 'connecting' };
      const list = checks(
        SCENARIOS.happy,
        facts({ reverse: { statuses: [connecting, replicating], ended: true } }),
      );
      expect(list.find((c) => c.name === 'reverse stream to old blue replicating')).toMatchObject({
        ok: true,
        detail: '2 bake pass(es) (1 still connecting), last lag 0: old blue applies',
      });
    });
    it('adds no check when the run had reverse replication off', () => {
      const off = { enabled: false, state: 'absent', lag: null, detail: 'physical path' };
      const list = checks(SCENARIOS.happy, facts({ reverse: { statuses: [off], ended: false } }));
      expect(list.some((c) => c.name.startsWith('reverse stream'))).toBe(false);
    });
  });

  it('happy on a major upgrade: green must have been analyzed, fully, before the approval', () => {
    const gm = {
      status: 'done',
      summary: 'ANALYZE 2 table(s) in 0.1 s; views not refreshed: green.refreshMaterializedViews is false',
      rounds: 1,
      durationMs: 120,
      analyzed: true,
      tables: 2,
      analyzeMs: 100,
      viewsRefreshed: 0,
    };
    const ok = checks(SCENARIOS.happy, facts({ greenMaintenance: gm }));
    expect(ok.find((c) => c.name === 'green analyzed before the approval')).toEqual({
      name: 'green analyzed before the approval',
      ok: true,
      detail: `${gm.summary} (done, 1 round(s))`,
    });
    const none = checks(SCENARIOS.happy, facts({ greenMaintenance: { ...gm, tables: 0 } }));
    expect(none.filter((c) => !c.ok).map((c) => c.name)).toEqual(['green analyzed before the approval']);
    // Not decided (physical, off): no check at all.
    const off = checks(SCENARIOS.happy, facts({ greenMaintenance: { ...gm, analyzed: false, tables: 0 } }));
    expect(off.map((c) => c.name)).not.toContain('green analyzed before the approval');
  });

  it('a failed approval link always fails the run', () => {
    const list = checks(SCENARIOS.happy, facts({ approvalLinkError: 'HTTP 403' }));
    expect(list.find((c) => c.name === 'approval link')).toEqual({
      name: 'approval link',
      ok: false,
      detail: 'HTTP 403',
    });
  });

  it('rolled back: blue still serves, no deployment and no green instance left', () => {
    const base = { outcome: 'rolled-back' as const, after: blue };
    expect(checks(SCENARIOS['green-invalid'], facts(base)).every((c) => c.ok)).toBe(true);
    const leftovers = checks(
      SCENARIOS['green-invalid'],
      facts({
        ...base,
        after: green,
        deployments: [{ id: 'bgd-1', status: 'AVAILABLE' }],
        instances: [
          { id: 'orders-db', status: 'available', readOnly: false },
          { id: 'orders-db-green-abc123', status: 'available', readOnly: false },
        ],
      }),
    );
    expect(leftovers.filter((c) => !c.ok).map((c) => c.name)).toEqual([
      'no Blue/Green deployment left',
      'no green instance left',
      'blue still serves',
    ]);
    expect(leftovers.find((c) => c.name === 'no green instance left')?.detail).toBe(
      'orders-db-green-abc123 available',
    );
  });

  it('failed after the switch: old blue must be kept read-only', () => {
    const base = { outcome: 'failed-after-switch' as const };
    const kept = [{ id: 'orders-db-old1', status: 'available', readOnly: true }];
    expect(checks(SCENARIOS['verify-fails'], facts({ ...base, instances: kept })).every((c) => c.ok)).toBe(
      true,
    );
    const writable = checks(
      SCENARIOS['verify-fails'],
      facts({ ...base, instances: [{ ...kept[0], readOnly: false } as never] }),
    );
    expect(writable.find((c) => c.name === 'old blue kept read-only')).toMatchObject({ ok: false });
    const gone = checks(SCENARIOS['verify-fails'], facts({ ...base, instances: [] }));
    expect(gone.find((c) => c.name === 'old blue kept read-only')).toMatchObject({
      ok: false,
      detail: 'no -old instance',
    });
  });

  it('schema-hazards: the refusal must name every hazard; production writes are checks of their own', () => {
    const base = { outcome: 'refused' as const, after: blue };
    const named = checks(
      SCENARIOS['schema-hazards'],
      facts({
        ...base,
        preflightRefusal: '[PG-NO-REPLICA-IDENTITY] public.audit_log',
        productionWrites: [
          { sql: 'INSERT INTO public.audit_log (actor) VALUES ($$x$$)', rowCount: 1, error: null },
          { sql: 'UPDATE public.audit_log SET action = $$y$$', rowCount: null, error: 'cannot update' },
          { sql: 'DELETE FROM public.audit_log WHERE false', rowCount: 0, error: null },
        ],
      }),
    );
    expect(verdict(named)['every hazard named in the refusal']).toBe(true);
    expect(verdict(named)['production write: INSERT']).toBe(true);
    expect(verdict(named)['production write: UPDATE']).toBe(false);
    expect(named.find((c) => c.name === 'production write: UPDATE')?.detail).toMatch(/→ cannot update$/);
    // A write that touched no row did not prove production still writes.
    expect(verdict(named)['production write: DELETE']).toBe(false);
    const unnamed = checks(
      SCENARIOS['schema-hazards'],
      facts({ ...base, preflightRefusal: '[PG-NO-REPLICA-IDENTITY]' }),
    );
    expect(unnamed.find((c) => c.name === 'every hazard named in the refusal')?.detail).toBe(
      'missing: public.audit_log',
    );
  });

  it('expand migrations must all be applied on blue before green; a failed one must stop before CreateGreen', () => {
    const units = [
      { source: 'migrations.expand[0]', outcome: 'applied', durationMs: 12 },
      { source: 'migrations.expand[1]', outcome: 'applied', durationMs: 30 },
    ];
    const done = { verdict: 'done', applied: 2, total: 2, units, finishedBeforeGreen: true, lockAttempts: 1 };
    const name = 'expand migrations applied on blue before green';
    const judge = (m: unknown) =>
      checks(SCENARIOS.happy, facts({ expandMigrations: 2, migrations: m as RunFacts['migrations'] })).find(
        (c) => c.name === name,
      );
    expect(judge(done)).toMatchObject({
      ok: true,
      detail: expect.stringMatching(/^2 of 2 applied .* before CreateGreen$/),
    });
    expect(judge({ ...done, finishedBeforeGreen: false })).toMatchObject({ ok: false });
    expect(judge({ ...done, applied: 1 })).toMatchObject({ ok: false });
    expect(judge(null)).toMatchObject({ ok: false, detail: 'ApplyMigrations never ran' });
    expect(checks(SCENARIOS.happy, facts()).some((c) => c.name === name)).toBe(false);
  });

  it('migration-failed: the failing statement listed after an applied one, and green never created', () => {
    const migrations = {
      verdict: 'failed',
      applied: 1,
      total: 2,
      units: [
        { source: 'migrations.expand[0]', outcome: 'applied', durationMs: 5 },
        {
          source: 'migrations.expand[1]',
          outcome: 'failed',
          durationMs: 2,
          error: 'relation "nope" does not exist',
        },
      ],
      finishedBeforeGreen: true,
      lockAttempts: 1,
    } as unknown as RunFacts['migrations'];
    const base = {
      outcome: 'migration-failed' as const,
      after: blue,
      migrations,
      states: ['Begin', 'Preflight', 'ApplyMigrations'],
    };
    const name = 'failing statement listed, earlier ones applied';
    expect(checks(SCENARIOS['migration-fails'], facts(base)).every((c) => c.ok)).toBe(true);
    const greenMade = checks(
      SCENARIOS['migration-fails'],
      facts({ ...base, states: [...base.states, 'CreateGreen'] }),
    );
    expect(greenMade.find((c) => c.name === name)?.ok).toBe(false);
    const never = checks(SCENARIOS['migration-fails'], facts({ ...base, migrations: null }));
    expect(never.find((c) => c.name === name)).toMatchObject({
      ok: false,
      detail: 'ApplyMigrations never ran',
    });
  });

  it('--schema: every table must hold its generated rows on the endpoint', () => {
    const ok = checks(SCENARIOS.happy, facts({ schemaRows: { missing: [], rows: 90, tables: 6 } }));
    expect(ok.find((c) => c.name === 'schema rows on the endpoint')).toEqual({
      name: 'schema rows on the endpoint',
      ok: true,
      detail: '90 rows in 6 tables',
    });
    const short = checks(
      SCENARIOS.happy,
      facts({ schemaRows: { missing: ['public.a: 3 of 15'], rows: 90, tables: 6 } }),
    );
    expect(short.find((c) => c.name === 'schema rows on the endpoint')).toMatchObject({
      ok: false,
      detail: 'public.a: 3 of 15',
    });
  });
});

/** Rolled back before the switch: blue behind the endpoint, nothing left. */
const rolledBack: Partial<RunFacts> = { outcome: 'rolled-back', after: blue };
const oldBlueHeld = [{ id: 'orders-db-old1', status: 'available', readOnly: true }];
const heldAfterSwitch: Partial<RunFacts> = { outcome: 'failed-after-switch', instances: oldBlueHeld };
const migrationFailed: Partial<RunFacts> = {
  outcome: 'migration-failed',
  after: blue,
  states: ['Begin', 'Preflight', 'ApplyMigrations'],
  migrations: {
    verdict: 'failed',
    applied: 1,
    total: 2,
    units: [
      { key: 'a', source: 'migrations.expand[0]', excerpt: '', outcome: 'applied', durationMs: 5 },
      {
        key: 'b',
        source: 'migrations.expand[1]',
        excerpt: '',
        outcome: 'failed',
        durationMs: 2,
        error: 'no',
      },
    ],
    finishedBeforeGreen: true,
    lockAttempts: 1,
  },
};
const ddlSeen = { brokenReason: 'DDL on blue: public.orders gained column note text', lagChecksAfterDdl: 1 };
const sequenceNamed =
  "public.orders_id_seq is at 1, behind max(id) 1000: run SELECT setval('public.orders_id_seq', (SELECT max(id) FROM public.orders))";
const rebuildStates = [
  'CreateGreen',
  'CheckLag',
  'CanRecreateGreen',
  'RecreateGreen',
  'IsOldGreenDeleted',
  'ReinstallDdlGuard',
  'CreateGreen',
  'CheckLag',
  'Switchover',
];
const driftStates = ['CheckLag', 'ValidateData', 'DataDriftFound', 'Compensate', 'RolledBack'];
const driftedRow = { table: 'public.rehearsal_writes', id: '5' };
const driftNotice = 'DataDrift: public.rehearsal_writes id in [1, 1001) differs in every recheck';

/** fail-back: the production name on the original 17 server again, the new primary aside, both stalls. */
const failedBack: Partial<RunFacts> = {
  outcome: 'failed-back',
  after: blue,
  instances: [
    { id: 'orders-db', status: 'available', readOnly: false },
    { id: 'orders-db-failed1', status: 'available', readOnly: true },
  ],
  failBack: {
    clicked: { status: 200, title: 'Failing back orders-db' },
    clickError: null,
    writesOnNewPrimary: 1240,
    writesAfterFailBack: 412,
    switchStallMs: 441,
    failBackStallMs: 2179,
    failBackWindow: { start: '2026-11-30T00:04:20.000Z', end: '2026-11-30T00:04:22.000Z' },
    failedAside: { id: 'orders-db-failed1', status: 'available' },
  },
};

/**
 * Each scenario: facts that pass every check, and facts that fail exactly one named check. A new
 * scenario must add its row here (the last test checks none is missing).
 */
const ROWS: Record<ScenarioName, { pass: Partial<RunFacts>; fail: Partial<RunFacts>; failing: string[] }> = {
  happy: { pass: {}, fail: { lostWrites: 1 }, failing: ['no lost writes'] },
  'approval-rejected': {
    pass: rolledBack,
    fail: { ...rolledBack, outcome: 'switched' },
    failing: ['outcome'],
  },
  'approval-timeout': {
    pass: rolledBack,
    fail: {
      ...rolledBack,
      instances: [{ id: 'orders-db-green-abc123', status: 'available', readOnly: true }],
    },
    failing: ['no green instance left'],
  },
  'green-invalid': {
    pass: rolledBack,
    fail: { ...rolledBack, deployments: [{ id: 'bgd-1', status: 'INVALID_CONFIGURATION' }] },
    failing: ['no Blue/Green deployment left'],
  },
  'green-deadline': {
    pass: rolledBack,
    fail: { ...rolledBack, after: green },
    failing: ['blue still serves'],
  },
  'lag-stall': { pass: rolledBack, fail: { ...rolledBack, lostWrites: 2 }, failing: ['no lost writes'] },
  'switchover-fails': {
    pass: rolledBack,
    fail: { ...rolledBack, after: null },
    failing: ['blue still serves'],
  },
  'verify-fails': {
    pass: heldAfterSwitch,
    fail: { ...heldAfterSwitch, instances: [{ ...oldBlueHeld[0], readOnly: false } as never] },
    failing: ['old blue kept read-only'],
  },
  'bad-input': {
    pass: { outcome: 'refused', after: blue },
    fail: { outcome: 'aborted', after: blue },
    failing: ['outcome'],
  },
  'migration-fails': {
    pass: migrationFailed,
    fail: { ...migrationFailed, states: ['Begin', 'Preflight', 'ApplyMigrations', 'CreateGreen'] },
    failing: ['failing statement listed, earlier ones applied'],
  },
  'schema-hazards': {
    pass: { outcome: 'refused', after: blue, preflightRefusal: '[PG-NO-REPLICA-IDENTITY] public.audit_log' },
    fail: { outcome: 'refused', after: blue, preflightRefusal: 'public.audit_log' },
    failing: ['every hazard named in the refusal'],
  },
  'ddl-during-replication': {
    pass: { ...rolledBack, replicationWindow: ddlSeen },
    fail: { ...rolledBack, replicationWindow: { ...ddlSeen, lagChecksAfterDdl: 3 } },
    failing: ['detected within two lag polls of the DDL'],
  },
  'ddl-during-replication-recreate': {
    pass: { replicationWindow: ddlSeen, states: rebuildStates },
    fail: { replicationWindow: ddlSeen, states: [...rebuildStates.slice(0, 4), ...rebuildStates] },
    failing: ['green rebuilt once, then switched to the new green'],
  },
  'sequence-behind': {
    pass: { ...heldAfterSwitch, verifyProblems: ['alarm orders-5xx is OK', sequenceNamed] },
    fail: { ...heldAfterSwitch, verifyProblems: ['public.orders_id_seq is at 1, behind max(id) 1000'] },
    failing: ['verification names the sequence behind and its fix'],
  },
  'hook-fails': {
    pass: { ...rolledBack, ...suiteRan(abortedSuite, hookCause) },
    fail: { ...rolledBack, ...suiteRan(abortedSuite, 'rolled back before the switch: Compensated') },
    failing: ['failing greenReady hook green-suite named, nobody asked to approve'],
  },
  'data-drift': {
    pass: { ...rolledBack, states: driftStates, drift: { row: driftedRow, notification: driftNotice } },
    fail: {
      ...rolledBack,
      states: driftStates,
      drift: { row: { ...driftedRow, id: '1001' }, notification: driftNotice },
    },
    failing: ['drifted key range named'],
  },
  'events-dropped': {
    pass: {
      eventRelay: { delivered: 0, woke: 0 },
      states: ['CreateGreen', 'CheckGreen', 'AwaitGreenEvent', 'CheckGreen', 'Switchover', 'CheckSwitchover'],
    },
    fail: {
      eventRelay: { delivered: 2, woke: 2 },
      states: ['CreateGreen', 'CheckGreen', 'WaitForGreen', 'CheckGreen'],
    },
    failing: ['no RDS event reached the relay', 'the event waits fell back to their polls'],
  },
  'fail-back': {
    pass: failedBack,
    // Still on 18: the fail-back never moved the name.
    fail: { ...failedBack, after: green },
    failing: ['production name back on the original server'],
  },
};

describe('checks(fail-back, facts): each promise of the fail-back fails on its own', () => {
  const fb = failedBack.failBack!;
  it.each<[string, Partial<RunFacts>]>([
    [
      'fail-back link clicked',
      { failBack: { ...fb, clicked: null, clickError: 'the link answered 410: Gone' } },
    ],
    ['new primary kept aside', { failBack: { ...fb, failedAside: null } }],
    [
      'writes acknowledged on the new primary and after the fail-back',
      { failBack: { ...fb, writesOnNewPrimary: 0 } },
    ],
    ['both stalls measured', { failBack: { ...fb, failBackStallMs: null } }],
    ['no Blue/Green deployment left', { deployments: [{ id: 'bgd-1', status: 'SWITCHOVER_COMPLETED' }] }],
    ['no lost writes', { lostWrites: 3 }],
    ['outcome', { outcome: 'switched' }],
  ])('%s', (name, over) => {
    const failing = checks(SCENARIOS['fail-back'], facts({ ...failedBack, ...over }));
    expect(failing.filter((c) => !c.ok).map((c) => c.name)).toEqual([name]);
  });

  it('on MariaDB: old blue (same server_id) on the original EngineVersion passes; still the upgrade’s version fails', () => {
    const maria = (endpointEngineVersion: string) =>
      facts({
        ...failedBack,
        mysqlFamily: { targetEngineVersion: '10.11.20', endpointEngineVersion },
      });
    expect(checks(SCENARIOS['fail-back'], maria('10.11.19')).filter((c) => !c.ok)).toEqual([]);
    expect(
      checks(SCENARIOS['fail-back'], maria('10.11.20'))
        .filter((c) => !c.ok)
        .map((c) => c.name),
    ).toEqual(['production name back on the original server']);
  });

  it('a production name on another 17 server (not old blue) is not a fail-back', () => {
    const other = server('333', '17.10', 'orders-db');
    const failing = checks(SCENARIOS['fail-back'], facts({ ...failedBack, after: other }));
    expect(failing.filter((c) => !c.ok).map((c) => c.name)).toEqual([
      'production name back on the original server',
    ]);
  });
});

describe('checks(scenario, facts): every scenario, a passing and a failing row', () => {
  it.each(Object.entries(ROWS))('%s', (name, row) => {
    const scenario = SCENARIOS[name as ScenarioName];
    // Act
    const passing = checks(scenario, facts(row.pass));
    const failing = checks(scenario, facts(row.fail));
    // Assess
    expect(passing.filter((c) => !c.ok)).toEqual([]);
    expect(failing.filter((c) => !c.ok).map((c) => c.name)).toEqual(row.failing);
  });

  it('has a row for every scenario', () => {
    expect(Object.keys(ROWS).sort()).toEqual([...SCENARIO_NAMES].sort());
  });

  it('ddl-during-replication: a DDL that never ran, or a reason that does not name the table, fails', () => {
    const scenario = SCENARIOS['ddl-during-replication'];
    const never = checks(
      scenario,
      facts({ ...rolledBack, replicationWindow: { brokenReason: null, lagChecksAfterDdl: null } }),
    );
    expect(never.filter((c) => !c.ok).map((c) => c.detail)).toEqual([
      'no lag check judged the replication window broken',
      'the DDL never ran',
    ]);
    const other = checks(
      scenario,
      facts({
        ...rolledBack,
        replicationWindow: { brokenReason: 'public.customers changed', lagChecksAfterDdl: 1 },
      }),
    );
    expect(other.filter((c) => !c.ok).map((c) => c.name)).toEqual([
      'DDL on blue named when the lag loop left',
    ]);
  });

  it('data-drift: no changed row, or a switch after all, fails the range check', () => {
    const scenario = SCENARIOS['data-drift'];
    const name = 'drifted key range named';
    const none = checks(scenario, facts({ ...rolledBack, states: driftStates, drift: null }));
    expect(none.find((c) => c.name === name)).toMatchObject({
      ok: false,
      detail: 'no row was changed on green',
    });
    const switched = checks(
      scenario,
      facts({
        ...rolledBack,
        states: [...driftStates, 'Switchover'],
        drift: { row: driftedRow, notification: driftNotice },
      }),
    );
    expect(switched.find((c) => c.name === name)?.ok).toBe(false);
  });
});

describe('fleetChecks', () => {
  const fleet = (over: Partial<FleetFacts> = {}): FleetFacts => ({
    status: 'FAILED',
    error: 'Switchyard.FleetStopped',
    failIndex: 2,
    databases: [
      { id: 'orders-db', wave: 1, outcome: 'switched', acknowledged: 900, lost: 0, serverVersion: '18.4' },
      {
        id: 'orders-db-2',
        wave: 2,
        outcome: 'rolled-back',
        acknowledged: 900,
        lost: 0,
        serverVersion: '17.10',
      },
      {
        id: 'orders-db-3',
        wave: 3,
        outcome: 'not-started',
        acknowledged: 900,
        lost: 0,
        serverVersion: '17.10',
      },
    ],
    deployments: [],
    instances: [
      { id: 'orders-db', status: 'available' },
      { id: 'orders-db-2', status: 'available' },
      { id: 'orders-db-3', status: 'available' },
    ],
    ...over,
  });
  const failed = (f: FleetFacts) =>
    fleetChecks(f)
      .filter((c) => !c.ok)
      .map((c) => c.name);

  it('passes a stopped fleet with the failed database rolled back and the later wave not started', () => {
    expect(failed(fleet())).toEqual([]);
  });

  it('fails on a lost write, a later wave that started, a leftover deployment or instance, a wrong fleet end', () => {
    const f = fleet();
    f.databases[0]!.lost = 1;
    f.databases[2]!.outcome = 'switched';
    expect(failed(f)).toEqual(['orders-db: 0 lost writes', 'orders-db-3: not-started']);
    expect(failed(fleet({ deployments: [{ id: 'bgd-1', status: 'AVAILABLE' }] }))).toEqual([
      'no Blue/Green deployment left',
    ]);
    expect(
      failed(
        fleet({ instances: [...fleet().instances, { id: 'orders-db-2-green-abc', status: 'available' }] }),
      ),
    ).toEqual(['no instance left but the fleet’s own (no green, no old blue)']);
    expect(failed(fleet({ status: 'SUCCEEDED', error: null }))).toEqual(['fleet outcome']);
  });

  it('expects every database switched and the fleet SUCCEEDED without an injected failure', () => {
    const ok = fleet({ status: 'SUCCEEDED', error: null, failIndex: null });
    ok.databases = ok.databases.map((d) => ({ ...d, outcome: 'switched', serverVersion: '18.4' }));
    expect(failed(ok)).toEqual([]);
  });
});
