/**
 * Blue/Green deployments on real PostgreSQL: provisioning green by physical or logical replication,
 * guardrails, switchover with rollback, deletion (RDS API Reference and RDS User Guide, Blue/Green Deployments: creating, switching, deleting).
 */
import { type Core, newResourceId } from '../core.ts';
import { QueryError } from '../http/query.ts';
import {
  dropLogical,
  logicalHealthy,
  logicalLagBytes,
  schemaFingerprint,
  setSubscriptionsEnabled,
  setupLogical,
  syncSequences,
  waitLogicalCatchUp,
} from '../pg/logical.ts';
import { baseBackup, makeStandby, physicalLag, physicalSlotName } from '../pg/physical.ts';
import { ADMIN_APP, type PgServer } from '../pg/server.ts';
import { errorMessage, lowerAlnum, sleep } from '../util.ts';
import type { DeploymentRecord, InstanceRecord, ServerRecord } from './model.ts';

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
      } else if (task.Name === 'DB_ENGINE_VERSION_UPGRADE' && dep.method === 'logical') {
        const green = core.instanceByResource(dep.targetResourceId);
        const greenServer = core.server(green);
        const rec = greenServerRecord(core, dep);
        if (!green || !greenServer || !rec) throw new Error('green server missing');
        const links = await setupLogical(blueServer, greenServer, `bg_${dep.id.replace(/-/g, '_')}`, (l) =>
          core.log(l),
        );
        rec.logical = { publisherServerId: blueServer.cfg.id, links };
        await setReadOnly(greenServer, true);
        dep.fingerprint = await schemaFingerprint(blueServer, links);
        core.save();
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
  blueServer: PgServer,
): Promise<void> => {
  const targetVersion = dep.targetEngineVersion ?? blue.engineVersion;
  const major = Number(targetVersion.split('.')[0]);
  const greenId = `${blue.id}-green-${lowerAlnum(6)}`.slice(0, 63);
  const rec = await core.newServerRecord(major, greenId);
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
  if (dep.method === 'physical') {
    const slot = physicalSlotName(rec.id);
    await baseBackup(blueServer, rec.dir, { slot });
    await makeStandby(rec.dir);
    rec.standby = { primaryServerId: blueServer.cfg.id, slot };
    core.save();
    await core.startServer(rec, green);
  } else {
    const s = core.pgServer(rec, green);
    await s.initdb();
    await core.startServer(rec, green);
  }
  await core.openEndpoint(green);
  if (isCancelled(core, dep)) throw new Cancelled();
};

/** Green stops applying changes (replication stall) or resumes. */
export const applyStall = async (core: Core, dep: DeploymentRecord, stalled: boolean): Promise<void> => {
  const rec = greenServerRecord(core, dep);
  const green = core.server(core.instanceByResource(dep.targetResourceId));
  if (!rec || !green?.running) return;
  if (rec.standby)
    await green.query(stalled ? 'SELECT pg_wal_replay_pause()' : 'SELECT pg_wal_replay_resume()');
  else if (rec.logical) await setSubscriptionsEnabled(green, rec.logical.links, !stalled);
};

// ---- lag and health ------------------------------------------------------------------------------

export interface ReplicationHealth {
  healthy: boolean;
  seconds?: number;
  bytes: number;
  detail?: string;
}

export const replicationHealth = async (core: Core, dep: DeploymentRecord): Promise<ReplicationHealth> => {
  const blue = core.server(core.instanceByResource(dep.sourceResourceId));
  const green = core.server(core.instanceByResource(dep.targetResourceId));
  const rec = greenServerRecord(core, dep);
  if (!blue?.running || !green?.running || !rec)
    return { healthy: false, bytes: 0, detail: 'a server is not running' };
  if (rec.standby) {
    const lag = await physicalLag(blue, green);
    const [w] = await green.query<{ paused: boolean; streaming: boolean }>(
      `SELECT pg_is_wal_replay_paused() AS paused, EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') AS streaming`,
    );
    const healthy = !!w && !w.paused && w.streaming;
    return {
      healthy,
      seconds: lag.seconds,
      bytes: lag.bytes,
      ...(healthy
        ? {}
        : { detail: w?.paused ? 'WAL replay on green is paused' : 'green is not streaming from blue' }),
    };
  }
  if (rec.logical) {
    const bytes = await logicalLagBytes(blue, rec.logical.links);
    const healthy = await logicalHealthy(green, rec.logical.links);
    return { healthy, bytes, ...(healthy ? {} : { detail: 'logical replication to green is not running' }) };
  }
  return { healthy: false, bytes: 0, detail: 'green does not replicate from blue' };
};

/** CloudWatch AWS/RDS metrics computed live from PostgreSQL (RDS User Guide, Blue/Green Deployments: monitoring replica lag). */
export const metricValue = async (
  core: Core,
  metric: string,
  instanceId: string,
): Promise<number | undefined> => {
  const inst = core.instance(instanceId);
  const server = core.server(inst);
  if (!inst || !server?.running) return undefined;
  if (metric === 'DatabaseConnections') {
    const [r] = await server.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND application_name <> $1`,
      [ADMIN_APP],
    );
    return r?.n ?? 0;
  }
  if (metric === 'ReplicaLag') {
    const dep = core.state.deployments.find(
      (d) => d.targetResourceId === inst.resourceId && d.method === 'physical',
    );
    const rec = core.serverRecord(inst.serverId);
    if (!dep || !rec?.standby) return undefined;
    const blue = core.server(core.instanceByResource(dep.sourceResourceId));
    if (!blue?.running) return undefined;
    return (await physicalLag(blue, server)).seconds;
  }
  if (metric === 'OldestReplicationSlotLag') {
    const [r] = await server.query<{ lag: string | null }>(
      `SELECT max(pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn))::text AS lag FROM pg_replication_slots WHERE slot_type = 'logical'`,
    );
    return r?.lag == null ? undefined : Math.max(0, Number(r.lag));
  }
  if (metric === 'ReplicationSlotDiskUsage' || metric === 'TransactionLogsDiskUsage') {
    const [r] = await server.query<{ b: string | null }>(
      `SELECT max(pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn))::text AS b FROM pg_replication_slots`,
    );
    return Math.max(0, Number(r?.b ?? 0));
  }
  return undefined;
};

// ---- switchover ----------------------------------------------------------------------------------

const invalidState = (message: string): QueryError =>
  new QueryError('InvalidBlueGreenDeploymentStateFault', message, 400);

export const setReadOnly = async (server: PgServer, on: boolean): Promise<void> => {
  await server.query(
    on
      ? 'ALTER SYSTEM SET default_transaction_read_only = on'
      : 'ALTER SYSTEM RESET default_transaction_read_only',
  );
  await server.query('SELECT pg_reload_conf()');
};

const terminateClients = async (server: PgServer): Promise<void> => {
  await server.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND application_name <> $1`,
    [ADMIN_APP],
  );
};

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
  if (dep.degraded)
    throw invalidState(
      `Switchover isn't available for blue/green deployment ${dep.id}: Replication degraded.`,
    );
  const blueServer = core.server(blue);
  const rec = core.serverRecord(green.serverId);
  if (!blueServer) throw invalidState(`DB instance ${blue.id} is not in available state`);
  if (rec?.logical) {
    const now = await schemaFingerprint(blueServer, rec.logical.links);
    if (dep.fingerprint && now !== dep.fingerprint) {
      dep.degraded = true;
      dep.statusDetails = 'Replication degraded';
      core.save();
      throw invalidState(
        `Switchover isn't available for blue/green deployment ${dep.id}: Replication degraded. DDL or large-object changes were made on the blue environment during logical replication; delete the blue/green deployment and the green databases, then recreate them.`,
      );
    }
  }
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
  const writers = await blueServer.query<{ pid: number; ms: number; query: string; app: string }>(
    `SELECT pid, (extract(epoch FROM now() - xact_start) * 1000)::int AS ms, left(query, 200) AS query, application_name AS app
       FROM pg_stat_activity
      WHERE backend_xid IS NOT NULL AND backend_type = 'client backend' AND application_name <> $1 AND xact_start < now() - make_interval(secs => $2::float8 / 1000)
      ORDER BY xact_start`,
    [ADMIN_APP, g.longWriteMs],
  );
  const w = writers[0];
  if (w)
    throw invalidState(
      `Switchover can't start for blue/green deployment ${dep.id}: a long-running write transaction is active on DB instance ${blue.id} (pid ${w.pid}${w.app ? `, application ${w.app}` : ''}, open for ${(w.ms / 1000).toFixed(1)} s, last statement: ${w.query}).`,
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
  const timeoutMs = core.faults.switchoverTimeout?.timeoutMs ?? sw.timeoutSeconds * 1000;
  const deadline = Date.parse(sw.startedAt) + timeoutMs;
  const timedOut = () =>
    new SwitchoverAbort(
      `the switchover timeout (${Math.round(timeoutMs / 1000)} s) was exceeded before green caught up`,
    );
  const undo: Array<() => Promise<void>> = [];
  const step = () => sleep(core.cfg.delays.switchoverStepMs);
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
      await setReadOnly(blueServer, true);
      undo.push(() => setReadOnly(blueServer, false));
    }
    // 2. Drop the connections of both environments.
    blueProxy.dropAll();
    greenProxy.dropAll();
    await terminateClients(blueServer);
    await terminateClients(greenServer);
    await step();
    const injected = core.faults.switchoverFails;
    if (injected) throw new SwitchoverAbort(injected);
    // 3. Wait for green to catch up with blue's last WAL position.
    if (core.faults.switchoverTimeout) {
      await applyStall(core, dep, true);
      undo.push(() => applyStall(core, dep, core.faults.replicationStall));
    }
    // A WAL record of our own marks the position green must reach (blue takes no other writes now).
    const [pos] = await blueServer.query<{ lsn: string }>(
      "SELECT pg_logical_emit_message(false, 'switchyard', 'switchover', true)::text AS lsn",
    );
    const target = pos?.lsn ?? '0/0';
    let caught = false;
    if (rec.standby) {
      while (Date.now() < deadline && !caught) {
        const [r] = await greenServer.query<{ ok: boolean }>(
          'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok',
          [target],
        );
        caught = !!r?.ok;
        if (!caught) await sleep(20);
      }
    } else if (rec.logical)
      caught = await waitLogicalCatchUp(blueServer, rec.logical.links, target, deadline);
    if (!caught) throw timedOut();
    // 4. Sequences (logical replication does not carry them).
    if (rec.logical) {
      depEvent(
        core,
        dep,
        'RDS-EVENT-0307',
        'notification',
        'Sequence sync for switchover of blue/green deployment has initiated. Switchover when using sequences may lead to extended downtime.',
      );
      const n = await syncSequences(blueServer, greenServer, rec.logical.links);
      depEvent(
        core,
        dep,
        'RDS-EVENT-0308',
        'notification',
        `Sequence sync for switchover of blue/green deployment has completed (${n} sequences).`,
      );
    }
    if (Date.now() > deadline) throw timedOut();
    await step();
    // 5. Promote green (the point of no return).
    if (rec.standby) {
      const [r] = await greenServer.query<{ ok: boolean }>('SELECT pg_promote(true, 60) AS ok');
      if (!r?.ok) throw new SwitchoverAbort('green could not be promoted');
      committed = true;
      const slot = rec.standby.slot;
      delete rec.standby;
      delete greenServer.cfg.standby;
      for (let i = 0; i < 100; i++) {
        const [s] = await blueServer.query<{ active: boolean }>(
          'SELECT active FROM pg_replication_slots WHERE slot_name = $1',
          [slot],
        );
        if (!s) break;
        if (!s.active) {
          await blueServer.query('SELECT pg_drop_replication_slot($1)', [slot]).catch(() => {});
          break;
        }
        await sleep(50);
      }
    } else if (rec.logical) {
      committed = true;
      await dropLogical(blueServer, greenServer, rec.logical.links);
      delete rec.logical;
    }
    await setReadOnly(greenServer, false);
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
  if (dep.switchover && !dep.switchover.blueWasReadOnly && server?.running)
    await setReadOnly(server, false).catch(() => {});
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
  const switched = !rec?.standby && !rec?.logical && dep.memberStatus === 'SWITCHOVER_COMPLETED';
  if (green && !switched) {
    if (dep.deleteTarget) {
      green.status = 'deleting';
      core.save();
      await core.closeEndpoint(green);
      if (rec?.logical) await dropLogical(blueServer, core.server(green), rec.logical.links).catch(() => {});
      await core.removeServer(green.serverId);
      if (rec?.standby && blueServer?.running)
        await blueServer
          .query(
            'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1',
            [rec.standby.slot],
          )
          .catch(() => {});
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
      // PostgreSQL: green is promoted to a standalone instance and replication stops (§2.5).
      const greenServer = core.server(green);
      if (greenServer?.running) {
        if (rec.standby) {
          await greenServer.query('SELECT pg_wal_replay_resume()').catch(() => {});
          await greenServer.query('SELECT pg_promote(true, 60)');
          const slot = rec.standby.slot;
          delete rec.standby;
          delete greenServer.cfg.standby;
          await sleep(100);
          if (blueServer?.running)
            await blueServer
              .query(
                'SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = $1',
                [slot],
              )
              .catch(() => {});
        } else if (rec.logical) {
          await dropLogical(blueServer, greenServer, rec.logical.links);
          delete rec.logical;
        }
        await setReadOnly(greenServer, false);
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
        if (rec?.logical)
          await dropLogical(blueServer, core.server(green), rec.logical.links).catch(() => {});
        await core.removeServer(green.serverId);
        if (rec?.standby && blueServer?.running)
          await blueServer.query('SELECT pg_drop_replication_slot($1)', [rec.standby.slot]).catch(() => {});
        if (blueServer?.running && rec?.logical)
          for (const l of rec.logical.links)
            await blueServer.query('SELECT pg_drop_replication_slot($1)', [l.subscription]).catch(() => {});
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
