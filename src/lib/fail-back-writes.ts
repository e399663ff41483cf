/**
 * Who may write during a fail-back, engine by engine (issue #15). PostgreSQL: per-database settings over
 * SQL (src/aws/fail-back-database.ts). MySQL/MariaDB: the `read_only` parameter of each instance's own DB
 * parameter group, because RDS's master user may not `SET GLOBAL read_only` (the pure rules are in
 * src/domain/fail-back-read-only.ts). What a group held before is recorded in a tag on the instance
 * before the group changes, so every undo restores it even after a crash between the two calls.
 */
import type { DatabaseTarget } from '#aws/database-gateway';
import type { WriteBlockResult } from '#aws/fail-back-database';
import type { Gateways } from '#aws/gateways';
import { FailBackRefusedError } from '#domain/errors';
import type { InstanceFacts } from '#domain/facts';
import {
  decodeReadOnlyBefore,
  encodeReadOnlyBefore,
  proveFailBackGroups,
  proveOwnGroup,
  READ_ONLY_BEFORE_TAG,
} from '#domain/fail-back-read-only';

type WriteGateways = Pick<Gateways, 'rds' | 'failBackDatabase' | 'clock' | 'pause'>;

export const isMysqlFamily = (engine: string | undefined): boolean =>
  engine === 'mysql' || engine === 'mariadb';

/** RDS applies a dynamic parameter asynchronously, with no documented bound: poll a fresh session. */
export const PARAMETER_APPLY_WAIT_MS = 40_000;
/**
 * How long HandOverToOldBlue watches old blue's reboot itself before the ASL's Wait loop takes over: a
 * quick reboot then costs no Wait state (writes are blocked all the while); a slow one (minutes on RDS)
 * costs this much Lambda time once. Well below the Task's 90 s timeout.
 */
export const REBOOT_INLINE_WAIT_MS = 20_000;
/**
 * Between two looks for a parameter to apply (one short session each). Writes are blocked while these
 * loops run, and a change waits on average half an interval before it is seen, all of it outage. 50 ms:
 * at most 20 short sessions a second, for as long as RDS takes to apply it.
 */
const POLL_MS = 50;
/**
 * Between two looks at a rebooting old blue: each is a DescribeDBInstances, and RDS throttles its API per
 * account and Region (a sustained 12 requests a second by default, shared with every other run), while
 * a real reboot takes tens of seconds. 250 ms: 4 describes a second, 80 in the 20 s watch.
 */
const REBOOT_POLL_MS = 250;

/** Polls until `done` holds; false when it did not within `boundMs` (the gateways' clock and pause). */
const pollUntil = async (
  gw: WriteGateways,
  boundMs: number,
  everyMs: number,
  done: () => Promise<boolean>,
): Promise<boolean> => {
  const until = gw.clock().getTime() + boundMs;
  for (;;) {
    if (await done()) return true;
    if (gw.clock().getTime() >= until) return false;
    await gw.pause(everyMs);
  }
};

/** Polls until a fresh session sees `writable`; false when it did not within `boundMs`. */
export const waitForWritable = (
  gw: WriteGateways,
  target: DatabaseTarget,
  writable: boolean,
  boundMs = PARAMETER_APPLY_WAIT_MS,
): Promise<boolean> =>
  pollUntil(gw, boundMs, POLL_MS, async () => (await gw.failBackDatabase.isWritable(target)) === writable);

/** Records the group's `read_only` on the instance unless a record is there already (a retried step). */
const recordBefore = async (gw: WriteGateways, instance: InstanceFacts, group: string): Promise<void> => {
  if (instance.tags[READ_ONLY_BEFORE_TAG] !== undefined) return;
  const before = (await gw.rds.describeParameter(group, 'read_only')) ?? {
    value: null,
    source: 'engine-default',
  };
  await gw.rds.addTags(instance.arn, { [READ_ONLY_BEFORE_TAG]: encodeReadOnlyBefore(group, before) });
};

/** Puts back the `read_only` recorded on the instance and removes the record; says what it did. */
const restoreBefore = async (gw: WriteGateways, instance: InstanceFacts, group: string): Promise<string> => {
  const tag = instance.tags[READ_ONLY_BEFORE_TAG];
  if (tag === undefined) return `read_only in ${group} was not changed`;
  const restore = decodeReadOnlyBefore(tag, group);
  if (restore.action === 'refuse') throw new Error(restore.reason);
  if (restore.action === 'reset') await gw.rds.resetParameter(group, 'read_only');
  else await gw.rds.setParameter(group, 'read_only', restore.value);
  await gw.rds.removeTags(instance.arn, [READ_ONLY_BEFORE_TAG]);
  return restore.action === 'reset'
    ? `read_only in ${group} reset to the engine default`
    : `read_only in ${group} back to ${restore.value}`;
};

const ownGroupOrThrow = (role: string, instance: InstanceFacts, all: InstanceFacts[]): string => {
  const v = proveOwnGroup(role, instance, all);
  if (v.verdict === 'refuse') throw new FailBackRefusedError(v.reason);
  return v.group;
};

/**
 * MySQL/MariaDB: both groups proven first (a refusal changes nothing), then `read_only=1` in the new
 * primary's group, waited for on a fresh session. Open write transactions cannot commit afterwards
 * (docs/mariadb.md, measured), so no session needs killing.
 */
export const blockWritesByGroup = async (
  gw: WriteGateways,
  newPrimary: InstanceFacts,
  oldBlue: InstanceFacts,
  target: DatabaseTarget,
): Promise<WriteBlockResult> => {
  const proof = proveFailBackGroups(newPrimary, oldBlue, await gw.rds.listInstances());
  if (proof.verdict === 'refuse') throw new FailBackRefusedError(proof.reasons.join('; '));
  const group = proof.newPrimaryGroup;
  await recordBefore(gw, newPrimary, group);
  await gw.rds.setParameter(group, 'read_only', '1');
  if (!(await waitForWritable(gw, target, false)))
    throw new Error(
      `read_only=1 in ${group} did not reach ${newPrimary.id} within ${PARAMETER_APPLY_WAIT_MS / 1000} s; the undo puts the group back`,
    );
  return {
    terminatedSessions: 0,
    detail: `read_only=1 in ${group} (${newPrimary.id}'s own parameter group): ${newPrimary.id} refuses writes`,
  };
};

/** MySQL/MariaDB: the new primary's group as it was, and writes accepted again on a fresh session. */
export const unblockWritesByGroup = async (
  gw: WriteGateways,
  newPrimary: InstanceFacts,
  target: DatabaseTarget,
): Promise<string> => {
  const group = ownGroupOrThrow('the new primary', newPrimary, await gw.rds.listInstances());
  const did = await restoreBefore(gw, newPrimary, group);
  if (!(await waitForWritable(gw, target, true)))
    throw new Error(
      `${newPrimary.id} still refuses writes ${PARAMETER_APPLY_WAIT_MS / 1000} s after: ${did}`,
    );
  return `${did}; ${newPrimary.id} takes writes`;
};

export interface OldBlueWritableStep {
  writable: boolean;
  detail: string;
}

/**
 * MySQL/MariaDB old blue: RDS holds it read-only after the switchover until its group says 0 and it is
 * rebooted. One call sets the group and starts the reboot; later calls (CheckOldBlueWritable) only read.
 * Safe to retry: a writable old blue is left alone, a rebooting one is not rebooted again.
 */
export const makeOldBlueWritableByGroup = async (
  gw: WriteGateways,
  oldBlue: InstanceFacts,
  target: DatabaseTarget,
): Promise<OldBlueWritableStep> => {
  if (oldBlue.status === 'rebooting') return { writable: false, detail: `${oldBlue.id} is rebooting` };
  if (await gw.failBackDatabase.isWritable(target))
    return { writable: true, detail: `${oldBlue.id} takes writes` };
  const group = ownGroupOrThrow('old blue', oldBlue, await gw.rds.listInstances());
  const now = await gw.rds.describeParameter(group, 'read_only');
  if (!(now?.source === 'user' && now.value === '0')) {
    await recordBefore(gw, oldBlue, group);
    await gw.rds.setParameter(group, 'read_only', '0');
  }
  await gw.rds.rebootInstance(oldBlue.id);
  // A quick reboot is seen here; a slow one goes on in the ASL's wait loop (CheckOldBlueWritable).
  const back = await pollUntil(gw, REBOOT_INLINE_WAIT_MS, REBOOT_POLL_MS, async () => {
    const now = await gw.rds.describeInstanceByResourceId(oldBlue.resourceId);
    return now?.status === 'available' && (await gw.failBackDatabase.isWritable(target));
  });
  return {
    writable: back,
    detail: back
      ? `read_only=0 in ${group}; ${oldBlue.id} rebooted and takes writes`
      : `read_only=0 in ${group}; ${oldBlue.id} rebooting (RDS keeps old blue read-only until a reboot)`,
  };
};

/**
 * MySQL/MariaDB old blue back to read-only (the undo). Still held read-only by RDS (available, not
 * writable): its group's recorded value is put back. Rebooted writable, or mid-reboot: `read_only=1`, so
 * that it comes back read-only whatever its group said before.
 */
export const makeOldBlueReadOnlyByGroup = async (
  gw: WriteGateways,
  oldBlue: InstanceFacts,
  target: DatabaseTarget,
): Promise<string> => {
  const group = ownGroupOrThrow('old blue', oldBlue, await gw.rds.listInstances());
  const held = oldBlue.status === 'available' && !(await gw.failBackDatabase.isWritable(target));
  if (held) return `${oldBlue.id} still read-only; ${await restoreBefore(gw, oldBlue, group)}`;
  await gw.rds.setParameter(group, 'read_only', '1');
  if (oldBlue.status === 'available' && !(await waitForWritable(gw, target, false)))
    throw new Error(
      `${oldBlue.id} still takes writes ${PARAMETER_APPLY_WAIT_MS / 1000} s after read_only=1 in ${group}`,
    );
  return `read_only=1 in ${group}: ${oldBlue.id} ${oldBlue.status === 'available' ? 'read-only again' : `comes back read-only (${oldBlue.status})`}`;
};
