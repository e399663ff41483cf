/** The rehearse command's argument handling, including npm's `npm run rehearse --flag` form. */
import { describe, expect, it } from 'vitest';
import { parseRehearseArgs, reportName } from '../../bin/commands/rehearse.ts';
import { SCENARIO_NAMES } from '../../rehearsal/index.ts';
import { rehearsalInput } from '../../rehearsal/input.ts';
import { validateExecutionInput } from '../../src/domain/input.ts';
import { buildPlan } from '../../src/domain/plan.ts';

describe('parseRehearseArgs', () => {
  it('defaults to the happy scenario waiting for a person', () => {
    expect(parseRehearseArgs([], {})).toMatchObject({
      scenarios: ['happy'],
      autoApprove: false,
      report: undefined,
    });
  });

  it('reads flags given after --', () => {
    expect(
      parseRehearseArgs(['--auto-approve', '--scenario', 'lag-stall', '--report', 'r.json'], {}),
    ).toMatchObject({
      scenarios: ['lag-stall'],
      autoApprove: true,
      report: 'r.json',
    });
  });

  it('reads the npm form, where npm turns unknown flags into npm_config_* variables', () => {
    const env = {
      npm_config_auto_approve: 'true',
      npm_config_scenario: 'verify-fails',
      npm_config_report: 'out.json',
    };
    expect(parseRehearseArgs([], env)).toMatchObject({
      scenarios: ['verify-fails'],
      autoApprove: true,
      report: 'out.json',
    });
  });

  it('reads --engine (postgres by default) and refuses an unknown engine', () => {
    expect(parseRehearseArgs([], {})).toMatchObject({ engine: 'postgres' });
    expect(parseRehearseArgs(['--engine', 'mariadb'], {})).toMatchObject({ engine: 'mariadb' });
    expect(parseRehearseArgs([], { npm_config_engine: 'mysql' })).toMatchObject({ engine: 'mysql' });
    expect(parseRehearseArgs(['--engine', 'mariadb', '--scenario', 'schema-hazards'], {})).toMatch(
      /PostgreSQL-only/,
    );
    const all = parseRehearseArgs(['--engine', 'mysql', '--scenario', 'all'], {});
    expect(typeof all === 'object' && all.scenarios.includes('schema-hazards')).toBe(false);
    expect(typeof all === 'object' && all.scenarios.includes('migration-fails')).toBe(false);
    expect(typeof all === 'object' && all.scenarios.includes('lag-stall')).toBe(true);
    // fail-back: PostgreSQL and MariaDB, not MySQL (no reverse stream there).
    expect(typeof all === 'object' && all.scenarios.includes('fail-back')).toBe(false);
    const maria = parseRehearseArgs(['--engine', 'mariadb', '--scenario', 'all'], {});
    expect(typeof maria === 'object' && maria.scenarios.includes('fail-back')).toBe(true);
    expect(parseRehearseArgs(['--engine', 'mysql', '--scenario', 'fail-back'], {})).toMatch(
      /runs on PostgreSQL and MariaDB .*--engine mariadb/,
    );
    expect(parseRehearseArgs(['--engine', 'mariadb', '--scenario', 'fail-back'], {})).toMatchObject({
      scenarios: ['fail-back'],
    });
    expect(parseRehearseArgs(['--engine', 'oracle'], {})).toMatch(
      /unknown engine 'oracle'; choose one of postgres, mariadb, mysql/,
    );
  });

  it('reads --expect OUTCOME and refuses what is not an outcome, or --expect with all', () => {
    expect(parseRehearseArgs([], {})).toMatchObject({ expect: undefined });
    expect(parseRehearseArgs(['--expect', 'refused'], {})).toMatchObject({ expect: 'refused' });
    expect(parseRehearseArgs([], { npm_config_expect: 'rolled-back' })).toMatchObject({
      expect: 'rolled-back',
    });
    expect(parseRehearseArgs(['--expect', 'refuse'], {})).toMatch(
      /--expect 'refuse' is not an outcome; choose one of switched, rolled-back, .*refused/,
    );
    expect(parseRehearseArgs(['--expect', 'refused', '--scenario', 'all'], {})).toMatch(
      /--expect applies to one run/,
    );
  });

  it('names the default report after the input document when there is one', () => {
    expect(reportName(undefined, 'lag-stall')).toBe('lag-stall');
    expect(reportName('examples/clean-switch/input.json', 'happy')).toBe('clean-switch');
    expect(reportName('/tmp/billing prod.json', 'happy')).toBe('billing_prod');
  });

  it('expands "all" to every scenario and refuses unknown ones', () => {
    expect(parseRehearseArgs(['--scenario', 'all'], {})).toMatchObject({ scenarios: [...SCENARIO_NAMES] });
    expect(parseRehearseArgs(['--scenario', 'nope'], {})).toMatch(/unknown scenario 'nope'/);
    expect(parseRehearseArgs(['--bogus'], {})).toMatch(/bogus/);
  });
});

describe('rehearsalInput', () => {
  it.each(SCENARIO_NAMES.filter((s) => s !== 'bad-input'))(
    'is a valid execution input for %s',
    (scenario) => {
      expect(validateExecutionInput(rehearsalInput(scenario, { targetEngineVersion: '18.4' })).ok).toBe(true);
    },
  );

  it('speaks MySQL for the mariadb and mysql engines: a minor upgrade, MySQL-dialect (and no) migrations, database orders', () => {
    for (const [engine, version, group] of [
      ['mariadb', '10.11.20', 'orders-mariadb-green'],
      ['mysql', '8.0.42', 'orders-mysql80'],
    ] as const) {
      const input = rehearsalInput('happy', { targetEngineVersion: version, engine });
      expect(input).toMatchObject({
        target: { engineVersion: version, dbParameterGroupName: group },
        migrations: { engine: 'mysql', expand: [] },
        database: { name: 'orders', user: 'admin' },
      });
      expect(validateExecutionInput(input).ok).toBe(true);
      expect(rehearsalInput('bad-input', { targetEngineVersion: version, engine }).migrations).toMatchObject({
        engine: 'mysql',
      });
    }
  });

  it('is refused for bad-input, naming the unknown field', () => {
    const verdict = validateExecutionInput(rehearsalInput('bad-input', { targetEngineVersion: '18.4' }));
    expect(verdict).toEqual({
      ok: false,
      problems: [expect.stringMatching(/^maintenanceWindow: unknown field/)],
    });
  });

  it('shortens the waits to the documented time scale, exactly', () => {
    const verdict = validateExecutionInput(rehearsalInput('happy', { targetEngineVersion: '18.4' }));
    if (!verdict.ok) throw new Error(verdict.problems.join('; '));
    const plan = buildPlan(
      verdict.input,
      { arn: 'arn:aws:rds:us-east-1:123456789012:db:orders-db', engineVersion: '17.10' },
      'arn:x',
      new Date(0),
    );
    expect(plan.waits).toEqual({
      greenPollSeconds: 1,
      lagPollSeconds: 1,
      verifyPollSeconds: 1,
      retentionSeconds: 3,
      switchoverPollSeconds: 1,
      greenFallbackSeconds: 15,
      switchoverFallbackSeconds: 15,
    });
    expect(plan.bakeSeconds).toBe(3);
    expect(plan.approval.timeoutSeconds).toBe(600);
    expect(plan.replication).toBe('logical');
  });
});
