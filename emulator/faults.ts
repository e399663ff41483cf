/**
 * Fault injection (not part of the AWS API): POST /_switchyard/faults or `emulator.faults.inject(…)`.
 * Each fault drives a failure branch of the pipeline through real behaviour where there is one
 * (a real long transaction on blue, WAL replay really paused, …).
 */
import type { Core, FaultView } from './core.ts';
import { engineOfInstance } from './engines/index.ts';
import type { DegradeAction } from './pg/degrade.ts';
import { applyForceSsl } from './rds/force-ssl.ts';
import type { DeploymentRecord, EmulatorEvent, InstanceRecord } from './rds/model.ts';
import { errorMessage, sleep } from './util.ts';

/** What faults need from the Blue/Green module, passed in by index.ts (so faults does not import it). */
export interface BlueGreenHooks {
  /** Deployments whose green still replicates from blue. */
  deploymentsUsing(): DeploymentRecord[];
  applyStall(dep: DeploymentRecord, stalled: boolean): Promise<void>;
  /** Really breaks green's logical apply (rds/degraded.ts); returns what it did. */
  degrade(cause: DegradeAction, deploymentId: string | undefined): Promise<string>;
}

export type Fault =
  | { kind: 'green-invalid-configuration'; reason?: string }
  | { kind: 'slow-provisioning'; ms: number }
  | { kind: 'replication-stall' }
  | { kind: 'long-running-write'; instanceId?: string }
  | { kind: 'switchover-fails'; reason?: string }
  | { kind: 'switchover-timeout'; timeoutMs?: number }
  | { kind: 'storage-optimization' }
  | { kind: 'throttle'; calls: number }
  | { kind: 'drop-events'; count?: number; eventIds?: string[] }
  | { kind: 'instance-state'; instanceId: string; patch: InstanceStatePatch }
  /** DDL, a large object, a new partition or an apply conflict that green's logical apply cannot follow. */
  | { kind: 'replication-degraded'; cause: DegradeAction; deploymentId?: string };

/** Preflight-relevant fields that `instance-state` can set on an instance. */
export interface InstanceStatePatch {
  DBInstanceStatus?: string;
  PendingModifiedValues?: Record<string, string | number | boolean> | null;
  BackupRetentionPeriod?: number;
  ParameterApplyStatus?: string;
  MasterUserSecret?: { SecretArn: string; SecretStatus?: string; KmsKeyId?: string } | null;
  DeletionProtection?: boolean;
  ReadReplicaSourceDBInstanceIdentifier?: string | null;
  /** Set on the instance's DB parameter group, e.g. `{ "rds.logical_replication": "0" }`. */
  Parameters?: Record<string, string>;
}

export interface FaultControl {
  inject(fault: Fault): Promise<void>;
  /** Clears every fault, or those of one kind. */
  clear(kind?: Fault['kind']): Promise<void>;
  list(): Fault[];
}

export const FAULT_KINDS: ReadonlyArray<Fault['kind']> = [
  'green-invalid-configuration',
  'slow-provisioning',
  'replication-stall',
  'long-running-write',
  'switchover-fails',
  'switchover-timeout',
  'storage-optimization',
  'throttle',
  'drop-events',
  'instance-state',
  'replication-degraded',
];

const DEGRADE_CAUSES: ReadonlyArray<DegradeAction> = [
  'ddl',
  'large-object',
  'new-partition',
  'apply-conflict',
];

export class FaultState implements FaultControl, FaultView {
  private faults: Fault[] = [];
  private throttleLeft = 0;
  private dropLeft = 0;
  private dropIds: string[] | undefined;
  private longWrite: { end: () => Promise<void>; instance: string } | undefined;

  constructor(
    private readonly core: Core,
    private readonly bg: BlueGreenHooks,
  ) {}

  list(): Fault[] {
    return this.faults.map((f) => (f.kind === 'throttle' ? { ...f, calls: this.throttleLeft } : f));
  }

  private has<K extends Fault['kind']>(kind: K): Extract<Fault, { kind: K }> | undefined {
    return this.faults.find((f) => f.kind === kind) as Extract<Fault, { kind: K }> | undefined;
  }

  get greenInvalidConfiguration(): string | undefined {
    const f = this.has('green-invalid-configuration');
    return f
      ? (f.reason ??
          'the green environment configuration is invalid (injected fault green-invalid-configuration)')
      : undefined;
  }
  get slowProvisioningMs(): number {
    return this.has('slow-provisioning')?.ms ?? 0;
  }
  get replicationStall(): boolean {
    return !!this.has('replication-stall');
  }
  get switchoverFails(): string | undefined {
    const f = this.has('switchover-fails');
    return f ? (f.reason ?? 'an injected failure (switchover-fails fault)') : undefined;
  }
  get switchoverTimeout(): { timeoutMs?: number } | undefined {
    return this.has('switchover-timeout');
  }
  get storageOptimization(): boolean {
    return !!this.has('storage-optimization');
  }

  /** Called by the router for every AWS call: true means answer with a throttling error. */
  consumeThrottle(): boolean {
    if (this.throttleLeft <= 0) return false;
    this.throttleLeft--;
    if (this.throttleLeft === 0) this.faults = this.faults.filter((f) => f.kind !== 'throttle');
    return true;
  }

  dropEvent(e: EmulatorEvent): boolean {
    if (this.dropLeft <= 0) return false;
    if (this.dropIds && !this.dropIds.includes(e.detail.EventID ?? '')) return false;
    this.dropLeft--;
    if (this.dropLeft === 0) this.faults = this.faults.filter((f) => f.kind !== 'drop-events');
    return true;
  }

  async inject(fault: Fault): Promise<void> {
    if (!fault || !FAULT_KINDS.includes(fault.kind))
      throw new Error(
        `unknown fault kind ${String((fault as { kind?: unknown })?.kind)}; known: ${FAULT_KINDS.join(', ')}`,
      );
    switch (fault.kind) {
      case 'instance-state':
        await this.patchInstance(fault.instanceId, fault.patch ?? {});
        return; // a state change, not a lasting fault
      case 'replication-degraded':
        if (!DEGRADE_CAUSES.includes(fault.cause))
          throw new Error(`replication-degraded needs cause: one of ${DEGRADE_CAUSES.join(', ')}`);
        await this.bg.degrade(fault.cause, fault.deploymentId);
        return; // a real change on the servers, not a lasting fault: only recreating green recovers
      case 'throttle':
        if (!Number.isInteger(fault.calls) || fault.calls < 1) throw new Error('throttle needs calls >= 1');
        this.throttleLeft = fault.calls;
        break;
      case 'slow-provisioning':
        if (typeof fault.ms !== 'number' || fault.ms < 0) throw new Error('slow-provisioning needs ms >= 0');
        break;
      case 'drop-events':
        this.dropLeft = fault.count ?? Number.POSITIVE_INFINITY;
        this.dropIds = fault.eventIds;
        break;
      case 'long-running-write':
        await this.openLongWrite(fault.instanceId);
        break;
      default:
        break;
    }
    this.faults = this.faults.filter((f) => f.kind !== fault.kind);
    this.faults.push(fault);
    if (fault.kind === 'replication-stall')
      for (const dep of this.bg.deploymentsUsing())
        await this.bg.applyStall(dep, true).catch((e) => this.core.log(`[fault] stall: ${errorMessage(e)}`));
    if (fault.kind === 'storage-optimization') {
      // Greens that are already available go (back) into storage optimization too.
      for (const dep of this.bg.deploymentsUsing()) {
        const green = this.core.instanceByResource(dep.targetResourceId);
        if (dep.status === 'AVAILABLE' && green?.status === 'available')
          green.status = 'storage-optimization';
      }
      this.core.save();
    }
    this.core.log(`[fault] injected ${JSON.stringify(fault)}`);
  }

  async clear(kind?: Fault['kind']): Promise<void> {
    const removed = this.faults.filter((f) => !kind || f.kind === kind);
    this.faults = this.faults.filter((f) => kind && f.kind !== kind);
    for (const f of removed) {
      if (f.kind === 'throttle') this.throttleLeft = 0;
      if (f.kind === 'drop-events') this.dropLeft = 0;
      if (f.kind === 'long-running-write') await this.release();
      if (f.kind === 'replication-stall')
        for (const dep of this.bg.deploymentsUsing()) await this.bg.applyStall(dep, false).catch(() => {});
      if (f.kind === 'storage-optimization') {
        for (const i of this.core.state.instances)
          if (i.status === 'storage-optimization') i.status = 'available';
        this.core.save();
      }
    }
    if (removed.length) this.core.log(`[fault] cleared ${removed.map((f) => f.kind).join(', ')}`);
  }

  /** Ends the long-running write transaction, if one is open. */
  async release(): Promise<void> {
    const lw = this.longWrite;
    this.longWrite = undefined;
    if (lw) await lw.end();
  }

  /** A real transaction that has written on blue and stays open, so the switchover guardrail sees it. */
  private async openLongWrite(instanceId?: string): Promise<void> {
    await this.release();
    const inst =
      (instanceId ? this.core.instance(instanceId) : undefined) ??
      this.core.instanceByResource(this.bg.deploymentsUsing()[0]?.sourceResourceId) ??
      this.core.instance('orders-db');
    const server = this.core.server(inst);
    if (!inst || !server) throw new Error(`long-running-write: no running instance ${instanceId ?? ''}`);
    const end = await engineOfInstance(inst).openLongWrite(server, inst.dbName);
    this.longWrite = { end, instance: inst.id };
    // Let it become "long-running" by the guardrail's measure before returning.
    await sleep(this.core.cfg.guardrails.longWriteMs + 100);
  }

  private async patchInstance(id: string, patch: InstanceStatePatch): Promise<void> {
    const inst: InstanceRecord | undefined = this.core.instance(id);
    if (!inst) throw new Error(`instance-state: no instance ${id}`);
    if (patch.DBInstanceStatus !== undefined) inst.status = patch.DBInstanceStatus;
    if (patch.PendingModifiedValues !== undefined) {
      if (patch.PendingModifiedValues === null || Object.keys(patch.PendingModifiedValues).length === 0)
        delete inst.pendingModifiedValues;
      else inst.pendingModifiedValues = patch.PendingModifiedValues;
    }
    if (patch.BackupRetentionPeriod !== undefined) inst.backupRetentionPeriod = patch.BackupRetentionPeriod;
    if (patch.ParameterApplyStatus !== undefined) inst.parameterApplyStatus = patch.ParameterApplyStatus;
    if (patch.MasterUserSecret !== undefined) {
      if (patch.MasterUserSecret === null) delete inst.masterUserSecret;
      else inst.masterUserSecret = { SecretStatus: 'active', ...patch.MasterUserSecret };
    }
    if (patch.DeletionProtection !== undefined) inst.deletionProtection = patch.DeletionProtection;
    if (patch.ReadReplicaSourceDBInstanceIdentifier !== undefined) {
      if (patch.ReadReplicaSourceDBInstanceIdentifier === null) delete inst.readReplicaSource;
      else inst.readReplicaSource = patch.ReadReplicaSourceDBInstanceIdentifier;
    }
    if (patch.Parameters) {
      const group = this.core.state.parameterGroups.find((g) => g.name === inst.parameterGroup);
      if (group) Object.assign(group.params, patch.Parameters);
      if (group) await applyForceSsl(this.core, group.name); // dynamic: takes effect at once
    }
    this.core.save();
    this.core.log(`[fault] instance-state ${id}: ${JSON.stringify(patch)}`);
  }
}
