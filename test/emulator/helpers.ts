/** Shared helpers for the emulator tests: real clients pointed at the emulator, polling, PID checks. */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { RDSClient } from '@aws-sdk/client-rds';
import pg from 'pg';
import type { Emulator } from '../../emulator/index.ts';
import { unretried } from '../support/unretried-client.ts';

export const credentials = { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake' };

/** An SDK client's settings for the emulator, first answer unretried. */
export const unretriedAt = (emu: Emulator) => ({
  region: 'us-east-1',
  endpoint: emu.url,
  credentials,
  ...unretried,
});

export const rdsClient = (emu: Emulator): RDSClient => new RDSClient(unretriedAt(emu));

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const waitUntil = async <T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 60_000,
  everyMs = 100,
): Promise<T> => {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
};

/** A process that exited but was not reaped (a zombie, e.g. orphaned under a PID 1 that does not reap) counts as gone. */
const isZombie = (pid: number): boolean => {
  try {
    return /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};
export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return !isZombie(pid);
  } catch {
    return false;
  }
};

/** Stops the emulator and asserts that none of the PostgreSQL PIDs it ran survive. */
export const stopAndCheck = async (emu: Emulator | undefined): Promise<void> => {
  if (!emu) return;
  const pids = emu.postgresPids();
  await emu.stop();
  const left = pids.filter(isAlive);
  if (left.length) throw new Error(`PostgreSQL processes left running after stop(): ${left.join(', ')}`);
};

export const query = async <R extends pg.QueryResultRow = Record<string, unknown>>(
  cfg: pg.ClientConfig,
  sql: string,
  params: unknown[] = [],
): Promise<R[]> => {
  const c = new pg.Client(cfg);
  c.on('error', () => {});
  await c.connect();
  try {
    return (await c.query<R>(sql, params)).rows;
  } finally {
    await c.end().catch(() => {});
  }
};

/**
 * The AWS CLI v2 from Debian's `awscli` package. A v1 `aws` earlier on PATH (e.g. a pyenv shim) is skipped.
 * Missing CLI is a failure, not a skip: install it with `apt-get install -y awscli`.
 */
let cliPath: string | undefined;
export const awsCliPath = (): string => {
  if (cliPath) return cliPath;
  const candidates = [process.env.SWITCHYARD_AWS_CLI, '/usr/bin/aws', '/usr/local/bin/aws', 'aws'].filter(
    (c): c is string => !!c,
  );
  for (const c of candidates) {
    if (c.includes('/') && !existsSync(c)) continue;
    try {
      const v = execFileSync(c, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      if (/^aws-cli\/2\./.test(v)) {
        cliPath = c;
        return c;
      }
    } catch {}
  }
  throw new Error(
    'AWS CLI v2 not found: install it with `apt-get update && apt-get install -y awscli` (Debian awscli 2.x), or set SWITCHYARD_AWS_CLI',
  );
};

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  // biome-ignore lint/suspicious/noExplicitAny: the CLI's JSON output is checked field by field by the assertions
  json: any;
}

/** Runs `aws <args> --endpoint-url <emulator>` with fake credentials; never throws on a non-zero exit. */
export const aws = (emu: Emulator, args: string[]): Promise<CliResult> =>
  new Promise((resolve) => {
    execFile(
      awsCliPath(),
      [...args, '--endpoint-url', emu.url, '--output', 'json'],
      {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          HOME: '/tmp',
          AWS_ACCESS_KEY_ID: 'fake',
          AWS_SECRET_ACCESS_KEY: 'fake',
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_PAGER: '',
          AWS_MAX_ATTEMPTS: '1',
          AWS_RETRY_MODE: 'standard',
        },
        timeout: 60_000,
      },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : 1
          : 0;
        let json: unknown;
        try {
          json = stdout.trim() ? JSON.parse(stdout) : undefined;
        } catch {}
        resolve({ code, stdout, stderr, json });
      },
    );
  });

/**
 * A client that keeps inserting into `orders` through an endpoint, reconnecting after errors, and records
 * which inserts were acknowledged: an acknowledged write must never be lost.
 */
export class Writer {
  readonly acked: string[] = [];
  failed = 0;
  private stopping = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly cfg: () => pg.ClientConfig,
    private readonly status = 'w',
    private readonly pauseMs = 5,
  ) {}

  start(): this {
    this.loop = (async () => {
      let client: pg.Client | undefined;
      while (!this.stopping) {
        try {
          if (!client) {
            client = new pg.Client({ ...this.cfg(), connectionTimeoutMillis: 2000 });
            client.on('error', () => {});
            await client.connect();
          }
          const r = await client.query<{ id: string }>(
            'INSERT INTO orders (customer_id, status, amount_cents) VALUES (0, $1, 1) RETURNING id',
            [this.status],
          );
          if (r.rows[0]) this.acked.push(r.rows[0].id);
        } catch {
          this.failed++;
          await client?.end().catch(() => {});
          client = undefined;
          await sleep(20);
        }
        if (this.pauseMs) await sleep(this.pauseMs);
      }
      await client?.end().catch(() => {});
    })();
    return this;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
  }
}
