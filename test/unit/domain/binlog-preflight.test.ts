/** The MySQL/MariaDB preflight rule table: each rule fires on its case and stays quiet otherwise. */
import { describe, expect, it } from 'vitest';
import { BINLOG_INSPECTION_RULES, type BinlogCatalogFacts, type MysqlTable } from '#domain/binlog-inspection';

const findBinlogHazards = (facts: BinlogCatalogFacts) =>
  BINLOG_INSPECTION_RULES.flatMap((rule) => {
    const objects = rule.find(facts);
    return objects.length > 0 ? [{ rule, objects }] : [];
  });

import { BINLOG_RULES, type BinlogFacts, binlogWarnings, findBinlogProblems } from '#domain/binlog-preflight';
import {
  engineLabel,
  isMajorUpgrade,
  majorOf,
  migrationDialectOf,
  parameterGroupFamily,
  replicationFor,
} from '#domain/engine';
import { validateExecutionInput } from '#domain/input';
import { type PreflightFacts, preflightFindings } from '#domain/preflight';
import { instance } from '../../support/fake-world.ts';

const mysql = (extra: Parameters<typeof instance>[1] = {}) =>
  instance('orders-db', {
    engine: 'mysql',
    engineVersion: '8.0.35',
    parameterGroups: [{ name: 'orders-mysql80', applyStatus: 'in-sync' }],
    optionGroups: [{ name: 'default:mysql-8-0', status: 'in-sync' }],
    endpoint: { address: 'orders-db.example', port: 3306 },
    ...extra,
  });

const healthy = (over: Partial<BinlogFacts> = {}): BinlogFacts => ({
  instance: mysql(),
  targetVersion: '8.0.36',
  blueParameters: { binlog_format: 'ROW' },
  greenParameterGroup: 'orders-mysql80-green',
  greenParameters: { event_scheduler: 'OFF' },
  targetParameterGroupGiven: true,
  externalReplica: { checked: true, replicating: false },
  ...over,
});

const checksOf = (facts: BinlogFacts) => findBinlogProblems(facts).map((f) => f.check);

describe('binlog preflight rules', () => {
  it('pass a healthy MySQL source and a healthy MariaDB source', () => {
    expect(findBinlogProblems(healthy())).toEqual([]);
    const maria = mysql({ engine: 'mariadb', engineVersion: '10.11.9' });
    expect(findBinlogProblems(healthy({ instance: maria, targetVersion: '10.11.10' }))).toEqual([]);
  });

  it('each cite an RDS user guide page', () => {
    for (const rule of BINLOG_RULES)
      expect(rule.source).toMatch(/^https:\/\/docs\.aws\.amazon\.com\/AmazonRDS\//);
  });

  it.each(['MIXED', 'STATEMENT', undefined])(
    'refuse binlog_format %s with the parameter and group to change',
    (value) => {
      const problems = findBinlogProblems(healthy({ blueParameters: value ? { binlog_format: value } : {} }));
      expect(problems.map((p) => p.check)).toEqual(['binlog-format']);
      expect(problems[0]?.problem).toContain('set binlog_format=ROW in "orders-mysql80"');
    },
  );

  it('accept binlog_format row in any case', () => {
    expect(checksOf(healthy({ blueParameters: { binlog_format: 'row' } }))).toEqual([]);
  });

  it.each(['8.0.11', '8.0.12', '8.0.13'])('refuse MySQL %s', (version) => {
    const problems = findBinlogProblems(healthy({ instance: mysql({ engineVersion: version }) }));
    expect(problems.map((p) => p.check)).toEqual(['engine-version']);
    expect(problems[0]?.problem).toContain('upgrade blue to 8.0.14 or later');
  });

  it.each([
    ['mysql', '8.0.10'],
    ['mysql', '8.0.14'],
    ['mysql', '5.7.44'],
    ['mariadb', '10.11.12'],
  ])('let %s %s through the version rule', (engine, version) => {
    const facts = healthy({ instance: mysql({ engine, engineVersion: version }), targetVersion: version });
    expect(checksOf(facts)).not.toContain('engine-version');
  });

  it.each([
    ['ON', 'mysql', '8.0.35'],
    ['1', 'mysql', '8.0.35'],
    [undefined, 'mysql', '8.0.35'],
    ['ON', 'mariadb', '10.11.9'],
  ])("refuse event_scheduler %s in green's group on %s %s", (value, engine, version) => {
    const facts = healthy({
      instance: mysql({ engine, engineVersion: version }),
      targetVersion: version,
      greenParameters: value === undefined ? {} : { event_scheduler: value },
    });
    const problems = findBinlogProblems(facts);
    expect(problems.map((p) => p.check)).toEqual(['event-scheduler']);
    expect(problems[0]?.problem).toContain('"orders-mysql80-green" (green\'s)');
    expect(problems[0]?.problem).toContain('set event_scheduler=OFF');
  });

  it.each([
    ['OFF', 'mysql', '8.0.35'],
    ['DISABLED', 'mysql', '8.0.35'],
    [undefined, 'mariadb', '10.11.9'],
    [undefined, 'mysql', '5.7.44'],
  ])('accept event_scheduler %s on %s %s', (value, engine, version) => {
    const facts = healthy({
      instance: mysql({ engine, engineVersion: version }),
      targetVersion: version,
      greenParameters: value === undefined ? {} : { event_scheduler: value },
    });
    expect(checksOf(facts)).toEqual([]);
  });

  it('refuse a major upgrade of MySQL with a custom option group, and only then', () => {
    const custom = mysql({ optionGroups: [{ name: 'orders-audit', status: 'in-sync' }] });
    const major = findBinlogProblems(healthy({ instance: custom, targetVersion: '8.4.3' }));
    expect(major.map((p) => p.check)).toEqual(['option-group-major-upgrade']);
    expect(major[0]?.problem).toContain('"orders-audit"');
    expect(checksOf(healthy({ instance: custom, targetVersion: '8.0.36' }))).toEqual([]);
    expect(checksOf(healthy({ targetVersion: '8.4.3' }))).toEqual([]);
  });

  it('ask for a target parameter group on a major upgrade', () => {
    const problems = findBinlogProblems(
      healthy({ targetVersion: '8.4.3', targetParameterGroupGiven: false }),
    );
    expect(problems.map((p) => p.check)).toEqual(['target-parameter-group']);
    expect(problems[0]?.problem).toContain('the mysql8.4 family');
    expect(checksOf(healthy({ targetParameterGroupGiven: false }))).toEqual([]);
  });

  it('refuse an external binlog replica, and warn when it could not be checked', () => {
    const replica = healthy({
      externalReplica: { checked: true, replicating: true, sourceHost: 'onprem.db' },
    });
    const problems = findBinlogProblems(replica);
    expect(problems.map((p) => p.check)).toEqual(['not-an-external-replica']);
    expect(problems[0]?.problem).toContain('(onprem.db), configured but stopped');
    const running = healthy({
      externalReplica: { checked: true, replicating: true, sourceHost: 'onprem.db', running: true },
    });
    expect(findBinlogProblems(running)[0]?.problem).toContain('(onprem.db), replicating now');
    const unchecked = healthy({ externalReplica: { checked: false, reason: 'no database section' } });
    expect(findBinlogProblems(unchecked)).toEqual([]);
    expect(binlogWarnings(unchecked)).toEqual([
      expect.stringContaining(
        'orders-db (MySQL 8.0.35): not checked whether blue is an external binlog replica (no database section)',
      ),
    ]);
    expect(binlogWarnings(replica)).toEqual([]);
  });
});

describe('engines', () => {
  it.each([
    ['postgres', '17.4', '17.5', 'physical'],
    ['postgres', '17.4', '18.4', 'logical'],
    ['mysql', '8.0.35', '8.4.3', 'binlog'],
    ['mariadb', '10.6.18', '10.11.9', 'binlog'],
  ])('%s %s → %s replicates by %s', (engine, from, to, replication) => {
    expect(replicationFor(from, to, engine)).toBe(replication);
  });

  it('count majors the way RDS does for each engine', () => {
    expect(majorOf('mysql', '8.0.35')).toBe('8.0');
    expect(isMajorUpgrade('mysql', '8.0.35', '8.4.3')).toBe(true);
    expect(isMajorUpgrade('mysql', '8.0.35', '8.0.36')).toBe(false);
    expect(isMajorUpgrade('mariadb', '10.6.18', '10.11.9')).toBe(true);
    expect(isMajorUpgrade('postgres', '17.4', '17.5')).toBe(false);
    expect(parameterGroupFamily('mariadb', '10.11.9')).toBe('mariadb10.11');
    expect(parameterGroupFamily('postgres', '18.4')).toBe('postgres18');
  });

  it('name engines for people and pick the migration dialect', () => {
    expect(engineLabel('mariadb', '10.11.9')).toBe('MariaDB 10.11.9');
    expect(engineLabel('mysql')).toBe('MySQL');
    expect(engineLabel('oracle-ee', '19')).toBe('oracle-ee 19');
    expect(migrationDialectOf('mariadb')).toBe('mysql');
    expect(migrationDialectOf('postgres')).toBe('postgres');
  });
});

describe('preflightFindings on a MySQL-family source', () => {
  const parse = (over: Record<string, unknown>) => {
    const v = validateExecutionInput({
      source: { dbInstanceIdentifier: 'orders-db' },
      target: { engineVersion: '8.0.36', dbParameterGroupName: 'orders-mysql80-green' },
      approval: { required: false },
      database: { name: 'app', user: 'u', passwordParameter: '/switchyard/test/db/p' },
      ...over,
    });
    if (!v.ok) throw new Error(v.problems.join('\n'));
    return v.input;
  };
  const facts = (over: Partial<PreflightFacts> = {}): PreflightFacts => ({
    instance: mysql(),
    blueParameters: { binlog_format: 'ROW' },
    greenParameters: { event_scheduler: 'OFF' },
    validUpgradeTargets: ['8.0.36', '8.4.3'],
    targetParameterGroupExists: true,
    existingDeployments: [],
    externalReplica: { checked: true, replicating: false },
    ...over,
  });

  it('passes a healthy source without asking for rds.logical_replication', () => {
    expect(preflightFindings(parse({}), facts())).toEqual([]);
  });

  it('joins the binlog rules to the general ones in one list', () => {
    const bad = mysql({ backupRetentionPeriod: 0 });
    const checks = preflightFindings(
      parse({}),
      facts({ instance: bad, blueParameters: { binlog_format: 'MIXED' } }),
    ).map((f) => f.check);
    expect(checks).toEqual(['backups', 'binlog-format']);
  });

  it('refuses migrations written for another engine, naming the field and the fix', () => {
    const input = parse({ migrations: { engine: 'postgres', expand: ['ALTER TABLE t ADD COLUMN c int'] } });
    const problems = preflightFindings(input, facts()).map((f) => f.problem);
    expect(problems).toEqual([
      'migrations.engine: is "postgres" but orders-db runs MySQL; set migrations.engine to "mysql" (the MySQL dialect covers MariaDB too)',
    ]);
    const ok = parse({ migrations: { engine: 'mysql', expand: ['ALTER TABLE t ADD COLUMN c int'] } });
    expect(preflightFindings(ok, facts())).toEqual([]);
  });

  it('refuses MySQL migrations on a PostgreSQL source', () => {
    const v = validateExecutionInput({
      source: { dbInstanceIdentifier: 'orders-db' },
      target: { engineVersion: '17.5' },
      approval: { required: false },
      database: { name: 'app', user: 'u', passwordParameter: '/switchyard/test/db/p' },
      migrations: { engine: 'mysql', expand: ['ALTER TABLE t ADD COLUMN c int'] },
    });
    if (!v.ok) throw new Error(v.problems.join());
    const problems = preflightFindings(v.input, {
      instance: instance('orders-db'),
      blueParameters: {},
      validUpgradeTargets: ['17.5'],
      targetParameterGroupExists: true,
      existingDeployments: [],
    }).map((f) => f.problem);
    expect(problems).toEqual([
      'migrations.engine: is "mysql" but orders-db runs PostgreSQL; set migrations.engine to "postgres"',
    ]);
  });
});

describe('binlog data-plane rules (pure)', () => {
  const table = (name: string, extra: Partial<MysqlTable> = {}): MysqlTable => ({
    schema: 'app',
    name,
    engine: 'InnoDB',
    hasPrimaryKey: true,
    hasUniqueNotNullKey: false,
    rows: 5,
    bytes: 100,
    ...extra,
  });

  it('find nothing on a clean schema', () => {
    expect(
      findBinlogHazards({ serverVersion: '8.0.35', tables: [table('orders')], enabledEvents: [] }),
    ).toEqual([]);
  });

  it('accept a unique NOT NULL key in place of a primary key, and list the fix SQL for MyISAM', () => {
    const facts = {
      serverVersion: '8.0.35',
      tables: [
        table('by_code', { hasPrimaryKey: false, hasUniqueNotNullKey: true }),
        table('legacy', { engine: 'MyISAM' }),
      ],
      enabledEvents: [],
    };
    const found = findBinlogHazards(facts);
    expect(found.map((f) => f.rule.id)).toEqual(['B-NON-TRANSACTIONAL']);
    expect(found[0]?.objects[0]?.sql).toBe('ALTER TABLE `app`.`legacy` ENGINE=InnoDB;');
  });
});

describe("preflightFindings when green's group does not exist", () => {
  it('says so once, without judging parameters it could not read', () => {
    const v = validateExecutionInput({
      source: { dbInstanceIdentifier: 'orders-db' },
      target: { engineVersion: '8.0.36', dbParameterGroupName: 'typo-group' },
      approval: { required: false },
    });
    if (!v.ok) throw new Error(v.problems.join());
    const checks = preflightFindings(v.input, {
      instance: mysql(),
      blueParameters: { binlog_format: 'ROW', event_scheduler: 'ON' },
      validUpgradeTargets: ['8.0.36'],
      targetParameterGroupExists: false,
      existingDeployments: [],
      externalReplica: { checked: true, replicating: false },
    }).map((f) => f.check);
    expect(checks).toEqual(['target-parameter-group']);
  });
});
