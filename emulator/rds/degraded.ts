/**
 * "Replication degraded" (RDS User Guide, Blue/Green Deployments: PostgreSQL logical replication
 * limitations; viewing a deployment: the Replication section shows Replicating or Replication degraded).
 * Once green cannot follow blue (DDL, a new partition, large objects, an apply error), RDS reports it,
 * blocks the switchover, and only deleting and recreating green recovers. Here:
 * - the deployment keeps Status AVAILABLE and gets StatusDetails `Replication degraded`;
 * - green's DBInstance gets StatusInfos `read replication` / `error` / Normal false / the cause;
 * - event RDS-EVENT-0409 (the Blue/Green "*message*" notification) names the cause, once;
 * - the switchover guardrail refuses with InvalidBlueGreenDeploymentStateFault.
 * The API form is not documented by AWS beyond the console label; README "What differs" says what is chosen.
 *
 * Health is checked when a deployment or its green is described, before a switchover, and every
 * `degradationCheckMs` in the background (so the event comes without anyone asking).
 */
import type { Core } from '../core.ts';
import { engineOfRecord } from '../engines/index.ts';
import { asPg } from '../engines/postgres.ts';
import type { Degradation } from '../engines/types.ts';
import { breakReplication, type DegradeAction } from '../pg/degrade.ts';
import { errorMessage } from '../util.ts';
import type { DeploymentRecord, InstanceRecord } from './model.ts';

export const DEGRADED_DETAILS = 'Replication degraded';

/** Deployments whose replication can still degrade: green built and replicating, not switched. */
const watched = (d: DeploymentRecord): boolean =>
  !d.degraded && d.method === 'logical' && (d.status === 'AVAILABLE' || d.status === 'SWITCHOVER_FAILED');

const pairOf = (core: Core, dep: DeploymentRecord) => {
  const blue = core.server(core.instanceByResource(dep.sourceResourceId));
  const greenInst = core.instanceByResource(dep.targetResourceId);
  const green = core.server(greenInst);
  const rec = core.serverRecord(greenInst?.serverId);
  return blue?.running && green?.running && rec ? { blue, green, rec } : undefined;
};

export const markDegraded = (core: Core, dep: DeploymentRecord, d: Degradation): void => {
  if (dep.degraded && dep.degradation) return;
  dep.degraded = true;
  dep.degradation = { ...d, at: new Date().toISOString() };
  dep.statusDetails = DEGRADED_DETAILS;
  core.save();
  core.log(`[bluegreen] ${dep.id}: replication degraded (${d.cause}): ${d.message}`);
  core.event({
    sourceIdentifier: dep.id,
    sourceType: 'blue-green-deployment',
    sourceArn: core.arn('deployment', dep.id),
    message: `Replication degraded on blue/green deployment ${dep.id}: ${d.message}. Delete the blue/green deployment and the green databases, then recreate them.`,
    categories: ['notification'],
    eventId: 'RDS-EVENT-0409',
    tags: Object.fromEntries(dep.tags.map((t) => [t.Key, t.Value])),
  });
};

const inFlight = new Map<string, Promise<Degradation | undefined>>();

/** Checks one deployment (one check at a time per deployment); marks it degraded when a cause is found. */
export const checkDegradation = async (
  core: Core,
  dep: DeploymentRecord,
): Promise<Degradation | undefined> => {
  if (dep.degraded)
    return dep.degradation ?? { cause: 'ddl', message: 'blue changed in a way green cannot follow' };
  if (!watched(dep) || core.stopping) return undefined;
  let p = inFlight.get(dep.id);
  if (!p) {
    p = (async () => {
      const pair = pairOf(core, dep);
      if (!pair) return undefined;
      const found = await engineOfRecord(pair.rec).degradation(dep, pair);
      if (found && watched(dep)) markDegraded(core, dep, found);
      return found;
    })().finally(() => inFlight.delete(dep.id));
    inFlight.set(dep.id, p);
  }
  return p;
};

/** Checks every watched deployment; errors are logged, never thrown (a describe must not fail on them). */
export const checkAllDegradation = async (core: Core): Promise<void> => {
  for (const dep of core.state.deployments.filter(watched))
    await checkDegradation(core, dep).catch((e) =>
      core.log(`[bluegreen] health of ${dep.id}: ${errorMessage(e)}`),
    );
};

/** Checks the deployment in which this instance is green, if any. */
export const checkDegradationOfGreen = async (core: Core, inst: InstanceRecord): Promise<void> => {
  const dep = core.state.deployments.find((d) => d.targetResourceId === inst.resourceId && watched(d));
  if (dep) await checkDegradation(core, dep).catch((e) => core.log(`[bluegreen] ${errorMessage(e)}`));
};

/**
 * Green's StatusInfos while it replicates from blue as part of an open deployment (DBInstanceStatusInfo:
 * StatusType "read replication", Status replicating | error).
 */
export const greenStatusInfos = (
  core: Core,
  inst: InstanceRecord,
): Array<{ StatusType: string; Normal: boolean; Status: string; Message?: string }> | undefined => {
  const dep = core.state.deployments.find(
    (d) =>
      d.targetResourceId === inst.resourceId &&
      ['AVAILABLE', 'SWITCHOVER_IN_PROGRESS', 'SWITCHOVER_FAILED'].includes(d.status),
  );
  if (!dep) return undefined;
  if (dep.degraded)
    return [
      {
        StatusType: 'read replication',
        Normal: false,
        Status: 'error',
        Message: `${DEGRADED_DETAILS}: ${dep.degradation?.message ?? 'a change on blue cannot be applied on green'}`,
      },
    ];
  return [{ StatusType: 'read replication', Normal: true, Status: 'replicating' }];
};

/** The background watcher; returns its stop function. */
export const watchDegradation = (core: Core, everyMs: number): (() => void) => {
  let running = false;
  const timer = setInterval(() => {
    if (running || core.stopping) return;
    running = true;
    checkAllDegradation(core).finally(() => {
      running = false;
    });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
};

/** The `replication-degraded` fault: really breaks green's apply on a logical deployment. */
export const injectDegradation = async (
  core: Core,
  action: DegradeAction,
  deploymentId: string | undefined,
): Promise<string> => {
  const dep = core.state.deployments.find(
    (d) => (deploymentId ? d.id === deploymentId : true) && d.status === 'AVAILABLE',
  );
  if (!dep)
    throw new Error(
      `replication-degraded: no AVAILABLE deployment${deploymentId ? ` ${deploymentId}` : ''} to degrade`,
    );
  if (dep.method !== 'logical')
    throw new Error(
      `replication-degraded: deployment ${dep.id} uses ${dep.method} replication, which applies DDL and large objects; only the logical path (a PostgreSQL major-version upgrade) degrades`,
    );
  const pair = pairOf(core, dep);
  const blueInst = core.instanceByResource(dep.sourceResourceId);
  if (!pair || !blueInst) throw new Error(`replication-degraded: a server of ${dep.id} is not running`);
  const did = await breakReplication(
    asPg(pair.blue),
    asPg(pair.green),
    blueInst.dbName ?? 'postgres',
    action,
  );
  core.log(`[fault] replication-degraded ${action} on ${dep.id}: ${did}`);
  return did;
};
