/**
 * What a user waits for: `node bin/switchyard.mjs rehearse --auto-approve` in a fresh process, from
 * spawn to exit (tsx start-up, the whole rehearsal, stopping every server), N times.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Summary, summarize } from './stats.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface CliBench {
  samples: Array<{
    wallMs: number;
    exitCode: number | null;
    reportDurationMs: number | null;
    outcome: string | null;
  }>;
  wallMs: Summary;
}

export const benchCli = async (runs: number, log: (line: string) => void): Promise<CliBench> => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-cli-bench-'));
  const samples: CliBench['samples'] = [];
  try {
    for (let i = 0; i < runs; i++) {
      const report = join(dir, `report-${i}.json`);
      const t0 = process.hrtime.bigint();
      const exitCode = await new Promise<number | null>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          ['bin/switchyard.mjs', 'rehearse', '--auto-approve', '--report', report],
          {
            cwd: ROOT,
            stdio: 'ignore',
          },
        );
        child.on('error', reject);
        child.on('exit', (code) => resolve(code));
      });
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      let reportDurationMs: number | null = null;
      let outcome: string | null = null;
      try {
        const r = JSON.parse(readFileSync(report, 'utf8')) as { durationMs: number; outcome: string };
        reportDurationMs = r.durationMs;
        outcome = r.outcome;
      } catch {}
      samples.push({ wallMs, exitCode, reportDurationMs, outcome });
      log(
        `  npm run rehearse --auto-approve ${i + 1}/${runs}: exit ${exitCode}, ${outcome}, ${(wallMs / 1000).toFixed(1)} s from spawn to exit`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { samples, wallMs: summarize(samples.map((s) => s.wallMs)) };
};
