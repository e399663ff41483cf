/** One real PostgreSQL server (the emulator's PgServer, so it runs exactly as an emulated blue does) for the inspection tests. */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgServer } from '../../emulator/pg/server.ts';
import { ensureEmulatorTls } from '../../emulator/tls.ts';
import { freePort } from '../../emulator/util.ts';

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
  const base = mkdtempSync(join(tmpdir(), 'switchyard-inspect-'));
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
    rmSync(base, { recursive: true, force: true });
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
      rmSync(base, { recursive: true, force: true });
    },
  };
};
