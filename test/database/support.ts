/**
 * One real PostgreSQL server (the emulator's binaries) shared by the database tests of a file. Its folder
 * is registered with the emulator's run watcher, so a killed test run leaves no server and no folder.
 */
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import type pg from 'pg';
import { PgServer, removeDataDir } from '../../emulator/pg/server.ts';
import { ensureEmulatorTls, tlsClientOptions } from '../../emulator/tls.ts';
import { freePort } from '../../emulator/util.ts';
import { EXTRA_CA_ENV } from '../../src/aws/pg-connection.ts';
import { guardedTempDir } from '../support/guarded-dir.ts';

export const PASSWORD = 'switchyard-test-pw';
export const PASSWORD_PARAMETER = '/switchyard/test/db/password';

export interface TestDatabase {
  server: PgServer;
  port: number;
  /** the folder holding the data dir, log and TLS files (removed by stop()) */
  dir: string;
  /** the `database` block as Preflight hands it to the Tasks */
  database: { host: string; port: number; name: string; user: string; passwordParameter: string };
  client(): Promise<pg.Client>;
  /** node-postgres `ssl` options that verify this server (it refuses plain connections, like RDS) */
  ssl: ReturnType<typeof tlsClientOptions>;
  stop(): Promise<void>;
}

/** A reader standing in for SSM: it knows only the test password's parameter. */
export const readTestParameter = async (name: string): Promise<string> => {
  if (name !== PASSWORD_PARAMETER) throw new Error(`unexpected parameter ${name}`);
  return PASSWORD;
};

/** initdb + start outside /root (the server runs as the postgres OS user); stop() removes everything. */
export const startTestDatabase = async (id: string): Promise<TestDatabase> => {
  const guarded = guardedTempDir(id);
  const base = guarded.dir;
  chmodSync(base, 0o755); // the postgres OS user reads the password file initdb is given
  const port = await freePort();
  // TLS as on RDS (rds.force_ssl=1); Switchyard's connectPostgres trusts the test CA the way the
  // rehearsal makes it trust the emulator's: through SWITCHYARD_DB_EXTRA_CA_FILE.
  const tls = ensureEmulatorTls(join(base, 'tls'));
  process.env[EXTRA_CA_ENV] = tls.caFile;
  const server = new PgServer({
    id,
    dir: join(base, 'data'),
    port,
    major: 17,
    superuser: 'postgres',
    password: PASSWORD,
    tls,
  });
  try {
    await server.initdb();
    await server.start();
  } catch (err) {
    // start() already stopped a server that never answered; nothing of this attempt stays behind.
    delete process.env[EXTRA_CA_ENV];
    await server.stop().catch(() => {});
    guarded.release();
    throw err;
  }
  return {
    server,
    port,
    dir: base,
    database: {
      host: '127.0.0.1',
      port,
      name: 'postgres',
      user: 'postgres',
      passwordParameter: PASSWORD_PARAMETER,
    },
    client: () => server.client('postgres'),
    ssl: tlsClientOptions(tls),
    async stop() {
      delete process.env[EXTRA_CA_ENV];
      await server.closePools();
      await server.stop();
      removeDataDir(join(base, 'data'));
      guarded.release();
    },
  };
};
