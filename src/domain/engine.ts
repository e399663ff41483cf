/**
 * Engines Switchyard drives, and what each implies: how RDS replicates blue to green, what a major
 * version is, how people name it. RDS for MySQL and RDS for MariaDB share the binlog path.
 */
import { majorVersion } from './facts.ts';

export type EngineFamily = 'postgres' | 'mysql' | 'mariadb';
export type Replication = 'physical' | 'logical' | 'binlog';

const LABELS: Record<EngineFamily, string> = { postgres: 'PostgreSQL', mysql: 'MySQL', mariadb: 'MariaDB' };

/** The RDS `Engine` values Switchyard drives (DB instances only), or undefined for any other engine. */
export const engineFamily = (engine: string): EngineFamily | undefined =>
  engine === 'postgres' || engine === 'mysql' || engine === 'mariadb' ? engine : undefined;

export const isBinlogEngine = (engine: string): boolean => engine === 'mysql' || engine === 'mariadb';

/** "MySQL 8.0.35", "MariaDB 10.11.9", "PostgreSQL 17.4": the engine as notifications and pages name it. */
export const engineLabel = (engine: string, version?: string): string => {
  const family = engineFamily(engine);
  const name = family ? LABELS[family] : engine;
  return version ? `${name} ${version}` : name;
};

/**
 * The major version as RDS counts it. PostgreSQL 10+: the first number (17.4 → "17"). MySQL and
 * MariaDB: the first two, "X.Y" ("a version change would be considered major if either major version
 * or release level is being changed", Amazon RDS for MySQL FAQs; 8.0 → 8.4 and 10.6 → 10.11 are majors).
 */
export const majorOf = (engine: string, version: string): string =>
  isBinlogEngine(engine) ? version.split('.').slice(0, 2).join('.') : String(majorVersion(version));

export const isMajorUpgrade = (engine: string, from: string, to: string): boolean =>
  majorOf(engine, from) !== majorOf(engine, to);

/**
 * How RDS replicates blue to green (RDS user guide, "Replication types for blue/green deployments",
 * blue-green-deployments-replication-type.html): binlog for MySQL and MariaDB; for PostgreSQL,
 * physical for a same-major change and logical for a major-version upgrade.
 */
export const replicationFor = (
  currentVersion: string,
  targetVersion: string,
  engine = 'postgres',
): Replication =>
  isBinlogEngine(engine)
    ? 'binlog'
    : majorVersion(targetVersion) > majorVersion(currentVersion)
      ? 'logical'
      : 'physical';

/** The SQL dialect a release's migrations must be written in for this engine (the gate's `engine`). */
export const migrationDialectOf = (engine: string): 'postgres' | 'mysql' =>
  isBinlogEngine(engine) ? 'mysql' : 'postgres';

/** The DB parameter group family prefix RDS uses for an engine: postgres17, mysql8.0, mariadb10.11. */
export const parameterGroupFamily = (engine: string, version: string): string =>
  `${engine}${majorOf(engine, version)}`;
