/**
 * The replication-window guard: every lag check also asks whether green can still be trusted. DDL on
 * blue after green exists breaks a logical deployment (the subscriber has no such column or table, and
 * its apply worker fails in a loop: RDS calls this "replication degraded" and green must be recreated)
 * and on the physical path it is at least a change nobody approved. Either way the lag number alone
 * would keep looking fine between writes, so the lag loop leaves at once with the cause named.
 */
import type { GuardObservation } from './ddl-guard.ts';

export interface ReplicationHealth {
  /** green's DB instance status (DescribeDBInstances), e.g. available, incompatible-parameters */
  greenStatus: string | null;
  /** the deployment's StatusDetails, when RDS gives one ("Replication degraded") */
  deploymentStatusDetails: string | null;
  /** green's DBInstanceStatusInfo of type "read replication", when RDS gives one */
  greenReplication?: { status: string; normal: boolean; message?: string } | null;
}

export type WindowVerdict = 'healthy' | 'ddl-on-blue' | 'replication-degraded';

export interface WindowJudgement {
  healthy: boolean;
  verdict: WindowVerdict;
  /** what changed, when, which object: for the error Cause, the notification and the report */
  reason: string | null;
  fix: string | null;
}

const HEALTHY: WindowJudgement = { healthy: true, verdict: 'healthy', reason: null, fix: null };

/** RDS's own words for a logical deployment green can no longer follow (User Guide: viewing a deployment). */
const DEGRADED = /replication degraded/i;
/** DBInstanceStatusInfo Status values of a replica that no longer applies changes. */
const BROKEN_REPLICATION = new Set(['error', 'stopped', 'terminated']);

const DEGRADED_FIX =
  'only a new green recovers (RDS: delete the blue/green deployment and the green databases, then recreate them): remove the cause first (DDL through the pipeline as a migration, no large-object writes, no writes on green), then let green.recreateOnDegraded recreate green or start a new run';

const DDL_FIX =
  'delete green (this run does), apply the DDL through the pipeline as a migration (migrations run on blue before green is created), then start a new run';

/** Objects named by the schema-line diff (`+ r public.orders …` → public.orders). */
export const changedObjects = (changes: string[]): string[] =>
  [...new Set(changes.map((c) => c.split(' ')[2] ?? c).filter(Boolean))].slice(0, 10);

/** Judges one lag check's view of the window; `checkedAt` dates a fingerprint change that has no log time. */
export const judgeReplicationWindow = (
  observation: GuardObservation | null,
  health: ReplicationHealth,
  checkedAt: string,
): WindowJudgement => {
  if (observation && (observation.logged > 0 || observation.schemaChanged)) {
    const latest = observation.entries[0];
    if (latest) {
      const objects = [...new Set(observation.entries.flatMap((e) => e.objects))].slice(0, 10);
      return {
        healthy: false,
        verdict: 'ddl-on-blue',
        reason: `${observation.logged} DDL command(s) on blue since green was created; latest ${latest.commandTag} on ${objects.join(', ') || 'an unnamed object'} by ${latest.user} at ${latest.at}: ${latest.statement}`,
        fix: DDL_FIX,
      };
    }
    const objects = changedObjects(observation.changes ?? []);
    return {
      healthy: false,
      verdict: 'ddl-on-blue',
      reason: `blue's schema changed since green was created (catalog fingerprint, detected at ${checkedAt}); changed: ${objects.join(', ') || 'objects not named (guard has no baseline)'}${observation.changes?.length ? `; ${observation.changes.join(' | ')}` : ''}`,
      fix: DDL_FIX,
    };
  }
  const replica = health.greenReplication;
  const replicaBroken = !!replica && (!replica.normal || BROKEN_REPLICATION.has(replica.status));
  if (replicaBroken || DEGRADED.test(health.deploymentStatusDetails ?? '')) {
    const said = [
      health.deploymentStatusDetails ? `deployment: ${health.deploymentStatusDetails}` : null,
      replica && replicaBroken
        ? `green read replication ${replica.status}${replica.message ? `: ${replica.message}` : ''}`
        : null,
    ].filter(Boolean);
    return {
      healthy: false,
      verdict: 'replication-degraded',
      reason: `RDS reports replication degraded at ${checkedAt} (${said.join('; ')})`,
      fix: DEGRADED_FIX,
    };
  }
  const status = health.greenStatus;
  // available/backing-up/modifying/storage-optimization keep replicating; anything else is not a green to switch to.
  if (
    status &&
    ![
      'available',
      'backing-up',
      'modifying',
      'storage-optimization',
      'configuring-enhanced-monitoring',
    ].includes(status)
  )
    return {
      healthy: false,
      verdict: 'replication-degraded',
      reason: `green instance is ${status} at ${checkedAt}${health.deploymentStatusDetails ? ` (${health.deploymentStatusDetails})` : ''}`,
      fix: 'green cannot be trusted: delete it (this run does) and start a new run once the cause is understood',
    };
  return HEALTHY;
};
