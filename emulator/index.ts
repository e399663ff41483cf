/**
 * The local RDS Blue/Green emulator: an AWS-compatible control plane on loopback whose DB instances are
 * real PostgreSQL servers behind stable endpoint proxies. See emulator/README.md.
 *
 * Local tooling only: no Lambda handler may import it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Core, type Delays, type Guardrails } from './core.ts';
import type { RdsEngine } from './engines/index.ts';
import { type Fault, type FaultControl, FaultState } from './faults.ts';
import { startHttp } from './http/server.ts';
import { guardRun, sweepAbandonedRuns } from './lifecycle.ts';
import { liveMariaPids } from './mariadb/server.ts';
import { livePostgresPids } from './pg/server.ts';
import { applyStall, deploymentArn, deploymentsUsing, resumeDeployments } from './rds/bluegreen.ts';
import { injectDegradation, watchDegradation } from './rds/degraded.ts';
import { ensureParameterGroups, seed, startInstances } from './rds/instances.ts';
import type { EmulatorEvent, SnsMessage } from './rds/model.ts';
import { finishInterruptedApplies } from './rds/parameter-apply.ts';
import { cloudWatchJsonService, setAlarm } from './services/cloudwatch.ts';
import type { JsonService } from './services/json-service.ts';
import { parameterStoreService } from './services/parameter-store.ts';
import { type TlsClientOptions, tlsClientOptions } from './tls.ts';
import { errorMessage } from './util.ts';

export type { InstanceStatePatch } from './faults.ts';
export type { EmulatorEvent, Fault, FaultControl, JsonService, RdsEngine, SnsMessage, TlsClientOptions };
export { liveMariaPids, livePostgresPids };

export interface EmulatorOptions {
  /** API port on 127.0.0.1; 0 (default) picks a free one. The `switchyard emulator` command defaults to 4566. */
  port?: number;
  /** Where state and PostgreSQL data live; default a fresh temporary directory removed by stop(). */
  dataDir?: string;
  /** Create `orders-db` (PostgreSQL 17, `orders` table) once per data dir. Default true. */
  seed?: boolean;
  /** Rows in the seeded `orders` table (default 1000). */
  seedRows?: number;
  /** The seed's engine: postgres (default), mariadb, or mysql (runs on MariaDB as a stand-in). */
  seedEngine?: RdsEngine;
  region?: string;
  accountId?: string;
  delays?: Partial<Delays>;
  /** Switchover guardrail thresholds (defaults: 30 s ReplicaLag, 64 MiB slot lag, 1 s long write). */
  guardrails?: Partial<Guardrails>;
  /** Endpoint proxies park new connections during a switchover and connect them to green afterwards
   * (default false: they are refused, as RDS does). */
  holdConnections?: boolean;
  /** How often green's replication health is checked in the background (default 1000 ms); describes check it too. */
  degradationCheckMs?: number;
  /** Extra JSON-protocol services routed by x-amz-target prefix (they take precedence over built-ins). */
  jsonServices?: JsonService[];
  log?: (line: string) => void;
}

export interface ConnectionConfig {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** node-postgres TLS options: the emulator CA, server certificate verified (plain connections are refused). */
  ssl: TlsClientOptions;
}

export interface Emulator {
  /** http://127.0.0.1:PORT: the endpoint for every AWS client and for /_switchyard/… */
  url: string;
  port: number;
  dataDir: string;
  /**
   * The PEM file of this data dir's CA, which signs every database server's certificate: what clients
   * trust here in place of the Amazon RDS CA bundle (psql `sslrootcert=`, SWITCHYARD_DB_EXTRA_CA_FILE).
   */
  caFile: string;
  /** Stops every PostgreSQL server and proxy this emulator started. Idempotent. */
  stop(): Promise<void>;
  faults: FaultControl;
  /** Messages published to SNS. */
  outbox(): SnsMessage[];
  /** EventBridge-shaped RDS events (EventBridge events reference: Amazon RDS events). */
  events(): EmulatorEvent[];
  /** Calls `listener` with each event put on the bus from now on (not dropped ones); returns the unsubscribe. */
  onEvent(listener: (event: EmulatorEvent) => void): () => void;
  /** The endpoint of a DB instance by its current name. */
  endpoint(instanceId: string): { host: string; port: number } | undefined;
  /** Connection settings through the endpoint proxy, as the master user. */
  connectionConfig(instanceId: string): ConnectionConfig;
  masterPassword: string;
  setAlarmState(name: string, state: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'): void;
  /** Waits for background work (provisioning, switchover, deletion) to settle; for tests. */
  idle(): Promise<void>;
  /** PIDs of the PostgreSQL servers currently running for this emulator. */
  postgresPids(): number[];
}

const DEFAULT_DELAYS: Delays = { taskMs: 0, deleteMs: 0, switchoverStepMs: 0, parameterApplyMs: 300 };
const DEFAULT_GUARDRAILS: Guardrails = {
  maxLagSeconds: 30,
  maxLagBytes: 64 * 1024 * 1024,
  longWriteMs: 1000,
};

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export const startEmulator = async (options: EmulatorOptions = {}): Promise<Emulator> => {
  const ephemeral = !options.dataDir;
  const dataDir = options.dataDir
    ? resolve(options.dataDir)
    : mkdtempSync(join(tmpdir(), 'switchyard-emulator-'));
  const log = options.log ?? (() => {});
  // Servers and temporary data dirs of runs that died without stopping (SIGKILL) go first.
  sweepAbandonedRuns();
  const lock = join(dataDir, 'emulator.pid');
  if (existsSync(lock)) {
    const pid = Number(readFileSync(lock, 'utf8'));
    if (pid && pid !== process.pid && isAlive(pid))
      throw new Error(`data dir ${dataDir} is in use by another emulator (pid ${pid})`);
  }
  const core = new Core({
    dataDir,
    region: options.region ?? 'us-east-1',
    accountId: options.accountId ?? '123456789012',
    delays: { ...DEFAULT_DELAYS, ...options.delays },
    guardrails: { ...DEFAULT_GUARDRAILS, ...options.guardrails },
    holdConnections: options.holdConnections ?? false,
    log,
  });
  writeFileSync(lock, String(process.pid));
  const guard = guardRun(dataDir, ephemeral);
  const faults = new FaultState(core, {
    deploymentsUsing: () => deploymentsUsing(core),
    applyStall: (dep, stalled) => applyStall(core, dep, stalled),
    degrade: (cause, deploymentId) => injectDegradation(core, cause, deploymentId),
  });
  const stopWatching = watchDegradation(core, options.degradationCheckMs ?? 1000);
  core.faults = faults;
  let http: Server | undefined;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      stopWatching();
      if (http) {
        const h = http;
        h.closeAllConnections();
        await new Promise<void>((r) => h.close(() => r()));
      }
      await core.stopAll();
      rmSync(lock, { force: true });
      if (ephemeral) rmSync(dataDir, { recursive: true, force: true });
      guard.release();
      log('[emulator] stopped');
    })();
    return stopped;
  };

  try {
    ensureParameterGroups(core);
    await startInstances(core);
    if (options.seed !== false) await seed(core, options.seedRows ?? 1000, options.seedEngine);
    await resumeDeployments(core);
    await finishInterruptedApplies(core);
    const control = {
      state: () => ({
        url: `http://127.0.0.1:${port()}`,
        dataDir,
        instances: core.state.instances.map((i) => ({
          id: i.id,
          resourceId: i.resourceId,
          status: i.status,
          engineVersion: i.engineVersion,
          endpoint: i.endpointPort ? { host: '127.0.0.1', port: i.endpointPort } : undefined,
          server: i.serverId
            ? {
                id: i.serverId,
                port: core.serverRecord(i.serverId)?.port,
                pid: core.server(i)?.pid,
                standby: !!core.serverRecord(i.serverId)?.standby,
                logical: !!core.serverRecord(i.serverId)?.logical,
              }
            : undefined,
          readOnly: !!i.readOnly,
        })),
        deployments: core.state.deployments.map((d) => ({
          id: d.id,
          arn: deploymentArn(core, d),
          name: d.name,
          status: d.status,
          method: d.method,
          tasks: d.tasks,
          statusDetails: d.statusDetails,
        })),
        snapshots: core.state.snapshots.map((s) => ({
          id: s.id,
          instanceId: s.instanceId,
          status: s.status,
        })),
        faults: faults.list(),
        alarms: core.state.alarms,
      }),
      outbox: () => core.state.outbox,
      events: () => core.state.bus,
      inject: (f: Fault) => faults.inject(f),
      clear: (kind?: string) => faults.clear(kind as Fault['kind'] | undefined),
      faults: () => faults.list(),
    };
    // Built-ins first so that services passed in (e.g. another AmazonSSM) take precedence.
    http = await startHttp(
      core,
      [cloudWatchJsonService(core), parameterStoreService(core), ...(options.jsonServices ?? [])],
      control,
      options.port ?? 0,
    );
  } catch (e) {
    await stop().catch(() => {});
    throw new Error(`emulator failed to start: ${errorMessage(e)}`, { cause: e });
  }
  const server = http;
  function port(): number {
    const a = server?.address();
    return typeof a === 'object' && a ? a.port : 0;
  }
  const apiPort = port();
  log(`[emulator] listening on http://127.0.0.1:${apiPort} (data dir ${dataDir})`);

  return {
    url: `http://127.0.0.1:${apiPort}`,
    port: apiPort,
    dataDir,
    caFile: core.tls.caFile,
    stop,
    faults,
    outbox: () => structuredClone(core.state.outbox),
    events: () => structuredClone(core.state.bus),
    onEvent: (listener) => {
      core.eventListeners.add(listener);
      return () => core.eventListeners.delete(listener);
    },
    endpoint: (id) => {
      const i = core.instance(id);
      return i?.endpointPort ? { host: '127.0.0.1', port: i.endpointPort } : undefined;
    },
    connectionConfig: (id) => {
      const i = core.instance(id);
      if (!i?.endpointPort) throw new Error(`no DB instance ${id} with an endpoint`);
      return {
        host: '127.0.0.1',
        port: i.endpointPort,
        user: i.masterUsername,
        password: i.masterPassword,
        // MySQL family: no database unless DBName was given (RDS creates none by default).
        database: i.dbName ?? (i.engine && i.engine !== 'postgres' ? '' : 'postgres'),
        ssl: tlsClientOptions(core.tls),
      };
    },
    masterPassword: core.state.masterPassword,
    setAlarmState: (name, state) => setAlarm(core, name, state),
    idle: () => core.drainJobs(),
    postgresPids: () =>
      [...core.servers.values()].map((s) => s.pid).filter((p): p is number => p !== undefined),
  };
};
