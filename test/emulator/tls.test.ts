/**
 * TLS on the emulator's databases, as RDS for PostgreSQL 15+ does it (rds.force_ssl=1 by default): plain
 * clients are refused, the server certificate chains to the emulator's CA, and Switchyard's one
 * connection seam (connectPostgres) verifies it. Smoke queries cannot write.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeDBParametersCommand,
  ModifyDBParameterGroupCommand,
  type RDSClient,
} from '@aws-sdk/client-rds';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/index.ts';
import { ensureEmulatorTls } from '../../emulator/tls.ts';
import { makeDatabaseGateway } from '../../src/aws/database-gateway.ts';
import { connectPostgres, EXTRA_CA_ENV } from '../../src/aws/pg-connection.ts';
import { query, rdsClient, stopAndCheck } from './helpers.ts';

let emu: Emulator;
let rds: RDSClient;
let otherCaDir: string;
let otherCaPem: string;

beforeAll(async () => {
  emu = await startEmulator({ seedRows: 20 });
  rds = rdsClient(emu);
  // A CA that did not sign the emulator's certificate: a client trusting only it must be refused.
  otherCaDir = mkdtempSync(join(tmpdir(), 'switchyard-other-ca-'));
  otherCaPem = ensureEmulatorTls(otherCaDir).caPem;
});
afterAll(async () => {
  rmSync(otherCaDir, { recursive: true, force: true });
  await stopAndCheck(emu);
});
afterEach(() => {
  delete process.env[EXTRA_CA_ENV];
});

const withoutTls = () => {
  const { ssl: _ssl, ...cfg } = emu.connectionConfig('orders-db');
  return { ...cfg, ssl: false as const };
};

/** psql from Debian's postgresql-client; a missing binary is a failure (apt-get install -y postgresql-client). */
const psql = (conninfo: string, sql: string): Promise<{ code: number; out: string; err: string }> =>
  new Promise((resolve) => {
    execFile(
      process.env.SWITCHYARD_PSQL ?? 'psql',
      [conninfo, '-XAtc', sql],
      { env: { ...process.env, PGCONNECT_TIMEOUT: '5' } },
      (e, out, err) => {
        const code = e ? (typeof e.code === 'number' ? e.code : -1) : 0;
        resolve({ code, out: out.trim(), err: `${err}${e && typeof e.code !== 'number' ? e.message : ''}` });
      },
    );
  });

const psqlConninfo = (extra: string): string => {
  const c = emu.connectionConfig('orders-db');
  return `host=${c.host} port=${c.port} user=${c.user} password=${c.password} dbname=${c.database} ${extra}`;
};

const endpoint = () => {
  const c = emu.connectionConfig('orders-db');
  return { host: c.host, port: c.port, database: c.database, user: c.user, password: c.password };
};

describe('an emulator instance with rds.force_ssl=1 (the default)', () => {
  it('refuses a plain node-postgres client: no pg_hba.conf entry without encryption', async () => {
    await expect(query(withoutTls(), 'SELECT 1')).rejects.toThrow(/no pg_hba\.conf entry .*no encryption/);
  });

  it('refuses psql with sslmode=disable and serves psql with sslmode=verify-full and the emulator CA', async () => {
    const plain = await psql(psqlConninfo('sslmode=disable'), 'SELECT 1');
    expect(plain.code).not.toBe(0);
    expect(plain.err).toMatch(/no pg_hba\.conf entry .*no encryption/);

    const verified = await psql(
      psqlConninfo(`sslmode=verify-full sslrootcert=${emu.caFile}`),
      'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
    );
    expect(verified.err).toBe('');
    expect(verified.out).toBe('t');
  });

  it('refuses a client that trusts another CA: the certificate is really verified', async () => {
    const cfg = { ...emu.connectionConfig('orders-db'), ssl: { ca: otherCaPem, rejectUnauthorized: true } };
    await expect(query(cfg, 'SELECT 1')).rejects.toThrow(/self[- ]signed certificate|unable to verify/);
    const wrongRoot = join(otherCaDir, 'ca.pem');
    const r = await psql(psqlConninfo(`sslmode=verify-full sslrootcert=${wrongRoot}`), 'SELECT 1');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/certificate verify failed/);
  });

  it('serves a client that trusts the emulator CA, over TLS 1.3, to the endpoint name 127.0.0.1', async () => {
    const rows = await query<{ ssl: boolean; version: string }>(
      emu.connectionConfig('orders-db'),
      'SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
    );
    expect(rows).toEqual([{ ssl: true, version: 'TLSv1.3' }]);
  });

  it("runs the emulator's own sessions over TLS too (no plain path is left open)", async () => {
    const rows = await query<{ app: string; ssl: boolean }>(
      emu.connectionConfig('orders-db'),
      `SELECT a.application_name AS app, s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
        WHERE a.backend_type = 'client backend'`,
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.filter((r) => !r.ssl)).toEqual([]);
  });

  it('reports rds.force_ssl=1 as the engine default', async () => {
    const out = await rds.send(
      new DescribeDBParametersCommand({
        DBParameterGroupName: 'default.postgres17',
        Filters: [{ Name: 'parameter-name', Values: ['rds.force_ssl'] }],
      }),
    );
    expect(out.Parameters?.[0]).toMatchObject({
      ParameterName: 'rds.force_ssl',
      ParameterValue: '1',
      Source: 'engine-default',
      ApplyType: 'dynamic',
    });
  });
});

describe('rds.force_ssl=0 in the parameter group', () => {
  it('accepts plain clients at once (dynamic) and refuses them again when set back to 1', async () => {
    const set = (v: string) =>
      rds.send(
        new ModifyDBParameterGroupCommand({
          DBParameterGroupName: 'orders-pg17',
          Parameters: [{ ParameterName: 'rds.force_ssl', ParameterValue: v, ApplyMethod: 'immediate' }],
        }),
      );
    try {
      await set('0');
      expect(await query(withoutTls(), 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
      // TLS clients still work: the server keeps TLS on, it only stops requiring it.
      expect(await query(emu.connectionConfig('orders-db'), 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await set('1');
    }
    await expect(query(withoutTls(), 'SELECT 1')).rejects.toThrow(/no encryption/);
  });

  it('applies at once when set through the instance-state fault too', async () => {
    const set = (v: string) =>
      emu.faults.inject({
        kind: 'instance-state',
        instanceId: 'orders-db',
        patch: { Parameters: { 'rds.force_ssl': v } },
      });
    try {
      await set('0');
      expect(await query(withoutTls(), 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await set('1');
    }
    await expect(query(withoutTls(), 'SELECT 1')).rejects.toThrow(/no encryption/);
  });
});

describe('connectPostgres (the one client seam)', () => {
  it('refuses the emulator when only the Amazon RDS CAs are trusted', async () => {
    await expect(connectPostgres(endpoint())).rejects.toThrow(/self[- ]signed certificate|unable to verify/);
  });

  it(`connects over verified TLS once ${EXTRA_CA_ENV} adds the emulator CA`, async () => {
    process.env[EXTRA_CA_ENV] = emu.caFile;
    const c = await connectPostgres(endpoint());
    try {
      const { rows } = await c.query<{ ssl: boolean }>(
        'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()',
      );
      expect(rows).toEqual([{ ssl: true }]);
    } finally {
      await c.end();
    }
  });

  it(`still refuses when ${EXTRA_CA_ENV} names a CA that did not sign the server certificate`, async () => {
    process.env[EXTRA_CA_ENV] = join(otherCaDir, 'ca.pem');
    await expect(connectPostgres(endpoint())).rejects.toThrow(/self[- ]signed certificate|unable to verify/);
  });

  it(`names ${EXTRA_CA_ENV} and the fix when the file is missing or holds no certificate`, async () => {
    process.env[EXTRA_CA_ENV] = join(otherCaDir, 'missing.pem');
    await expect(connectPostgres(endpoint())).rejects.toThrow(
      new RegExp(`${EXTRA_CA_ENV}=.*missing\\.pem: cannot read the CA file.*unset it`),
    );
    const empty = join(otherCaDir, 'empty.pem');
    writeFileSync(empty, 'not a certificate\n');
    process.env[EXTRA_CA_ENV] = empty;
    await expect(connectPostgres(endpoint())).rejects.toThrow(/no PEM certificate in the file/);
  });
});

describe('smoke queries', () => {
  const target = () => {
    const c = emu.connectionConfig('orders-db');
    return { host: c.host, port: c.port, name: c.database, user: c.user, passwordParameter: '/db/pw' };
  };
  const gateway = () => makeDatabaseGateway(async () => emu.connectionConfig('orders-db').password);
  const orders = async (): Promise<number> =>
    Number(
      (await query<{ n: string }>(emu.connectionConfig('orders-db'), 'SELECT count(*) AS n FROM orders'))[0]
        ?.n,
    );

  it('run in READ ONLY transactions: reads pass, writes and DDL fail, nothing changes', async () => {
    process.env[EXTRA_CA_ENV] = emu.caFile;
    const before = await orders();
    const results = await gateway().runSmoke(target(), [
      'SELECT count(*) FROM orders',
      "INSERT INTO orders (customer_id, status, amount_cents) VALUES (1, 'smoke', 1)",
      'CREATE TABLE smoke_was_here (id int)',
      'SELECT nextval(pg_get_serial_sequence($$orders$$, $$id$$))',
      // Stepping out of the read-only transaction: refused as several commands by the extended protocol.
      'COMMIT; DELETE FROM orders',
      'SET TRANSACTION READ WRITE',
      'SELECT 1',
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, false, false, false, false, true, true]);
    expect(results[1]?.error).toMatch(/cannot execute INSERT in a read-only transaction/);
    expect(results[2]?.error).toMatch(/cannot execute CREATE TABLE in a read-only transaction/);
    expect(results[3]?.error).toMatch(/cannot execute nextval\(\) in a read-only transaction/);
    expect(results[4]?.error).toMatch(/cannot insert multiple commands into a prepared statement/);
    expect(await orders()).toBe(before);
    const tables = await query(
      emu.connectionConfig('orders-db'),
      "SELECT 1 FROM pg_class WHERE relname = 'smoke_was_here'",
    );
    expect(tables).toEqual([]);
  });

  it('fail every query with the TLS reason when the server certificate is not trusted', async () => {
    const results = await gateway().runSmoke(target(), ['SELECT 1', 'SELECT 2']);
    expect(results).toHaveLength(2);
    for (const r of results) {
      expect(r.ok).toBe(false);
      expect(r.error).toMatch(/cannot connect: .*(self[- ]signed certificate|unable to verify)/);
    }
  });
});
