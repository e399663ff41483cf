/**
 * One real MariaDB server (a "DB instance" of engine mariadb, or of the mysql stand-in), run from
 * Debian's binaries as a child process tracked by PID, as the unprivileged OS user `postgres` (the
 * emulator's one database user). Traps handled here (each reproduced on these machines): `--no-defaults` first on every
 * tool, a socket path of at most 107 bytes, `root@<hostname>` left by install-db, green's local setup
 * kept out of its binlog (`sql_log_bin=0`), and a master user with RDS's privileges only (rds-account.ts).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import mysql from 'mysql2/promise';
import { giveToPostgres, postgresOsUser } from '../pg/server.ts';
import { type EmulatorTls, installPrivateKey } from '../tls.ts';
import { failStart, stopChild, waitFor } from '../util.ts';
import { mariaBinaries } from './binaries.ts';
import { createRdsMasterUser, installRdsProcedures, upgradeRdsAccount } from './rds-account.ts';

export interface MariaServerConfig {
  id: string;
  dir: string;
  /** The server's own TCP port on 127.0.0.1 (clients normally reach it through the endpoint proxy). */
  port: number;
  /** The RDS master user (RDS's privileges only: `read_only` stops it, CHANGE MASTER is refused, as on RDS). */
  superuser: string;
  password: string;
  /** The data dir's CA and server certificate (emulator/tls.ts): the server offers TLS with them. */
  tls?: EmulatorTls;
}

/** Accounts of the emulator itself: never counted as client connections, never killed at switchover. */
export const SYSTEM_USERS = ['root', 'rdsrepladmin', 'system user', 'event_scheduler', 'mariadb.sys'];
/** The replication account RDS itself uses on MySQL-family sources. */
export const REPL_USER = 'rdsrepladmin';

/** A server id from the record id: stable across restarts, distinct between blue and green. */
const serverIdOf = (id: string): number =>
  (createHash('sha256').update(id).digest().readUInt32BE(0) % 4_000_000_000) + 1;

/** The socket path must stay ≤ 107 bytes, so it lives in a short temp path named by a hash of the data dir. */
export const socketPathFor = (dir: string): string => {
  const name = `sy-mdb-${createHash('sha256').update(dir).digest('hex').slice(0, 12)}.sock`;
  const base = join(tmpdir(), name);
  return Buffer.byteLength(base) <= 107 ? base : join('/tmp', name);
};

const live = new Set<MariaServer>();
let exitHookInstalled = false;
const installExitHook = (): void => {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const s of live)
      if (s.pid)
        try {
          process.kill(s.pid, 'SIGKILL');
        } catch {}
  });
};

/** Every mariadbd PID this process started and has not yet seen exit. */
export const liveMariaPids = (): number[] =>
  [...live].map((s) => s.pid).filter((p): p is number => p !== undefined);

const runAs = (cmd: string, args: string[], what: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const ids = postgresOsUser();
    const p = spawn(cmd, args, { ...(ids ?? {}), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout?.on('data', (d) => (out += d));
    p.stderr?.on('data', (d) => (out += d));
    p.on('error', reject);
    p.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${what} failed (${code}): ${out.slice(-2000)}`)),
    );
  });

/**
 * A pristine data dir made once per binary version and OS user, copied per server (0.14 s against
 * 1.1 s for install-db). Built beside and renamed, so concurrent processes never see half of one.
 */
const templateDir = async (): Promise<string> => {
  const bins = mariaBinaries();
  const dir = join(
    tmpdir(),
    `switchyard-mariadb-template-${bins.version}-${postgresOsUser()?.uid ?? 'self'}`,
  );
  if (existsSync(join(dir, '.complete'))) return dir;
  const partial = `${dir}.${process.pid}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true, mode: 0o755 });
  await giveToPostgres(partial);
  await runAs(
    bins.installDb,
    [
      '--no-defaults',
      `--datadir=${partial}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      '--skip-name-resolve',
      '--innodb-log-file-size=8M',
      '--innodb-buffer-pool-size=16M',
    ],
    'mariadb-install-db',
  );
  writeFileSync(join(partial, '.complete'), bins.version);
  try {
    renameSync(partial, dir);
  } catch {
    rmSync(partial, { recursive: true, force: true }); // another process won the race
  }
  return dir;
};

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

export class MariaServer {
  readonly engine = 'mariadb' as const;
  private proc: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private pool: mysql.Pool | undefined;

  constructor(
    readonly cfg: MariaServerConfig,
    private readonly log: (line: string) => void = () => {},
  ) {}

  get pid(): number | undefined {
    return this.proc?.exitCode === null && this.proc.signalCode === null ? this.proc.pid : undefined;
  }
  get running(): boolean {
    return this.pid !== undefined;
  }
  get port(): number {
    return this.cfg.port;
  }
  get socket(): string {
    return socketPathFor(this.cfg.dir);
  }
  get logFile(): string {
    return `${this.cfg.dir}.log`;
  }
  /** The server's copy of the TLS key (readable by its OS user only). */
  private get keyFile(): string {
    return `${this.cfg.dir}.key`;
  }
  private get pidFile(): string {
    return join(this.cfg.dir, 'mariadbd.pid');
  }
  /** Persisted beside the data dir: `read_only` survives restarts, as a parameter would on RDS. */
  private get readOnlyMarker(): string {
    return `${this.cfg.dir}.read-only`;
  }
  get readOnly(): boolean {
    return existsSync(this.readOnlyMarker);
  }

  /** A fresh data dir from the template; the master user is created on first start. */
  async initialize(): Promise<void> {
    const template = await templateDir();
    rmSync(this.cfg.dir, { recursive: true, force: true });
    cpSync(template, this.cfg.dir, { recursive: true });
    rmSync(join(this.cfg.dir, '.complete'), { force: true });
    await giveToPostgres(this.cfg.dir);
    await this.start();
    await this.admin(async (c) => {
      await c.query('SET SESSION sql_log_bin = 0');
      // install-db leaves root@<hostname>, which breaks mariadb-dump --system=users.
      await c.query('DROP USER IF EXISTS ?@?', ['root', hostname()]);
      await this.createMasterUser(c);
    });
  }

  /** The RDS master user with exactly RDS's privileges, and RDS's `mysql.rds_*` procedures (rds-account.ts). */
  private async createMasterUser(c: mysql.Connection): Promise<void> {
    await createRdsMasterUser(c, this.cfg.superuser, this.cfg.password);
    await installRdsProcedures(c);
  }

  /** Stops a mariadbd left running by a crashed previous run, after proving it serves this data dir. */
  private async stopStale(): Promise<void> {
    if (!existsSync(this.pidFile)) return;
    const pid = Number(readFileSync(this.pidFile, 'utf8').trim());
    if (!pid || !isAlive(pid)) return;
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {}
    if (!cmdline.includes('mariadbd') || !cmdline.split('\0').includes(`--datadir=${this.cfg.dir}`)) return;
    this.log(`[mariadb] ${this.cfg.id}: stopping a mariadbd (pid ${pid}) left by a previous run`);
    process.kill(pid, 'SIGTERM');
    await waitFor(async () => !isAlive(pid), 30_000, 100, `stale mariadbd ${pid} to exit`);
  }

  private flags(): string[] {
    return [
      '--no-defaults', // must be first, or /etc/mysql/my.cnf is read
      `--datadir=${this.cfg.dir}`,
      `--port=${this.cfg.port}`,
      '--bind-address=127.0.0.1',
      `--socket=${this.socket}`,
      `--pid-file=${this.pidFile}`,
      `--log-error=${this.logFile}`,
      `--server-id=${serverIdOf(this.cfg.id)}`,
      '--log-bin=binlog',
      '--binlog-format=ROW',
      '--log-slave-updates=1',
      '--gtid-strict-mode=1',
      '--skip-name-resolve',
      '--skip-slave-start',
      '--innodb-buffer-pool-size=32M',
      '--innodb-log-file-size=8M',
      // Parallel apply and relaxed flushing keep green caught up on 2 cores (single-threaded apply fell seconds behind at ~2,000 inserts/s).
      '--slave-parallel-threads=4',
      '--slave-parallel-mode=optimistic',
      '--innodb-flush-log-at-trx-commit=2',
      '--sync-binlog=0',
      '--max-connections=200',
      `--read-only=${this.readOnly ? 1 : 0}`,
      // TLS from the emulator's CA; plain connections stay allowed, as RDS's default
      // require_secure_transport=0 for MariaDB ≤ 11.4 and MySQL ≤ 8.4.
      ...(this.cfg.tls
        ? [
            `--ssl-ca=${this.cfg.tls.caFile}`,
            `--ssl-cert=${this.cfg.tls.certFile}`,
            `--ssl-key=${this.keyFile}`,
          ]
        : []),
    ];
  }

  async start(timeoutMs = 60_000): Promise<void> {
    if (this.running) return;
    await this.stopStale();
    const bins = mariaBinaries();
    const ids = postgresOsUser();
    mkdirSync(dirname(this.cfg.dir), { recursive: true });
    if (this.cfg.tls) installPrivateKey(this.cfg.tls, this.keyFile, ids);
    const fd = openSync(this.logFile, 'a');
    try {
      this.proc = spawn(bins.mariadbd, this.flags(), {
        ...(ids ?? {}),
        detached: true, // own process group: Ctrl-C reaches the emulator, which stops servers in order
        stdio: ['ignore', fd, fd],
      });
    } finally {
      closeSync(fd);
    }
    if (ids) execFileSync('chown', [`${ids.uid}:${ids.gid}`, this.logFile]);
    const proc = this.proc;
    proc.unref();
    this.exited = new Promise((resolve) => proc.once('exit', () => resolve()));
    live.add(this);
    installExitHook();
    let exitedEarly = false;
    void this.exited.then(() => {
      exitedEarly = true;
      live.delete(this);
    });
    try {
      await waitFor(
        async () => {
          if (exitedEarly) throw new Error('mariadbd exited');
          const c = await mysql.createConnection({ socketPath: this.socket, user: 'root' });
          await c.end().catch(() => {});
          return true;
        },
        timeoutMs,
        20,
        `MariaDB ${this.cfg.id} on port ${this.cfg.port}`,
      );
    } catch (e) {
      await failStart(e, this.logFile, () => this.stop());
    }
    this.log(
      `[mariadb] ${this.cfg.id} (MariaDB ${bins.version}) pid ${proc.pid} on 127.0.0.1:${this.cfg.port}`,
    );
    if (await this.admin((c) => upgradeRdsAccount(c, this.cfg.superuser)))
      this.log(
        `[mariadb] ${this.cfg.id}: master user narrowed to RDS's privileges, RDS's procedures installed`,
      );
  }

  /** SIGTERM (clean shutdown), then SIGKILL. Idempotent. */
  async stop(): Promise<void> {
    await this.closePool();
    const proc = this.proc;
    if (!proc || !this.exited) return;
    await stopChild(proc, this.exited, [
      ['SIGTERM', 30_000],
      ['SIGKILL', 5_000],
    ]);
    live.delete(this);
    this.proc = undefined;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** The emulator's own sessions: root over the unix socket (root is not reachable over TCP). */
  private adminPool(): mysql.Pool {
    if (!this.pool) {
      this.pool = mysql.createPool({
        socketPath: this.socket,
        user: 'root',
        connectionLimit: 3,
        maxIdle: 1,
        idleTimeout: 5_000,
        multipleStatements: false,
      });
      this.pool.on('connection', (c) => c.on('error', () => {}));
    }
    return this.pool;
  }

  async query<R = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<R[]> {
    const [rows] = await this.adminPool().query(sql, params);
    return (Array.isArray(rows) ? rows : []) as R[];
  }

  /** A dedicated admin connection for a multi-statement session (ended afterwards). */
  async admin<T>(work: (c: mysql.Connection) => Promise<T>): Promise<T> {
    const c = await mysql.createConnection({ socketPath: this.socket, user: 'root' });
    c.on('error', () => {});
    try {
      return await work(c);
    } finally {
      await c.end().catch(() => {});
    }
  }

  async closePool(): Promise<void> {
    const p = this.pool;
    this.pool = undefined;
    if (p) await p.end().catch(() => {});
  }

  /** Sets `read_only` for the next start only (the server is not running yet). */
  markReadOnly(on: boolean): void {
    if (on) writeFileSync(this.readOnlyMarker, '');
    else rmSync(this.readOnlyMarker, { force: true });
  }

  /** `read_only` on or off, now and across restarts. */
  async setReadOnly(on: boolean): Promise<void> {
    await this.query(`SET GLOBAL read_only = ${on ? 1 : 0}`);
    if (on) writeFileSync(this.readOnlyMarker, '');
    else rmSync(this.readOnlyMarker, { force: true });
  }

  /** Copies this server's data into `targetDir` with mariabackup (online, consistent), prepared for start. */
  async backupTo(targetDir: string): Promise<{ gtid: string }> {
    const bins = mariaBinaries();
    rmSync(targetDir, { recursive: true, force: true });
    mkdirSync(targetDir, { recursive: true, mode: 0o755 });
    await giveToPostgres(targetDir);
    await runAs(
      bins.backup,
      ['--no-defaults', '--backup', `--target-dir=${targetDir}`, `--socket=${this.socket}`, '--user=root'],
      'mariadb-backup --backup',
    );
    await runAs(
      bins.backup,
      ['--no-defaults', '--prepare', `--target-dir=${targetDir}`],
      'mariadb-backup --prepare',
    );
    const info = join(targetDir, 'xtrabackup_binlog_info');
    const gtid = existsSync(info) ? (readFileSync(info, 'utf8').trim().split(/\s+/)[2] ?? '') : '';
    return { gtid };
  }
}

export const removeMariaDataDir = (dir: string): void => {
  rmSync(dir, { recursive: true, force: true });
  for (const suffix of ['.log', '.read-only', '.key']) rmSync(`${dir}${suffix}`, { force: true });
};
