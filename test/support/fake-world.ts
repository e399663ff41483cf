/**
 * An in-memory RDS/CloudWatch/SNS world behind the gateway interfaces, for path tests of the real
 * handlers in the real ASL. Each scenario scripts how green builds, how lag moves, how the switch
 * ends; every mutating call is recorded so tests can assert the compensation calls made.
 */

import type { Gateways } from '#aws/gateways';
import { LOCK_NOT_AVAILABLE, type MigrationSession, SqlStatementError } from '#aws/migrations-gateway';
import type { BinlogCatalogFacts } from '#domain/binlog-inspection';
import { AwsThrottledError } from '#domain/errors';
import type { DeploymentFacts, InstanceFacts, SnapshotFacts } from '#domain/facts';
import type { PostgresFacts } from '#domain/inspection/postgres';
import type { LogEntry } from '#domain/migrations';
import { type GreenMaintenanceScript, makeFakeGreenMaintenance } from './fake-green-maintenance.ts';
import { makeFakeValidation, type ValidationScript } from './fake-validation.ts';
import { cleanInspection } from './inspection-facts.ts';

export interface WorldScript {
  /** Describe calls while PROVISIONING before AVAILABLE (Infinity: never ready) */
  provisioningPolls?: number;
  /** instead: green becomes AVAILABLE this many minutes (world clock) after CreateBlueGreenDeployment */
  provisioningMinutes?: number;
  /** RDS events lost on the way (best effort): 'all', or these event IDs */
  dropEvents?: 'all' | string[];
  /** every event is delivered twice, and every earlier one again with it (duplicates, late and out of order) */
  redeliverEvents?: boolean;
  /** the build ends INVALID_CONFIGURATION instead */
  greenFails?: boolean;
  /** lag values returned in order; the last one repeats */
  lag?: Array<number | null>;
  /** how the switchover ends */
  switchover?: 'completed' | 'failed';
  /** RDS refuses the first N switchover calls (guardrail) */
  switchoverRefusals?: number;
  /** alarms and their states after the switch */
  alarmsAfterSwitch?: Record<string, string>;
  /** gateway method → number of times it throws throttling first */
  throttle?: Partial<Record<string, number>>;
  source?: Partial<InstanceFacts>;
  /** DescribeDBParameters answers by group name (merged over rds.logical_replication=1 and `parameters`) */
  groupParameters?: Record<string, Record<string, string>>;
  /** what green's instance looks like once built (engine version etc.) */
  green?: Partial<InstanceFacts>;
  /** MySQL/MariaDB: read_only by endpoint host; by default hosts of -old instances are read-only */
  readOnlyHosts?: Record<string, boolean>;
  /** DescribeDBEngineVersions' ValidUpgradeTarget for blue's version (default 17.5, 18.4) */
  upgradeTargets?: string[];
  /** MySQL/MariaDB: blue's tables and events as the binlog inspection reads them */
  binlogCatalog?: BinlogCatalogFacts;
  /** MySQL/MariaDB: blue replicates from this external host */
  externalReplicaOf?: string;
  /** blue's database as ApplyMigrations and the DDL guard see it */
  database?: {
    /** the first N units applied meet a lock timeout (55P03) */
    lockTimeouts?: number;
    /** the unit with this key fails with a syntax-level error */
    failKey?: string;
    /** InstallDdlGuard fails (e.g. the user is not rds_superuser) */
    guardInstallFails?: boolean;
    /** DDL commands the guard "saw" on blue */
    ddlSeen?: number;
    /** the guard's observe() shows ddlSeen from its Nth call on (default 1: always); release always does */
    ddlFromObserve?: number;
    /** re-installing the guard (a rebuilt green) clears what it saw, as the real guard's installed_at does */
    ddlClearedByReinstall?: boolean;
  };
  /** the reverse stream (docs/reverse-replication.md): prepare throws, or the stream reads broken once started */
  reverse?: { prepareFails?: boolean; broken?: boolean };
  /** client connections on blue at each readClients call (the last repeats; default 12) */
  blueConnections?: number[];
  /** client sessions on old blue after the switch (default 12) */
  oldBlueSessions?: number;
  /** blue's longest open transaction (s) and sequence count, for the switchover estimate */
  longestTransactionSeconds?: number;
  sequenceCount?: number;
  /** public.orders_id_seq on the new primary is behind max(id) (a sequence the switchover did not sync) */
  sequenceBehind?: boolean;
  /** green's instance status becomes this at the Nth lag metric read (replication degraded mid-window) */
  greenDegrades?: { status: string; atLagRead: number };
  /**
   * RDS reports "Replication degraded" (deployment StatusDetails, green StatusInfos read replication error)
   * from the Nth lag read on, for the first `greens` greens built (a rebuilt green stays healthy after that)
   */
  replicationDegraded?: { atLagRead: number; greens: number };
  /** what Preflight's inspection reads from blue (a clean schema unless overridden) */
  blueFacts?: Partial<PostgresFacts>;
  /** max DatabaseConnections per instance id over the recent window (default 0; null: no datapoints) */
  connections?: Record<string, number | null>;
  /** parameter values a person set (Source user) in every parameter group (e.g. default_transaction_read_only) */
  parameters?: Record<string, string>;
  /** CreateBlueGreenDeployment is accepted but its response is lost (the handler fails); lookups miss it this many times */
  createResponseLost?: { invisibleLookups: number };
  /** CreateBlueGreenDeployment fails before RDS creates anything */
  createFails?: boolean;
  /** the lookup by name never finds the deployment (only the execution tag does) */
  nameLookupBlind?: boolean;
  /** what ValidateData finds comparing blue and green (equal unless scripted) */
  validation?: ValidationScript;
  /** the reverse stream (new primary → old blue) during a fail-back: statuses in order, the last repeats */
  reverseStatuses?: Array<{ state: 'absent' | 'prepared' | 'replicating' | 'broken'; lag: number | null }>;
  /** the reverse stream's nudge is refused (as a server that revoked pg_logical_emit_message would) */
  reverseNudgeFails?: boolean;
  /** ModifyDBInstance renames: the Nth rename call (1-based) fails; or renames never become available */
  renameFailsAt?: number;
  renameNeverAvailable?: boolean;
  /** the fail-back's SQL on a host fails (scripted) */
  failBackSqlFails?: Partial<
    Record<'blockWrites' | 'unblockWrites' | 'makeWritable' | 'makeReadOnly', boolean>
  >;
  /** RebootDBInstance never finishes (the instance stays `rebooting`) */
  rebootNeverEnds?: boolean;
  /** old blue has no sequence for orders.id (a table made on the new primary since the switch) */
  oldBlueLacksSequence?: boolean;
  /** removing the reverse stream fails (scripted) */
  reverseStopFails?: boolean;
  /** how long a RebootDBInstance takes on the world's clock (0: done at the next describe) */
  rebootSeconds?: number;
  /** a fresh session on the production name after the fail-back reads as read-only */
  readOnlyAfterFailBack?: boolean;
  /** what MaintainGreen finds on green (3 tables, no views unless scripted) */
  greenMaintenance?: GreenMaintenanceScript;
  /** a person acts right after Retain tagged old blue (during the retention wait) */
  duringRetention?: (world: {
    instances: Map<string, InstanceFacts>;
    deployments: Map<string, DeploymentFacts>;
  }) => void;
}

const ACCOUNT = 'arn:aws:rds:us-east-1:123456789012';

export const instance = (id: string, extra: Partial<InstanceFacts> = {}): InstanceFacts => ({
  id,
  arn: `${ACCOUNT}:db:${id}`,
  resourceId: `db-${id.toUpperCase().replace(/-/g, '')}`,
  status: 'available',
  engine: 'postgres',
  engineVersion: '17.4',
  instanceClass: 'db.r7g.large',
  backupRetentionPeriod: 7,
  parameterGroups: [{ name: 'orders-pg17', applyStatus: 'in-sync' }],
  optionGroups: [{ name: 'default:postgres-17', status: 'in-sync' }],
  readReplicas: [],
  pendingModifiedValues: [],
  masterUserSecret: false,
  deletionProtection: false,
  endpoint: { address: `${id}.example`, port: 5432 },
  tags: {},
  ...extra,
});

export const makeWorld = (script: WorldScript = {}) => {
  const calls: string[] = [];
  /** the reverse stream's calls, with the hosts playing new primary and old blue */
  const reverseCalls: string[] = [];
  const validationReads: string[] = [];
  const maintenanceLog: string[] = [];
  const published: Array<{ subject: string; message: string }> = [];
  const instances = new Map<string, InstanceFacts>();
  const deployments = new Map<string, DeploymentFacts & { polls: number }>();
  const snapshots = new Map<string, SnapshotFacts & { polls: number }>();
  let now = Date.parse('2026-11-22T01:00:00Z');
  let lagIndex = 0;
  let refusals = script.switchoverRefusals ?? 0;
  let switched = false;
  const throttles = { ...script.throttle };
  /** what happened in blue's database: migrations applied (by unit key) and the guard's life */
  const dbCalls: string[] = [];
  const migrationLog = new Map<string, LogEntry>();
  let lockTimeoutsLeft = script.database?.lockTimeouts ?? 0;
  const guards = new Map<string, string>();
  let observes = 0;
  let lagReads = 0;
  let guardInstalls = 0;
  let degradedGreens = 0;
  let clientReads = 0;
  // The guard lives in a database server, not behind a name: endpoints move at the switch, servers do not.
  const serverBehind = (host: string): string =>
    [...instances.values()].find((i) => i.endpoint?.address === host)?.resourceId ?? host;
  const openSession = async (): Promise<MigrationSession> => ({
    prepare: async () => undefined,
    logEntries: async () => [...migrationLog.values()],
    runSession: async (sql) => void dbCalls.push(`session ${sql}`),
    applyInTransaction: async (_executionId, unit) => {
      if (lockTimeoutsLeft > 0) {
        lockTimeoutsLeft--;
        dbCalls.push(`lock-timeout ${unit.key}`);
        throw new SqlStatementError('canceling statement due to lock timeout', LOCK_NOT_AVAILABLE);
      }
      if (unit.key === script.database?.failKey) {
        dbCalls.push(`failed ${unit.key}`);
        throw new SqlStatementError('column "nope" does not exist', '42703');
      }
      dbCalls.push(`applied ${unit.key}`);
      migrationLog.set(unit.key, {
        key: unit.key,
        hash: unit.hash,
        status: 'applied',
        durationMs: 3,
        appliedAt: new Date(now).toISOString(),
        indexExisted: null,
      });
      return 3;
    },
    applyNonTransactional: async (_executionId, unit) => {
      dbCalls.push(`applied ${unit.key} (no transaction)`);
      migrationLog.set(unit.key, {
        key: unit.key,
        hash: unit.hash,
        status: 'applied',
        durationMs: 5,
        appliedAt: null,
        indexExisted: false,
      });
      return 5;
    },
    markApplied: async () => undefined,
    indexState: async () => 'absent',
    dropInvalidIndex: async () => undefined,
    close: async () => undefined,
  });
  // The fail-back: write blocks and writable flags by server (resource id), renames, the reverse stream.
  const failBackDb: string[] = [];
  const readOnlyDatabases = new Set<string>();
  // MySQL-family parameter groups: read_only per group, old blue held read-only until rebooted with 0.
  const groupValues = new Map<string, { value: string; source: string }>();
  const rebootedWritable = new Set<string>();
  const groupReadOnly = (group: string): string =>
    groupValues.get(`${group}/read_only`)?.value ?? '{TrueIfReplica}';
  const applyReadOnly = (group: string) => {
    for (const i of instances.values()) {
      if (!i.parameterGroups.some((g) => g.name === group) || !i.endpoint) continue;
      if (groupReadOnly(group) === '1') readOnlyDatabases.add(i.resourceId);
      else readOnlyDatabases.delete(i.resourceId);
    }
  };
  const rebootDoneAt = new Map<string, number>();
  const tickReboot = (i: InstanceFacts | undefined) => {
    if (i?.status !== 'rebooting' || script.rebootNeverEnds) return;
    if (now < (rebootDoneAt.get(i.resourceId) ?? 0)) return;
    i.status = 'available';
    const group = i.parameterGroups[0]?.name ?? '';
    if (groupReadOnly(group) === '0') rebootedWritable.add(i.resourceId);
  };
  let reverseIndex = 0;
  let renameCalls = 0;
  const source = instance('orders-db', script.source);
  instances.set(source.id, source);
  // Deployments whose creation response was lost stay invisible to lookups for a while (eventual consistency).
  const invisible = new Map<string, number>();
  const visible = (d: DeploymentFacts): boolean => {
    const left = invisible.get(d.id) ?? 0;
    if (left <= 0) return true;
    invisible.set(d.id, left - 1);
    return false;
  };

  const maybeThrottle = (method: string) => {
    const left = throttles[method] ?? 0;
    if (left > 0) {
      throttles[method] = left - 1;
      throw new AwsThrottledError(`${method} was throttled (scripted)`);
    }
  };

  // RDS events as EventBridge delivers them (to the subscribers: runPath's local bus), unless dropped.
  const sinks: Array<(event: unknown) => Promise<void>> = [];
  const emitted: Array<{ eventId: string; at: string; dropped: boolean }> = [];
  const inFlight = new Set<Promise<unknown>>();
  const sent: unknown[] = [];
  const emit = (deployment: DeploymentFacts, eventId: string, message: string) => {
    const at = new Date(now).toISOString();
    const drop = script.dropEvents;
    const dropped = drop === 'all' || (Array.isArray(drop) && drop.includes(eventId));
    emitted.push({ eventId, at, dropped });
    if (dropped) return;
    const arn = `${ACCOUNT}:deployment:${deployment.id}`;
    const envelope = {
      version: '0',
      id: `evt-${emitted.length}`,
      'detail-type': 'RDS Blue Green Deployment Event',
      source: 'aws.rds',
      account: '123456789012',
      time: `${at.slice(0, 19)}Z`,
      region: 'us-east-1',
      resources: [arn],
      detail: {
        EventCategories: ['notification'],
        SourceType: 'BLUE_GREEN_DEPLOYMENT',
        SourceArn: arn,
        SourceIdentifier: deployment.id,
        Date: at,
        EventID: eventId,
        Message: message,
        Tags: { ...deployment.tags },
      },
    };
    const batch = script.redeliverEvents ? [envelope, envelope, ...sent] : [envelope];
    sent.push(envelope);
    for (const sink of sinks)
      for (const e of batch) {
        const p = sink(structuredClone(e)).finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
  };
  const becomeAvailable = (deployment: DeploymentFacts, greenId: string) => {
    deployment.status = 'AVAILABLE';
    deployment.tasks = deployment.tasks.map((t) => ({ ...t, status: 'COMPLETED' }));
    deployment.switchoverDetails = deployment.switchoverDetails.map((m) => ({ ...m, status: 'AVAILABLE' }));
    const green = instances.get(greenId);
    if (green) green.status = 'available';
    emit(deployment, 'RDS-EVENT-0244', 'Blue/green deployment tasks completed.');
  };
  const readyAt = new Map<string, number>();

  const advance = (deployment: DeploymentFacts & { polls: number }) => {
    deployment.polls++;
    if (deployment.status === 'PROVISIONING') {
      const greenId = `orders-db-green-abc123`;
      deployment.target = `${ACCOUNT}:db:${greenId}`;
      deployment.switchoverDetails = [
        { sourceMember: source.arn, targetMember: deployment.target, status: 'PROVISIONING' },
      ];
      if (!instances.has(greenId))
        instances.set(
          greenId,
          instance(greenId, {
            status: 'creating',
            engineVersion: '18.4',
            engine: source.engine,
            ...script.green,
            endpoint: { address: `${greenId}.example`, port: source.endpoint?.port ?? 5432 },
          }),
        );
      const due = readyAt.get(deployment.id);
      if (script.greenFails && deployment.polls >= 2) {
        deployment.status = 'INVALID_CONFIGURATION';
        deployment.statusDetails = 'replication broken (scripted)';
        deployment.tasks = deployment.tasks.map((t, i) => ({ ...t, status: i === 0 ? 'FAILED' : t.status }));
        emit(deployment, 'RDS-EVENT-0245', 'Creation of blue/green deployment failed (scripted).');
      } else if (due !== undefined ? now >= due : deployment.polls > (script.provisioningPolls ?? 1)) {
        becomeAvailable(deployment, greenId);
      }
    } else if (deployment.status === 'SWITCHOVER_IN_PROGRESS') {
      if (script.switchover === 'failed') {
        deployment.status = 'SWITCHOVER_FAILED';
        deployment.statusDetails = 'switchover timed out and was rolled back (scripted)';
        emit(deployment, 'RDS-EVENT-0249', 'Switchover canceled on blue/green deployment.');
      } else {
        // Rename: blue → -old1, green → the original name (keeping green's resource id).
        const green = instances.get('orders-db-green-abc123')!;
        const blue = instances.get('orders-db')!;
        instances.delete('orders-db-green-abc123');
        // Endpoints follow the names; resource ids stay; green takes blue's tags (RDS user guide).
        instances.set('orders-db-old1', {
          ...blue,
          id: 'orders-db-old1',
          arn: `${ACCOUNT}:db:orders-db-old1`,
          endpoint: { address: 'orders-db-old1.example', port: blue.endpoint?.port ?? 5432 },
        });
        instances.set('orders-db', {
          ...green,
          id: 'orders-db',
          arn: `${ACCOUNT}:db:orders-db`,
          endpoint: blue.endpoint,
          tags: structuredClone(blue.tags),
        });
        deployment.status = 'SWITCHOVER_COMPLETED';
        deployment.source = `${ACCOUNT}:db:orders-db-old1`;
        deployment.target = `${ACCOUNT}:db:orders-db`;
        switched = true;
        emit(deployment, 'RDS-EVENT-0248', 'Switchover completed on blue/green deployment.');
      }
    } else if (deployment.status === 'DELETING') {
      deployments.delete(deployment.id);
      emit(deployment, 'RDS-EVENT-0246', 'Blue/green deployment deleted.');
      if (deployment.tags.deleteTarget === 'true') instances.delete('orders-db-green-abc123');
    }
  };

  const gateways: Gateways = {
    // Time stands still between Wait states (runPath moves it as each Wait begins), so a handler's
    // result does not depend on how often it reads the clock.
    clock: () => new Date(now),
    // An in-handler pause moves the world's clock, as a Wait state does.
    pause: async (ms: number) => {
      now += ms;
    },
    rds: {
      describeInstance: async (id: string) => {
        maybeThrottle('describeInstance');
        const found = instances.get(id);
        tickReboot(found);
        return found ? structuredClone(found) : undefined;
      },
      describeClusterEngine: async (id: string) => (id === 'orders-aurora' ? 'aurora-postgresql' : undefined),
      describeInstanceByResourceId: async (resourceId: string) => {
        const found = [...instances.values()].find((i) => i.resourceId === resourceId);
        tickReboot(found);
        return found ? structuredClone(found) : undefined;
      },
      listInstances: async () => [...instances.values()].map((i) => structuredClone(i)),
      describeParameters: async (group: string) => ({
        'rds.logical_replication': '1',
        ...script.parameters,
        ...script.groupParameters?.[group],
      }),
      // RDS default for default_transaction_read_only is 0; a scripted value counts as set by a person.
      describeParameter: async (group: string, name: string) =>
        groupValues.get(`${group}/${name}`) ??
        (script.parameters?.[name] !== undefined
          ? { value: script.parameters[name], source: 'user' }
          : name === 'read_only'
            ? { value: '{TrueIfReplica}', source: 'engine-default' }
            : { value: '0', source: 'engine-default' }),
      setParameter: async (group: string, name: string, value: string) => {
        calls.push(`setParameter ${group} ${name}=${value}`);
        groupValues.set(`${group}/${name}`, { value, source: 'user' });
        if (name === 'read_only') applyReadOnly(group);
      },
      resetParameter: async (group: string, name: string) => {
        calls.push(`resetParameter ${group} ${name}`);
        groupValues.delete(`${group}/${name}`);
        if (name === 'read_only') applyReadOnly(group);
      },
      rebootInstance: async (id: string) => {
        calls.push(`rebootInstance ${id}`);
        const i = instances.get(id);
        if (i) i.status = 'rebooting';
        if (i) rebootDoneAt.set(i.resourceId, now + (script.rebootSeconds ?? 0) * 1000);
      },
      removeTags: async (arn: string, keys: string[]) => {
        calls.push(`removeTags ${arn.slice(arn.lastIndexOf(':') + 1)} ${[...keys].sort().join(',')}`);
        const inst = [...instances.values()].find((i) => i.arn === arn);
        for (const k of keys) if (inst) delete inst.tags[k];
      },
      parameterGroupExists: async () => true,
      validUpgradeTargets: async () => script.upgradeTargets ?? ['17.5', '18.4'],
      deploymentsForSource: async (arn: string) => [...deployments.values()].filter((d) => d.source === arn),
      deploymentByName: async (name: string) => {
        if (script.nameLookupBlind) return undefined;
        const found = [...deployments.values()].find((d) => d.name === name);
        return found && visible(found) ? structuredClone(found) : undefined;
      },
      deploymentsTagged: async (key: string, value?: string) =>
        [...deployments.values()]
          .filter((d) => key in d.tags && (value === undefined || d.tags[key] === value) && visible(d))
          .map((d) => structuredClone(d)),
      describeDeployment: async (id: string) => {
        maybeThrottle('describeDeployment');
        const found = deployments.get(id);
        if (!found) return undefined;
        const snapshot = structuredClone(found);
        advance(found);
        return snapshot;
      },
      createDeployment: async (req) => {
        calls.push(`createDeployment ${req.name}`);
        if (script.createFails) throw new Error('CreateBlueGreenDeployment failed (scripted)');
        const id = `bgd-${deployments.size + 1}abcdefghijklmno`.slice(0, 20);
        const d = {
          id,
          name: req.name,
          source: req.sourceArn,
          status: 'PROVISIONING',
          tasks: [
            { name: 'CREATING_READ_REPLICA_OF_SOURCE', status: 'PENDING' },
            { name: 'DB_ENGINE_VERSION_UPGRADE', status: 'PENDING' },
          ],
          switchoverDetails: [{ sourceMember: req.sourceArn }],
          tags: { ...req.tags },
          polls: 0,
        };
        deployments.set(id, d);
        if (script.provisioningMinutes !== undefined)
          readyAt.set(id, now + script.provisioningMinutes * 60_000);
        if (script.createResponseLost) {
          invisible.set(id, script.createResponseLost.invisibleLookups);
          const err = new Error('socket hang up after CreateBlueGreenDeployment was sent (scripted)');
          err.name = 'TimeoutError';
          throw err;
        }
        return structuredClone(d);
      },
      switchover: async (id: string, timeoutSeconds: number) => {
        calls.push(`switchover ${id} ${timeoutSeconds}`);
        if (refusals > 0) {
          refusals--;
          const err = new Error('DB instance orders-db-green-abc123 is not in available state');
          err.name = 'InvalidBlueGreenDeploymentStateFault';
          throw err;
        }
        const d = deployments.get(id)!;
        d.status = 'SWITCHOVER_IN_PROGRESS';
        return structuredClone(d);
      },
      deleteDeployment: async (id: string, deleteTarget: boolean) => {
        maybeThrottle('deleteDeployment');
        calls.push(`deleteDeployment ${id} deleteTarget=${deleteTarget}`);
        const d = deployments.get(id);
        if (!d) return undefined;
        d.status = 'DELETING';
        d.tags.deleteTarget = String(deleteTarget);
        return structuredClone(d);
      },
      disableDeletionProtection: async (id: string) => {
        calls.push(`disableDeletionProtection ${id}`);
      },
      addTags: async (arn: string, tags: Record<string, string>) => {
        calls.push(`addTags ${arn.slice(arn.lastIndexOf(':') + 1)} ${Object.keys(tags).sort().join(',')}`);
        const inst = [...instances.values()].find((i) => i.arn === arn);
        if (inst) Object.assign(inst.tags, tags);
        const dep = [...deployments.values()].find((d) => arn.endsWith(`:deployment:${d.id}`));
        if (dep) Object.assign(dep.tags, tags);
        if (inst && tags['switchyard:role'] === 'old-blue')
          script.duringRetention?.({ instances, deployments });
      },
      describeSnapshot: async (id: string) => {
        const s = snapshots.get(id);
        if (!s) return undefined;
        s.polls++;
        if (s.polls > 1) s.status = 'available';
        return structuredClone(s);
      },
      createSnapshot: async (id: string, instanceId: string) => {
        calls.push(`createSnapshot ${id} of ${instanceId}`);
        snapshots.set(id, { id, instanceId, status: 'creating', polls: 0 });
        return { id, instanceId, status: 'creating' };
      },
      deleteInstance: async (id: string) => {
        calls.push(`deleteInstance ${id}`);
        instances.delete(id);
        return 'deleting';
      },
    } as Gateways['rds'],
    metrics: {
      latestRdsMetric: async () => {
        lagReads++;
        const degrade = script.greenDegrades;
        const green = instances.get('orders-db-green-abc123');
        if (degrade && green && lagReads >= degrade.atLagRead) green.status = degrade.status;
        const broken = script.replicationDegraded;
        const current = [...deployments.values()].find((d) => d.status === 'AVAILABLE' && !d.statusDetails);
        if (broken && green && current && lagReads >= broken.atLagRead && degradedGreens < broken.greens) {
          degradedGreens++;
          current.statusDetails = 'Replication degraded';
          green.statusInfos = [
            {
              type: 'read replication',
              status: 'error',
              normal: false,
              message: 'Replication degraded: DDL was run on the blue environment (scripted)',
            },
          ];
        }
        const values = script.lag ?? [0.2];
        const value = values[Math.min(lagIndex, values.length - 1)] ?? null;
        lagIndex++;
        return value;
      },
      maxRdsMetric: async (_metric: string, instanceId: string) => {
        const scripted = script.connections?.[instanceId];
        return scripted === undefined ? 0 : scripted;
      },
      alarmStates: async (names: string[]) => {
        const states = switched ? (script.alarmsAfterSwitch ?? {}) : {};
        return { found: names.map((name) => ({ name, state: states[name] ?? 'OK' })), missing: [] };
      },
    },
    notify: {
      publish: async (subject: string, message: string) => {
        published.push({ subject, message });
        return `msg-${published.length}`;
      },
    },
    database: {
      runSmoke: async (_target, queries) => queries.map((sql) => ({ sql, ok: true, ms: 1 })),
      readClients: async (target) => ({
        connections: target.host.includes('-old')
          ? (script.oldBlueSessions ?? 12)
          : (script.blueConnections?.[Math.min(clientReads++, script.blueConnections.length - 1)] ?? 12),
        longestTransactionSeconds: script.longestTransactionSeconds ?? 2,
        rdsTools: false,
        sequences: script.sequenceCount ?? 3,
      }),
      readOwnedSequences: async (target) =>
        script.oldBlueLacksSequence && target.host.includes('-old')
          ? []
          : [
              {
                sequence: 'public.orders_id_seq',
                table: 'public.orders',
                column: 'id',
                lastValue: script.sequenceBehind ? '1' : '100',
                increment: '1',
                columnMax: '100',
              },
            ],
      isReadOnly: async (target) => {
        calls.push(`isReadOnly ${target.host}`);
        return script.readOnlyHosts?.[target.host] ?? target.host.includes('-old');
      },
      replicaStatus: async (target) => {
        calls.push(`replicaStatus ${target.host}`);
        return script.externalReplicaOf
          ? { replicating: true, sourceHost: script.externalReplicaOf }
          : { replicating: false };
      },
    },
    migrations: { open: async () => openSession() },
    ddlGuard: {
      install: async (target, executionId, plan) => {
        if (script.database?.guardInstallFails)
          throw new Error('permission denied to create event trigger "switchyard_ddl_log"');
        dbCalls.push(`install-guard ${target.host} ${plan.mode}${plan.freeze ? ' freeze' : ''}`);
        guardInstalls++;
        guards.set(serverBehind(target.host), executionId);
        return { fingerprint: 'f0', triggers: plan.mode === 'event-trigger' ? ['switchyard_ddl_log'] : [] };
      },
      observe: async (target, executionId) => {
        observes++;
        if (guards.get(serverBehind(target.host)) !== executionId) return null;
        const cleared = script.database?.ddlClearedByReinstall && guardInstalls > 1;
        const n =
          observes >= (script.database?.ddlFromObserve ?? 1) && !cleared
            ? (script.database?.ddlSeen ?? 0)
            : 0;
        return {
          logged: n,
          entries: [],
          schemaChanged: n > 0,
          changes: n > 0 ? ['+ r public.t r p id integer not null'] : [],
        };
      },
      release: async (target, executionId) => {
        dbCalls.push(`release-guard ${target.host}`);
        const installed = guards.get(serverBehind(target.host)) === executionId;
        guards.delete(serverBehind(target.host));
        const n = script.database?.ddlSeen ?? 0;
        return {
          released: true,
          detail: installed
            ? 'removed event triggers switchyard_ddl_log; guard marked released'
            : 'no guard installed',
          observation: installed
            ? {
                logged: n,
                entries: Array.from({ length: n }, () => ({
                  at: new Date(now).toISOString(),
                  commandTag: 'CREATE TABLE',
                  objects: ['public.t'],
                  user: 'app',
                  statement: 'CREATE TABLE t ()',
                })),
                schemaChanged: n > 0,
              }
            : null,
        };
      },
    },
    inspection: {
      inspectPostgres: async () => {
        return cleanInspection(script.blueFacts);
      },
      inspectMysql: async (target) => {
        calls.push(`inspectMysql ${target.host}`);
        const facts = script.binlogCatalog ?? { serverVersion: '8.0.35', tables: [], enabledEvents: [] };
        const summary = {
          serverVersion: facts.serverVersion,
          databaseBytes: 0,
          tables: facts.tables.length,
          sequences: 0,
          connections: 1,
          longestTransactionSeconds: 0,
          databases: ['app'],
        };
        return { facts, summary, durationMs: 1 };
      },
    },
    validation: makeFakeValidation(script.validation, validationReads),
    failBackDatabase: (() => {
      const step = (name: keyof NonNullable<WorldScript['failBackSqlFails']>, host: string) => {
        failBackDb.push(`${name} ${host}`);
        if (script.failBackSqlFails?.[name]) throw new Error(`${name} failed on ${host} (scripted)`);
      };
      return {
        openOldBlue: async (target) => {
          failBackDb.push(`openOldBlue ${target.host}`);
          return {
            readOwnedSequences: () => gateways.database.readOwnedSequences(target),
            advanceSequences: async (moves) => {
              failBackDb.push(
                `advanceSequences ${target.host} ${moves.map((m) => `${m.sequence}=${m.to}`).join(',')}`,
              );
              return `set ${moves.length} sequence(s)`;
            },
            makeWritable: async () => {
              step('makeWritable', target.host);
              readOnlyDatabases.delete(serverBehind(target.host));
            },
            close: async () => {
              failBackDb.push(`closeOldBlue ${target.host}`);
            },
          };
        },
        blockWrites: async (target) => {
          step('blockWrites', target.host);
          readOnlyDatabases.add(serverBehind(target.host));
          return {
            terminatedSessions: 2,
            detail: `database orders on ${target.host} read-only; 2 session(s) terminated`,
          };
        },
        unblockWrites: async (target) => {
          step('unblockWrites', target.host);
          readOnlyDatabases.delete(serverBehind(target.host));
        },
        makeReadOnly: async (target) => {
          step('makeReadOnly', target.host);
          readOnlyDatabases.add(serverBehind(target.host));
        },
        isWritable: async (target) =>
          !script.readOnlyAfterFailBack &&
          !readOnlyDatabases.has(serverBehind(target.host)) &&
          (!target.host.includes('-old') || rebootedWritable.has(serverBehind(target.host))),
      };
    })(),
    reverse: {
      // Records each call with the hosts it was given: which instance played which role.
      prepare: async (pair) => {
        reverseCalls.push(`prepare ${pair.newPrimary.host} ← ${pair.oldBlue.host} ${pair.executionName}`);
        if (script.reverse?.prepareFails) throw new Error('wal_level is replica (scripted)');
        return { startPoint: 'app@0/3000000' };
      },
      start: async (pair) => {
        reverseCalls.push(`start ${pair.newPrimary.host} → ${pair.oldBlue.host}`);
        const broken = script.reverse?.broken === true;
        return {
          state: broken ? 'broken' : 'replicating',
          lag: broken ? 4096 : 0,
          lagUnit: 'bytes',
          detail: broken ? 'subscription stopped on an apply error (scripted)' : 'replicating (scripted)',
          checkedAt: new Date(now).toISOString(),
        };
      },
      status: async () => {
        const statuses = script.reverseStatuses ?? [{ state: 'replicating', lag: 0 }];
        const s = statuses[Math.min(reverseIndex++, statuses.length - 1)]!;
        return {
          ...s,
          lagUnit: 'bytes',
          detail: `reverse stream ${s.state} (scripted)`,
          checkedAt: new Date(now).toISOString(),
        };
      },
      // The same scripted statuses, one per read (CheckReverseCatchUp re-reads inside one invocation).
      openStatusReader: async function (pair) {
        return {
          read: () => this.status(pair),
          nudge: async () => {
            reverseCalls.push(`nudge ${pair.newPrimary.host} → ${pair.oldBlue.host}`);
            if (script.reverseNudgeFails)
              throw new Error('permission denied for function pg_logical_emit_message (scripted)');
          },
          close: async () => undefined,
        };
      },
      stop: async (pair) => {
        reverseCalls.push(`stop ${pair.newPrimary.host} → ${pair.oldBlue.host}`);
        failBackDb.push(`stopReverse ${pair.newPrimary.host} -> ${pair.oldBlue.host}`);
        if (script.reverseStopFails)
          throw new Error('reverse stream not fully removed (retry stop): slot busy (scripted)');
      },
      openStop: async function (pair) {
        reverseCalls.push(`openStop ${pair.newPrimary.host} → ${pair.oldBlue.host}`);
        return { stop: () => this.stop(pair), close: async () => undefined };
      },
    },
    renames: {
      rename: async (from: string, to: string) => {
        renameCalls++;
        calls.push(`rename ${from} -> ${to}`);
        if (script.renameFailsAt === renameCalls)
          throw new Error(`ModifyDBInstance ${from} failed (scripted)`);
        const inst = instances.get(from);
        if (!inst) throw new Error(`DBInstanceNotFound: ${from}`);
        if (instances.has(to)) throw new Error(`DBInstanceAlreadyExists: ${to}`);
        instances.delete(from);
        // Endpoints follow names (RDS user guide, renaming a DB instance); resource ids stay.
        instances.set(to, {
          ...inst,
          id: to,
          arn: `${ACCOUNT}:db:${to}`,
          status: script.renameNeverAvailable ? 'renaming' : 'available',
          endpoint: { address: `${to}.example`, port: inst.endpoint?.port ?? 5432 },
        });
      },
    },
    greenMaintenance: makeFakeGreenMaintenance(script.greenMaintenance, maintenanceLog, (ms) => {
      now += ms;
    }),
  };

  /** Moves the clock by a Wait state's length: seconds, or to a moment (never backwards). */
  const advanceClock = (wait: { seconds: number } | { until: string }) => {
    now = 'seconds' in wait ? now + wait.seconds * 1000 : Math.max(now, Date.parse(wait.until));
  };

  /**
   * Lets up to `seconds` of world time pass while the run sleeps on a task token (runPath's callback
   * timeout): a green build due meanwhile completes at its moment, and its event is delivered (unless
   * dropped) before this resolves; otherwise the whole span passes and the wait times out.
   */
  const passTime = async (seconds: number): Promise<void> => {
    const end = now + seconds * 1000;
    const next = [...readyAt.entries()]
      .filter(([id, at]) => at <= end && deployments.get(id)?.status === 'PROVISIONING')
      .sort((a, b) => a[1] - b[1])[0];
    if (next && !script.greenFails) {
      now = Math.max(now, next[1]);
      becomeAvailable(deployments.get(next[0])!, 'orders-db-green-abc123');
      // A dropped event wakes nobody: the wait lasts its whole timeout.
      if (emitted.at(-1)?.dropped) now = end;
    } else now = end;
    while (inFlight.size > 0) await Promise.all([...inFlight]);
  };

  return {
    gateways,
    calls,
    reverseCalls,
    emitted,
    passTime,
    /** Receives every RDS event not dropped (runPath publishes them on the local bus). */
    onEvent: (sink: (event: unknown) => Promise<void>) => void sinks.push(sink),
    published,
    instances,
    deployments,
    snapshots,
    dbCalls,
    migrationLog,
    guards,
    validationReads,
    failBackDb,
    readOnlyDatabases,
    maintenanceLog,
    advanceClock,
  };
};

export type World = ReturnType<typeof makeWorld>;
