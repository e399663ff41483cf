/**
 * Path tests for RDS for MySQL and RDS for MariaDB sources: the real ASL, the real handlers, the real
 * gate where it matters, and the fake world scripted as a MySQL-family instance.
 */
import { describe, expect, it } from 'vitest';
import type { InstanceFacts } from '#domain/facts';
import { defaultGateRunner } from '#lib/default-gate';
import { makeWorld, type WorldScript } from '../support/fake-world.ts';
import { baseInput, runPath } from '../support/run-path.ts';

const REFUSED = ['Begin', 'Preflight', 'NotifyRefused', 'Refused'];

const source = (engine: 'mysql' | 'mariadb', engineVersion: string): Partial<InstanceFacts> => ({
  engine,
  engineVersion,
  parameterGroups: [{ name: `orders-${engine}`, applyStatus: 'in-sync' }],
  optionGroups: [{ name: `default:${engine}`, status: 'in-sync' }],
  endpoint: { address: 'orders-db.example', port: 3306 },
});

const binlogWorld = (
  engine: 'mysql' | 'mariadb',
  version: string,
  targetVersion: string,
  extra: WorldScript = {},
) =>
  makeWorld({
    provisioningPolls: 1,
    source: source(engine, version),
    green: { engineVersion: targetVersion },
    upgradeTargets: [targetVersion],
    groupParameters: {
      [`orders-${engine}`]: { binlog_format: 'ROW', event_scheduler: 'OFF' },
      [`orders-${engine}-green`]: { binlog_format: 'ROW', event_scheduler: 'OFF' },
    },
    ...extra,
  });

const binlogInput = (
  engine: 'mysql' | 'mariadb',
  targetVersion: string,
  over: Record<string, unknown> = {},
) =>
  baseInput({
    target: { engineVersion: targetVersion, dbParameterGroupName: `orders-${engine}-green` },
    database: { name: 'app', user: 'switchyard_smoke', passwordParameter: '/switchyard/test/db/smoke' },
    verify: { bakeMinutes: 1, pollSeconds: 1, alarmNames: [], smokeSql: ['SELECT count(*) FROM orders'] },
    ...over,
  });

describe('MySQL and MariaDB paths', () => {
  it.each([
    ['mysql', '8.0.35', '8.0.36', 'MySQL 8.0.35 → 8.0.36'],
    ['mariadb', '10.11.9', '10.11.10', 'MariaDB 10.11.9 → 10.11.10'],
  ] as const)(
    'switches a %s source by binlog replication, checking read_only on both sides',
    async (engine, from, to, versions) => {
      // Prepare
      const world = binlogWorld(engine, from, to);
      // Act
      const run = await runPath(world, binlogInput(engine, to));
      // Assess
      expect(run.status).toBe('SUCCEEDED');
      expect(run.states.at(-1)).toBe('Succeeded');
      const output = run.output as {
        preflight: { plan: { engine: string; replication: string; lag: { metric: string; readOn: string } } };
        verify: { ok: boolean };
      };
      expect(output.preflight.plan).toMatchObject({
        engine,
        replication: 'binlog',
        lag: { metric: 'ReplicaLag', readOn: 'green' },
      });
      // Blue was asked whether it replicates from elsewhere; after the switch both sides were read.
      expect(world.calls).toContain('replicaStatus orders-db.example');
      expect(world.calls).toContain('isReadOnly orders-db-old1.example');
      expect(world.calls).toContain('isReadOnly orders-db.example');
      const request = (run.approvalRequests[0] as { request: { engine: string; replication: string } })
        .request;
      expect(request).toMatchObject({ engine, replication: 'binlog' });
      expect(world.published[0]?.message).toContain(`Versions: ${versions}`);
      // No ANALYZE TABLE on a binlog green (docs/green-maintenance.md); the reason reaches the approvers.
      expect(world.maintenanceLog).toEqual([]);
      expect((request as { greenMaintenance?: { summary: string } }).greenMaintenance?.summary).toMatch(
        /^no ANALYZE: not needed on MySQL\/MariaDB: InnoDB keeps its statistics/,
      );
    },
  );

  it('holds old blue and alerts when old blue still accepts writes after the switch', async () => {
    const world = binlogWorld('mysql', '8.0.35', '8.0.36', {
      readOnlyHosts: { 'orders-db-old1.example': false },
    });
    const run = await runPath(world, binlogInput('mysql', '8.0.36'));
    expect(run.states.slice(-3)).toEqual(['VerificationFailed', 'AlertAndHold', 'FailedAfterSwitch']);
    expect(world.calls).not.toContain('deleteInstance orders-db-old1');
    const message = world.published[0]?.message ?? '';
    expect(message).toContain('old blue is writable (read_only=0)');
    // The fail-back runbook names MySQL's parameter, not PostgreSQL's.
    expect(message).toContain('set read_only=0 in its parameter group');
  });

  it('refuses a MySQL source whose binlog_format is MIXED, naming the parameter and the group', async () => {
    const world = binlogWorld('mysql', '8.0.35', '8.0.36', {
      groupParameters: {
        'orders-mysql': { binlog_format: 'MIXED', event_scheduler: 'OFF' },
        'orders-mysql-green': { event_scheduler: 'OFF' },
      },
    });
    const run = await runPath(world, binlogInput('mysql', '8.0.36'));
    expect(run.states).toEqual(REFUSED);
    expect(world.calls.filter((c) => c.startsWith('create'))).toEqual([]);
    expect(world.published[0]?.message).toContain(
      'orders-db: binlog_format is MIXED in parameter group "orders-mysql"; set binlog_format=ROW in "orders-mysql"',
    );
  });

  it('refuses MySQL 8.0.12, which RDS excludes from Blue/Green', async () => {
    const world = binlogWorld('mysql', '8.0.12', '8.0.36');
    const run = await runPath(world, binlogInput('mysql', '8.0.36'));
    expect(run.states).toEqual(REFUSED);
    expect(world.published[0]?.message).toContain('MySQL 8.0.12 cannot have a Blue/Green deployment');
  });

  it('refuses an external binlog replica', async () => {
    const world = binlogWorld('mariadb', '10.11.9', '10.11.10', { externalReplicaOf: 'onprem.example' });
    const run = await runPath(world, binlogInput('mariadb', '10.11.10'));
    expect(run.states).toEqual(REFUSED);
    expect(world.published[0]?.message).toContain(
      'is a binlog replica of an external source (onprem.example)',
    );
  });

  it('refuses PostgreSQL migrations for a MariaDB source, naming migrations.engine', async () => {
    const world = binlogWorld('mariadb', '10.11.9', '10.11.10');
    const input = binlogInput('mariadb', '10.11.10', {
      migrations: { engine: 'postgres', expand: ['ALTER TABLE orders ADD COLUMN note text;'] },
    });
    const run = await runPath(world, input, 'approve', defaultGateRunner);
    expect(run.states).toEqual(REFUSED);
    const message = world.published[0]?.message ?? '';
    expect(message).toContain(
      'migrations.engine: is "postgres" but orders-db runs MariaDB; set migrations.engine to "mysql"',
    );
    // The gate did not lint MySQL-bound statements as PostgreSQL: the mismatch is the only problem.
    expect(message).toContain('1 problem(s)');
  });

  it('runs the gate with the binlog replication path: a column placed mid-table is refused', async () => {
    const world = binlogWorld('mysql', '8.0.35', '8.0.36');
    const input = binlogInput('mysql', '8.0.36', {
      migrations: { engine: 'mysql', expand: ['ALTER TABLE orders ADD COLUMN note VARCHAR(20) AFTER id;'] },
    });
    const run = await runPath(world, input, 'approve', defaultGateRunner);
    expect(run.states).toEqual(REFUSED);
    const message = world.published[0]?.message ?? '';
    expect(message).toContain('G-COLUMN-POSITION');
    expect(message).toContain('binlog replication to green breaks');
  });

  it('lints an additive MySQL migration at Preflight, then stops before green: ApplyMigrations is PostgreSQL-only', async () => {
    const world = binlogWorld('mysql', '8.0.35', '8.0.36');
    const input = binlogInput('mysql', '8.0.36', {
      migrations: { engine: 'mysql', expand: ['ALTER TABLE orders ADD COLUMN note VARCHAR(20) NULL;'] },
    });
    const run = await runPath(world, input, 'approve', defaultGateRunner);
    expect(run.status).toBe('FAILED');
    expect(run.states).toContain('ApplyMigrations');
    expect(run.states).not.toContain('CreateGreen');
    expect(world.calls.filter((c) => c.startsWith('createDeployment'))).toEqual([]);
    expect(world.published[0]?.message).toContain('the pipeline applies PostgreSQL migrations only');
  });

  it('inspects blue with the binlog rules: a MyISAM table is a warning approvers see, not a refusal', async () => {
    const world = binlogWorld('mariadb', '10.11.9', '10.11.10', {
      binlogCatalog: {
        serverVersion: '10.11.9-MariaDB',
        tables: [
          {
            schema: 'app',
            name: 'legacy',
            engine: 'MyISAM',
            hasPrimaryKey: true,
            hasUniqueNotNullKey: false,
            rows: 3,
            bytes: 2048,
          },
        ],
        enabledEvents: [],
      },
    });
    const run = await runPath(world, binlogInput('mariadb', '10.11.10'));
    expect(run.status).toBe('SUCCEEDED');
    expect(world.calls).toContain('inspectMysql orders-db.example');
    const database = (run.output as { preflight: { database: { verdict: string; findings: unknown[] } } })
      .preflight.database;
    expect(database.verdict).toBe('warn');
    expect(database.findings).toEqual([
      expect.objectContaining({ rule: 'B-NON-TRANSACTIONAL', severity: 'warn', count: 1 }),
    ]);
  });
});
