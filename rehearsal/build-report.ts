/**
 * The rehearsal report, assembled from what the observer saw during the run, what was measured at the
 * end, and the judge's checks. No server is asked anything here.
 */
import type { HookRecord } from '#domain/hooks';
import type { EmulatorEvent, SnsMessage } from '../emulator/index.ts';
import type { RunResult } from '../local/run-state-machine.ts';
import type { EndState } from './end-state.ts';
import type { RehearsalEngine } from './engine-probes.ts';
import type { FailBackFacts } from './fail-back-facts.ts';
import type { InputChange } from './input-mapping.ts';
import type { RunObserver } from './observer.ts';
import type { SourceSizes } from './pg-probes.ts';
import type { Check, EndpointIdentity, RehearsalReport } from './report.ts';
import type { Outcome, Scenario } from './scenarios.ts';
import type { SchemaLoad } from './schema/index.ts';
import { runSeries } from './series.ts';
import { longestAckGap, type WriteLoad } from './write-load.ts';

/**
 * Task-token waits whose timeout is a designed path, not a failure: the rollback window running out is
 * how retention ends, and an RDS event wait timing out is its fallback poll (RDS events are best effort).
 */
const DESIGNED_TIMEOUT_STATES = new Set(['OpenRollbackWindow', 'AwaitGreenEvent', 'AwaitSwitchoverEvent']);

const iso = (ms: number): string => new Date(ms).toISOString();

export interface ReportParts {
  scenario: Scenario;
  engine: RehearsalEngine;
  executionArn: string;
  run: RunResult;
  outcome: Outcome;
  checks: Check[];
  observer: RunObserver;
  writes: WriteLoad;
  writeClients: number;
  holdConnections: boolean;
  before: EndpointIdentity | null;
  end: EndState;
  seedRows: number;
  sourceSizes: SourceSizes;
  schema: SchemaLoad | null;
  inputMapping: { file: string; changes: InputChange[] } | null;
  /** The execution input the run was started with. */
  input: unknown;
  outbox: SnsMessage[];
  rdsEvents: EmulatorEvent[];
  hooks: HookRecord[];
  /** fail-back scenario only */
  failBack?: FailBackFacts;
}

/** The approval as recorded in the approval table, with how long the run waited for it. */
const approvalOf = (p: ReportParts): RehearsalReport['approval'] => {
  const asked = p.observer.approval;
  const item = p.end.approvalItem;
  const decided = item?.decision?.S as 'approved' | 'rejected' | undefined;
  const timedOut = p.run.events.some((e) => e.state === 'RequestApproval' && e.error === 'States.Timeout');
  return {
    decision: !asked ? 'not-asked' : decided ? decided : timedOut ? 'timed-out' : 'pending',
    by: item?.decidedBy?.S ?? null,
    at: item?.decidedAt?.S ?? null,
    channel: item?.channel?.S ?? null,
    reason: item?.reason?.S || null,
    links: asked ? { approve: asked.links.approve, reject: asked.links.reject } : null,
    waitedMs: p.observer.approvalWaitedMs(),
  };
};

/** The report; `durationMs` is 0 until the caller sets it once every server has stopped. */
export const buildReport = (p: ReportParts): RehearsalReport => {
  const { observer, writes, run } = p;
  const t0 = observer.t0;
  const window = observer.switchWindow();
  const stall = window ? longestAckGap(writes.ackTimes, window.start, window.end) : undefined;
  const switchErrors = window
    ? writes.errors.filter((e) => e.at >= window.start && e.at <= window.end).length
    : 0;
  const loadMs = (writes.stoppedAt || Date.now()) - writes.startedAt;
  return {
    scenario: p.scenario.name,
    engine: {
      name: p.engine,
      ...(p.engine === 'mysql'
        ? { standIn: 'MySQL 8.0 emulated by the MariaDB binary (no Oracle MySQL server on this machine)' }
        : {}),
    },
    expected: p.scenario.expected,
    outcome: p.outcome,
    passed: p.checks.every((c) => c.ok),
    checks: p.checks,
    executionArn: p.executionArn,
    status: run.status,
    error: run.error,
    cause: run.cause,
    states: run.states,
    // Errors raised by Task states (what sent the run down its failure path), not the final Fail, and
    // not the timeouts of the waits that end that way by design.
    failures: run.events
      .filter(
        (e) =>
          e.type === 'StateFailed' &&
          e.state &&
          e.error &&
          !e.error.startsWith('Switchyard.') &&
          !(DESIGNED_TIMEOUT_STATES.has(e.state) && /^States\.(Heartbeat)?Timeout$/.test(e.error)),
      )
      .map((e) => ({ state: e.state ?? '', error: e.error ?? '', cause: e.cause ?? '' })),
    transitions: run.transitions,
    retries: run.retries,
    durationMs: 0,
    timings: {
      emulatorStartMs: observer.marks.emulatorStarted ?? 0,
      executionMs: run.durationMs,
      marks: observer.marks,
    },
    writes: {
      ...writes.counts,
      lost: p.end.lost.length,
      lostIds: p.end.lost.slice(0, 100),
      clients: p.writeClients,
      ratePerSecond: loadMs > 0 ? (writes.counts.acknowledged * 1000) / loadMs : 0,
      durationMs: loadMs,
    },
    switchover: {
      happened: window !== undefined,
      writeStallMs: stall ? stall.ms : null,
      stallWindow: stall ? { start: iso(stall.start), end: iso(stall.end) } : null,
      clientErrors: switchErrors,
      holdConnections: p.holdConnections,
      productionEstimate: observer.productionEstimate,
    },
    lag: observer.lag,
    migrations: observer.migrationsReport(),
    ddlGuard: observer.guardEvents,
    hooks: p.hooks,
    ...(p.failBack ? { failBack: p.failBack } : {}),
    validation: observer.validations,
    greenMaintenance: observer.greenMaintenance,
    approval: approvalOf(p),
    endpoints: { before: p.before, after: p.end.after },
    source: { seedRows: p.seedRows, ...p.sourceSizes },
    schema: p.schema,
    inputMapping: p.inputMapping,
    remaining: { deployments: p.end.deployments, instances: p.end.instances, snapshots: p.end.snapshots },
    notifications: p.outbox.map((m) => ({ subject: m.subject ?? null, at: m.at })),
    clientErrorSamples: writes.errors
      .slice(0, 20)
      .map((e) => ({ at: iso(e.at), client: e.client, message: e.message })),
    input: p.input,
    series: runSeries(
      t0,
      Date.now() - t0,
      writes.ackTimes,
      writes.errors.map((e) => e.at),
    ),
    timeline: {
      states: observer.stateTimes.map((s) => ({ state: s.state, atMs: s.at - t0 })),
      rdsEvents: p.rdsEvents.map((e) => ({
        atMs: Date.parse(e.detail.Date) - t0,
        eventId: e.detail.EventID ?? '',
        source: e.detail.SourceIdentifier,
        message: e.detail.Message,
      })),
    },
  };
};
