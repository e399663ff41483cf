/**
 * The emulated RDS for MariaDB master user on real servers: exactly RDS's documented privileges (so
 * MariaDB itself refuses CHANGE MASTER, START SLAVE, SHOW SLAVE STATUS, SET GLOBAL read_only, SET
 * sql_log_bin and KILL of another user's session, with its own errno and message), and RDS's
 * `mysql.rds_*` procedures doing the work for it: a replica set up, started, inspected, stopped and reset
 * through them alone. Two servers share one guarded temp dir and are stopped even on failure.
 */
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MARIADB_INSTALL_HINT, mariadbAvailable } from '../../emulator/mariadb/binaries.ts';
import { RDS_MARIADB_MASTER_PRIVILEGES } from '../../emulator/mariadb/rds-account.ts';
import { MariaServer } from '../../emulator/mariadb/server.ts';
import { freePort } from '../../emulator/util.ts';
import { guardedTempDir } from '../support/guarded-dir.ts';
import { waitUntil } from './helpers.ts';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 120_000 });
const PASSWORD = 'master-pw-1';

describe.skipIf(!mariadbAvailable())(
  `the RDS for MariaDB master user and RDS's procedures (${MARIADB_INSTALL_HINT} if skipped)`,
  () => {
    const guarded = guardedTempDir('master-user');
    chmodSync(guarded.dir, 0o755); // the servers run as the postgres OS user
    let source: MariaServer;
    let replica: MariaServer;
    const open: mysql.Connection[] = [];

    /** A master-user session over TCP, as an application or Switchyard has it. */
    const master = async (server: MariaServer): Promise<mysql.Connection> => {
      const c = await mysql.createConnection({
        host: '127.0.0.1',
        port: server.port,
        user: 'admin',
        password: PASSWORD,
      });
      c.on('error', () => {});
      open.push(c);
      return c;
    };
    const statusRow = async (c: mysql.Connection): Promise<Record<string, unknown> | undefined> => {
      const [sets] = await c.query('CALL mysql.rds_replica_status');
      return ((sets as unknown[])[0] as Array<Record<string, unknown>>)[0];
    };

    beforeAll(async () => {
      const make = async (id: string) =>
        new MariaServer({
          id,
          dir: join(guarded.dir, id),
          port: await freePort(),
          superuser: 'admin',
          password: PASSWORD,
        });
      source = await make('mu-source');
      replica = await make('mu-replica');
      await Promise.all([source.initialize(), replica.initialize()]);
      await source.query('CREATE DATABASE app');
      await source.query('CREATE TABLE app.t (id INT PRIMARY KEY, note VARCHAR(20))');
    });

    afterAll(async () => {
      for (const c of open) await c.end().catch(() => {});
      await Promise.all([source?.stop(), replica?.stop()]);
      guarded.release();
    });

    it("brings a data dir made before RDS's master user up to it on start, keeping the password", async () => {
      const [start] = await source.query<{ p: string }>('SELECT @@gtid_binlog_pos AS p');
      const before = start?.p;
      // The earlier emulator's master user: every privilege but SUPER and READ_ONLY ADMIN, no procedures.
      await source.admin(async (root) => {
        await root.query('SET SESSION sql_log_bin = 0');
        await root.query("GRANT ALL PRIVILEGES ON *.* TO 'admin'@'%' WITH GRANT OPTION");
        await root.query("REVOKE SUPER, READ_ONLY ADMIN ON *.* FROM 'admin'@'%'");
        await root.query('DROP PROCEDURE mysql.rds_replica_status');
      });
      await source.restart();
      const c = await master(source);
      const [rows] = await c.query('SHOW GRANTS');
      const grant = Object.values((rows as Array<Record<string, string>>)[0] ?? {})[0] ?? '';
      expect(grant).not.toMatch(/ALL PRIVILEGES|SLAVE MONITOR|REPLICATION SLAVE ADMIN/);
      expect(grant).toMatch(
        /^GRANT SELECT, .*REPLICATION SLAVE.* ON \*\.\* TO `admin`@`%` .*WITH GRANT OPTION$/,
      );
      const [sets] = await c.query('CALL mysql.rds_replica_status');
      expect((sets as unknown[])[0]).toEqual([]);
      const [binlog] = await source.query<{ p: string }>('SELECT @@gtid_binlog_pos AS p');
      expect(binlog?.p).toBe(before); // nothing of it in the binlog
    });

    it('has exactly the privileges RDS documents, on *.* WITH GRANT OPTION', async () => {
      const c = await master(replica);
      const [rows] = await c.query('SHOW GRANTS');
      const grant = Object.values((rows as Array<Record<string, string>>)[0] ?? {})[0] ?? '';
      expect(grant).toMatch(/ON \*\.\* TO `admin`@`%` .*WITH GRANT OPTION$/);
      const listed = grant
        .replace(/^GRANT /, '')
        .replace(/ ON \*\.\*.*$/, '')
        .split(', ');
      // MariaDB ≥ 10.5 shows REPLICATION CLIENT under its new name, BINLOG MONITOR.
      const expected = RDS_MARIADB_MASTER_PRIVILEGES.map((p) =>
        p === 'REPLICATION CLIENT' ? 'BINLOG MONITOR' : p,
      );
      expect([...listed].sort()).toEqual([...expected].sort());
    });

    it("is refused what RDS withholds, with MariaDB's own errors", async () => {
      const c = await master(replica);
      const refused = async (sql: string) => {
        const e = (await c.query(sql).then(
          () => undefined,
          (err: unknown) => err,
        )) as { errno?: number; message?: string } | undefined;
        return e ? { errno: e.errno, message: e.message } : undefined;
      };
      expect(
        await refused("CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = 3306, MASTER_USER = 'x'"),
      ).toEqual({
        errno: 1227,
        message:
          'Access denied; you need (at least one of) the SUPER, REPLICATION SLAVE ADMIN privilege(s) for this operation',
      });
      expect(await refused('START SLAVE')).toMatchObject({ errno: 1227 });
      expect(await refused('SHOW SLAVE STATUS')).toMatchObject({ errno: 1227, message: /SLAVE MONITOR/ });
      expect(await refused('SET GLOBAL read_only = 1')).toEqual({
        errno: 1227,
        message:
          'Access denied; you need (at least one of) the READ_ONLY ADMIN privilege(s) for this operation',
      });
      expect(await refused('SET SESSION sql_log_bin = 0')).toMatchObject({ errno: 1227 });
    });

    it('sets up, starts, reads, stops and resets replication through the procedures only', async () => {
      const c = await master(replica);
      expect(await statusRow(c)).toBeUndefined();
      // The source's whole binlog (the CREATE DATABASE and TABLE included): it starts at the empty position.
      await c.query('CALL mysql.rds_set_external_master_gtid(?, ?, ?, ?, ?, ?)', [
        '127.0.0.1',
        source.port,
        'admin', // the source's master user has REPLICATION SLAVE
        PASSWORD,
        '',
        0,
      ]);
      const configured = await statusRow(c);
      expect(configured).toMatchObject({
        Master_Host: '127.0.0.1',
        Master_Port: source.port,
        Master_User: 'admin',
        Using_Gtid: 'Slave_Pos',
        Slave_IO_Running: 'No',
      });
      await c.query('CALL mysql.rds_start_replication');
      await source.query("INSERT INTO app.t VALUES (1, 'through procs')");
      await waitUntil(
        'the row on the replica',
        async () => {
          const rows = await replica.query<{ n: number }>('SELECT COUNT(*) AS n FROM app.t');
          return Number(rows[0]?.n) === 1;
        },
        20_000,
      );
      expect(await statusRow(c)).toMatchObject({ Slave_IO_Running: 'Yes', Slave_SQL_Running: 'Yes' });
      // MariaDB refuses to reset a running connection: RDS sequences stop before reset.
      await expect(c.query('CALL mysql.rds_reset_external_master')).rejects.toMatchObject({ errno: 1198 });
      await c.query('CALL mysql.rds_stop_replication');
      await c.query('CALL mysql.rds_reset_external_master');
      expect(await statusRow(c)).toBeUndefined();
    });

    it('turns MASTER_SSL on for ssl_encryption = 1, never verifying the certificate', async () => {
      const c = await master(replica);
      await c.query("CALL mysql.rds_set_external_master_gtid('source.example', 3306, 'repl', 'pw', '', 1)");
      expect(await statusRow(c)).toMatchObject({
        Master_Host: 'source.example',
        Master_SSL_Allowed: 'Yes',
        Master_SSL_Verify_Server_Cert: 'No',
      });
      await c.query('CALL mysql.rds_reset_external_master');
      // Arguments are data, never SQL: a quote in the host name stays in the host name.
      await c.query('CALL mysql.rds_set_external_master_gtid(?, 3306, ?, ?, ?, 0)', [
        "h', MASTER_PORT = 1, MASTER_HOST = 'x",
        'repl',
        'pw',
        '',
      ]);
      expect(await statusRow(c)).toMatchObject({ Master_Host: "h', MASTER_PORT = 1, MASTER_HOST = 'x" });
      await c.query('CALL mysql.rds_reset_external_master');
    });

    it("ends another user's session through rds_kill, never one of the system's", async () => {
      const c = await master(replica);
      await replica.query("CREATE USER 'app'@'%' IDENTIFIED BY 'app-pw'");
      const app = await mysql.createConnection({
        host: '127.0.0.1',
        port: replica.port,
        user: 'app',
        password: 'app-pw',
      });
      app.on('error', () => {});
      open.push(app);
      const [[appRow]] = (await app.query('SELECT CONNECTION_ID() AS id')) as unknown as [[{ id: number }]];
      const appId = Number(appRow?.id);
      // KILL of another user's session needs CONNECTION ADMIN, which RDS does not grant.
      await expect(c.query(`KILL ${appId}`)).rejects.toMatchObject({ errno: 1095 });
      await c.query('CALL mysql.rds_kill(?)', [appId]);
      await expect(app.query('SELECT 1')).rejects.toThrow();
      // The emulator's own root session (RDS's rdsadmin) is refused.
      await replica.admin(async (root) => {
        const [[r]] = (await root.query('SELECT CONNECTION_ID() AS id')) as unknown as [[{ id: number }]];
        await expect(c.query('CALL mysql.rds_kill(?)', [Number(r?.id)])).rejects.toMatchObject({
          errno: 1095,
          message: `You are not owner of thread ${Number(r?.id)}`,
        });
        await root.query('SELECT 1'); // still alive
      });
      await expect(c.query('CALL mysql.rds_kill(987654321)')).rejects.toMatchObject({ errno: 1094 });
    });
  },
);
