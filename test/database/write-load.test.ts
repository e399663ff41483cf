/**
 * The rehearsal's write load behaves like an application's connection pool on a real PostgreSQL server:
 * a statement's error keeps the session (on the same server), a broken session is replaced at once.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EndpointConfig } from '../../rehearsal/write-drivers.ts';
import { createWritesTable, WriteLoad } from '../../rehearsal/write-load.ts';
import { PASSWORD, startTestServer, type TestServer } from '../inspection/pg-server.ts';

let server: TestServer;
let cfg: EndpointConfig;

const writerSessions = async (): Promise<number> => {
  const rows = await server.server.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'rehearsal-writer-%'`,
  );
  return rows[0]?.n ?? -1;
};
const waitFor = async (what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
};

beforeAll(async () => {
  server = await startTestServer(17);
  await server.createDatabase('wl');
  cfg = {
    host: '127.0.0.1',
    port: server.server.port,
    user: 'postgres',
    password: PASSWORD,
    database: 'wl',
    ssl: { ca: readFileSync(server.caFile, 'utf8'), rejectUnauthorized: true },
  };
  await createWritesTable(cfg);
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

describe('the write load on a server that stops taking writes', () => {
  it('keeps its sessions through read-only errors, and reconnects at once when they are ended', async () => {
    const load = new WriteLoad(cfg, { clients: 2, ratePerClient: 50 });
    load.start();
    try {
      await waitFor('writes', async () => load.counts.acknowledged >= 10);
      // Read-only for new transactions, and the open sessions ended (as the fail-back's block does).
      await server.server.query(`ALTER DATABASE wl SET default_transaction_read_only = on`);
      await server.server.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'rehearsal-writer-%'`,
      );
      // Both clients reconnected once and now fail on read-only errors.
      const readOnlyClients = () =>
        new Set(load.errors.filter((e) => /read-only transaction/.test(e.message)).map((e) => e.client)).size;
      await waitFor('read-only errors on both clients', async () => readOnlyClients() === 2);
      const otherErrors = () => load.errors.filter((e) => !/read-only transaction/.test(e.message)).length;
      const brokenBefore = otherErrors();
      const failedBefore = load.counts.failed;
      expect(await writerSessions()).toBe(2);
      await new Promise((r) => setTimeout(r, 400));
      // The same two sessions stay open while their writes fail (a pool keeps them; no reconnect storm).
      expect(load.counts.failed).toBeGreaterThan(failedBefore);
      expect(otherErrors()).toBe(brokenBefore);
      expect(await writerSessions()).toBe(2);
      // Each session broke once (ended by the server) and was replaced once; nothing else failed.
      expect(
        load.errors.filter((e) => !/read-only|terminat|not queryable/.test(e.message)).map((e) => e.message),
      ).toEqual([]);

      // Writable again, but the kept sessions still have the read-only setting: only ending them helps.
      await server.server.query(`ALTER DATABASE wl RESET default_transaction_read_only`);
      const acked = load.counts.acknowledged;
      await new Promise((r) => setTimeout(r, 300));
      expect(load.counts.acknowledged).toBe(acked);
      const endedAt = Date.now();
      await server.server.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'rehearsal-writer-%'`,
      );
      await waitFor('writes again', async () => load.counts.acknowledged > acked);
      // At once: at most one backoff pause (100 ms) plus a connect, not a second pause after it.
      expect((load.ackTimes.find((t) => t > endedAt) ?? Infinity) - endedAt).toBeLessThan(1_000);
    } finally {
      await load.stop();
    }
    expect(await load.lostWrites()).toEqual([]);
  });
});
