/**
 * One real PostgreSQL server (the emulator's PgServer, so it runs exactly as an emulated blue does) for the
 * inspection tests; its folder is registered with the emulator's run watcher (test/support/guarded-dir.ts).
 */
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { PgServer } from '../../emulator/pg/server.ts';
import { ensureEmulatorTls } from '../../emulator/tls.ts';
import { freePort } from '../../emulator/util.ts';
import { guardedTempDir } from '../support/guarded-dir.ts';

export const PASSWORD = 'inspect-test';

export interface TestServer {
  server: PgServer;
  /** The CA the server's certificate chains to; connectPostgres trusts it through SWITCHYARD_DB_EXTRA_CA_FILE. */
  caFile: string;
  /** A database of its own per case: most facts (large objects, extensions, publications) are per database. */
  createDatabase: (name: string) => Promise<void>;
  stop: () => Promise<void>;
}

export const startTestServer = async (major = 17): Promise<TestServer> => {
  const guarded = guardedTempDir('inspect');
  const base = guarded.dir;
  chmodSync(base, 0o755); // PostgreSQL runs as the postgres OS user
  const tls = ensureEmulatorTls(join(base, 'tls'));
  const server = new PgServer({
    id: 'blue',
    dir: join(base, 'blue'),
    port: await freePort(),
    major,
    superuser: 'postgres',
    password: PASSWORD,
    tls,
  });
  try {
    await server.initdb();
    await server.start();
  } catch (error) {
    await server.stop().catch(() => undefined);
    guarded.release();
    throw error;
  }
  return {
    server,
    caFile: tls.caFile,
    createDatabase: async (name) => {
      await server.query(`CREATE DATABASE ${name}`);
    },
    stop: async () => {
      await server.closePools();
      await server.stop();
      guarded.release();
    },
  };
};
