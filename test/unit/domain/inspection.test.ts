/** The inspection rules that need facts a test server cannot produce (extensions RDS ships, time), the verdict and the waivers. */
import { describe, expect, it } from 'vitest';
import { validateExecutionInput } from '#domain/input';
import {
  approvalInspection,
  approvalInspectionLines,
  evaluateInspection,
  RULES,
  refusalProblems,
  waiverRuleProblem,
} from '#domain/inspection/index';
import type { PostgresFacts } from '#domain/inspection/postgres';
import type { ReplicationPath, Waiver } from '#domain/inspection/types';
import { cleanInspection } from '../../support/inspection-facts.ts';

const evaluate = (
  over: Partial<PostgresFacts>,
  replication: ReplicationPath = 'logical',
  waivers: Waiver[] = [],
) => {
  const i = cleanInspection(over);
  return evaluateInspection({
    engine: 'postgres',
    replication,
    facts: i.facts,
    summary: i.summary,
    waivers,
    database: 'orders',
    endpoint: 'app@orders-db:5432/orders',
    durationMs: 5,
  });
};
const fired = (over: Partial<PostgresFacts>, replication: ReplicationPath = 'logical') =>
  Object.fromEntries(evaluate(over, replication).findings.map((f) => [f.rule, f.severity]));

const NO_PK = {
  schema: 'public',
  name: 'events',
  kind: 'r' as const,
  persistence: 'p' as const,
  replicaIdentity: 'd' as const,
  hasPrimaryKey: false,
  hasIdentityIndex: false,
  rows: 1200,
  bytes: 98_304,
};

describe('rules over facts', () => {
  it('passes a clean blue on both paths', () => {
    expect(evaluate({}).verdict).toBe('pass');
    expect(evaluate({}, 'physical').verdict).toBe('pass');
  });

  it.each([
    [
      'pg_partman extension',
      { extensions: [{ name: 'pg_partman', version: '5.1' }] },
      { 'PG-EXT-PG-PARTMAN': 'refuse' },
      {},
    ],
    [
      'pg_partman_bgw preloaded',
      { settings: { shared_preload_libraries: 'pg_stat_statements,pg_partman_bgw' } },
      { 'PG-EXT-PG-PARTMAN': 'refuse' },
      {},
    ],
    ['pg_cron', { extensions: [{ name: 'pg_cron', version: '1.6' }] }, { 'PG-EXT-PG-CRON': 'warn' }, {}],
    [
      'pglogical',
      { extensions: [{ name: 'pglogical', version: '2.4' }] },
      { 'PG-EXT-LOGICAL-REPLICATION': 'refuse' },
      {},
    ],
    [
      'pgactive preloaded',
      { settings: { shared_preload_libraries: 'pgactive' } },
      { 'PG-EXT-LOGICAL-REPLICATION': 'refuse' },
      {},
    ],
    [
      'pgaudit installed, not preloaded',
      {
        extensions: [{ name: 'pgaudit', version: '16' }],
        settings: { shared_preload_libraries: 'pg_stat_statements' },
      },
      { 'PG-PGAUDIT-PRELOAD': 'refuse' },
      { 'PG-PGAUDIT-PRELOAD': 'refuse' },
    ],
    [
      'pgaudit installed and preloaded',
      {
        extensions: [{ name: 'pgaudit', version: '16' }],
        settings: { shared_preload_libraries: 'pgaudit,pg_stat_statements' },
      },
      {},
      {},
    ],
    [
      'a transaction open 301 s',
      { longestTransaction: { seconds: 301, pid: 42, user: 'batch', state: 'idle in transaction' } },
      { 'PG-LONG-TRANSACTION': 'warn' },
      { 'PG-LONG-TRANSACTION': 'warn' },
    ],
    [
      'a transaction open 299 s',
      { longestTransaction: { seconds: 299, pid: 42, user: 'batch', state: 'active' } },
      {},
      {},
    ],
    [
      'WAL senders all in use',
      { walSenders: 20, databases: [{ name: 'orders', bytes: 1 }] },
      { 'PG-REPLICATION-CAPACITY': 'refuse' },
      {},
    ],
    [
      'fewer apply workers than databases',
      {
        settings: {
          max_replication_slots: '20',
          max_wal_senders: '20',
          max_logical_replication_workers: '1',
        },
        databases: [
          { name: 'orders', bytes: 1 },
          { name: 'billing', bytes: 1 },
        ],
      },
      { 'PG-REPLICATION-CAPACITY': 'refuse', 'PG-UNINSPECTED-DATABASES': 'warn' },
      { 'PG-UNINSPECTED-DATABASES': 'warn' },
    ],
  ])('%s', (_name, over, logical, physical) => {
    expect(fired(over as Partial<PostgresFacts>, 'logical')).toEqual(logical);
    expect(fired(over as Partial<PostgresFacts>, 'physical')).toEqual(physical);
  });

  it('caps the objects listed but counts them all', () => {
    const relations = Array.from({ length: 40 }, (_, i) => ({ ...NO_PK, name: `t${i}` }));
    const finding = evaluate({ relations }).findings[0];
    expect(finding).toMatchObject({ rule: 'PG-NO-REPLICA-IDENTITY', count: 40 });
    expect(finding?.objects).toHaveLength(25);
    expect(refusalProblems(evaluate({ relations }))[0]).toContain(
      't9 (≈1200 rows, 96 kB; no primary key) and 30 more',
    );
  });

  it('gives every rule an id, a why, a fix, a documentation page and at least one path', () => {
    for (const rule of RULES.postgres) {
      expect(rule.id).toMatch(/^PG-[A-Z-]+$/);
      expect(rule.why.length).toBeGreaterThan(20);
      expect(rule.fix.length).toBeGreaterThan(10);
      expect(rule.docs).toMatch(/^https:\/\/(docs\.aws\.amazon\.com|www\.postgresql\.org)\//);
      expect(Object.keys(rule.severity).length).toBeGreaterThan(0);
    }
    expect(new Set(RULES.postgres.map((r) => r.id)).size).toBe(RULES.postgres.length);
  });
});

describe('the refusal', () => {
  it('names each refusing object schema-qualified, with its numbers, the fix and the page', () => {
    const [line] = refusalProblems(evaluate({ relations: [NO_PK] }));
    expect(line).toContain('[PG-NO-REPLICA-IDENTITY]');
    expect(line).toContain('public.events (≈1200 rows, 96 kB; no primary key)');
    expect(line).toContain('REPLICA IDENTITY FULL');
    expect(line).toContain('blue-green-deployments-limitations-postgres-logical');
  });

  it('lists warnings nowhere in the refusal', () => {
    expect(refusalProblems(evaluate({ sequences: 3 }))).toEqual([]);
    expect(evaluate({ sequences: 3 }).verdict).toBe('warn');
  });
});

describe('waivers', () => {
  const by = 'dba@example.com';

  it('accepts a warn finding and records who and why', () => {
    const report = evaluate({ sequences: 3 }, 'logical', [
      { rule: 'PG-SEQUENCES', reason: 'switch takes 2 s longer', by },
    ]);
    expect(report.verdict).toBe('pass');
    expect(report.findings[0]?.waiver).toEqual({ reason: 'switch takes 2 s longer', by });
    expect(report.waivers).toEqual([
      { rule: 'PG-SEQUENCES', reason: 'switch takes 2 s longer', by, used: true },
    ]);
  });

  it('accepts a refuse finding only where the rule allows it', () => {
    const unlogged = { ...NO_PK, persistence: 'u' as const, hasPrimaryKey: true, name: 'cache' };
    const report = evaluate({ relations: [unlogged] }, 'logical', [
      { rule: 'PG-UNLOGGED-TABLES', reason: 'cache, rebuilt on start', by },
    ]);
    expect(report.verdict).toBe('pass');
    expect(refusalProblems(report)).toEqual([]);
  });

  it('records a waiver that matched nothing as unused', () => {
    const report = evaluate({}, 'logical', [{ rule: 'PG-LARGE-OBJECTS', reason: 'legacy', by }]);
    expect(report.waivers[0]?.used).toBe(false);
    expect(approvalInspectionLines(approvalInspection(report))).toEqual([
      'waiver of PG-LARGE-OBJECTS by dba@example.com (legacy): nothing to waive',
    ]);
  });

  it('shows waived findings to approvers with who waived them', () => {
    const report = evaluate({ sequences: 3 }, 'logical', [{ rule: 'PG-SEQUENCES', reason: 'fine', by }]);
    expect(approvalInspectionLines(approvalInspection(report))[0]).toMatch(
      /^WARN \[PG-SEQUENCES\] .* \(WAIVED by dba@example\.com: fine\)$/,
    );
  });

  it('refuses an unknown rule id and an unwaivable refusal as input errors naming the field', () => {
    expect(waiverRuleProblem('PG-NOPE')).toMatch(
      /^unknown rule "PG-NOPE"; known rules: PG-NO-REPLICA-IDENTITY, /,
    );
    expect(waiverRuleProblem('PG-NO-REPLICA-IDENTITY')).toMatch(
      /cannot be waived; fix it: add a primary key/,
    );
    expect(waiverRuleProblem('PG-MATERIALIZED-VIEWS')).toBeUndefined();
    const verdict = validateExecutionInput({
      source: { dbInstanceIdentifier: 'orders-db' },
      target: { engineVersion: '18.4' },
      approval: { required: false },
      waivers: [
        { rule: 'PG-NOPE', reason: 'x', by },
        { rule: 'PG-SUBSCRIPTIONS', reason: 'x', by },
        { rule: 'PG-SEQUENCES', reason: '', by },
      ],
    });
    expect(verdict).toEqual({
      ok: false,
      problems: [
        'waivers[2].reason: say why the finding is acceptable',
        expect.stringMatching(/^waivers\[0\]\.rule: unknown rule "PG-NOPE"/),
        expect.stringMatching(/^waivers\[1\]\.rule: PG-SUBSCRIPTIONS .* cannot be waived/),
      ],
    });
  });
});
