/**
 * The fail-back's SQL on a real PostgreSQL 17 server (src/aws/fail-back-database.ts): the per-database
 * setting overrides a server kept read-only the way RDS keeps old blue (server-wide
 * default_transaction_read_only = on), with no restart; blocking writes ends open sessions; setval works
 * on a read-only server from a session that turned read-only off for itself.
 */
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseTarget } from '#aws/database-gateway';
import { makeFailBackDatabaseGateway } from '#aws/fail-back-database';
import { connectPostgres } from '#aws/pg-connection';
import { PASSWORD, startTestServer, type TestServer } from '../inspection/pg-server.ts';

let server: TestServer;
let target: DatabaseTarget;
const gateway = makeFailBackDatabaseGateway(async () => PASSWORD);

const session = () =>
  connectPostgres({
    host: '127.0.0.1',
    port: server.server.port,
    database: 'fb',
    user: 'postgres',
    password: PASSWORD,
  });

/** A fresh plain session (as an application opens one) tries one INSERT. */
const tryInsert = async (): Promise<string> => {
  const c = await session();
  try {
    await c.query(`INSERT INTO t (v) VALUES ('x')`);
    return 'ok';
  } catch (err) {
    return (err as Error).message;
  } finally {
    await c.end();
  }
};
const serverReadOnly = async (on: boolean) => {
  await server.server.query(
    on
      ? 'ALTER SYSTEM SET default_transaction_read_only = on'
      : 'ALTER SYSTEM RESET default_transaction_read_only',
  );
  await server.server.query('SELECT pg_reload_conf()');
};

beforeAll(async () => {
  server = await startTestServer(17);
  process.env.SWITCHYARD_DB_EXTRA_CA_FILE = server.caFile;
  await server.createDatabase('fb');
  await server.server.query('CREATE TABLE t (id serial PRIMARY KEY, v text)', [], 'fb');
  await server.server.query(`INSERT INTO t (v) SELECT 'seed' FROM generate_series(1, 5)`, [], 'fb');
  target = {
    host: '127.0.0.1',
    port: server.server.port,
    name: 'fb',
    user: 'postgres',
    passwordParameter: '/unused',
  };
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

describe('old blue: a server RDS keeps read-only', () => {
  it('becomes writable for new sessions by the per-database setting, and read-only again by its reset', async () => {
    await serverReadOnly(true);
    expect(await tryInsert()).toContain('read-only transaction');
    expect(await gateway.isWritable(target)).toBe(false);

    const session = await gateway.openOldBlue(target);
    try {
      await session.makeWritable();
    } finally {
      await session.close();
    }
    expect(await tryInsert()).toBe('ok');
    expect(await gateway.isWritable(target)).toBe(true);

    await gateway.makeReadOnly(target);
    expect(await tryInsert()).toContain('read-only transaction');
    expect(await gateway.isWritable(target)).toBe(false);
  });

  it('reads the owned sequences and moves one forward with setval in one session, although the server is read-only', async () => {
    await serverReadOnly(true);
    const session = await gateway.openOldBlue(target);
    let detail: string;
    try {
      const readings = await session.readOwnedSequences();
      expect(readings.map((r) => r.sequence)).toContain('public.t_id_seq');
      detail = await session.advanceSequences([{ sequence: 'public.t_id_seq', to: '1000' }]);
      expect(await session.advanceSequences([])).toMatch(/already at or past/);
    } finally {
      await session.close();
    }
    expect(detail).toContain('public.t_id_seq=1000');
    const rows = await server.server.query<{ last_value: string }>(
      `SELECT last_value::text FROM pg_sequences WHERE sequencename = 't_id_seq'`,
      [],
      'fb',
    );
    expect(rows[0]?.last_value).toBe('1000');
  });
});

describe('new primary: a writable server', () => {
  it('blocks writes for new sessions and ends the open ones; unblocking restores writes', async () => {
    await serverReadOnly(false);
    expect(await tryInsert()).toBe('ok');
    // An application session opened before the block, idle between statements.
    const open: pg.Client = await session();
    open.on('error', () => undefined);
    const blocked = await gateway.blockWrites(target);
    expect(blocked.terminatedSessions).toBeGreaterThanOrEqual(1);
    await expect(open.query(`INSERT INTO t (v) VALUES ('late')`)).rejects.toThrow();
    await open.end().catch(() => undefined);
    expect(await tryInsert()).toContain('read-only transaction');
    expect(await gateway.isWritable(target)).toBe(false);

    await gateway.unblockWrites(target);
    expect(await tryInsert()).toBe('ok');
    expect(await gateway.isWritable(target)).toBe(true);
  });
});
