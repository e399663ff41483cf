/** Runs squawk-cli once over all sources of a lint (one subprocess), returning its raw JSON findings. */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { MigrationSource } from './types.ts';

/** squawk's JSON reporter: 0-based line and column. */
export type SquawkViolation = {
  file: string;
  line: number;
  column: number;
  level: string;
  message: string;
  help: string | null;
  rule_name: string;
};

/** Raised when squawk ran but its output could not be read. */
export class SquawkFailedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SquawkFailedError';
  }
}

/** The native squawk binary, or undefined when it is not installed (e.g. inside a Lambda bundle). */
export const findSquawk = (): string | undefined => {
  const fromEnv = process.env.SWITCHYARD_SQUAWK;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  try {
    const require = createRequire(import.meta.url);
    const native = join(
      dirname(require.resolve(`@squawk-cli/${process.platform}-${process.arch}/package.json`)),
      'bin',
      'squawk',
    );
    return existsSync(native) ? native : undefined;
  } catch {
    return undefined;
  }
};

/** Violations per source index; squawk exits 1 whenever it reports anything, so only unreadable output is an error. */
export const runSquawk = async (binary: string, sources: MigrationSource[]): Promise<SquawkViolation[][]> => {
  const dir = await mkdtemp(join(tmpdir(), 'switchyard-squawk-'));
  try {
    const paths = sources.map((_, i) => join(dir, `${String(i).padStart(4, '0')}.sql`));
    await Promise.all(sources.map((source, i) => writeFile(paths[i] ?? '', source.sql)));
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        binary,
        ['--reporter', 'json', ...paths],
        { maxBuffer: 64 * 1024 * 1024 },
        (error, out, err) => {
          if (error && error.code !== 1)
            reject(new SquawkFailedError(`squawk failed: ${err || error.message}`, { cause: error }));
          else resolve(out);
        },
      );
    });
    const violations = parseOutput(stdout);
    return paths.map((path) => violations.filter((v) => v.file === path || path.endsWith(v.file)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

const parseOutput = (stdout: string): SquawkViolation[] => {
  const trimmed = stdout.trim();
  if (trimmed === '') return [];
  try {
    return JSON.parse(trimmed) as SquawkViolation[];
  } catch (error) {
    throw new SquawkFailedError(`squawk printed unreadable JSON: ${trimmed.slice(0, 200)}`, { cause: error });
  }
};
