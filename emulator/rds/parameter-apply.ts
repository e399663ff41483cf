/**
 * Parameter group changes reaching the running servers, as RDS applies them:
 *
 * - a dynamic parameter changed with ApplyMethod `immediate` is applied asynchronously: each instance
 *   using the group reads `ParameterApplyStatus` `applying` for `delays.parameterApplyMs`, then the
 *   server changes and the status returns (`in-sync`, or `pending-reboot` if a reboot was already due);
 * - a `pending-reboot` change (every static parameter) marks the instances `pending-reboot`; RebootDBInstance
 *   applies it.
 *
 * The one MySQL-family parameter with an effect on the servers is `read_only` (RDS User Guide: the master
 * user has no SUPER, so `SET GLOBAL read_only` is refused and the parameter group is the way to block or
 * allow writes). PostgreSQL's `rds.force_ssl` keeps applying synchronously (force-ssl.ts).
 */
import type { Core } from '../core.ts';
import { engineOfInstance, serverKindOf } from '../engines/index.ts';
import { errorMessage, sleep } from '../util.ts';
import { applyForceSsl } from './force-ssl.ts';
import type { InstanceRecord, ParameterGroupRecord } from './model.ts';
import {
  immediateNames,
  needsReboot,
  type ParameterChange,
  READ_ONLY,
  readOnlyWanted,
} from './parameter-changes.ts';

/** In-flight applies per instance (resource id): how many, and the status to show when they are done. */
interface Applying {
  jobs: number;
  after: 'in-sync' | 'pending-reboot' | 'failed-to-apply';
}
const inFlight = new WeakMap<Core, Map<string, Applying>>();
const applyingOf = (core: Core): Map<string, Applying> => {
  let m = inFlight.get(core);
  if (!m) {
    m = new Map();
    inFlight.set(core, m);
  }
  return m;
};

/** A change that waits for a reboot: `pending-reboot` now, or once the apply in flight ends. */
export const markPendingReboot = (core: Core, inst: InstanceRecord): void => {
  const a = applyingOf(core).get(inst.resourceId);
  if (a) a.after = 'pending-reboot';
  else inst.parameterApplyStatus = 'pending-reboot';
};

/** After a reboot every group value is applied: `in-sync` (once an apply in flight ends). */
export const markInSync = (core: Core, inst: InstanceRecord): void => {
  const a = applyingOf(core).get(inst.resourceId);
  if (a) a.after = 'in-sync';
  else inst.parameterApplyStatus = 'in-sync';
};

const beginApplying = (core: Core, inst: InstanceRecord): void => {
  const m = applyingOf(core);
  const a = m.get(inst.resourceId);
  if (a) {
    a.jobs++;
    return;
  }
  const after = inst.parameterApplyStatus === 'pending-reboot' ? 'pending-reboot' : 'in-sync';
  m.set(inst.resourceId, { jobs: 1, after });
  inst.parameterApplyStatus = 'applying';
};

const endApplying = (core: Core, inst: InstanceRecord, failed: boolean): void => {
  const m = applyingOf(core);
  const a = m.get(inst.resourceId);
  if (!a) return;
  if (failed) a.after = 'failed-to-apply';
  if (--a.jobs > 0) return;
  m.delete(inst.resourceId);
  inst.parameterApplyStatus = a.after;
};

const isMysqlFamily = (inst: InstanceRecord): boolean => serverKindOf(inst.engine) === 'mariadb';

/** A replica for `{TrueIfReplica}`: green still replicating from blue, or a read replica. */
export const isReplica = (core: Core, inst: InstanceRecord): boolean =>
  !!inst.readReplicaSource || engineOfInstance(inst).replicating(core.serverRecord(inst.serverId));

const groupOf = (core: Core, inst: InstanceRecord): ParameterGroupRecord | undefined =>
  core.state.parameterGroups.find((g) => g.name === inst.parameterGroup);

/**
 * The `read_only` the server should have now. Old blue (held read-only by a switchover, `inst.readOnly`)
 * stays read-only whatever the group says until RebootDBInstance finds `read_only=0` (RDS User Guide,
 * switching over: set the parameter to 0 and reboot).
 */
export const readOnlyNow = (core: Core, inst: InstanceRecord): boolean =>
  inst.readOnly === true || readOnlyWanted(groupOf(core, inst)?.params[READ_ONLY], isReplica(core, inst));

const setServerReadOnly = async (core: Core, inst: InstanceRecord, on: boolean): Promise<void> => {
  const server = core.server(inst);
  if (!server?.running) return; // its next start or reboot applies the group
  await engineOfInstance(inst).setReadOnly(server, on);
};

/** A switchover sets blue's read_only itself; a parameter apply waits for it to end rather than race it. */
const waitOutSwitchover = async (core: Core, inst: InstanceRecord): Promise<void> => {
  const busy = () =>
    core.state.deployments.some(
      (d) =>
        d.status === 'SWITCHOVER_IN_PROGRESS' &&
        (d.sourceResourceId === inst.resourceId || d.targetResourceId === inst.resourceId),
    );
  while (busy() && !core.stopping) await sleep(50);
};

/**
 * After a group's user values changed (validated by parameter-changes.ts): reboot-pending changes mark the
 * instances, immediate ones are applied in the background (MySQL family) or at once (rds.force_ssl).
 */
export const applyParameterChanges = async (
  core: Core,
  group: ParameterGroupRecord,
  changes: ParameterChange[],
): Promise<void> => {
  const users = core.state.instances.filter((i) => i.parameterGroup === group.name);
  if (needsReboot(changes)) for (const inst of users) markPendingReboot(core, inst);
  const immediate = immediateNames(changes);
  const targets = immediate.length ? users.filter(isMysqlFamily) : [];
  for (const inst of targets) beginApplying(core, inst);
  core.save();
  await applyForceSsl(core, group.name);
  if (!targets.length) return;
  core.run(`apply parameters of ${group.name}`, async () => {
    await sleep(core.cfg.delays.parameterApplyMs);
    for (const inst of targets) {
      let failed = false;
      try {
        const stillUsing = core.state.instances.includes(inst) && inst.parameterGroup === group.name;
        if (stillUsing && immediate.includes(READ_ONLY)) {
          await waitOutSwitchover(core, inst);
          await setServerReadOnly(core, inst, readOnlyNow(core, inst));
        }
      } catch (e) {
        failed = true;
        core.log(`[parameters] ${inst.id}: applying ${group.name} failed: ${errorMessage(e)}`);
      } finally {
        endApplying(core, inst, failed);
      }
    }
    core.save();
  });
};

/**
 * RebootDBInstance on the MySQL family, after the server restarted: old blue becomes writable only with
 * an explicit `read_only=0`; then the server's read_only follows the group (TrueIfReplica evaluated).
 */
export const applyReadOnlyAfterReboot = async (core: Core, inst: InstanceRecord): Promise<void> => {
  if (!isMysqlFamily(inst)) return;
  if (inst.readOnly && groupOf(core, inst)?.params[READ_ONLY] === '0') inst.readOnly = false;
  await setServerReadOnly(core, inst, readOnlyNow(core, inst));
};

/**
 * After an emulator restart: an apply cut short by a crash (status still `applying`) is finished. The
 * servers were just restarted, so the group's read_only is applied and the status is `in-sync`.
 */
export const finishInterruptedApplies = async (core: Core): Promise<void> => {
  for (const inst of core.state.instances) {
    if (inst.parameterApplyStatus !== 'applying') continue;
    if (isMysqlFamily(inst))
      await setServerReadOnly(core, inst, readOnlyNow(core, inst)).catch((e) =>
        core.log(`[parameters] ${inst.id}: read_only after restart failed: ${errorMessage(e)}`),
      );
    inst.parameterApplyStatus = 'in-sync';
  }
  core.save();
};

/** A MySQL-family server just built (a new instance, a green): read_only as its group says. */
export const applyGroupReadOnly = async (core: Core, inst: InstanceRecord): Promise<void> => {
  if (isMysqlFamily(inst)) await setServerReadOnly(core, inst, readOnlyNow(core, inst));
};

/** Whether the instance's server runs read-only now by RDS's rules (switchover bookkeeping). */
export const heldReadOnly = (core: Core, inst: InstanceRecord): boolean =>
  isMysqlFamily(inst) ? readOnlyNow(core, inst) : inst.readOnly === true;
