/**
 * Blue/Green deployments, engine-neutral: provisioning, guardrails, switchover with rollback, deletion
 * (RDS API Reference and RDS User Guide, Blue/Green Deployments: creating, switching, deleting). What is
 * engine-specific (how green is built and replicates, how lag is measured, how writes are blocked and
 * green promoted) sits behind the engine interface (engines/).
 */
import { type Core, newResourceId } from '../core.ts';
import { engineOfInstance, engineOfRecord } from '../engines/index.ts';
import type { DbServer, EngineHost, Pair, ReplicationHealth } from '../engines/types.ts';
import { QueryError } from '../http/query.ts';
import { errorMessage, lowerAlnum, sleep } from '../util.ts';
import { checkDegradation } from './degraded.ts';
import type { DeploymentRecord, InstanceRecord, ServerRecord } from './model.ts';
import { applyGroupReadOnly, heldReadOnly } from './parameter-apply.ts';

const ACTIVE: ReadonlySet<string> = new Set([
  'PROVISIONING',
  'AVAILABLE',
  'SWITCHOVER_IN_PROGRESS',
  'SWITCHOVER_FAILED',
  'INVALID_CONFIGURATION',
  'DELETING',
]);

/** Deployments whose green still replicates from blue (not switched over, not being deleted). */
export const deploymentsUsing = (core: Core): DeploymentRecord[] =>
  core.state.deployments.filter(
    (d) =>
      d.targetResourceId &&
      ['PROVISIONING', 'AVAILABLE', 'SWITCHOVER_IN_PROGRESS', 'SWITCHOVER_FAILED'].includes(d.status),
  );

/** The deployment an instance takes part in (as blue or green), if any is still open. */
export const deploymentOf = (core: Core, inst: InstanceRecord): DeploymentRecord | undefined =>
  core.state.deployments.find(
    (d) =>
      ACTIVE.has(d.status) &&
      d.status !== 'SWITCHOVER_COMPLETED' &&
      (d.sourceResourceId === inst.resourceId || d.targetResourceId === inst.resourceId),
  );

export const deploymentArn = (core: Core, dep: DeploymentRecord): string => core.arn('deployment', dep.id);

const depTags = (dep: DeploymentRecord): Record<string, string> =>
  Object.fromEntries(dep.tags.map((t) => [t.Key, t.Value]));

const depEvent = (
  core: Core,
  dep: DeploymentRecord,
  eventId: string,
  category: string,
  message: string,
): void =>
  core.event({
    sourceIdentifier: dep.id,
    sourceType: 'blue-green-deployment',
    sourceArn: deploymentArn(core, dep),
    message,
    categories: [category],
    eventId,
    tags: depTags(dep),
  });

/** The runtime as the engines see it. */
export const engineHost = (core: Core): EngineHost => ({
  log: (l) => core.log(l),
  save: () => core.save(),
  serverRecord: (id) => core.serverRecord(id),
  serverFor: (rec, inst) => core.serverFor(rec, inst),
  startServer: (rec, inst) => core.startServer(rec, inst),
  deploymentEvent: (dep, eventId, category, message) =>
    core.event({
      sourceIdentifier: dep.id,
      sourceType: 'blue-green-deployment',
      sourceArn: deploymentArn(core, dep),
      message,
      categories: [category],
      ...(eventId ? { eventId } : {}),
      tags: depTags(dep),
    }),
});

/** Blue's and green's running servers and green's record, or undefined when one is missing. */
const pairOf = (core: Core, dep: DeploymentRecord): Pair | undefined => {
  const blue = core.server(core.instanceByResource(dep.sourceResourceId));
  const green = core.server(core.instanceByResource(dep.targetResourceId));
  const rec = greenServerRecord(core, dep);
  return blue && green && rec ? { blue, green, rec } : undefined;
};

class Cancelled extends Error {}

const isCancelled = (core: Core, dep: DeploymentRecord): boolean =>
  core.stopping || dep.status === 'DELETING' || !core.state.deployments.includes(dep);

/** Sleeps in small steps so deletion or shutdown interrupts provisioning promptly. */
const delay = async (core: Core, dep: DeploymentRecord, ms: number): Promise<void> => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (isCancelled(core, dep)) throw new Cancelled();
    await sleep(Math.min(50, end - Date.now()));
  }
  if (isCancelled(core, dep)) throw new Cancelled();
};

// ---- provisioning --------------------------------------------------------------------------------

const provisioning = new Map<string, Promise<void>>();

export const startProvisioning = (core: Core, dep: DeploymentRecord): void => {
  const p = provision(core, dep).finally(() => provisioning.delete(dep.id));
  provisioning.set(dep.id, p);
  core.run(`provision ${dep.id}`, () => p);
};

const greenServerRecord = (core: Core, dep: DeploymentRecord): ServerRecord | undefined =>
  core.serverRecord(core.instanceByResource(dep.targetResourceId)?.serverId);

const provision = async (core: Core, dep: DeploymentRecord): Promise<void> => {
  const blue = core.instanceByResource(dep.sourceResourceId);
  const blueServer = core.server(blue);
  let current = 0;
  try {
    if (!blue || !blueServer) throw new Error('the source DB instance is not running');
    for (const [i, task] of dep.tasks.entries()) {
      if (task.Status === 'COMPLETED') continue;
      current = i;
      task.Status = 'IN_PROGRESS';
      core.save();
      if (task.Name === 'CREATING_READ_REPLICA_OF_SOURCE') {
        const reason = core.faults.greenInvalidConfiguration;
        if (reason) {
          await delay(core, dep, core.cfg.delays.taskMs + core.faults.slowProvisioningMs);
          throw new Error(reason);
        }
        await createGreen(core, dep, blue, blueServer);
      } else if (task.Name === 'DB_ENGINE_VERSION_UPGRADE') {
        const pair = pairOf(core, dep);
        if (!pair) throw new Error('green server missing');
        await engineOfInstance(blue).upgradeTask(engineHost(core), dep, pair);
      }
      await delay(core, dep, core.cfg.delays.taskMs + core.faults.slowProvisioningMs);
      task.Status = 'COMPLETED';
      core.save();
    }
    const green = core.instanceByResource(dep.targetResourceId);
    if (!green) throw new Error('green instance missing');
    green.status = core.faults.storageOptimization ? 'storage-optimization' : 'available';
    dep.memberStatus = 'AVAILABLE';
    dep.status = 'AVAILABLE';
    core.save();
    depEvent(
      core,
      dep,
      'RDS-EVENT-0244',
      'creation',
      'Blue/green deployment tasks completed. You can make more modifications to the green environment databases or switch over the deployment.',
    );
    if (core.faults.replicationStall) await applyStall(core, dep, true);
  } catch (e) {
    if (e instanceof Cancelled || isCancelled(core, dep)) return;
    const task = dep.tasks[current];
    if (task) task.Status = 'FAILED';
    dep.status = 'INVALID_CONFIGURATION';
    dep.statusDetails = errorMessage(e);
    const green = core.instanceByResource(dep.targetResourceId);
    if (green && green.status === 'creating') green.status = 'incompatible-parameters';
    core.save();
    depEvent(
      core,
      dep,
      'RDS-EVENT-0245',
      'failure',
      `Creation of blue/green deployment failed because ${dep.statusDetails.replace(/\.$/, '')}.`,
    );
  }
};

const createGreen = async (
  core: Core,
  dep: DeploymentRecord,
  blue: InstanceRecord,
  blueServer: DbServer,
): Promise<void> => {
  const targetVersion = dep.targetEngineVersion ?? blue.engineVersion;
  const major = Number(targetVersion.split('.')[0]);
  const greenId = `${blue.id}-green-${lowerAlnum(6)}`.slice(0, 63);
  const engine = engineOfInstance(blue);
  const rec = await core.newServerRecord(major, greenId, engine.kind);
  const green: InstanceRecord = {
    ...structuredClone(blue),
    resourceId: newResourceId(),
    id: greenId,
    serverId: rec.id,
    status: 'creating',
    engineVersion: targetVersion,
    major,
    instanceClass: dep.targetInstanceClass ?? blue.instanceClass,
    parameterGroup: dep.targetParameterGroup ?? blue.parameterGroup,
    parameterApplyStatus: 'in-sync',
    deletionProtection: false,
    createTime: new Date().toISOString(),
    tags: structuredClone(blue.tags),
  };
  delete green.endpointPort;
  delete green.pendingModifiedValues;
  delete green.readOnly;
  core.state.instances.push(green);
  dep.targetResourceId = green.resourceId;
  core.save();
  await engine.buildGreen(engineHost(core), dep, blueServer, rec, green);
  await applyGroupReadOnly(core, green); // {TrueIfReplica} keeps it read-only; an explicit 0 does not
  await core.openEndpoint(green);
  if (isCancelled(core, dep)) throw new Cancelled();
};

/** Green stops applying changes (replication stall) or resumes. */
export const applyStall = async (core: Core, dep: DeploymentRecord, stalled: boolean): Promise<void> => {
  const pair = pairOf(core, dep);
  if (!pair?.green.running) return;
  await engineOfRecord(pair.rec).setStall(pair, stalled);
  core.save();
};

// ---- lag and health ------------------------------------------------------------------------------

export type { ReplicationHealth };

export const replicationHealth = async (core: Core, dep: DeploymentRecord): Promise<ReplicationHealth> => {
  const pair = pairOf(core, dep);
  if (!pair?.blue.running || !pair.green.running)
    return { healthy: false, bytes: 0, detail: 'a server is not running' };
  return engineOfRecord(pair.rec).health(dep, pair);
};

/** CloudWatch AWS/RDS metrics computed live from the real server (RDS User Guide, Blue/Green Deployments: monitoring replica lag). */
export const metricValue = async (
  core: Core,
  metric: string,
  instanceId: string,
): Promise<number | undefined> => {
  const inst = core.instance(instanceId);
  const server = core.server(inst);
  if (!inst || !server?.running) return undefined;
  const asGreen = core.state.deployments.find((d) => d.targetResourceId === inst.resourceId);
  const pair = asGreen ? pairOf(core, asGreen) : undefined;
  return engineOfInstance(inst).metric(metric, server, pair);
};

// ---- switchover ----------------------------------------------------------------------------------

const invalidState = (message: string): QueryError =>
  new QueryError('InvalidBlueGreenDeploymentStateFault', message, 400);

/** Old blue's read-only state, engine by engine (default_transaction_read_only, read_only). */
export const setReadOnly = (inst: InstanceRecord, server: DbServer, on: boolean): Promise<void> =>
  engineOfInstance(inst).setReadOnly(server, on);

/** The checks RDS runs before it starts a switchover (§6.1). Throws InvalidBlueGreenDeploymentStateFault. */
export const switchoverGuardrails = async (core: Core, dep: DeploymentRecord): Promise<void> => {
  if (dep.status === 'INVALID_CONFIGURATION')
    throw invalidState(
      `The blue/green deployment ${dep.id} can't be switched over or deleted because there is an invalid configuration in the green environment.`,
    );
  if (dep.status !== 'AVAILABLE' && dep.status !== 'SWITCHOVER_FAILED')
    throw invalidState(
      `The blue/green deployment ${dep.id} is in ${dep.status} state and can't be switched over.`,
    );
  const blue = core.instanceByResource(dep.sourceResourceId);
  const green = core.instanceByResource(dep.targetResourceId);
  if (!blue || !green)
    throw invalidState(`The blue/green deployment ${dep.id} is missing its ${blue ? 'target' : 'source'}.`);
  for (const inst of [green, blue])
    if (inst.status !== 'available') throw invalidState(`DB instance ${inst.id} is not in available state`);
  const blueServer = core.server(blue);
  if (!blueServer) throw invalidState(`DB instance ${blue.id} is not in available state`);
  const engine = engineOfInstance(blue);
  const degraded = await checkDegradation(core, dep);
  if (degraded)
    throw invalidState(
      `Switchover isn't available for blue/green deployment ${dep.id}: Replication degraded. ${degraded.message}; delete the blue/green deployment and the green databases, then recreate them.`,
    );
  const health = await replicationHealth(core, dep);
  if (!health.healthy)
    throw invalidState(
      `Switchover can't start for blue/green deployment ${dep.id}: replication is not healthy (${health.detail}).`,
    );
  const g = core.cfg.guardrails;
  if ((health.seconds ?? 0) > g.maxLagSeconds || (dep.method === 'logical' && health.bytes > g.maxLagBytes))
    throw invalidState(
      `Switchover can't start for blue/green deployment ${dep.id}: replication lag is too high (${health.seconds !== undefined ? `${health.seconds.toFixed(1)} s, ` : ''}${health.bytes} bytes).`,
    );
  const [w] = await engine.longWriters(blueServer, g.longWriteMs);
  if (w)
    throw invalidState(
      `Switchover can't start for blue/green deployment ${dep.id}: a long-running write transaction is active on DB instance ${blue.id} (${engine.kind === 'postgres' ? 'pid' : 'thread'} ${w.id}${w.app ? `, ${engine.kind === 'postgres' ? 'application' : 'user'} ${w.app}` : ''}, open for ${(w.ms / 1000).toFixed(1)} s, last statement: ${w.query}).`,
    );
};

class SwitchoverAbort extends Error {}

export const startSwitchover = async (
  core: Core,
  dep: DeploymentRecord,
  timeoutSeconds: number,
): Promise<DeploymentRecord> => {
  await switchoverGuardrails(core, dep);
  const blue = core.instanceByResource(dep.sourceResourceId) as InstanceRecord;
  const green = core.instanceByResource(dep.targetResourceId) as InstanceRecord;
  dep.status = 'SWITCHOVER_IN_PROGRESS';
  delete dep.statusDetails;
  if (dep.memberStatus === 'SWITCHOVER_FAILED') dep.memberStatus = 'AVAILABLE';
  dep.switchover = { startedAt: new Date().toISOString(), timeoutSeconds, blueWasReadOnly: !!blue.readOnly };
  core.save();
  const response = structuredClone(dep);
  depEvent(core, dep, 'RDS-EVENT-0247', 'notification', `Switchover from ${blue.id} to ${green.id} started.`);
  depEvent(
    core,
    dep,
    'RDS-EVENT-0250',
    'notification',
    `Switchover from primary ${blue.id} to ${green.id} started.`,
  );
  core.run(`switchover ${dep.id}`, () => runSwitchover(core, dep));
  return response;
};

const runSwitchover = async (core: Core, dep: DeploymentRecord): Promise<void> => {
  const sw = dep.switchover;
  const blue = core.instanceByResource(dep.sourceResourceId);
  const green = core.instanceByResource(dep.targetResourceId);
  const blueServer = core.server(blue);
  const greenServer = core.server(green);
  const rec = core.serverRecord(green?.serverId);
  const blueProxy = blue && core.proxies.get(blue.resourceId);
  const greenProxy = green && core.proxies.get(green.resourceId);
  if (!sw || !blue || !green || !blueServer || !greenServer || !rec || !blueProxy || !greenProxy) return;
  const engine = engineOfInstance(blue);
  const pair: Pair = { blue: blueServer, green: greenServer, rec };
  const timeoutMs = core.faults.switchoverTimeout?.timeoutMs ?? sw.timeoutSeconds * 1000;
  const deadline = Date.parse(sw.startedAt) + timeoutMs;
  const timedOut = () =>
    new SwitchoverAbort(
      `the switchover timeout (${Math.round(timeoutMs / 1000)} s) was exceeded before green caught up`,
    );
  const undo: Array<() => Promise<void>> = [];
  const step = () => sleep(core.cfg.delays.switchoverStepMs);
  // Step timings for the log (what the write stall is made of).
  let lastMark = Date.now();
  const timings: string[] = [];
  const mark = (what: string): void => {
    const now = Date.now();
    timings.push(`${what} +${now - lastMark} ms`);
    lastMark = now;
  };
  let committed = false;
  try {
    dep.memberStatus = 'SWITCHOVER_IN_PROGRESS';
    core.save();
    await step();
    // 1. Stop new writes and connections in both environments.
    blueProxy.block();
    greenProxy.block();
    undo.push(async () => {
      blueProxy.unblock();
      greenProxy.unblock();
    });
    if (!sw.blueWasReadOnly) {
      await engine.setReadOnly(blueServer, true);
      // Back to what RDS holds it at: writable, unless its group says read_only=1 (MySQL family).
      undo.push(() => engine.setReadOnly(blueServer, heldReadOnly(core, blue)));
    }
    mark('blocked, blue read-only');
    // 2. Drop the connections of both environments.
    blueProxy.dropAll();
    greenProxy.dropAll();
    await Promise.all([engine.terminateClients(blueServer), engine.terminateClients(greenServer)]);
    mark('clients dropped');
    await step();
    const injected = core.faults.switchoverFails;
    if (injected) throw new SwitchoverAbort(injected);
    // 3. Wait for green to catch up with blue's last WAL position.
    if (core.faults.switchoverTimeout) {
      await applyStall(core, dep, true);
      undo.push(() => applyStall(core, dep, core.faults.replicationStall));
    }
    if (!(await engine.catchUp(pair, deadline))) throw timedOut();
    mark('caught up');
    // 4. Engine work before promotion (PostgreSQL logical: sequences, which replication does not carry).
    await engine.beforePromote(engineHost(core), dep, pair);
    if (Date.now() > deadline) throw timedOut();
    await step();
    // 5. Promote green (the point of no return).
    await engine.promote(pair, () => {
      committed = true;
    });
    mark('promoted');
    // 6. Rename: green takes blue's name and endpoint; blue becomes <name>-old<N> with an endpoint of its own.
    const original = blue.id;
    const greenName = green.id;
    const oldName = core.freeOldName(original);
    blueProxy.retarget(greenServer.port);
    core.proxies.set(green.resourceId, blueProxy);
    core.proxies.delete(blue.resourceId);
    green.endpointPort = blue.endpointPort;
    delete blue.endpointPort;
    blue.id = oldName;
    green.id = original;
    green.tags = structuredClone(blue.tags);
    blue.readOnly = true;
    await core.openEndpoint(blue);
    await greenProxy.close();
    // 7. Allow connections again (writes are allowed on the new primary).
    blueProxy.unblock();
    mark('unblocked');
    core.log(`[switchover] ${dep.id}: ${timings.join(', ')}`);
    dep.status = 'SWITCHOVER_COMPLETED';
    dep.memberStatus = 'SWITCHOVER_COMPLETED';
    delete dep.switchover;
    core.save();
    depEvent(
      core,
      dep,
      'RDS-EVENT-0251',
      'notification',
      `Switchover from primary ${original} to ${greenName} completed. Renamed ${original} to ${oldName} and ${greenName} to ${original}.`,
    );
    depEvent(core, dep, 'RDS-EVENT-0248', 'notification', 'Switchover completed on blue/green deployment.');
    await engine
      .afterSwitchover(engineHost(core), dep, pair)
      .catch((e) => core.log(`[switchover] ${dep.id}: after switchover: ${errorMessage(e)}`));
  } catch (e) {
    const reason = errorMessage(e);
    core.log(`[switchover] ${dep.id}: ${committed ? 'failed after promotion' : 'rolling back'}: ${reason}`);
    if (committed) {
      // Green is already promoted; nothing can be rolled back. Keep endpoints open and report the failure.
      blueProxy.unblock();
      greenProxy.unblock();
    } else
      for (const u of undo.reverse())
        await u().catch((err) => core.log(`[switchover] rollback step failed: ${errorMessage(err)}`));
    if (!core.state.deployments.includes(dep)) return;
    dep.status = 'SWITCHOVER_FAILED';
    dep.memberStatus = 'SWITCHOVER_FAILED';
    dep.statusDetails = reason;
    delete dep.switchover;
    core.save();
    depEvent(
      core,
      dep,
      'RDS-EVENT-0252',
      'failure',
      `Switchover from primary ${blue.id} to ${green.id} was canceled due to ${reason.replace(/\.$/, '')}.`,
    );
    depEvent(core, dep, 'RDS-EVENT-0249', 'failure', 'Switchover canceled on blue/green deployment.');
  }
};

/** After a restart: a switchover that was in flight is rolled back (it never reached promotion). */
export const recoverInterruptedSwitchover = async (core: Core, dep: DeploymentRecord): Promise<void> => {
  const blue = core.instanceByResource(dep.sourceResourceId);
  const server = core.server(blue);
  if (blue && dep.switchover && !dep.switchover.blueWasReadOnly && server?.running)
    await setReadOnly(blue, server, heldReadOnly(core, blue)).catch(() => {});
  await applyStall(core, dep, core.faults.replicationStall).catch(() => {});
  dep.status = 'SWITCHOVER_FAILED';
  dep.memberStatus = 'SWITCHOVER_FAILED';
  dep.statusDetails = 'the switchover was interrupted by an emulator restart';
  delete dep.switchover;
  core.save();
  depEvent(core, dep, 'RDS-EVENT-0249', 'failure', 'Switchover canceled on blue/green deployment.');
};

// ---- deletion ------------------------------------------------------------------------------------

export const startDelete = (core: Core, dep: DeploymentRecord, deleteTarget: boolean): DeploymentRecord => {
  dep.status = 'DELETING';
  dep.deleteTime = new Date().toISOString();
  dep.deleteTarget = deleteTarget;
  core.save();
  const response = structuredClone(dep);
  core.run(`delete ${dep.id}`, () => finishDelete(core, dep));
  return response;
};

/** Removes (DeleteTarget) or detaches green, then forgets the deployment after delays.deleteMs. */
export const finishDelete = async (core: Core, dep: DeploymentRecord): Promise<void> => {
  await provisioning.get(dep.id)?.catch(() => {});
  const started = Date.now();
  const blue = core.instanceByResource(dep.sourceResourceId);
  const green = core.instanceByResource(dep.targetResourceId);
  const rec = core.serverRecord(green?.serverId);
  const blueServer = core.server(blue);
  const engine = engineOfInstance(blue ?? green);
  const switched = !engine.replicating(rec) && dep.memberStatus === 'SWITCHOVER_COMPLETED';
  if (green && !switched) {
    if (dep.deleteTarget) {
      green.status = 'deleting';
      core.save();
      await core.closeEndpoint(green);
      if (rec) await engine.forgetGreen(blueServer, core.server(green), rec);
      await core.removeServer(green.serverId);
      core.state.instances = core.state.instances.filter((i) => i !== green);
      core.event({
        sourceIdentifier: green.id,
        sourceType: 'db-instance',
        sourceArn: core.instanceArn(green),
        message: 'DB instance deleted',
        categories: ['deletion'],
        eventId: 'RDS-EVENT-0003',
      });
    } else if (rec) {
      const greenServer = core.server(green);
      if (greenServer?.running && blueServer && engine.replicating(rec)) {
        const { keepsReplicating } = await engine.detachGreen({ blue: blueServer, green: greenServer, rec });
        // MySQL family: green stays a read replica of blue (RDS User Guide, Blue/Green Deployments: deleting).
        if (keepsReplicating && blue) {
          green.readReplicaSource = blue.id;
          blue.readReplicaIds = [...(blue.readReplicaIds ?? []).filter((x) => x !== green.id), green.id];
        }
      }
      if (green.status !== 'available' && green.status !== 'deleting') green.status = 'available';
    }
    core.save();
  }
  const rest = core.cfg.delays.deleteMs - (Date.now() - started);
  if (rest > 0) await sleep(rest);
  core.state.deployments = core.state.deployments.filter((d) => d !== dep);
  core.save();
  depEvent(core, dep, 'RDS-EVENT-0246', 'deletion', 'Blue/green deployment deleted.');
};

/** After a restart: resume what was in flight. */
export const resumeDeployments = async (core: Core): Promise<void> => {
  for (const dep of [...core.state.deployments]) {
    if (dep.status === 'PROVISIONING') {
      // Start provisioning over: remove a half-built green first.
      const green = core.instanceByResource(dep.targetResourceId);
      if (green) {
        await core.closeEndpoint(green);
        const rec = core.serverRecord(green.serverId);
        const blueServer = core.server(core.instanceByResource(dep.sourceResourceId));
        const greenServer = core.server(green);
        if (rec)
          await engineOfRecord(rec)
            .forgetGreen(blueServer, greenServer, rec)
            .catch(() => {});
        await core.removeServer(green.serverId);
        core.state.instances = core.state.instances.filter((i) => i !== green);
        delete dep.targetResourceId;
      }
      for (const t of dep.tasks) t.Status = 'PENDING';
      core.save();
      startProvisioning(core, dep);
    } else if (dep.status === 'SWITCHOVER_IN_PROGRESS') await recoverInterruptedSwitchover(core, dep);
    else if (dep.status === 'DELETING') core.run(`delete ${dep.id}`, () => finishDelete(core, dep));
  }
};
