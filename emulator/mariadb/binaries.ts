/**
 * MariaDB comes from Debian (`mariadb-server`, `mariadb-backup`), not from npm: no npm
 * package ships a MySQL-family server. The same binary serves engine `mariadb` and the `mysql` stand-in.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface MariaBinaries {
  /** The real server version, e.g. `10.11.19`. */
  version: string;
  mariadbd: string;
  installDb: string;
  backup: string;
}

/** The exact command that installs what is missing (also printed by skipped tests). */
export const MARIADB_INSTALL_HINT =
  'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y mariadb-server mariadb-client mariadb-backup';

const PATHS = {
  mariadbd: '/usr/sbin/mariadbd',
  installDb: '/usr/bin/mariadb-install-db',
  backup: '/usr/bin/mariadb-backup',
};

let cached: MariaBinaries | undefined;

export const mariadbAvailable = (): boolean => Object.values(PATHS).every((p) => existsSync(p));

export const mariaBinaries = (): MariaBinaries => {
  if (cached) return cached;
  const missing = Object.values(PATHS).filter((p) => !existsSync(p));
  if (missing.length)
    throw new Error(
      `MariaDB binaries not found (${missing.join(', ')}); engines mariadb and mysql need them. Install: ${MARIADB_INSTALL_HINT}`,
    );
  const out = execFileSync(PATHS.mariadbd, ['--no-defaults', '--version'], { encoding: 'utf8' });
  const version = /Ver (\d+\.\d+\.\d+)-MariaDB/.exec(out)?.[1];
  if (!version) throw new Error(`cannot read the version of ${PATHS.mariadbd}: ${out}`);
  cached = { version, ...PATHS };
  return cached;
};
