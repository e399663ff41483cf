/**
 * How a fail-back blocks and unblocks writes on MySQL/MariaDB, pure (issue #15). RDS gives the master
 * user neither SUPER nor READ_ONLY ADMIN, so `SET GLOBAL read_only` is refused; the one lever left is the
 * `read_only` parameter of each instance's DB parameter group (dynamic: applied without a reboot). Old
 * blue is different: RDS holds it read-only after the switchover until its group says 0 and it is
 * rebooted (RDS user guide, switching a blue/green deployment). A parameter group acts on every instance
 * that uses it, so a fail-back changes a group only when it is proven to be that one instance's own.
 */
import type { InstanceFacts } from './facts.ts';
import { TAGS } from './names.ts';

/** The tag that records a group's `read_only` before the fail-back changed it, so an undo can restore it. */
export const READ_ONLY_BEFORE_TAG = TAGS.readOnlyBefore;

/** `read_only` as DescribeDBParameters reports it. */
export interface ReadOnlySetting {
  value: string | null;
  /** `user` when a person set it, `engine-default` otherwise (then ParameterValue is `{TrueIfReplica}`) */
  source: string;
}

export type GroupVerdict = { verdict: 'proven'; group: string } | { verdict: 'refuse'; reason: string };

/**
 * The instance's DB parameter group may be changed by a fail-back: there is exactly one, it is not an
 * RDS default group (those cannot be modified), and no other instance uses it (a change would reach them
 * too). `others` are every other instance of the account.
 */
export const proveOwnGroup = (
  role: string,
  instance: Pick<InstanceFacts, 'id' | 'parameterGroups'>,
  others: Array<Pick<InstanceFacts, 'id' | 'parameterGroups'>>,
): GroupVerdict => {
  const groups = instance.parameterGroups.map((g) => g.name);
  if (groups.length !== 1)
    return {
      verdict: 'refuse',
      reason: `${role} ${instance.id} has ${groups.length} DB parameter groups, not one`,
    };
  const group = groups[0]!;
  if (group.startsWith('default.'))
    return {
      verdict: 'refuse',
      reason: `${role} ${instance.id} uses the RDS default parameter group ${group}, which cannot be modified; give it a custom DB parameter group of its own (ModifyDBInstance --db-parameter-group-name, then reboot) before a fail-back`,
    };
  const sharers = others
    .filter((o) => o.id !== instance.id && o.parameterGroups.some((g) => g.name === group))
    .map((o) => o.id);
  if (sharers.length > 0)
    return {
      verdict: 'refuse',
      reason: `${role} ${instance.id}'s parameter group ${group} is also used by ${sharers.join(', ')}; setting read_only there would change them too: give ${instance.id} a group of its own`,
    };
  return { verdict: 'proven', group };
};

/** Both groups a MySQL-family fail-back changes, proven; every failed check is listed. */
export const proveFailBackGroups = (
  newPrimary: Pick<InstanceFacts, 'id' | 'parameterGroups'>,
  oldBlue: Pick<InstanceFacts, 'id' | 'parameterGroups'>,
  all: Array<Pick<InstanceFacts, 'id' | 'parameterGroups'>>,
):
  | { verdict: 'proven'; newPrimaryGroup: string; oldBlueGroup: string }
  | { verdict: 'refuse'; reasons: string[] } => {
  // Both instances count as users too: one group for both would let each change reach the other.
  const everyone = [...all.filter((i) => i.id !== newPrimary.id && i.id !== oldBlue.id), newPrimary, oldBlue];
  const np = proveOwnGroup('the new primary', newPrimary, everyone);
  const ob = proveOwnGroup('old blue', oldBlue, everyone);
  const reasons = [np, ob].flatMap((v) => (v.verdict === 'refuse' ? [v.reason] : []));
  if (np.verdict === 'proven' && ob.verdict === 'proven')
    return { verdict: 'proven', newPrimaryGroup: np.group, oldBlueGroup: ob.group };
  return { verdict: 'refuse', reasons };
};

/** Tag values allow letters, digits and `_ . : / = + - @` only: `{TrueIfReplica}` is written without braces. */
export const encodeReadOnlyBefore = (group: string, before: ReadOnlySetting): string =>
  `${group}:${before.source === 'engine-default' || before.value === null ? 'engine-default' : before.value.replace(/[{}]/g, '')}`;

/** What restoring a recorded `read_only` takes: set the value a person had set, or reset to the engine default. */
export type ReadOnlyRestore =
  | { action: 'set'; group: string; value: string }
  | { action: 'reset'; group: string }
  | { action: 'refuse'; reason: string };

export const decodeReadOnlyBefore = (tag: string, expectedGroup: string): ReadOnlyRestore => {
  const at = tag.lastIndexOf(':');
  const group = tag.slice(0, at);
  const value = tag.slice(at + 1);
  if (at <= 0 || group !== expectedGroup)
    return {
      action: 'refuse',
      reason: `tag ${READ_ONLY_BEFORE_TAG}=${tag} does not name the instance's parameter group ${expectedGroup}`,
    };
  if (value === 'engine-default') return { action: 'reset', group };
  if (value === 'TrueIfReplica') return { action: 'set', group, value: '{TrueIfReplica}' };
  if (value === '0' || value === '1') return { action: 'set', group, value };
  return { action: 'refuse', reason: `tag ${READ_ONLY_BEFORE_TAG}=${tag}: unknown value ${value}` };
};
