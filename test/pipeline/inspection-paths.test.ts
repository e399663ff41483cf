/**
 * Preflight's data-plane inspection in the real ASL with the real handlers: a hazardous blue is refused
 * with every problem in one message and nothing created; waivers let a run through and reach the
 * approvers and the report; a missing `database` block or an unreachable blue refuse, naming the fix.
 */
import { describe, expect, it } from 'vitest';
import type { PostgresFacts } from '#domain/inspection/postgres';
import { makeWorld } from '../support/fake-world.ts';
import { baseInput, runPath } from '../support/run-path.ts';

const REFUSED = ['Begin', 'Preflight', 'NotifyRefused', 'Refused'];
const table = (name: string, over: Partial<PostgresFacts['relations'][number]> = {}) => ({
  schema: 'shop',
  name,
  kind: 'r' as const,
  persistence: 'p' as const,
  replicaIdentity: 'd' as const,
  hasPrimaryKey: true,
  hasIdentityIndex: false,
  rows: 10,
  bytes: 8192,
  ...over,
});
/** The schema-hazards blue: a table without a primary key, a large object, an unlogged table, a materialized view. */
const HAZARDS: Partial<PostgresFacts> = {
  relations: [
    table('orders'),
    table('events', { hasPrimaryKey: false, rows: 5000, bytes: 450_000 }),
    table('sessions', { persistence: 'u' }),
    table('daily_totals', { kind: 'm' }),
  ],
  largeObjects: { count: 2, bytes: 16_384 },
};

describe('Preflight inspects blue', () => {
  it('refuses every hazard, and a control-plane problem, in one message; nothing is created', async () => {
    // Prepare
    const world = makeWorld({ blueFacts: HAZARDS, source: { backupRetentionPeriod: 0 } });
    // Act
    const run = await runPath(world, baseInput());
    // Assess
    expect(run.states).toEqual(REFUSED);
    expect(world.calls).toEqual([]);
    const message = world.published[0]?.message ?? '';
    expect(message).toContain('automated backups are off');
    expect(message).toContain('[PG-NO-REPLICA-IDENTITY]');
    expect(message).toContain('shop.events (≈5000 rows, 439 kB; no primary key)');
    expect(message).toContain('[PG-LARGE-OBJECTS]');
    expect(message).toContain('[PG-UNLOGGED-TABLES] unlogged tables: shop.sessions');
    expect(message).toContain('4 problem(s)');
  });

  it('lets waived findings through and records them in the report and the approval request', async () => {
    // Prepare
    const world = makeWorld({
      provisioningPolls: 0,
      blueFacts: {
        relations: [table('orders'), table('sessions', { persistence: 'u' }), table('totals', { kind: 'm' })],
      },
    });
    const waivers = [
      { rule: 'PG-UNLOGGED-TABLES', reason: 'session cache, rebuilt on login', by: 'dba@example.com' },
      { rule: 'PG-MATERIALIZED-VIEWS', reason: 'refreshed by the release job', by: 'dba@example.com' },
    ];
    // Act
    const run = await runPath(world, baseInput({ waivers }));
    // Assess
    expect(run.status).toBe('SUCCEEDED');
    const report = (run.output as { preflight: { database: { verdict: string; waivers: unknown[] } } })
      .preflight.database;
    expect(report.verdict).toBe('pass');
    expect(report.waivers).toEqual(waivers.map((w) => ({ ...w, used: true })));
    const request = (
      run.approvalRequests[0] as { request: { inspection: { findings: Array<{ line: string }> } } }
    ).request;
    expect(request.inspection.findings.map((f) => f.line)).toEqual([
      expect.stringMatching(/^REFUSE \[PG-UNLOGGED-TABLES\] unlogged tables: shop\.sessions/),
      expect.stringMatching(/^WARN \[PG-MATERIALIZED-VIEWS\] .*shop\.totals/),
    ]);
  });

  it('requires the database block for a PostgreSQL source, and says why', async () => {
    const world = makeWorld();
    const { database: _omitted, ...input } = baseInput();
    const run = await runPath(world, input);
    expect(run.states).toEqual(REFUSED);
    expect(world.published[0]?.message).toContain(
      "database: is required: Preflight inspects orders-db's schema",
    );
  });

  it('refuses when blue cannot be reached, naming the endpoint and what to check', async () => {
    const world = makeWorld();
    world.gateways.inspection = {
      inspectPostgres: async () => {
        throw new Error('connect ECONNREFUSED 10.0.0.9:5432');
      },
      inspectMysql: async () => {
        throw new Error('not a MySQL source');
      },
    };
    const run = await runPath(world, baseInput());
    expect(run.states).toEqual(REFUSED);
    expect(world.published[0]?.message).toContain(
      'database: cannot inspect switchyard@orders-db.example:5432/orders: connect ECONNREFUSED 10.0.0.9:5432',
    );
    expect(world.calls).toEqual([]);
  });
});
