/** Post-switch verification: the new primary is green, healthy, writable, and nothing alarms. */
import type { DeploymentFacts, InstanceFacts } from './facts.ts';

export interface VerificationFacts {
  deployment: DeploymentFacts | undefined;
  /** the instance now carrying the original name */
  primary: InstanceFacts | undefined;
  /** DbiResourceId green had before the switch: the primary must be that server */
  expectedResourceId: string;
  oldBlue: InstanceFacts | undefined;
  alarms: Array<{ name: string; state: string }>;
  missingAlarms: string[];
  smoke: Array<{ sql: string; ok: boolean; error?: string }>;
  /** problems from the sequence check on the new primary (sequences.ts), or why it could not run */
  sequenceProblems?: string[];
  /** clients.maxOldBlueSessions exceeded (client-thresholds.ts) */
  clientProblems?: string[];
  /**
   * MySQL/MariaDB: `@@GLOBAL.read_only` read over SQL on each side (true, false, or why it could not be
   * read); absent when there is no database to connect to or the engine is PostgreSQL.
   */
  readOnly?: { oldBlue: boolean | string; primary: boolean | string };
}

export interface Verification {
  ok: boolean;
  problems: string[];
}

/** Collects every reason the switched database is not healthy; empty means verified. */
export const judgeVerification = (facts: VerificationFacts): Verification => {
  const problems: string[] = [];
  if (!facts.deployment) problems.push('the Blue/Green deployment is gone; cannot confirm the switch');
  else if (facts.deployment.status.toUpperCase() !== 'SWITCHOVER_COMPLETED') {
    problems.push(
      `deployment ${facts.deployment.id} is ${facts.deployment.status}, expected SWITCHOVER_COMPLETED`,
    );
  }
  if (!facts.primary) problems.push('no instance carries the original name after the switch');
  else {
    if (facts.primary.resourceId !== facts.expectedResourceId) {
      problems.push(
        `${facts.primary.id} is resource ${facts.primary.resourceId}, expected green's ${facts.expectedResourceId}`,
      );
    }
    if (facts.primary.status !== 'available')
      problems.push(`${facts.primary.id} is ${facts.primary.status}, expected available`);
  }
  if (!facts.oldBlue) problems.push('old blue (-old<N>) is missing: the rollback path is gone');
  for (const alarm of facts.alarms) {
    if (alarm.state === 'ALARM') problems.push(`alarm ${alarm.name} is in ALARM`);
  }
  for (const name of facts.missingAlarms)
    problems.push(`alarm ${name} does not exist; fix verify.alarmNames`);
  if (facts.readOnly) {
    const { oldBlue, primary } = facts.readOnly;
    if (typeof oldBlue === 'string') problems.push(`cannot read read_only on old blue: ${oldBlue}`);
    else if (!oldBlue)
      problems.push(
        'old blue is writable (read_only=0): writes that reach it are lost to the new primary; set read_only=1 on it',
      );
    if (typeof primary === 'string') problems.push(`cannot read read_only on the new primary: ${primary}`);
    else if (primary)
      problems.push('the new primary is read-only (read_only=1): the application cannot write');
  }
  for (const query of facts.smoke) {
    if (!query.ok) problems.push(`smoke query failed: ${query.sql}: ${query.error ?? 'unknown error'}`);
  }
  problems.push(...(facts.sequenceProblems ?? []));
  problems.push(...(facts.clientProblems ?? []));
  return { ok: problems.length === 0, problems };
};
