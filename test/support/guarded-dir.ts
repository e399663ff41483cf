/**
 * A temporary folder for a test's own database servers, registered with the emulator's run watcher
 * (emulator/lifecycle.ts, emulator/reaper.mjs) exactly as startEmulator registers its temporary data
 * dir. If the test process dies without stopping its servers (vitest SIGKILLed, a crashed worker), the
 * watcher stops every postgres (`-D`) and mariadbd (`--datadir=`) whose data dir lies inside the folder,
 * then removes the folder; a watcher that died too is made up for by the next sweep.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { guardRun, sweepAbandonedRuns } from '../../emulator/lifecycle.ts';

export interface GuardedDir {
  /** The folder: put every server's data dir inside it. */
  dir: string;
  /** After the servers stopped: removes the folder and forgets the run (the watcher exits idle). */
  release(): void;
}

/** Creates and registers the folder; `label` names it for a human reading /tmp. */
export const guardedTempDir = (label: string): GuardedDir => {
  // What every emulator start does first: servers of runs whose process and watcher both died.
  sweepAbandonedRuns();
  // The reaper removes a folder only when it is a `switchyard-emulator-*` folder directly under the
  // temp dir whose emulator.pid names the dead process: the proof that it is ours to delete.
  const dir = mkdtempSync(join(tmpdir(), `switchyard-emulator-test-${label}-`));
  writeFileSync(join(dir, 'emulator.pid'), String(process.pid));
  const guard = guardRun(dir, true);
  return {
    dir,
    release() {
      rmSync(dir, { recursive: true, force: true });
      guard.release();
    },
  };
};
