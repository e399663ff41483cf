/** Small helpers shared by the emulator: ids, sleeping, free ports, timestamps, child processes. */
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** `n` random lowercase alphanumerics (RDS style suffixes: bgd-…, -green-…). */
export const lowerAlnum = (n: number): string => {
  const bytes = randomBytes(n);
  let out = '';
  for (let i = 0; i < n; i++) out += ALNUM[(bytes[i] ?? 0) % ALNUM.length];
  return out;
};

export const requestId = (): string => randomUUID();

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));

/** ISO-8601 UTC with milliseconds, as RDS puts timestamps on the wire. */
export const iso = (d: Date | string | number): string => new Date(d).toISOString();

/** Asks the kernel for a free TCP port on loopback. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });

/** True when nothing listens on 127.0.0.1:port (we can bind it). */
export const portIsFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });

export const errorMessage = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** Polls `check` until it returns a truthy value or `timeoutMs` passes. */
export const waitFor = async <T>(
  check: () => Promise<T | undefined | false | null>,
  timeoutMs: number,
  intervalMs = 50,
  what = 'condition',
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      lastError = e;
    }
    await sleep(intervalMs);
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${errorMessage(lastError)}` : ''}`,
  );
};

/** Quote an SQL identifier. */
export const ident = (s: string): string => `"${s.replace(/"/g, '""')}"`;
/** Quote an SQL string literal. */
export const literal = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/**
 * Stops a child process by escalating signals, each given its grace period, until it has exited.
 * Returns whether it exited. The grace timer is cleared once the child exits, so it cannot keep the
 * emulator's process alive.
 */
export const stopChild = async (
  proc: ChildProcess,
  exited: Promise<unknown>,
  steps: Array<[NodeJS.Signals, number]>,
): Promise<boolean> => {
  for (const [sig, waitMs] of steps) {
    if (proc.exitCode !== null || proc.signalCode !== null) return true;
    try {
      proc.kill(sig);
    } catch {}
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), waitMs);
    });
    try {
      if (await Promise.race([exited.then(() => true), grace])) return true;
    } finally {
      clearTimeout(timer);
    }
  }
  return false;
};

/**
 * For a database server that did not come up: stops it (a failed stop must not hide why it did not
 * start) and throws `<why>`, then `--- <log file> ---` and the log's last 1,500 characters. The tail is
 * read before the stop, whose shutdown lines would push the cause out of it.
 */
export const failStart = async (
  cause: unknown,
  logFile: string,
  stop: () => Promise<void>,
): Promise<never> => {
  const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-1500) : '';
  await stop().catch(() => {});
  throw new Error(`${errorMessage(cause)}\n--- ${logFile} ---\n${tail}`, { cause });
};
