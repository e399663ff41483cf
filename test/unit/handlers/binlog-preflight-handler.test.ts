/** Preflight over the real RDS gateway (SDK client mocked) for MySQL and MariaDB sources. */
import {
  DescribeBlueGreenDeploymentsCommand,
  DescribeDBEngineVersionsCommand,
  DescribeDBInstancesCommand,
  DescribeDBParametersCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import type { Gateways } from '#aws/gateways';
import { makeRdsGateway } from '#aws/rds-gateway';
import { makePreflightHandler } from '../../../functions/preflight.ts';
import { passingGate } from '../../support/run-path.ts';

const rdsMock = mockClient(RDSClient);
const EXEC = 'arn:aws:states:us-east-1:1:execution:sm:run-1';
const replicaCalls: string[] = [];
const gateways = (replicating = false): Gateways =>
  ({
    rds: makeRdsGateway(new RDSClient({ region: 'us-east-1' })),
    database: {
      replicaStatus: async (target: { host: string; engine?: string }, version: string) => {
        replicaCalls.push(`${target.engine} ${target.host} ${version}`);
        return replicating ? { replicating: true, sourceHost: 'onprem' } : { replicating: false };
      },
    },
    inspection: {
      inspectMysql: async (_target: unknown, engine: string) => ({
        durationMs: 3,
        summary: {
          serverVersion: `10.6.18-MariaDB (${engine})`,
          databaseBytes: 16384,
          tables: 1,
          sequences: 0,
          connections: 2,
          longestTransactionSeconds: 0,
          databases: ['app'],
        },
        facts: {
          serverVersion: '10.6.18-MariaDB',
          tables: [
            {
              schema: 'app',
              name: 'audit_log',
              engine: 'InnoDB',
              hasPrimaryKey: false,
              hasUniqueNotNullKey: false,
              rows: 10,
              bytes: 16384,
            },
          ],
          enabledEvents: [],
        },
      }),
    },
    clock: () => new Date('2026-11-22T02:00:00Z'),
  }) as unknown as Gateways;

const mariadb = {
  DBInstanceIdentifier: 'orders-db',
  DBInstanceArn: 'arn:aws:rds:us-east-1:1:db:orders-db',
  DBInstanceStatus: 'available',
  Engine: 'mariadb',
  EngineVersion: '10.6.18',
  DBInstanceClass: 'db.r7g.large',
  BackupRetentionPeriod: 7,
  DBParameterGroups: [{ DBParameterGroupName: 'orders-maria106', ParameterApplyStatus: 'in-sync' }],
  OptionGroupMemberships: [{ OptionGroupName: 'default:mariadb-10-6', Status: 'in-sync' }],
  Endpoint: { Address: 'orders-db.abc.us-east-1.rds.amazonaws.com' },
};

const parameters = (values: Record<string, string>) => ({
  Parameters: Object.entries(values).map(([ParameterName, ParameterValue]) => ({
    ParameterName,
    ParameterValue,
  })),
});

const input = (over: Record<string, unknown> = {}) => ({
  source: { dbInstanceIdentifier: 'orders-db' },
  target: { engineVersion: '10.11.9', dbParameterGroupName: 'orders-maria1011' },
  approval: { required: false },
  database: { name: 'app', user: 'smoke', passwordParameter: '/switchyard/prod/db/smoke' },
  ...over,
});

const mockSource = (blue: Record<string, string>, green: Record<string, string>) => {
  rdsMock.on(DescribeDBInstancesCommand).resolves({ DBInstances: [mariadb] });
  rdsMock
    .on(DescribeDBParametersCommand, { DBParameterGroupName: 'orders-maria106' })
    .resolves(parameters(blue));
  rdsMock
    .on(DescribeDBParametersCommand, { DBParameterGroupName: 'orders-maria1011' })
    .resolves(parameters(green));
  rdsMock
    .on(DescribeDBEngineVersionsCommand)
    .resolves({ DBEngineVersions: [{ ValidUpgradeTarget: [{ EngineVersion: '10.11.9' }] }] });
  rdsMock.on(DescribeBlueGreenDeploymentsCommand).resolves({ BlueGreenDeployments: [] });
};

afterEach(() => {
  rdsMock.reset();
  replicaCalls.length = 0;
});

describe('preflight on a MariaDB source', () => {
  it("plans binlog replication, reads green's own group, asks blue about replication on port 3306", async () => {
    mockSource(
      { binlog_format: 'ROW', event_scheduler: 'ON' },
      { binlog_format: 'ROW', event_scheduler: 'OFF' },
    );
    const out = (await makePreflightHandler(gateways(), passingGate)(
      { input: input(), executionId: EXEC },
      {},
    )) as {
      plan: { engine: string; replication: string };
      source: { engine: string; database: { engine: string; port: number } };
      warnings: string[];
      database: { engine: string; replication: string; verdict: string; findings: Array<{ rule: string }> };
    };
    expect(out.plan).toMatchObject({ engine: 'mariadb', replication: 'binlog' });
    expect(out.source.database).toMatchObject({ engine: 'mariadb', port: 3306 });
    expect(out.warnings).toEqual([]);
    // The schema hazard is an inspection finding (warn), carried to approvers, not a refusal.
    expect(out.database).toMatchObject({ engine: 'mariadb', replication: 'binlog', verdict: 'warn' });
    expect(out.database.findings.map((f) => f.rule)).toEqual(['B-NO-PRIMARY-KEY']);
    expect(replicaCalls).toEqual(['mariadb orders-db.abc.us-east-1.rds.amazonaws.com 10.6.18']);
    // Blue's event_scheduler=ON does not matter: green's group has it off.
    const groupsRead = rdsMock
      .commandCalls(DescribeDBParametersCommand)
      .map((c) => c.args[0].input.DBParameterGroupName);
    // (the target group twice: once to prove it exists, once for its values)
    expect([...new Set(groupsRead)].sort()).toEqual(['orders-maria1011', 'orders-maria106']);
  });

  it('refuses with every binlog problem at once', async () => {
    mockSource({ binlog_format: 'MIXED' }, { event_scheduler: 'ON' });
    await expect(
      makePreflightHandler(gateways(true), passingGate)({ input: input(), executionId: EXEC }, {}),
    ).rejects.toMatchObject({
      name: 'PreflightRefusedError',
      message: expect.stringMatching(
        /3 problem\(s\):[\s\S]*binlog_format is MIXED[\s\S]*event_scheduler is ON[\s\S]*external source \(onprem\)/,
      ),
    });
  });

  it('requires the database section, as for PostgreSQL: blue is inspected before anything is created', async () => {
    mockSource({ binlog_format: 'ROW' }, { event_scheduler: 'OFF' });
    await expect(
      makePreflightHandler(gateways(), passingGate)(
        { input: input({ database: undefined }), executionId: EXEC },
        {},
      ),
    ).rejects.toMatchObject({
      message: expect.stringContaining(
        "database: is required: Preflight inspects orders-db's schema for Blue/Green hazards (tables without a primary key, non-transactional tables, enabled events)",
      ),
    });
    expect(replicaCalls).toEqual([]);
  });

  it('warns, without refusing, when blue may not be asked about replication', async () => {
    mockSource({ binlog_format: 'ROW' }, { event_scheduler: 'OFF' });
    const gw = gateways();
    (gw.database as unknown as { replicaStatus: () => Promise<never> }).replicaStatus = async () => {
      throw new Error('Access denied; you need (at least one of) the SLAVE MONITOR privilege(s)');
    };
    const out = (await makePreflightHandler(gw, passingGate)({ input: input(), executionId: EXEC }, {})) as {
      warnings: string[];
    };
    expect(out.warnings).toEqual([
      expect.stringContaining(
        "orders-db (MariaDB 10.6.18): not checked whether blue is an external binlog replica (reading blue's replica status failed: Access denied",
      ),
    ]);
  });
});
