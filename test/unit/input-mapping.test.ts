/** `--input`: the production document mapped onto the emulator, every refusal naming its field. */
import { describe, expect, it } from 'vitest';
import { validateExecutionInput } from '#domain/input';
import { DB_PASSWORD_PARAMETER, rehearsalInput } from '../../rehearsal/input.ts';
import { mapProductionInput, TIME_SCALE } from '../../rehearsal/input-mapping.ts';

const ctx = { sourceEngineVersion: '17.10', targetEngineVersion: '18.4' };

const production = {
  source: { dbInstanceIdentifier: 'billing-prod' },
  target: { engineVersion: '18.1', dbParameterGroupName: 'billing-pg18', dbInstanceClass: 'db.r7g.large' },
  release: 'billing-2026-11',
  migrations: { engine: 'postgres', expand: ['ALTER TABLE accounts ADD COLUMN locale text;'] },
  lag: { maxSeconds: 10, maxBytes: 33554432, stableSamples: 5, pollSeconds: 60, deadlineMinutes: 120 },
  green: { readyDeadlineMinutes: 720, pollSeconds: 60, smokeSql: ['SELECT count(*) FROM accounts'] },
  window: { days: ['SUN'], start: '02:00', end: '05:00', timezone: 'Europe/Berlin' },
  approval: { required: true, approvers: ['oncall@billing.example.com'], timeoutMinutes: 2880 },
  switchover: { timeoutSeconds: 600, pollSeconds: 10 },
  verify: {
    bakeMinutes: 30,
    pollSeconds: 60,
    alarmNames: ['billing-5xx', 'billing-latency'],
    smokeSql: ['SELECT 1'],
  },
  database: { name: 'billing', user: 'switchyard', passwordParameter: '/prod/billing/switchyard-password' },
  retention: { keepOldBlueHours: 24, finalSnapshot: true },
};

describe('mapProductionInput', () => {
  it('points production names at the emulator, scales every time, keeps what is the user’s, and says why', () => {
    const r = mapProductionInput(production, ctx);
    if (!r.ok) throw new Error(r.refusals.join('\n'));
    expect(r.input).toMatchObject({
      source: { dbInstanceIdentifier: 'orders-db' },
      target: { engineVersion: '18.4', dbParameterGroupName: 'orders-pg18', dbInstanceClass: 'db.r7g.large' },
      release: 'billing-2026-11',
      migrations: production.migrations,
      lag: { maxSeconds: 10, maxBytes: 33554432, stableSamples: 5, pollSeconds: 2, deadlineMinutes: 4 },
      green: { readyDeadlineMinutes: 6, pollSeconds: 1, smokeSql: ['SELECT count(*) FROM accounts'] },
      approval: { approvers: ['dba@example.com'], timeoutMinutes: 20 },
      switchover: { timeoutSeconds: 120, pollSeconds: 2 },
      verify: { bakeMinutes: 0.1, pollSeconds: 1, alarmNames: ['orders-5xx'], smokeSql: ['SELECT 1'] },
      database: { name: 'postgres', user: 'postgres', passwordParameter: DB_PASSWORD_PARAMETER },
    });
    expect(r.input.window).toBeUndefined();
    expect((r.input.retention as { keepOldBlueHours: number }).keepOldBlueHours).toBeCloseTo(1 / 3600, 6); // 72 h → 3 s, so 24 h → 1 s
    // The production document is not modified.
    expect(production.source.dbInstanceIdentifier).toBe('billing-prod');
    const fields = r.changes.map((c) => c.field);
    for (const f of [
      'source.dbInstanceIdentifier',
      'target.engineVersion',
      'window',
      'verify.alarmNames',
      'lag.pollSeconds',
    ])
      expect(fields, f).toContain(f);
    expect(r.changes.find((c) => c.field === 'green.readyDeadlineMinutes')).toMatchObject({
      from: 720,
      to: 6,
    });
    // What comes out is a valid execution input.
    expect(validateExecutionInput(r.input).ok).toBe(true);
  });

  it('maps the production defaults exactly onto the documented rehearsal values', () => {
    const r = mapProductionInput(
      { source: { dbInstanceIdentifier: 'db1' }, target: { engineVersion: '18' } },
      ctx,
    );
    if (!r.ok) throw new Error(r.refusals.join('\n'));
    const builtIn = rehearsalInput('happy', { targetEngineVersion: '18.4' }) as Record<
      string,
      Record<string, number>
    >;
    for (const [field] of TIME_SCALE) {
      const [section, key] = field.split('.') as [string, string];
      expect((r.input[section] as Record<string, number>)[key], field).toBeCloseTo(
        builtIn[section]?.[key] ?? NaN,
        6,
      );
    }
  });

  it.each([
    ['not an object', [], /^input: must be a JSON object/],
    [
      'Aurora',
      { source: { dbClusterIdentifier: 'aurora-1' }, target: { engineVersion: '18.4' } },
      /^source\.dbClusterIdentifier: Aurora/,
    ],
    ['no source', { target: { engineVersion: '18.4' } }, /^source\.dbInstanceIdentifier: missing/],
    [
      'no engine version',
      { source: { dbInstanceIdentifier: 'a' }, target: { dbParameterGroupName: 'g' } },
      /^target\.engineVersion: missing/,
    ],
    [
      'a major no binary serves',
      { source: { dbInstanceIdentifier: 'a' }, target: { engineVersion: '16.4' } },
      /^target\.engineVersion: "16\.4": no local PostgreSQL binary/,
    ],
    [
      'a minor upgrade',
      { source: { dbInstanceIdentifier: 'a' }, target: { engineVersion: '17.12' } },
      /minor-version upgrade needs a second 17\.x binary/,
    ],
    [
      'MySQL migrations',
      {
        source: { dbInstanceIdentifier: 'a' },
        target: { engineVersion: '18.4' },
        migrations: { engine: 'mysql' },
      },
      /^migrations\.engine: "mysql"/,
    ],
  ])('refuses %s, naming the field', (_name, doc, expected) => {
    const r = mapProductionInput(doc, ctx);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.refusals[0]).toMatch(expected);
  });

  it('refuses every problem at once', () => {
    const r = mapProductionInput(
      {
        source: { dbClusterIdentifier: 'c' },
        target: { engineVersion: '15' },
        migrations: { engine: 'mysql' },
      },
      ctx,
    );
    expect(r.ok ? [] : r.refusals.map((p) => p.split(':')[0])).toEqual([
      'source.dbClusterIdentifier',
      'target.engineVersion',
      'migrations.engine',
    ]);
  });
});
