/**
 * The emulator's runtime: persisted state, the PostgreSQL servers and endpoint proxies behind the DB
 * instances, background jobs, events. The API modules (rds/, services/) operate on it.
 */
import { randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DbServer, engineOfRecord, type ServerKind } from './engines/index.ts';
import { removeMariaDataDir } from './mariadb/server.ts';
import { binariesFor } from './pg/binaries.ts';
import { EndpointProxy } from './pg/proxy.ts';
import { PgServer, removeDataDir } from './pg/server.ts';
import { forceSslFor } from './rds/force-ssl.ts';
import type {
  EmulatorEvent,
  EventRecord,
  InstanceRecord,
  PersistedState,
  ServerRecord,
} from './rds/model.ts';
import { type EmulatorTls, ensureEmulatorTls } from './tls.ts';
import { errorMessage, freePort, lowerAlnum, portIsFree } from './util.ts';

export interface Delays {
  /** Extra time each Blue/Green provisioning task takes, on top of the real work. */
  taskMs: number;
  /** Time a deployment (or instance) stays DELETING before it is gone. */
  deleteMs: number;
  /** Pause between switchover steps. */
  switchoverStepMs: number;
  /** How long an instance reads ParameterApplyStatus `applying` before a dynamic parameter change reaches its server. */
  parameterApplyMs: number;
}

export interface Guardrails {
  /** Physical path: switchover refused above this ReplicaLag (seconds). */
  maxLagSeconds: number;
  /** Logical path: switchover refused above this OldestReplicationSlotLag (bytes). */
  maxLagBytes: number;
  /** A write transaction open on blue for longer than this blocks the switchover. */
  longWriteMs: number;
}

/**
 * What the runtime reads from fault injection (faults.ts implements it). Declared here so that core
 * does not import faults, and faults does not import the Blue/Green module: no import circle.
 */
export interface FaultView {
  readonly greenInvalidConfiguration: string | undefined;
  readonly slowProvisioningMs: number;
  readonly replicationStall: boolean;
  readonly switchoverFails: string | undefined;
  readonly switchoverTimeout: { timeoutMs?: number } | undefined;
  readonly storageOptimization: boolean;
  consumeThrottle(): boolean;
  dropEvent(e: EmulatorEvent): boolean;
  release(): Promise<void>;
}

export interface CoreConfig {
  dataDir: string;
  region: string;
  accountId: string;
  delays: Delays;
  guardrails: Guardrails;
  holdConnections: boolean;
  log: (line: string) => void;
}

const emptyState = (): PersistedState => ({
  version: 1,
  masterPassword: `sy-${lowerAlnum(16)}`,
  seeded: false,
  servers: [],
  instances: [],
  parameterGroups: [],
  deployments: [],
  snapshots: [],
  events: [],
  alarms: [],
  ssm: [],
  topics: [],
  outbox: [],
  bus: [],
});

const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
export const newResourceId = (): string => {
  let s = 'db-';
  for (let i = 0; i < 26; i++) s += UPPER_ALNUM[Math.floor(Math.random() * UPPER_ALNUM.length)];
  return s;
};

export class Core {
  state: PersistedState;
  readonly servers = new Map<string, DbServer>();
  /** Endpoint proxies by instance resource id. */
  readonly proxies = new Map<string, EndpointProxy>();
  private readonly jobs = new Set<Promise<unknown>>();
  stopping = false;
  faults!: FaultView;
  /** Subscribers to the bus (the local EventBridge: local/event-bus.ts); called after the event is saved. */
  readonly eventListeners = new Set<(event: EmulatorEvent) => void>();
  /** The CA (and server certificate) of this data dir: `<dataDir>/tls/ca.pem` is what clients trust. */
  readonly tls: EmulatorTls;

  constructor(readonly cfg: CoreConfig) {
    mkdirSync(cfg.dataDir, { recursive: true });
    // PostgreSQL runs as the `postgres` OS user, which must be able to traverse to its data directory.
    try {
      chmodSync(cfg.dataDir, 0o755);
    } catch {}
    mkdirSync(this.pgDir, { recursive: true, mode: 0o755 });
    this.tls = ensureEmulatorTls(join(cfg.dataDir, 'tls'));
    this.state = existsSync(this.statePath)
      ? (JSON.parse(readFileSync(this.statePath, 'utf8')) as PersistedState)
      : emptyState();
  }

  get statePath(): string {
    return join(this.cfg.dataDir, 'state.json');
  }
  get pgDir(): string {
    return join(this.cfg.dataDir, 'pg');
  }
  get mariaDir(): string {
    return join(this.cfg.dataDir, 'mariadb');
  }
  get snapshotDir(): string {
    return join(this.cfg.dataDir, 'snapshots');
  }
  log(line: string): void {
    this.cfg.log(line);
  }

  save(): void {
    const tmp = `${this.statePath}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state, null, 1));
    renameSync(tmp, this.statePath);
  }

  // ---- names and ARNs ------------------------------------------------------------------------------
  arn(kind: string, id: string): string {
    return `arn:aws:rds:${this.cfg.region}:${this.cfg.accountId}:${kind}:${id}`;
  }
  instanceArn(inst: InstanceRecord): string {
    return this.arn('db', inst.id);
  }

  instance(idOrArn: string): InstanceRecord | undefined {
    const id = idOrArn.startsWith('arn:') ? (idOrArn.split(':db:')[1] ?? '') : idOrArn;
    const key = id.toLowerCase();
    return this.state.instances.find((i) => i.id === key);
  }
  instanceByResource(resourceId: string | undefined): InstanceRecord | undefined {
    return resourceId ? this.state.instances.find((i) => i.resourceId === resourceId) : undefined;
  }
  server(inst: InstanceRecord | undefined): DbServer | undefined {
    return inst?.serverId ? this.servers.get(inst.serverId) : undefined;
  }
  serverRecord(id: string | undefined): ServerRecord | undefined {
    return id ? this.state.servers.find((s) => s.id === id) : undefined;
  }
  /** A name not used by any instance: `<base>-old1`, `-old2`, … */
  freeOldName(base: string): string {
    for (let n = 1; ; n++) if (!this.instance(`${base}-old${n}`)) return `${base}-old${n}`;
  }

  // ---- events --------------------------------------------------------------------------------------
  event(e: Omit<EventRecord, 'date'> & { date?: string }): void {
    const rec: EventRecord = { ...e, date: e.date ?? new Date().toISOString() };
    this.state.events.push(rec);
    const detailType =
      rec.sourceType === 'blue-green-deployment'
        ? 'RDS Blue Green Deployment Event'
        : rec.sourceType === 'db-snapshot'
          ? 'RDS DB Snapshot Event'
          : rec.sourceType === 'db-parameter-group'
            ? 'RDS DB Parameter Group Event'
            : 'RDS DB Instance Event';
    const env: EmulatorEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': detailType,
      source: 'aws.rds',
      account: this.cfg.accountId,
      time: `${rec.date.slice(0, 19)}Z`,
      region: this.cfg.region,
      resources: [rec.sourceArn],
      detail: {
        EventCategories: rec.categories,
        SourceType: rec.sourceType.toUpperCase().replace(/-/g, '_'),
        SourceArn: rec.sourceArn,
        SourceIdentifier: rec.sourceIdentifier,
        Date: rec.date,
        ...(rec.eventId ? { EventID: rec.eventId } : {}),
        Message: rec.message,
        ...(rec.tags ? { Tags: rec.tags } : {}),
      },
    };
    const delivered = !this.faults?.dropEvent(env);
    if (delivered) this.state.bus.push(env);
    this.log(
      `[event] ${rec.eventId ?? ''} ${rec.sourceIdentifier}: ${rec.message}${delivered ? '' : ' (dropped)'}`,
    );
    this.save();
    if (delivered)
      for (const listener of this.eventListeners) {
        try {
          listener(structuredClone(env));
        } catch (e) {
          this.log(`[event] a bus subscriber failed: ${errorMessage(e)}`);
        }
      }
  }

  // ---- servers and endpoints -----------------------------------------------------------------------
  async newServerRecord(
    major: number,
    idHint: string,
    engine: ServerKind = 'postgres',
  ): Promise<ServerRecord> {
    if (engine === 'postgres') binariesFor(major);
    const id = `${idHint.replace(/[^a-z0-9-]/g, '')}-${lowerAlnum(6)}`;
    const rec: ServerRecord = {
      id,
      dir: join(engine === 'postgres' ? this.pgDir : this.mariaDir, id),
      port: await freePort(),
      major,
      ...(engine === 'postgres' ? {} : { engine }),
    };
    mkdirSync(join(rec.dir, '..'), { recursive: true, mode: 0o755 });
    this.state.servers.push(rec);
    this.save();
    return rec;
  }

  /** The server object of a record (created on first use, not started). */
  serverFor(
    rec: ServerRecord,
    inst: Pick<InstanceRecord, 'masterUsername' | 'masterPassword'> &
      Partial<Pick<InstanceRecord, 'parameterGroup'>>,
  ): DbServer {
    let s = this.servers.get(rec.id);
    if (!s) {
      s = engineOfRecord(rec).newServer(rec, inst, {
        log: (l) => this.log(l),
        tls: this.tls,
        forceSsl: forceSslFor(this, inst),
      });
      this.servers.set(rec.id, s);
    }
    return s;
  }

  pgServer(
    rec: ServerRecord,
    inst: Pick<InstanceRecord, 'masterUsername' | 'masterPassword'> &
      Partial<Pick<InstanceRecord, 'parameterGroup'>>,
  ): PgServer {
    const s = this.serverFor(rec, inst);
    if (!(s instanceof PgServer)) throw new Error(`server ${rec.id} is not a PostgreSQL server`);
    return s;
  }

  /** Starts a server from its record; the engine re-points replication at its source's current port. */
  async startServer(
    rec: ServerRecord,
    inst: Pick<InstanceRecord, 'masterUsername' | 'masterPassword'> &
      Partial<Pick<InstanceRecord, 'parameterGroup'>>,
  ): Promise<DbServer> {
    const s = this.serverFor(rec, inst);
    if (s instanceof PgServer) s.cfg.forceSsl = forceSslFor(this, inst);
    if (!(await portIsFree(rec.port)) && !s.running) {
      rec.port = await freePort();
      s.cfg.port = rec.port;
      this.save();
    }
    const engine = engineOfRecord(rec);
    engine.beforeStart(this, rec, s);
    await s.start();
    await engine.afterStart(this, rec, s);
    return s;
  }

  async stopServer(id: string | undefined): Promise<void> {
    if (!id) return;
    const s = this.servers.get(id);
    if (s) await s.stop();
  }

  async removeServer(id: string | undefined): Promise<void> {
    if (!id) return;
    await this.stopServer(id);
    this.servers.delete(id);
    const rec = this.serverRecord(id);
    if (rec) (rec.engine === 'mariadb' ? removeMariaDataDir : removeDataDir)(rec.dir);
    this.state.servers = this.state.servers.filter((s) => s.id !== id);
    this.save();
  }

  /** Opens (or re-opens, on the same port) the endpoint of an instance, pointing at its server. */
  async openEndpoint(inst: InstanceRecord): Promise<EndpointProxy> {
    const rec = this.serverRecord(inst.serverId);
    if (!rec) throw new Error(`instance ${inst.id} has no server`);
    let proxy = this.proxies.get(inst.resourceId);
    if (proxy) {
      proxy.retarget(rec.port);
      return proxy;
    }
    proxy = new EndpointProxy(rec.port, { holdConnections: this.cfg.holdConnections });
    try {
      inst.endpointPort = await proxy.listen(inst.endpointPort ?? 0);
    } catch (e) {
      this.log(
        `[endpoint] ${inst.id}: port ${inst.endpointPort} unavailable (${errorMessage(e)}); using a new one`,
      );
      inst.endpointPort = await proxy.listen(0);
    }
    this.proxies.set(inst.resourceId, proxy);
    this.save();
    return proxy;
  }

  async closeEndpoint(inst: InstanceRecord): Promise<void> {
    const p = this.proxies.get(inst.resourceId);
    this.proxies.delete(inst.resourceId);
    if (p) await p.close();
  }

  // ---- background jobs -----------------------------------------------------------------------------
  /** Runs work in the background; stop() waits for it. Failures are logged (the work records its own state). */
  run(label: string, work: () => Promise<void>): void {
    const p = work()
      .catch((e) => this.log(`[job] ${label} failed: ${errorMessage(e)}`))
      .finally(() => this.jobs.delete(p));
    this.jobs.add(p);
  }

  async drainJobs(): Promise<void> {
    while (this.jobs.size) await Promise.allSettled([...this.jobs]);
  }

  /** Stops everything this process started: jobs first, then proxies, then servers. Idempotent. */
  async stopAll(): Promise<void> {
    this.stopping = true;
    await this.drainJobs();
    await this.faults?.release();
    for (const p of this.proxies.values()) await p.close().catch(() => {});
    this.proxies.clear();
    await Promise.all([...this.servers.values()].map((s) => s.stop().catch(() => {})));
    this.servers.clear();
    this.save();
  }
}

/** Thrown inside jobs when the emulator is stopping. */
export class Stopping extends Error {
  constructor() {
    super('emulator stopping');
    this.name = 'Stopping';
  }
}
