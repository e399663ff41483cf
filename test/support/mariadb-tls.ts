/**
 * A throwaway MariaDB server with TLS for connection tests: its own CA (openssl), a server certificate
 * for "localhost", a data dir under the OS temp dir owned by the `postgres` OS user (mariadbd refuses
 * to run as root), a TCP port and a socket. `stop()` ends the server by its PID and removes the dir; the
 * dir is registered with the emulator's run watcher, so a killed test run leaves no server behind.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { guardedTempDir } from './guarded-dir.ts';

export const MARIADBD = '/usr/sbin/mariadbd';
export const mariadbAvailable = (): boolean =>
  existsSync(MARIADBD) && existsSync('/usr/bin/mariadb-install-db');
export const MARIADB_MISSING =
  'MariaDB is not installed: apt-get install -y --no-install-recommends mariadb-server mariadb-client';

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });

const uidOf = (user: string): { uid: number; gid: number } => ({
  uid: Number(execFileSync('id', ['-u', user]).toString().trim()),
  gid: Number(execFileSync('id', ['-g', user]).toString().trim()),
});

/** A CA and a server certificate signed by it for DNS:localhost (no IP SAN). */
const makeCertificates = (dir: string): { ca: string; cert: string; key: string } => {
  const f = (name: string) => join(dir, name);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=switchyard-test-ca',
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
  );
  ssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=localhost',
    '-keyout',
    f('server.key'),
    '-out',
    f('server.csr'),
  );
  writeFileSync(f('san.ext'), 'subjectAltName=DNS:localhost\n');
  ssl(
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.pem'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    f('san.ext'),
    '-out',
    f('server.pem'),
  );
  return { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key') };
};

export interface MariadbServer {
  port: number;
  /** the mariadbd process */
  pid: number;
  /** the folder holding data dir, socket, log and certificates (removed by stop()) */
  dir: string;
  caFile: string;
  /** a root session over the socket, for setting the scene */
  root(): Promise<mysql.Connection>;
  stop(): Promise<void>;
}

export const startMariadbWithTls = async (): Promise<MariadbServer> => {
  const guarded = guardedTempDir('mdb');
  const dir = guarded.dir;
  const owner = uidOf('postgres');
  chmodSync(dir, 0o755);
  // mariadbd runs as postgres and writes its socket, pid file and log here.
  chownSync(dir, owner.uid, owner.gid);
  const certs = makeCertificates(dir);
  for (const file of [certs.cert, certs.key, certs.ca]) chownSync(file, owner.uid, owner.gid);
  const data = join(dir, 'data');
  execFileSync(
    'mariadb-install-db',
    [
      '--no-defaults',
      `--datadir=${data}`,
      '--user=postgres',
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      '--skip-name-resolve',
      '--innodb-log-file-size=8M',
    ],
    { stdio: 'pipe' },
  );
  const port = await freePort();
  const socket = join(dir, 'm.sock');
  const child = spawn(
    MARIADBD,
    [
      '--no-defaults',
      `--datadir=${data}`,
      '--user=postgres',
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${socket}`,
      `--pid-file=${join(dir, 'm.pid')}`,
      `--log-error=${join(dir, 'm.err')}`,
      '--skip-name-resolve',
      '--innodb-buffer-pool-size=16M',
      '--innodb-log-file-size=8M',
      `--ssl-ca=${certs.ca}`,
      `--ssl-cert=${certs.cert}`,
      `--ssl-key=${certs.key}`,
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const root = () => mysql.createConnection({ socketPath: socket, user: 'root' });
  const stop = async () => {
    if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    guarded.release();
  };
  for (let i = 0; ; i++) {
    try {
      await (await root()).end();
      break;
    } catch (err) {
      if (i > 100 || child.exitCode !== null) {
        const log = existsSync(join(dir, 'm.err'))
          ? readFileSync(join(dir, 'm.err'), 'utf8').slice(-2000)
          : '';
        await stop();
        throw new Error(`mariadbd did not start: ${(err as Error).message}\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  // Answering on its socket means it runs, so it has a pid.
  return { port, pid: child.pid!, dir, root, caFile: certs.ca, stop };
};
