/**
 * Orphan-proof emulator runs. At start: clean up after runs whose process died without stopping (their
 * PostgreSQL servers, their temporary data dir), record this run, and start a watcher (emulator/reaper.mjs,
 * its own process group) that reaps this run if this process dies without a clean stop, SIGKILL included.
 * `watchParent` lets a CLI stop cleanly when the process that started it goes away (npx, npm run, a
 * shell whose terminal closed), since neither npx nor npm passes every signal on.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REAPER = fileURLToPath(new URL('./reaper.mjs', import.meta.url));
// The folder reaper.mjs reads (its RUNS_DIR); the watcher inherits this process's TMPDIR.
const RUNS_DIR = join(tmpdir(), 'switchyard-runs');

/** Reaps every recorded run whose emulator is dead (synchronously, before this run takes a data dir). */
export const sweepAbandonedRuns = (): void => {
  execFileSync(process.execPath, [REAPER, 'sweep'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: 30_000,
  });
};

export interface RunGuard {
  /** Call after a clean stop: forgets the run, and the watcher exits with nothing to do. */
  release(): void;
}

/** Records this run and starts its watcher. */
export const guardRun = (dataDir: string, ephemeral: boolean): RunGuard => {
  mkdirSync(RUNS_DIR, { recursive: true });
  // One file per run: a process (a test worker) may run several emulators, one after another or at once.
  const runFile = join(RUNS_DIR, `${process.pid}-${randomBytes(4).toString('hex')}.json`);
  writeFileSync(runFile, JSON.stringify({ pid: process.pid, dataDir, ephemeral }));
  // detached: its own process group, so a Ctrl-C or a group kill aimed at us does not take it too.
  const watcher: ChildProcess = spawn(process.execPath, [REAPER, 'watch', runFile], {
    detached: true,
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  watcher.unref();
  // The pipe must not keep this process alive; it closes when this process exits, however.
  (watcher.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return {
    release() {
      rmSync(runFile, { force: true });
      watcher.stdin?.end();
    },
  };
};

const readStat = (pid: number): string | undefined => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
};
const parentPid = (stat: string): number => Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
const isZombie = (stat: string): boolean => /^\d+ \(.*\) [ZX]/.test(stat);

/** This process's ancestors from its parent up to (not including) init, read from /proc. */
const ancestors = (): number[] => {
  const chain: number[] = [];
  for (let pid = process.ppid; pid > 1 && chain.length < 64; ) {
    const stat = readStat(pid);
    if (!stat) break;
    chain.push(pid);
    pid = parentPid(stat);
  }
  return chain;
};

/**
 * Calls `onGone` once when a process that started this one goes away: the parent changes (it exited or
 * was killed and this process was re-parented), or any ancestor exits (`npx` runs us under `sh -c`,
 * which outlives a SIGKILLed npx). Polls every `everyMs`; the timer does not keep the process alive.
 */
export const watchParent = (onGone: () => void, everyMs = 500): (() => void) => {
  const original = process.ppid;
  const chain = ancestors();
  const gone = (pid: number): boolean => {
    const stat = readStat(pid);
    return stat === undefined || isZombie(stat);
  };
  const timer = setInterval(() => {
    if (process.ppid !== original || chain.some(gone)) {
      clearInterval(timer);
      onGone();
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
};
