/**
 * The MySQL/MariaDB seam against a real MariaDB server with TLS: certificates are verified (an
 * untrusted CA is refused), smoke queries run in a READ ONLY transaction, read_only and replica
 * status are read from the server itself.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type DatabaseTarget, makeDatabaseGateway } from '#aws/database-gateway';
import { makeInspectionGateway } from '#aws/inspection-gateway';
import { EXTRA_CA_ENV } from '#aws/mysql-connection';
import { replicaStatusSql } from '#aws/mysql-database';
import { BINLOG_INSPECTION_RULES } from '#domain/binlog-inspection';
import { installRdsProcedures } from '../../emulator/mariadb/rds-account.ts';
import {
  MARIADB_MISSING,
  type MariadbServer,
  mariadbAvailable,
  startMariadbWithTls,
} from '../support/mariadb-tls.ts';

const PASSWORD = 'smoke-pw-1';

describe('replicaStatusSql', () => {
  it.each([
    ['8.4.3', 'SHOW REPLICA STATUS'],
    ['8.0.22', 'SHOW REPLICA STATUS'],
    ['8.0.21-log', 'SHOW SLAVE STATUS'],
    ['5.7.44', 'SHOW SLAVE STATUS'],
    // RDS for MariaDB ≥ 10.5: the master user has no SLAVE MONITOR; RDS's procedure instead.
    ['10.11.19-MariaDB-0+deb12u1', 'CALL mysql.rds_replica_status'],
    ['10.5.1-MariaDB', 'CALL mysql.rds_replica_status'],
    ['10.4.34-MariaDB-log', 'SHOW SLAVE STATUS'],
  ] as const)('%s uses %s', (version, sql) => {
    expect(replicaStatusSql(version)).toBe(sql);
  });
});

describe.skipIf(!mariadbAvailable())(
  `MySQL seam on a real MariaDB over TLS (${MARIADB_MISSING} if skipped)`,
  () => {
    let server: MariadbServer;
    const gateway = makeDatabaseGateway(async () => PASSWORD);
    const inspection = makeInspectionGateway(async () => PASSWORD);
    const target = (): DatabaseTarget => ({
      host: 'localhost',
      port: server.port,
      name: 'app',
      user: 'smoke',
      passwordParameter: '/switchyard/test/db/smoke',
      engine: 'mariadb',
    });

    beforeAll(async () => {
      server = await startMariadbWithTls();
      const root = await server.root();
      try {
        await installRdsProcedures(root); // as the emulator installs them in every MariaDB server
        for (const sql of [
          'CREATE DATABASE app',
          'CREATE TABLE app.orders (id INT PRIMARY KEY, status VARCHAR(20))',
          "INSERT INTO app.orders VALUES (1, 'new')",
          // REQUIRE SSL: the server itself refuses a plaintext login, so a pass proves TLS was used.
          `CREATE USER 'smoke'@'%' IDENTIFIED BY '${PASSWORD}' REQUIRE SSL`,
          // Write and DDL rights on purpose: read-only smoke must not depend on the user's grants.
          "GRANT SELECT, INSERT, CREATE, DROP, EVENT ON app.* TO 'smoke'@'%'",
          // Replica status as on RDS for MariaDB: RDS's procedure, not SLAVE MONITOR.
          "GRANT EXECUTE ON PROCEDURE mysql.rds_replica_status TO 'smoke'@'%'",
        ])
          await root.query(sql);
      } finally {
        await root.end();
      }
      vi.stubEnv(EXTRA_CA_ENV, server.caFile);
    });

    afterAll(async () => {
      vi.unstubAllEnvs();
      await server?.stop();
    });

    it('runs smoke queries over verified TLS, inside a READ ONLY transaction', async () => {
      const results = await gateway.runSmoke(target(), [
        'SELECT count(*) FROM orders',
        "INSERT INTO orders VALUES (2, 'smoke')",
        "SELECT VARIABLE_VALUE FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'Ssl_version'",
      ]);
      expect(results.map((r) => r.ok)).toEqual([true, false, true]);
      expect(results[1]?.error).toMatch(/READ ONLY transaction/i);
      const root = await server.root();
      try {
        const [rows] = await root.query('SELECT count(*) AS n FROM app.orders');
        expect((rows as Array<{ n: number }>)[0]?.n).toBe(1);
      } finally {
        await root.end();
      }
    });

    it('cannot change anything, even with DDL, COMMIT or a session flip in between', async () => {
      const results = await gateway.runSmoke(target(), [
        'DROP TABLE orders',
        'COMMIT',
        'SET SESSION TRANSACTION READ WRITE',
        "INSERT INTO orders VALUES (3, 'after flip')",
        'CREATE TABLE sneaky (id INT)',
        'SELECT count(*) FROM orders',
      ]);
      expect(results.map((r) => [r.sql.split(' ')[0], r.ok])).toEqual([
        ['DROP', false],
        ['COMMIT', true],
        ['SET', true],
        ['INSERT', false],
        ['CREATE', false],
        ['SELECT', true],
      ]);
      const root = await server.root();
      try {
        const [tables] = await root.query("SHOW TABLES FROM app LIKE 'sneaky'");
        expect(tables).toEqual([]);
        const [rows] = await root.query('SELECT count(*) AS n FROM app.orders');
        expect((rows as Array<{ n: number }>)[0]?.n).toBe(1);
      } finally {
        await root.end();
      }
    });

    it('refuses a server whose certificate does not chain to a trusted CA', async () => {
      vi.stubEnv(EXTRA_CA_ENV, '');
      try {
        const results = await gateway.runSmoke(target(), ['SELECT 1']);
        expect(results[0]?.ok).toBe(false);
        expect(results[0]?.error).toMatch(/cannot connect: .*(self[- ]signed|unable to verify|certificate)/i);
      } finally {
        vi.stubEnv(EXTRA_CA_ENV, server.caFile);
      }
    });

    it('reads @@GLOBAL.read_only as the server has it', async () => {
      const root = await server.root();
      try {
        await root.query('SET GLOBAL read_only = 1');
        expect(await gateway.isReadOnly(target())).toBe(true);
        await root.query('SET GLOBAL read_only = 0');
        expect(await gateway.isReadOnly(target())).toBe(false);
      } finally {
        await root.query('SET GLOBAL read_only = 0');
        await root.end();
      }
    });

    it('tells an external binlog replica from a server that replicates from nowhere', async () => {
      expect(await gateway.replicaStatus(target(), '10.11.19')).toEqual({ replicating: false });
      const root = await server.root();
      try {
        await root.query(
          "CHANGE MASTER TO MASTER_HOST='onprem.example', MASTER_USER='repl', MASTER_PASSWORD='x'",
        );
        expect(await gateway.replicaStatus(target(), '10.11.19')).toEqual({
          replicating: true,
          sourceHost: 'onprem.example',
          running: false,
        });
        // Started: the SQL thread runs (the I/O thread keeps retrying a host that does not answer).
        await root.query('START SLAVE');
        expect(await gateway.replicaStatus(target(), '10.11.19')).toMatchObject({ running: true });
      } finally {
        await root.query('STOP SLAVE');
        await root.query('RESET SLAVE ALL');
        await root.end();
      }
    });

    it('reads the catalog facts the binlog rules need, and the rules find each hazard', async () => {
      const root = await server.root();
      try {
        for (const sql of [
          'CREATE TABLE app.audit_log (at DATETIME, line TEXT) ENGINE=InnoDB',
          'CREATE TABLE app.legacy (id INT PRIMARY KEY) ENGINE=MyISAM',
          'CREATE TABLE app.by_code (code VARCHAR(8) NOT NULL, UNIQUE KEY (code)) ENGINE=InnoDB',
          'CREATE TABLE app.nullable_key (code VARCHAR(8) NULL, UNIQUE KEY (code)) ENGINE=InnoDB',
          'CREATE EVENT app.purge ON SCHEDULE EVERY 1 DAY DO DELETE FROM app.audit_log',
          'CREATE EVENT app.off ON SCHEDULE EVERY 1 DAY DISABLE DO DELETE FROM app.audit_log',
        ])
          await root.query(sql);
      } finally {
        await root.end();
      }
      const { facts, summary } = await inspection.inspectMysql(target(), 'mariadb');
      expect(facts.serverVersion).toMatch(/MariaDB/);
      expect(summary).toMatchObject({ tables: 5, sequences: 0, databases: ['app'] });
      expect(summary.connections).toBeGreaterThanOrEqual(1);
      expect(facts.tables.map((t) => [t.name, t.engine, t.hasPrimaryKey, t.hasUniqueNotNullKey])).toEqual([
        ['audit_log', 'InnoDB', false, false],
        ['by_code', 'InnoDB', false, true],
        ['legacy', 'MyISAM', true, false],
        ['nullable_key', 'InnoDB', false, false],
        ['orders', 'InnoDB', true, false],
      ]);
      const found = Object.fromEntries(
        BINLOG_INSPECTION_RULES.map((r) => [r.id, r.find(facts).map((o) => o.name)]),
      );
      expect(found).toEqual({
        'B-NON-TRANSACTIONAL': ['app.legacy'],
        'B-NO-PRIMARY-KEY': ['app.audit_log', 'app.nullable_key'],
        'B-ENABLED-EVENTS': ['app.purge'],
      });
    });

    it('refuses read_only checks on a PostgreSQL target instead of guessing', async () => {
      await expect(gateway.isReadOnly({ ...target(), engine: 'postgres' })).rejects.toThrow(
        'runs on MySQL or MariaDB only, not postgres',
      );
    });
  },
);
