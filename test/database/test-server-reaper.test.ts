/**
 * A killed test run leaves no database server: the test support code registers its servers' folder with
 * the emulator's run watcher, which stops them by PID (and removes the folder) when the process that
 * started them dies, SIGKILL included. Each case starts a child process that starts a real server
 * through that support code, SIGKILLs the child, and waits for the server's PID to disappear.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { MARIADB_MISSING, mariadbAvailable } from '../support/mariadb-tls.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/hold-test-server.ts', import.meta.url));
const leftovers: { pid: number; dir: string; binary: string }[] = [];
const children: ChildProcess[] = [];

const read = (path: string): string => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};
/** Whether `pid` is still a running `binary` (a zombie, or a reused pid of something else, is not). */
const runs = (pid: number, binary: string): boolean => {
  const stat = read(`/proc/${pid}/stat`);
  if (stat === '' || /^\d+ \(.*\) [ZX]/.test(stat)) return false;
  return (read(`/proc/${pid}/cmdline`).split('\0')[0] ?? '').endsWith(`/${binary}`);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the fixture and resolves with the server it reports once that server answers. */
const holdServer = (
  kind: 'postgres' | 'mariadb',
): Promise<{ child: ChildProcess; pid: number; dir: string }> =>
  new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, kind], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    const timer = setTimeout(
      () => fail(new Error(`the ${kind} fixture did not report a server:\n${out}`)),
      90_000,
    );
    const onData = (d: Buffer) => {
      out += d.toString();
      // Whole lines only: a chunk may end inside the JSON.
      const line = out
        .split('\n')
        .slice(0, -1)
        .find((l) => l.startsWith('{"pid"'));
      if (!line) return;
      clearTimeout(timer);
      const { pid, dir } = JSON.parse(line) as { pid: number; dir: string };
      leftovers.push({ pid, dir, binary: kind === 'postgres' ? 'postgres' : 'mariadbd' });
      done({ child, pid, dir });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`the ${kind} fixture exited (${code ?? signal}):\n${out}`));
    });
  });

/** Milliseconds until `pid` no longer runs `binary`, or -1 after `limitMs`. */
const goneWithin = async (pid: number, binary: string, limitMs: number): Promise<number> => {
  const started = Date.now();
  while (Date.now() - started < limitMs) {
    if (!runs(pid, binary)) return Date.now() - started;
    await sleep(100);
  }
  return -1;
};

afterAll(() => {
  // Whatever a failed case left: the children, then each server (by its PID, checked to still be that
  // server) and its folder.
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const { pid, dir, binary } of leftovers) {
    if (runs(pid, binary)) process.kill(pid, 'SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('test database servers when the test process is SIGKILLed', () => {
  it('stops the PostgreSQL server within 10 s and removes its folder', async () => {
    // Prepare
    const { child, pid, dir } = await holdServer('postgres');
    expect(runs(pid, 'postgres')).toBe(true);
    // Act
    child.kill('SIGKILL');
    // Assess
    expect(await goneWithin(pid, 'postgres', 10_000)).toBeGreaterThanOrEqual(0);
    for (let waited = 0; waited < 5_000 && existsSync(dir); waited += 100) await sleep(100);
    expect(existsSync(dir)).toBe(false);
  });

  it.skipIf(!mariadbAvailable())(
    `stops the MariaDB server within 10 s and removes its folder (${MARIADB_MISSING} if skipped)`,
    async () => {
      const { child, pid, dir } = await holdServer('mariadb');
      expect(runs(pid, 'mariadbd')).toBe(true);
      child.kill('SIGKILL');
      expect(await goneWithin(pid, 'mariadbd', 10_000)).toBeGreaterThanOrEqual(0);
      for (let waited = 0; waited < 5_000 && existsSync(dir); waited += 100) await sleep(100);
      expect(existsSync(dir)).toBe(false);
    },
  );
});
