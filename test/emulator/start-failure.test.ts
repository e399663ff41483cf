/**
 * A database server that does not come up: start() stops it and throws why, then the tail of its log
 * (emulator/util.ts failStart, shared by emulator/pg/server.ts and emulator/mariadb/server.ts). The real
 * cases take the server's port first, so PostgreSQL and MariaDB each exit with their own bind error.
 */
import { appendFileSync, chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MARIADB_INSTALL_HINT, mariadbAvailable } from '../../emulator/mariadb/binaries.ts';
import { liveMariaPids, MariaServer } from '../../emulator/mariadb/server.ts';
import { livePostgresPids, PgServer } from '../../emulator/pg/server.ts';
import { ensureEmulatorTls } from '../../emulator/tls.ts';
import { failStart, freePort } from '../../emulator/util.ts';
import { guardedTempDir } from '../support/guarded-dir.ts';

const scratch = mkdtempSync(join(tmpdir(), 'switchyard-fail-start-'));
const guarded = guardedTempDir('fail-start');
chmodSync(guarded.dir, 0o755); // the servers run as the postgres OS user
const tls = ensureEmulatorTls(join(guarded.dir, 'tls'));
const squatters: Server[] = [];

/** Holds 127.0.0.1:port, closing every connection at once (a client sees an error, not a hang). */
const occupy = (port: number): Promise<void> =>
  new Promise((done, fail) => {
    const s = createServer((socket) => socket.destroy());
    squatters.push(s);
    s.once('error', fail);
    s.listen(port, '127.0.0.1', () => done());
  });

afterAll(async () => {
  for (const s of squatters) await new Promise((r) => s.close(r));
  guarded.release();
  rmSync(scratch, { recursive: true, force: true });
});

describe('failStart', () => {
  it('throws the cause, then the log file name and the last 1,500 characters read before the stop', async () => {
    // Prepare: a log longer than the tail; the stop appends a line that must not push the cause out.
    const log = join(scratch, 'server.log');
    writeFileSync(log, `${'x'.repeat(2000)}FATAL: the real reason\n`);
    const stop = async () => appendFileSync(log, 'LOG: shutting down\n');
    // Act
    const failure = await failStart(new Error('postgres exited'), log, stop).catch((e: Error) => e);
    // Assess
    const expectedTail = `${'x'.repeat(2000)}FATAL: the real reason\n`.slice(-1500);
    expect((failure as Error).message).toBe(`postgres exited\n--- ${log} ---\n${expectedTail}`);
    expect((failure as Error).cause).toEqual(new Error('postgres exited'));
  });

  it('keeps the start error when the stop fails too, and an empty tail when there is no log', async () => {
    const log = join(scratch, 'never-written.log');
    const failure = await failStart('mariadbd exited', log, async () => {
      throw new Error('stop failed');
    }).catch((e: Error) => e);
    expect((failure as Error).message).toBe(`mariadbd exited\n--- ${log} ---\n`);
  });
});

describe('PgServer.start on a taken port', () => {
  it('stops the server and throws the bind error from its log', async () => {
    // Prepare
    const port = await freePort();
    const server = new PgServer({
      id: 'taken-port',
      dir: join(guarded.dir, 'pg'),
      port,
      major: 17,
      superuser: 'postgres',
      password: 'pw',
      tls,
    });
    await server.initdb();
    await occupy(port);
    // Act
    const failure = await server.start(5_000).catch((e: Error) => e);
    // Assess
    expect(failure).toBeInstanceOf(Error);
    const message = (failure as Error).message;
    expect(message).toMatch(
      /^timed out after 5000 ms waiting for PostgreSQL taken-port .*: postgres exited\n/,
    );
    expect(message).toContain(`\n--- ${server.logFile} ---\n`);
    expect(message).toMatch(/could not bind IPv4 address "127\.0\.0\.1": Address already in use/);
    expect(server.running).toBe(false);
    expect(livePostgresPids()).toEqual([]);
  });
});

describe.skipIf(!mariadbAvailable())(
  `MariaServer.start on a taken port (${MARIADB_INSTALL_HINT} if skipped)`,
  () => {
    it('stops the server and throws the bind error from its log', async () => {
      // Prepare: a working server first (initialize starts it), then its port taken while it is down.
      const server = new MariaServer({
        id: 'taken-port',
        dir: join(guarded.dir, 'mdb'),
        port: await freePort(),
        superuser: 'admin',
        password: 'pw',
        tls,
      });
      await server.initialize();
      await server.stop();
      await occupy(server.port);
      // Act
      const failure = await server.start(5_000).catch((e: Error) => e);
      // Assess
      expect(failure).toBeInstanceOf(Error);
      const message = (failure as Error).message;
      expect(message).toMatch(
        /^timed out after 5000 ms waiting for MariaDB taken-port .*: mariadbd exited\n/,
      );
      expect(message).toContain(`\n--- ${server.logFile} ---\n`);
      expect(message).toMatch(/Address already in use/);
      expect(server.running).toBe(false);
      expect(liveMariaPids()).toEqual([]);
    });
  },
);
