/** The JSON report writer (`--report FILE`; default reports/rehearsal-<scenario>.json). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { RehearsalReport } from './report.ts';

/** Writes one report (or, for `--scenario all`, the list so far) as indented JSON, creating the folder. */
export const writeJsonReport = (file: string, reports: RehearsalReport | RehearsalReport[]): void => {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(reports, null, 2)}\n`);
};
