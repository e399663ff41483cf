/** The rehearsal report (`--report FILE`) and its human summary. */
import { causeMessage } from '../src/domain/error-envelope.ts';
import type { InputChange } from './input-mapping.ts';
import type { Outcome, ScenarioName } from './scenarios.ts';
import type { SchemaLoad } from './schema/index.ts';
import type { RunSeries } from './series.ts';

export interface EndpointIdentity {
  /** The DB instance name the endpoint belongs to. */
  endpoint: string;
  /** The PostgreSQL server that answered: its own port, system identifier and version. */
  serverPort: number;
  systemIdentifier: string;
  serverVersion: string;
  /** The emulator's instance and resource id behind that server, when known. */
  instanceId: string | null;
  resourceId: string | null;
}

export interface LagSample {
  state: string;
  at: string;
  value: number | null;
  unit: string;
  metric: string;
  withinThreshold: boolean;
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface RehearsalReport {
  scenario: ScenarioName;
  /** orders-db's engine; `standIn` says when it ran on another engine's binary (mysql on MariaDB). */
  engine: { name: 'postgres' | 'mariadb' | 'mysql'; standIn?: string };
  expected: Outcome;
  outcome: Outcome;
  /** Every check the scenario's exit code depends on held. */
  passed: boolean;
  checks: Check[];
  executionArn: string;
  status: 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';
  error: string | null;
  cause: string | null;
  /** Every state entered, in order. */
  states: string[];
  /** Errors raised by Task states (e.g. Preflight's refusal listing every problem, ApprovalRejected). */
  failures: Array<{ state: string; error: string; cause: string }>;
  /** Billable Step Functions transitions: states entered + retries. */
  transitions: number;
  retries: Array<{ state: string; attempt: number }>;
  /** Wall time of the rehearsal: from starting the emulator until every server has stopped. */
  durationMs: number;
  timings: {
    emulatorStartMs: number;
    executionMs: number;
    /** ms from the start of the rehearsal when each phase began. */
    marks: Record<string, number>;
  };
  writes: {
    attempted: number;
    acknowledged: number;
    failed: number;
    lost: number;
    lostIds: number[];
    clients: number;
    ratePerSecond: number;
    durationMs: number;
  };
  switchover: {
    happened: boolean;
    /** Longest gap between acknowledged writes around the switch (Switchover entered → Verify entered). */
    writeStallMs: number | null;
    stallWindow: { start: string; end: string } | null;
    /** Client errors (failed INSERTs and refused connections) around the switch. */
    clientErrors: number;
    holdConnections: boolean;
    /** PrepareApproval's modelled RDS estimate (not measured here), beside the local stall above */
    productionEstimate?: {
      lowerSeconds: number;
      expectedSeconds: number;
      upperSeconds: number;
      recommendedTimeoutSeconds: number;
    } | null;
  };
  lag: LagSample[];
  /** ApplyMigrations' last answer: each unit with its outcome and duration, and whether it finished before CreateGreen */
  migrations: {
    verdict: string;
    applied: number;
    total: number;
    units: Array<{
      key: string;
      source: string;
      excerpt: string;
      outcome: string;
      durationMs: number | null;
      error?: string;
    }>;
    finishedBeforeGreen: boolean;
    lockAttempts: number;
  } | null;
  /** InstallDdlGuard / ReleaseDdlGuard(AfterRollback) results, in order */
  ddlGuard: Array<{ state: string; result: Record<string, unknown> }>;
  /** ValidateData / ValidateBeforeSwitch rounds (blue vs green), in order */
  validation?: Array<{ state: string; status: string; summary: string; durationMs: number }>;
  approval: {
    decision: 'approved' | 'rejected' | 'timed-out' | 'not-asked' | 'pending';
    by: string | null;
    at: string | null;
    channel: string | null;
    reason: string | null;
    links: { approve: string; reject: string } | null;
    /** ms from the approval request to the decision reaching the execution. */
    waitedMs: number | null;
  };
  endpoints: { before: EndpointIdentity | null; after: EndpointIdentity | null };
  /** The seeded source, measured on blue before the run. */
  source: {
    seedRows: number;
    ordersTableBytes: number | null;
    ordersTotalBytes: number | null;
    databaseBytes: number | null;
  };
  /** `--schema`: the user's dump loaded into blue, and the rows generated per table (null without it). */
  schema: SchemaLoad | null;
  /** `--input`: the user's document and what the rehearsal changed in it, and why (null without it). */
  inputMapping: { file: string; changes: InputChange[] } | null;
  /** What remains in the emulator at the end. */
  remaining: {
    deployments: Array<{ id: string; status: string }>;
    instances: Array<{ id: string; status: string; engineVersion: string; readOnly: boolean | null }>;
    snapshots: Array<{ id: string; status: string }>;
  };
  notifications: Array<{ subject: string | null; at: string }>;
  clientErrorSamples: Array<{ at: string; client: number; message: string }>;
  input: unknown;
  /** Acknowledged writes per second and client errors over time, in buckets (for the HTML report). */
  series: RunSeries;
  /** When each state was entered and each RDS event was emitted, in ms from the start of the rehearsal. */
  timeline: {
    states: Array<{ state: string; atMs: number }>;
    rdsEvents: Array<{ atMs: number; eventId: string; source: string; message: string }>;
  };
}

const ms = (n: number | null | undefined): string =>
  n == null ? '–' : n < 10_000 ? `${Math.round(n)} ms` : `${(n / 1000).toFixed(1)} s`;

const bytesOrSeconds = (v: number | null, unit: string): string => {
  if (v == null) return 'no data';
  if (unit === 'bytes') return v < 1024 ? `${v} B` : `${(v / 1024).toFixed(1)} KiB`;
  return `${v} s`;
};

/** The multi-line summary printed at the end of `switchyard rehearse`. */
const ENGINE_NAMES = { postgres: 'PostgreSQL', mariadb: 'MariaDB', mysql: 'MySQL' } as const;

export const formatSummary = (r: RehearsalReport): string => {
  const lagValues = r.lag.map((s) => bytesOrSeconds(s.value, s.unit));
  const endpoint = (e: EndpointIdentity | null): string =>
    e
      ? `${e.instanceId ?? '?'} (${r.engine?.name === 'postgres' || !r.engine ? 'PostgreSQL ' : ''}${e.serverVersion}, server :${e.serverPort}, ${r.engine?.name === 'postgres' || !r.engine ? 'system' : 'server_id'} ${e.systemIdentifier})`
      : '–';
  const lines = [
    `Rehearsal ${r.scenario}: ${r.outcome}${r.outcome === r.expected ? ' (as expected)' : ` (expected ${r.expected})`} in ${ms(r.durationMs)}`,
    `  engine       ${ENGINE_NAMES[r.engine?.name ?? 'postgres']}${r.engine?.standIn ? ` (stand-in: ${r.engine.standIn})` : ''}`,
    `  path         ${r.states.length} states, ${r.transitions} transitions${r.retries.length ? `, ${r.retries.length} retries` : ''}; ended in ${r.states.at(-1) ?? '–'}${r.error ? ` (${r.error})` : ''}`,
    ...r.failures
      .slice(0, 3)
      // The cause is Lambda's error envelope (as in AWS); the summary shows its message.
      .map(
        (f) =>
          `  error        ${f.state}: ${f.error}: ${(causeMessage(f.cause) ?? '').split('\n').join(' ').slice(0, 300)}`,
      ),
    `  writes       ${r.writes.acknowledged} acknowledged of ${r.writes.attempted} attempted, ${r.writes.failed} failed, ${r.writes.lost} lost (${r.writes.clients} clients, ${r.writes.ratePerSecond.toFixed(0)}/s)`,
    r.switchover.happened
      ? `  switchover   longest write stall ${ms(r.switchover.writeStallMs)}, ${r.switchover.clientErrors} client errors${r.switchover.holdConnections ? ' (connections held)' : ''} (measured here, on the emulator: not a promise about RDS)`
      : '  switchover   did not happen',
    ...(r.switchover.productionEstimate
      ? [
          `  estimate     RDS switchover (modelled, not measured): ${r.switchover.productionEstimate.lowerSeconds}–${r.switchover.productionEstimate.upperSeconds} s, expected ${r.switchover.productionEstimate.expectedSeconds} s; recommended SwitchoverTimeout ${r.switchover.productionEstimate.recommendedTimeoutSeconds} s`,
        ]
      : []),
    r.migrations
      ? `  migrations   ${r.migrations.applied} of ${r.migrations.total} applied on blue (${r.migrations.verdict})${!r.states.includes('CreateGreen') ? ', green never created' : r.migrations.finishedBeforeGreen ? ', before green was created' : ', AFTER green was created'}${r.migrations.units.length ? `: ${r.migrations.units.map((u) => `${u.source} ${u.outcome}${u.durationMs == null ? '' : ` ${u.durationMs} ms`}`).join('; ')}` : ''}`
      : '  migrations   not run',
    ...r.ddlGuard.map(
      (g) =>
        `  ddl guard    ${g.state}: ${g.state === 'InstallDdlGuard' ? `${String(g.result.mode)}${g.result.freeze ? ' (frozen)' : ''}` : `${String(g.result.summary)}; released ${String(g.result.allReleased)}`}`,
    ),
    ...(r.validation ?? []).map(
      (v) => `  validation   ${v.state}: ${v.status}: ${v.summary} (${v.durationMs} ms)`,
    ),
    `  lag          ${r.lag.length} samples${lagValues.length ? `: ${lagValues.slice(0, 8).join(', ')}${lagValues.length > 8 ? ', …' : ''}` : ''}`,
    `  approval     ${r.approval.decision}${r.approval.by ? ` by ${r.approval.by}` : ''}${r.approval.at ? ` at ${r.approval.at}` : ''}${r.approval.reason ? ` ("${r.approval.reason}")` : ''}`,
    ...(r.schema
      ? [
          `  schema       ${r.schema.file}: ${r.schema.tables.length} tables, ${r.schema.tables.reduce((n, t) => n + t.inserted, 0)} generated rows`,
          ...r.schema.shortfalls.slice(0, 10).map((s) => `               ${s.slice(0, 200)}`),
        ]
      : []),
    `  endpoint     before: ${endpoint(r.endpoints.before)}`,
    `               after:  ${endpoint(r.endpoints.after)}`,
    `  left         ${r.remaining.deployments.length} Blue/Green deployments; instances ${r.remaining.instances.map((i) => `${i.id} (${i.status}${i.readOnly ? ', read-only' : ''})`).join(', ') || 'none'}`,
    '  checks',
    ...r.checks.map((c) => `    ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`),
  ];
  return lines.join('\n');
};
