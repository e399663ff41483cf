/**
 * Orphan-proof processes: the real commands (`npx switchyard emulator`, `npm run rehearse`) stop every
 * PostgreSQL server of their run within 10 s however their parent goes away (SIGTERM to npx/npm, a
 * terminal hang-up, npx killed), the run's watcher does it when the emulator itself is SIGKILLed, and
 * the next start cleans a run whose watcher died too (servers and temporary data dir).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { sweepAbandonedRuns } from '../../emulator/lifecycle.ts';
import { mariadbAvailable } from '../../emulator/mariadb/binaries.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RUNS_DIR = join(tmpdir(), 'switchyard-runs');
const dirs: string[] = [];
const groups: number[] = [];

const read = (path: string): string => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};
const cmdline = (pid: number): string[] => read(`/proc/${pid}/cmdline`).split('\0');
const pids = (): number[] =>
  readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number);
const parentOf = (pid: number): number => {
  const stat = read(`/proc/${pid}/stat`);
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
};
/** Every process below `pid`, read from /proc. */
const descendants = (pid: number): number[] => {
  const all = pids();
  const found: number[] = [];
  let frontier = [pid];
  while (frontier.length > 0) {
    frontier = all.filter((p) => frontier.includes(parentOf(p)));
    found.push(...frontier);
  }
  return found;
};
/** Postmasters whose data dir lies inside `dir`. */
const postgresUnder = (dir: string): number[] =>
  pids().filter((p) => {
    const args = cmdline(p);
    const d = args.indexOf('-D');
    return (
      args[0]?.endsWith('/postgres') &&
      d >= 0 &&
      `${resolve(args[d + 1] ?? '/')}${sep}`.startsWith(`${dir}${sep}`)
    );
  });
/** MariaDB servers (engines mariadb, mysql) whose `--datadir=` lies inside `dir`. */
const mariadbUnder = (dir: string): number[] =>
  pids().filter((p) => {
    const args = cmdline(p);
    const d = args.find((a) => a.startsWith('--datadir='));
    return (
      args[0]?.endsWith('/mariadbd') &&
      !!d &&
      `${resolve(d.slice('--datadir='.length))}${sep}`.startsWith(`${dir}${sep}`)
    );
  });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Whether `pid` still runs (a zombie, killed but not yet reaped, does not). */
const alive = (pid: number): boolean => {
  const stat = read(`/proc/${pid}/stat`);
  return stat !== '' && stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
};
/** Milliseconds until no postmaster runs inside `dir`, or -1 after `limitMs`. */
const goneWithin = async (dir: string, limitMs = 10_000): Promise<number> => {
  const started = Date.now();
  while (Date.now() - started < limitMs) {
    if (postgresUnder(dir).length === 0) return Date.now() - started;
    await sleep(100);
  }
  return -1;
};
/** The run file the emulator inside `root`'s process tree wrote ({ pid, dataDir, ephemeral }). */
const runOf = (
  root: number,
): { pid: number; dataDir: string; ephemeral: boolean; file: string } | undefined => {
  const tree = new Set(descendants(root));
  for (const name of existsSync(RUNS_DIR) ? readdirSync(RUNS_DIR) : []) {
    const pid = Number(name.split(/[-.]/)[0]);
    if (tree.has(pid)) return { ...JSON.parse(read(join(RUNS_DIR, name))), file: join(RUNS_DIR, name) };
  }
  return undefined;
};
const watcherOf = (runFile: string): number | undefined =>
  pids().find((p) => cmdline(p).join(' ').includes(`reaper.mjs watch ${runFile}`));

/** Starts a command in its own process group and resolves once `ready` appears in its output. */
const startCommand = (command: string, args: string[], ready: RegExp): Promise<ChildProcess> =>
  new Promise((done, fail) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    if (child.pid) groups.push(child.pid);
    let out = '';
    const timer = setTimeout(() => fail(new Error(`${command} did not get ready:\n${out}`)), 90_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (ready.test(out)) {
        clearTimeout(timer);
        done(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => fail(new Error(`${command} exited ${code}:\n${out}`)));
  });

const newDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'switchyard-orphans-'));
  chmodSync(d, 0o755);
  dirs.push(d);
  return d;
};
const emulatorCommand = (dataDir: string) =>
  startCommand(
    'npx',
    ['switchyard', 'emulator', '--port', '0', '--data-dir', dataDir, '--seed-rows', '5'],
    /Ctrl-C stops/,
  );

afterAll(async () => {
  // Whatever a failed case left: its process groups, then its servers and directories.
  for (const g of groups)
    try {
      process.kill(-g, 'SIGKILL');
    } catch {}
  sweepAbandonedRuns();
  for (const d of dirs) {
    for (const p of [...postgresUnder(d), ...mariadbUnder(d)]) process.kill(p, 'SIGKILL');
    rmSync(d, { recursive: true, force: true });
  }
});

describe('npx switchyard emulator', () => {
  it.each([
    ['SIGTERM to the npx process', (npx: number) => process.kill(npx, 'SIGTERM')],
    [
      'a hang-up of the whole terminal session (SIGHUP to the group)',
      (npx: number) => process.kill(-npx, 'SIGHUP'),
    ],
    ['the npx process killed with SIGKILL', (npx: number) => process.kill(npx, 'SIGKILL')],
  ])('stops every PostgreSQL server within 10 s after %s', async (_how, signal) => {
    // Prepare
    const dir = newDir();
    const npx = await emulatorCommand(dir);
    expect(postgresUnder(dir)).toHaveLength(1);
    // Act
    signal(npx.pid!);
    // Assess
    expect(await goneWithin(dir)).toBeGreaterThanOrEqual(0);
  });

  it('has its watcher stop the servers within 10 s when the emulator itself is SIGKILLed', async () => {
    const dir = newDir();
    const npx = await emulatorCommand(dir);
    const run = runOf(npx.pid!);
    expect(run?.dataDir).toBe(dir);
    process.kill(run!.pid, 'SIGKILL');
    expect(await goneWithin(dir)).toBeGreaterThanOrEqual(0);
    // The watcher also forgets the run.
    const runFile = run!.file;
    for (let waited = 0; waited < 10_000 && existsSync(runFile); waited += 100) await sleep(100);
    expect(existsSync(runFile)).toBe(false);
  });
});

describe.skipIf(!mariadbAvailable())('npx switchyard emulator --engine mariadb', () => {
  it('has its watcher stop the MariaDB servers within 10 s when the emulator itself is SIGKILLed', async () => {
    const dir = newDir();
    const npx = await startCommand(
      'npx',
      ['switchyard', 'emulator', '--port', '0', '--data-dir', dir, '--seed-rows', '5', '--engine', 'mariadb'],
      /Ctrl-C stops/,
    );
    expect(mariadbUnder(dir)).toHaveLength(1);
    const run = runOf(npx.pid!);
    process.kill(run!.pid, 'SIGKILL');
    let waited = 0;
    for (; waited < 10_000 && mariadbUnder(dir).length > 0; waited += 100) await sleep(100);
    expect(mariadbUnder(dir)).toEqual([]);
  });
});

describe('npm run rehearse', () => {
  const rehearse = () =>
    startCommand('npm', ['run', 'rehearse', '--', '--auto-approve'], /write load started/);

  it('stops every PostgreSQL server and removes its temporary data dir within 10 s of SIGTERM to npm', async () => {
    const npm = await rehearse();
    const run = runOf(npm.pid!);
    expect(run?.ephemeral).toBe(true);
    expect(postgresUnder(run!.dataDir).length).toBeGreaterThan(0);
    process.kill(npm.pid!, 'SIGTERM');
    expect(await goneWithin(run!.dataDir)).toBeGreaterThanOrEqual(0);
    for (let waited = 0; waited < 10_000 && existsSync(run!.dataDir); waited += 100) await sleep(100);
    expect(existsSync(run!.dataDir)).toBe(false);
  });

  it('leaves servers and data behind when it and its watcher are SIGKILLed; the next start cleans them', async () => {
    // Prepare: kill the rehearsal, its emulator and the watcher at once (a machine-wide kill).
    const npm = await rehearse();
    const run = runOf(npm.pid!)!;
    const watcher = watcherOf(run.file);
    expect(watcher).toBeDefined();
    process.kill(watcher!, 'SIGKILL');
    process.kill(-npm.pid!, 'SIGKILL');
    // Wait only until the emulator is dead (gone or a zombie), not a fixed time: any emulator starting
    // meanwhile in another test file sweeps abandoned runs first, which would clean these servers.
    for (let waited = 0; waited < 5_000 && alive(run.pid); waited += 10) await sleep(10);
    const left = postgresUnder(run.dataDir);
    expect(left.length).toBeGreaterThan(0);
    expect(existsSync(run.dataDir)).toBe(true);
    // Act: what every emulator start does first.
    sweepAbandonedRuns();
    // Assess
    expect(postgresUnder(run.dataDir)).toEqual([]);
    expect(existsSync(run.dataDir)).toBe(false);
    expect(existsSync(run.file)).toBe(false);
  });
});
