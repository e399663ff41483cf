/**
 * Whether this run keeps old blue current by reverse replication (docs/reverse-replication.md): on by default where
 * the engine, the replication path and green's parameters allow a stream that starts exactly at the switch;
 * off otherwise, with the reason. Asking for it explicitly (`failBack.enabled: true`) where it cannot run
 * is a preflight refusal that names what to change.
 */
import type { EngineFamily, Replication } from './engine.ts';
import { majorVersion } from './facts.ts';

export interface ReverseDecision {
  enabled: boolean;
  /** why it is on or off, for the report and the notifications */
  reason: string;
}

export interface ReverseEligibilityFacts {
  /** failBack.enabled from the input: undefined means "where possible" */
  requested: boolean | undefined;
  engine: EngineFamily;
  replication: Replication;
  currentEngineVersion: string;
  targetEngineVersion: string;
  /** parameters of the group green will use (target.dbParameterGroupName, else blue's) */
  greenParameters: Record<string, string>;
  greenParameterGroup: string;
  /** blue's DB parameter group (old blue keeps it after the switch) */
  blueParameterGroup: string;
  /** the input names a database block (credentials): the stream is set up over SQL */
  hasDatabase: boolean;
}

/** The decision, and the preflight problem when the input asked for a stream that cannot run. */
export const decideReverseReplication = (
  f: ReverseEligibilityFacts,
): { decision: ReverseDecision; problem: string | null } => {
  const off = (reason: string) => ({
    decision: { enabled: false, reason },
    problem:
      f.requested === true
        ? `failBack.enabled: reverse replication cannot run: ${reason} (or set failBack.enabled to false)`
        : null,
  });
  if (f.requested === false)
    return { decision: { enabled: false, reason: 'failBack.enabled is false' }, problem: null };
  if (!f.hasDatabase)
    return off('the input has no database block (name, user, passwordParameter) to set it up with');
  if (f.engine === 'mysql') return off('MySQL is not supported yet (MariaDB and PostgreSQL are)');
  if (f.engine === 'mariadb') {
    // A MariaDB fail-back switches writes with read_only in each instance's own group (docs/fail-back.md).
    const fixed = [
      ...new Set([f.blueParameterGroup, f.greenParameterGroup].filter((g) => g.startsWith('default.'))),
    ];
    if (fixed.length > 0)
      return off(
        `a MariaDB fail-back sets read_only in each instance's own DB parameter group and ${fixed.join(' and ')} cannot be modified: give blue a custom group of its own and set target.dbParameterGroupName to another custom group`,
      );
    if (f.blueParameterGroup === f.greenParameterGroup)
      return off(
        `a MariaDB fail-back sets read_only in each instance's own DB parameter group, and green would share blue's group "${f.blueParameterGroup}": set target.dbParameterGroupName to a custom group of green's own`,
      );
    return {
      decision: { enabled: true, reason: 'old blue follows the new primary as a GTID replica' },
      problem: null,
    };
  }
  if (f.replication === 'physical')
    return off(
      'same-major PostgreSQL uses physical replication: green is a standby until the switch, so no stream can start exactly at it',
    );
  const oldest = Math.min(majorVersion(f.currentEngineVersion), majorVersion(f.targetEngineVersion));
  if (!(oldest >= 16)) return off('origin = none needs PostgreSQL 16 or later on both sides');
  if (f.greenParameters['rds.logical_replication'] !== '1')
    return off(
      `green needs wal_level=logical: set rds.logical_replication=1 in the target DB parameter group "${f.greenParameterGroup}"`,
    );
  return {
    decision: {
      enabled: true,
      reason: 'a slot made on green before the switch, subscribed from old blue with origin = none',
    },
    problem: null,
  };
};
