#!/usr/bin/env node
/**
 * Stops the PostgreSQL and MariaDB servers (and removes the temporary data dir) of an emulator run whose process
 * is gone, however it went (SIGKILL included). Plain JavaScript, so it starts without tsx.
 *
 *   node emulator/reaper.mjs watch <run file>   wait until stdin closes (the emulator died or stopped),
 *                                              then reap that run if its run file is still there
 *   node emulator/reaper.mjs sweep              reap every recorded run whose emulator is dead
 *
 * A run file (<tmpdir>/switchyard-runs/<pid>-<random>.json: { pid, dataDir, ephemeral }) is written by the
 * emulator at start and removed by a clean stop. Nothing is killed by name: a process is ours only when
 * its /proc cmdline is a `postgres` binary with `-D` inside the run's data dir, or a `mariadbd` binary with
 * `--datadir=` inside it; a data dir is removed
 * only when it is a `switchyard-emulator-*` folder directly under the temp dir whose emulator.pid
 * names the dead emulator.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve, sep } from 'node:path';

export const RUNS_DIR = join(tmpdir(), 'switchyard-runs');

const readText = (path) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

/** True while `pid` is a live Node process (not a zombie, not a reused pid of something else). */
export const isLiveNode = (pid) => {
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat || /^\d+ \(.*\) Z/.test(stat)) return false;
  return (readText(`/proc/${pid}/cmdline`) ?? '').split('\0')[0]?.includes('node') ?? false;
};

/** PostgreSQL processes whose data dir (`-D`) lies inside `dataDir`, read from /proc. */
export const postgresOf = (dataDir) => {
  const root = resolve(dataDir) + sep;
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const args = (readText(`/proc/${entry}/cmdline`) ?? '').split('\0');
    if (basename(args[0] ?? '') !== 'postgres') continue;
    const d = args.indexOf('-D');
    if (d >= 0 && `${resolve(args[d + 1] ?? '/')}${sep}`.startsWith(root)) found.push(Number(entry));
  }
  return found;
};

/** MariaDB servers (engines mariadb and mysql) whose `--datadir=` lies inside `dataDir`, read from /proc. */
export const mariadbOf = (dataDir) => {
  const root = resolve(dataDir) + sep;
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const args = (readText(`/proc/${entry}/cmdline`) ?? '').split('\0');
    if (basename(args[0] ?? '') !== 'mariadbd') continue;
    const d = args.find((a) => a.startsWith('--datadir='));
    if (d && `${resolve(d.slice('--datadir='.length))}${sep}`.startsWith(root)) found.push(Number(entry));
  }
  return found;
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * `first` to each (SIGQUIT: PostgreSQL's immediate shutdown; SIGTERM: MariaDB's shutdown), then SIGKILL
 * to any still there after 5 s.
 */
const stopAll = async (pids, first = 'SIGQUIT') => {
  const signal = (sig) => {
    for (const pid of pids)
      try {
        process.kill(pid, sig);
      } catch {}
  };
  signal(first);
  for (let waited = 0; waited < 5000 && pids.some((p) => existsSync(`/proc/${p}/cmdline`)); waited += 100)
    await sleep(100);
  signal('SIGKILL');
};

/** Stops a dead run's servers, removes its temporary data dir when that is provably ours, forgets it. */
export const reap = async (runFile) => {
  const text = readText(runFile);
  if (!text) return;
  const run = JSON.parse(text);
  const dataDir = resolve(run.dataDir);
  await stopAll(postgresOf(dataDir));
  await stopAll(mariadbOf(dataDir), 'SIGTERM');
  const lock = readText(join(dataDir, 'emulator.pid'));
  const isOurTemp =
    run.ephemeral &&
    dirname(dataDir) === resolve(tmpdir()) &&
    basename(dataDir).startsWith('switchyard-emulator-') &&
    Number(lock) === run.pid;
  if (isOurTemp) rmSync(dataDir, { recursive: true, force: true });
  else if (Number(lock) === run.pid) rmSync(join(dataDir, 'emulator.pid'), { force: true });
  rmSync(runFile, { force: true });
};

/** Reaps every recorded run whose emulator process is gone. */
export const sweep = async () => {
  if (!existsSync(RUNS_DIR)) return;
  for (const name of readdirSync(RUNS_DIR)) {
    const pid = Number(name.split(/[-.]/)[0]);
    if (pid && pid !== process.pid && !isLiveNode(pid)) await reap(join(RUNS_DIR, name));
  }
};

const main = async () => {
  const [mode, runFile] = process.argv.slice(2);
  if (mode === 'sweep') return sweep();
  if (mode === 'watch' && runFile) {
    // stdin is a pipe from the emulator: it closes when the emulator exits, whatever killed it.
    process.stdin.resume();
    await new Promise((done) => {
      process.stdin.once('end', done);
      process.stdin.once('close', done);
      process.stdin.once('error', done);
    });
    return reap(runFile);
  }
  console.error('usage: reaper.mjs watch <run file> | sweep');
  process.exitCode = 2;
};

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) await main();
