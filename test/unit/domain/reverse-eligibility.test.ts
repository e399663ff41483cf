/** Whether a run keeps old blue current by reverse replication, and the refusal when asked where it cannot run. */
import { describe, expect, it } from 'vitest';
import { decideReverseReplication, type ReverseEligibilityFacts } from '#domain/reverse-eligibility';

const pg: ReverseEligibilityFacts = {
  requested: undefined,
  engine: 'postgres',
  replication: 'logical',
  currentEngineVersion: '17.4',
  targetEngineVersion: '18.4',
  greenParameters: { 'rds.logical_replication': '1' },
  greenParameterGroup: 'orders-pg18',
  blueParameterGroup: 'orders-pg17',
  hasDatabase: true,
};
const maria: ReverseEligibilityFacts = {
  ...pg,
  engine: 'mariadb',
  replication: 'binlog',
  currentEngineVersion: '10.11.9',
  targetEngineVersion: '10.11.10',
  greenParameters: {},
  greenParameterGroup: 'orders-green',
  blueParameterGroup: 'orders-blue',
};

describe('decideReverseReplication', () => {
  it.each([
    ['PostgreSQL 17 → 18, logical, rds.logical_replication on', pg, true, /origin = none/],
    [
      'PostgreSQL physical path',
      { ...pg, replication: 'physical' as const, targetEngineVersion: '17.5' },
      false,
      /physical replication/,
    ],
    ['PostgreSQL 15', { ...pg, currentEngineVersion: '15.8' }, false, /16 or later/],
    [
      'green without rds.logical_replication',
      { ...pg, greenParameters: {} },
      false,
      /rds\.logical_replication=1 in the target DB parameter group "orders-pg18"/,
    ],
    ['no database block', { ...pg, hasDatabase: false }, false, /no database block/],
    ['MySQL', { ...maria, engine: 'mysql' as const }, false, /MySQL is not supported/],
    ['MariaDB with custom groups', maria, true, /GTID replica/],
    [
      'MariaDB, blue on a default group',
      { ...maria, blueParameterGroup: 'default.mariadb10.11' },
      false,
      /default\.mariadb10\.11 cannot be modified: give blue a custom group/,
    ],
    [
      'MariaDB, green on a default group',
      { ...maria, greenParameterGroup: 'default.mariadb10.11' },
      false,
      /target\.dbParameterGroupName/,
    ],
    [
      'MariaDB, green sharing blue’s group',
      { ...maria, greenParameterGroup: 'orders-blue' },
      false,
      /green would share blue's group "orders-blue": set target\.dbParameterGroupName/,
    ],
    ['asked off', { ...pg, requested: false }, false, /failBack\.enabled is false/],
  ])('%s', (_label, facts, enabled, reason) => {
    const { decision, problem } = decideReverseReplication(facts);
    expect(decision.enabled).toBe(enabled);
    expect(decision.reason).toMatch(reason);
    // Off by default is reported, never a refusal.
    expect(problem).toBeNull();
  });

  it('refuses an explicit failBack.enabled: true where it cannot run, naming the field and the fix', () => {
    const { problem } = decideReverseReplication({
      ...maria,
      requested: true,
      blueParameterGroup: 'default.mariadb10.11',
      greenParameterGroup: 'default.mariadb10.11',
    });
    expect(problem).toMatch(
      /^failBack\.enabled: reverse replication cannot run: .*default\.mariadb10\.11 cannot be modified.*or set failBack\.enabled to false/,
    );
    // The same default group is named once.
    expect(problem?.match(/default\.mariadb10\.11/g)).toHaveLength(1);
  });
});
