/**
 * The rehearsal report's shape (`--report FILE`). Built by build-report.ts; written by json-report.ts,
 * summary.ts (the text printed at the end) and html-report.ts (the picture).
 */
import type { HookRecord } from '#domain/hooks';
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

/** fail-back scenario (rehearsal/fail-back-facts.ts measures it). */
export interface FailBackFacts {
  /** What opening the "Fail back" link answered (null: never clicked), and why it failed. */
  clicked: { status: number; title: string } | null;
  clickError: string | null;
  /** Acknowledged writes after the switch and before the fail-back blocked writes (on the new primary). */
  writesOnNewPrimary: number;
  /** Acknowledged writes after the fail-back's verification began (on old blue under the production name). */
  writesAfterFailBack: number;
  switchStallMs: number | null;
  failBackStallMs: number | null;
  /** The fail-back's window: BlockWritesOnNewPrimary entered → VerifyAfterFailBack entered (ISO). */
  failBackWindow: { start: string; end: string } | null;
  /** The instance the new primary was renamed to (`<name>-failedN`) and its status, if one is listed. */
  failedAside: { id: string; status: string } | null;
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
  /** The user's hooks (local commands in the rehearsal): each hook's last record, with its duration */
  hooks?: HookRecord[];
  /** fail-back scenario: the link's click, writes on each side, both stalls, the new primary's -failedN name */
  failBack?: FailBackFacts;
  /** ValidateData / ValidateBeforeSwitch rounds (blue vs green), in order */
  validation?: Array<{ state: string; status: string; summary: string; durationMs: number }>;
  /** MaintainGreen's last round: ANALYZE and materialized-view refreshes on green (null: never ran) */
  greenMaintenance?: {
    status: string;
    summary: string;
    rounds: number;
    durationMs: number;
    analyzed: boolean;
    tables: number;
    analyzeMs: number;
    viewsRefreshed: number;
    /** Why each step ran or not (the plan's reason); absent in reports written before they were recorded. */
    analyzeWhy?: string;
    viewsWhy?: string;
    viewsRun?: boolean;
    viewsConcurrently?: number;
    viewsMs?: number;
    /** each view refreshed: how (and why that way) and how long */
    views?: Array<{ name: string; mode: string; why: string; durationMs: number }>;
    /** views the inspection named that green does not have */
    missingViews?: string[];
    /** tables ANALYZE skipped (e.g. no privilege), each with its warning; the count is exact, the list capped */
    skipped?: Array<{ name: string; why: string }>;
    skippedCount?: number;
    /** the slowest tables analyzed */
    slowest?: Array<{ name: string; durationMs: number }>;
  } | null;
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
