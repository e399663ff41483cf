/** The rehearsal's verdict, `checks(scenario, facts)`: every check for every expected end, held and failed. */
import { describe, expect, it } from 'vitest';
import { checks, type RunFacts } from '../../rehearsal/judge.ts';
import type { EndpointIdentity } from '../../rehearsal/report.ts';
import { SCENARIOS } from '../../rehearsal/scenarios.ts';

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
  ...over,
});

const verdict = (list: ReturnType<typeof checks>) => Object.fromEntries(list.map((c) => [c.name, c.ok]));

describe('checks(scenario, facts)', () => {
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
        productionWrites: [{ name: 'production write: UPDATE', ok: false, detail: 'cannot update' }],
      }),
    );
    expect(verdict(named)['every hazard named in the refusal']).toBe(true);
    expect(verdict(named)['production write: UPDATE']).toBe(false);
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
