/**
 * The three decisions every deletion rests on, kept pure so each can be read and tested as a table:
 * has the deployment switched, may compensation delete green, and is this instance the proven old
 * blue. Nothing destructive acts on an inferred identity: each answer names what it relied on.
 */
import type { DeploymentFacts, InstanceFacts } from './facts.ts';
import { TAGS } from './names.ts';

// ---- has it switched ---------------------------------------------------------------------------

/**
 * What a Blue/Green deployment's status says about the switch. `unknown` covers DELETING (a
 * deployment is deleted both before and after a switch) and any status RDS adds later: a caller
 * must not delete on `unknown`.
 */
export type SwitchState = 'not-switched' | 'switching' | 'switched' | 'rolled-back' | 'unknown';

const SWITCH_STATES: Record<string, SwitchState> = {
  PROVISIONING: 'not-switched',
  AVAILABLE: 'not-switched',
  INVALID_CONFIGURATION: 'not-switched',
  INVALID_XTID_CONFIGURATION: 'not-switched',
  PROVISIONING_FAILED: 'not-switched',
  SWITCHOVER_IN_PROGRESS: 'switching',
  SWITCHOVER_COMPLETED: 'switched',
  // RDS rolled the switch back: blue unchanged, green still green.
  SWITCHOVER_FAILED: 'rolled-back',
};

export const hasSwitched = (deploymentStatus: string): SwitchState =>
  SWITCH_STATES[deploymentStatus.toUpperCase()] ?? 'unknown';

// ---- may I delete green --------------------------------------------------------------------------

export type GreenRefusal = 'not-ours' | 'held' | 'switched' | 'busy' | 'unknown-status';

export type GreenDeletion =
  | { verdict: 'delete' }
  | { verdict: 'already-deleting' }
  | { verdict: 'refuse'; kind: GreenRefusal; reason: string };

/**
 * Compensation may delete green (DeleteTarget=true) only on a deployment tagged with this
 * execution, not held, and proven never switched. A switched deployment's "green" is production.
 */
export const mayDeleteGreen = (
  deployment: Pick<DeploymentFacts, 'id' | 'status' | 'tags'>,
  executionId: string,
): GreenDeletion => {
  const owner = deployment.tags[TAGS.execution];
  if (owner !== executionId)
    return {
      verdict: 'refuse',
      kind: 'not-ours',
      reason: `deployment ${deployment.id} is tagged for execution ${owner ?? '(none)'}, not ${executionId}; left untouched`,
    };
  const hold = deployment.tags[TAGS.hold];
  if (hold !== undefined)
    return {
      verdict: 'refuse',
      kind: 'held',
      reason: `deployment ${deployment.id} carries ${TAGS.hold}=${hold || '(empty)'}; nothing deleted until a person removes it`,
    };
  const state = hasSwitched(deployment.status);
  const status = deployment.status.toUpperCase();
  if (status === 'DELETING') return { verdict: 'already-deleting' };
  switch (state) {
    case 'not-switched':
    case 'rolled-back':
      return { verdict: 'delete' };
    case 'switched':
      return {
        verdict: 'refuse',
        kind: 'switched',
        reason: `deployment ${deployment.id} already switched over; green is production now, nothing deleted`,
      };
    case 'switching':
      return {
        verdict: 'refuse',
        kind: 'busy',
        reason: `deployment ${deployment.id} is switching over; wait for RDS to finish or roll back`,
      };
    default:
      return {
        verdict: 'refuse',
        kind: 'unknown-status',
        reason: `deployment ${deployment.id} is ${deployment.status}, a status Switchyard does not know; nothing deleted`,
      };
  }
};

// ---- is this the proven old blue ---------------------------------------------------------------

/** What the switch recorded about old blue (CheckSwitchover, then Retain). */
export interface OldBlueClaim {
  instanceId: string;
  resourceId: string;
  executionId: string;
  /** the production name (the source's identifier), now served by the former green */
  sourceId: string;
}

export interface InstanceView {
  id: string;
  resourceId: string;
  status: string;
  engine: string;
  tags: Record<string, string>;
  deletionProtection: boolean;
  /** `address:port` */
  endpoint?: string;
}

/** The parts of an instance the proofs read (undefined stays undefined: "not found" is evidence too). */
export const toInstanceView = (i: InstanceFacts | undefined): InstanceView | undefined =>
  i && {
    id: i.id,
    resourceId: i.resourceId,
    status: i.status,
    engine: i.engine,
    tags: i.tags,
    deletionProtection: i.deletionProtection,
    endpoint: i.endpoint ? `${i.endpoint.address}:${i.endpoint.port}` : undefined,
  };

/** What the control plane says right now, read just before the delete (or the snapshot). */
export interface OldBlueEvidence {
  /** the instance whose DbiResourceId is the claimed one (resource ids survive renames) */
  byResourceId?: InstanceView;
  /** the instance currently named like the claim */
  byName?: InstanceView;
  /** the instance that owns the production name */
  production?: InstanceView;
  /**
   * The read-only parameter in old blue's parameter group (`default_transaction_read_only` or
   * `read_only`) and its Source. RDS keeps old blue read-only without changing the group, so the
   * engine default says nothing; a value a person set (`Source: user`) to 0 is the documented way to
   * make old blue writable (set it, then reboot). null when the group could not be read.
   */
  readOnlyParameter: { name: string; group: string; value: string | null; source: string } | null;
  /** the largest DatabaseConnections datapoint over the recent period; null when CloudWatch has none */
  maxConnections: number | null;
  connectionsWindowMinutes: number;
  /** only for the delete step: the final snapshot */
  snapshot?: { id: string; status: string; instanceId: string } | null;
}

export type OldBlueVerdict =
  | { verdict: 'delete' }
  | { verdict: 'gone' }
  | { verdict: 'already-deleting' }
  | { verdict: 'refuse'; held: boolean; reasons: string[] };

const OLD_NAME = (sourceId: string) =>
  new RegExp(`^${sourceId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-old[0-9]+$`);

/** Values that make a PostgreSQL/MySQL instance writable again (RDS docs: "set it to 0 and reboot"). */
const WRITABLE = new Set(['0', 'off', 'false', 'no']);

/** The parameter that keeps old blue read-only, by engine (RDS user guide, Blue/Green switchover). */
export const readOnlyParameterFor = (engine: string): string =>
  /mysql|mariadb/i.test(engine) ? 'read_only' : 'default_transaction_read_only';

/**
 * Old blue may be snapshotted and deleted only when every fact still holds: same resource id under
 * the same `-old<N>` name, Switchyard's tags for this execution, not the owner of the production
 * name or endpoint, still read-only, no hold tag, available, and no connections recently.
 * Every failed check is listed, so the notification says all of what a person must look at.
 */
export const proveOldBlue = (claim: OldBlueClaim, evidence: OldBlueEvidence): OldBlueVerdict => {
  const { byResourceId: found, byName, production } = evidence;
  if (!found) {
    // Nothing carries the resource id any more: deleted. Someone else under the name is not ours.
    if (byName)
      return {
        verdict: 'refuse',
        held: false,
        reasons: [
          `${claim.instanceId} is now a different instance (resource id ${byName.resourceId}, expected ${claim.resourceId})`,
        ],
      };
    return { verdict: 'gone' };
  }
  // A retried delete (lost response) finds its own instance already deleting: done, not refused.
  if (
    found.status === 'deleting' &&
    found.id === claim.instanceId &&
    found.tags[TAGS.role] === 'old-blue' &&
    found.tags[TAGS.execution] === claim.executionId
  )
    return { verdict: 'already-deleting' };
  const reasons: string[] = [];
  const hold = found.tags[TAGS.hold];
  if (hold !== undefined) reasons.push(`it carries ${TAGS.hold}=${hold || '(empty)'}`);
  if (found.id !== claim.instanceId)
    reasons.push(
      `resource ${claim.resourceId} was renamed from ${claim.instanceId} to ${found.id} (failed back by hand?)`,
    );
  if (byName && byName.resourceId !== claim.resourceId)
    reasons.push(`${claim.instanceId} now names resource ${byName.resourceId}, not ${claim.resourceId}`);
  if (!OLD_NAME(claim.sourceId).test(found.id))
    reasons.push(`its name ${found.id} is not ${claim.sourceId}-old<N>, the name RDS gives old blue`);
  if (found.tags[TAGS.role] !== 'old-blue')
    reasons.push(`tag ${TAGS.role} is ${found.tags[TAGS.role] ?? 'missing'}, not old-blue`);
  if (found.tags[TAGS.execution] !== claim.executionId)
    reasons.push(
      `tag ${TAGS.execution} is ${found.tags[TAGS.execution] ?? 'missing'}, not this execution (${claim.executionId})`,
    );
  if (found.id === claim.sourceId || production?.resourceId === claim.resourceId)
    reasons.push(`it owns the production name ${claim.sourceId}`);
  if (production?.endpoint && found.endpoint && production.endpoint === found.endpoint)
    reasons.push(`its endpoint ${found.endpoint} is the production endpoint`);
  const ro = evidence.readOnlyParameter;
  if (!ro) reasons.push('its parameter group could not be read; read-only not proven');
  else if (ro.source === 'user' && ro.value !== null && WRITABLE.has(ro.value.toLowerCase()))
    reasons.push(
      `${ro.name}=${ro.value} was set in its parameter group ${ro.group}: it is being made writable (failing back?)`,
    );
  if (found.status !== 'available') reasons.push(`its status is ${found.status}, not available`);
  if (evidence.maxConnections === null)
    reasons.push(
      `CloudWatch has no DatabaseConnections datapoint for it in the last ${evidence.connectionsWindowMinutes} min; idleness not proven`,
    );
  else if (evidence.maxConnections > 0)
    reasons.push(
      `it had ${evidence.maxConnections} connection(s) in the last ${evidence.connectionsWindowMinutes} min`,
    );
  if (evidence.snapshot !== undefined) {
    const s = evidence.snapshot;
    if (s?.status !== 'available') reasons.push(`final snapshot is ${s?.status ?? 'missing'}`);
    else if (s.instanceId !== claim.instanceId)
      reasons.push(`final snapshot ${s.id} is of ${s.instanceId}, not ${claim.instanceId}`);
  }
  if (evidence.snapshot !== undefined && found.deletionProtection)
    reasons.push('deletion protection is on (a person decided to keep it)');
  return reasons.length === 0
    ? { verdict: 'delete' }
    : { verdict: 'refuse', held: hold !== undefined, reasons };
};
