/**
 * Migrations applied on blue by the pipeline (ApplyMigrations), as pure decisions: how statements group
 * into units (one transaction each), what an earlier attempt of this execution already applied, when to
 * retry a lock timeout, and what the report and the failure notification say.
 */
import { createHash } from 'node:crypto';

/** How the check after an interrupted non-transactional statement proves its outcome. */
export type OutcomeCheck =
  | { kind: 'index-created'; name: string; schema: string | null }
  | { kind: 'index-dropped'; name: string; schema: string | null }
  /** running it again is harmless (REINDEX, VACUUM) */
  | 'rerun'
  /** no deterministic check: an interrupted attempt needs a person */
  | null;

export type StatementKind =
  | { kind: 'plain' }
  /** SET/RESET at session level: re-run on every connection, never logged */
  | { kind: 'session' }
  | { kind: 'begin' }
  | { kind: 'commit' }
  /** ROLLBACK, SAVEPOINT, PREPARE TRANSACTION…: not allowed in a migration run by the pipeline */
  | { kind: 'transaction-control'; detail: string }
  /** PostgreSQL refuses it inside a transaction block (CREATE INDEX CONCURRENTLY, VACUUM, …) */
  | { kind: 'non-transactional'; check: OutcomeCheck }
  | { kind: 'unparseable'; error: string };

export type MigrationStatement = StatementKind & {
  phase: 'expand' | 'contract';
  /** e.g. "migrations.expand[0] line 3" */
  source: string;
  sql: string;
};

/** One thing applied and logged at once: a statement, or a BEGIN … COMMIT block. */
export interface MigrationUnit {
  /** stable within an execution: "expand:2" (the phase and the unit's position in it) */
  key: string;
  phase: 'expand' | 'contract';
  source: string;
  statements: string[];
  mode: 'session' | 'transaction' | 'non-transactional';
  check: OutcomeCheck;
  /** sha256 of the unit's SQL: a log entry with another hash for the same key is not this unit */
  hash: string;
}

export type UnitPlan = { ok: true; units: MigrationUnit[] } | { ok: false; problems: string[] };

const hashOf = (phase: string, statements: string[]): string =>
  createHash('sha256')
    .update(`${phase}\n${statements.join(';\n')}`)
    .digest('hex');

/** Groups statements into units; BEGIN … COMMIT becomes one unit. Every problem is reported at once. */
export const planUnits = (statements: MigrationStatement[]): UnitPlan => {
  const problems: string[] = [];
  const units: MigrationUnit[] = [];
  const counters = { expand: 0, contract: 0 };
  const push = (
    first: MigrationStatement,
    sql: string[],
    mode: MigrationUnit['mode'],
    check: OutcomeCheck = null,
  ) => {
    const key = `${first.phase}:${counters[first.phase]++}`;
    units.push({
      key,
      phase: first.phase,
      source: first.source,
      statements: sql,
      mode,
      check,
      hash: hashOf(first.phase, sql),
    });
  };
  let block: { begin: MigrationStatement; sql: string[] } | null = null;
  for (const s of statements) {
    if (s.kind === 'unparseable') {
      problems.push(`${s.source}: PostgreSQL cannot parse it (${s.error}); nothing was applied`);
    } else if (s.kind === 'transaction-control') {
      problems.push(
        `${s.source}: ${s.detail} is not allowed in a migration the pipeline applies; use BEGIN … COMMIT blocks or single statements`,
      );
    } else if (s.kind === 'begin') {
      if (block) problems.push(`${s.source}: BEGIN inside the block opened at ${block.begin.source}`);
      else block = { begin: s, sql: [] };
    } else if (s.kind === 'commit') {
      if (!block) problems.push(`${s.source}: COMMIT without a BEGIN`);
      else {
        if (block.sql.length > 0) push(block.begin, block.sql, 'transaction');
        block = null;
      }
    } else if (block) {
      if (s.kind === 'non-transactional')
        problems.push(
          `${s.source}: PostgreSQL cannot run this statement inside the BEGIN … COMMIT block opened at ${block.begin.source}; move it out of the block`,
        );
      else block.sql.push(s.sql);
    } else if (s.kind === 'session') push(s, [s.sql], 'session');
    else if (s.kind === 'non-transactional') push(s, [s.sql], 'non-transactional', s.check);
    else push(s, [s.sql], 'transaction');
  }
  if (block) problems.push(`${block.begin.source}: BEGIN without a COMMIT`);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, units };
};

/** What the database's log says about one unit of this execution. */
export interface LogEntry {
  key: string;
  hash: string;
  status: 'started' | 'applied';
  durationMs: number | null;
  appliedAt: string | null;
  /** non-transactional index creation: whether the index existed before our attempt started */
  indexExisted: boolean | null;
}

export type UnitDecision =
  | { action: 'skip'; entry: LogEntry }
  | { action: 'apply' }
  /** a non-transactional statement was interrupted: prove its outcome before anything else */
  | { action: 'resolve-interrupted'; entry: LogEntry }
  | { action: 'refuse'; reason: string };

/** Whether a unit is applied already, must be applied, or is in a state that needs proof first. */
export const decideUnit = (unit: MigrationUnit, entry: LogEntry | undefined): UnitDecision => {
  if (unit.mode === 'session') return { action: 'apply' };
  if (!entry) return { action: 'apply' };
  if (entry.hash !== unit.hash)
    return {
      action: 'refuse',
      reason: `${unit.source}: the migration log of this execution holds different SQL for ${unit.key}; the migrations changed between attempts`,
    };
  if (entry.status === 'applied') return { action: 'skip', entry };
  return { action: 'resolve-interrupted', entry };
};

export type IndexState = 'absent' | 'valid' | 'invalid';

export type InterruptedResolution =
  | { action: 'mark-applied'; why: string }
  | { action: 'rerun'; dropInvalidIndexFirst: boolean }
  | { action: 'refuse'; reason: string };

/** After an interrupted non-transactional statement: what the catalog proves about its outcome. */
export const resolveInterrupted = (
  unit: MigrationUnit,
  entry: LogEntry,
  index: IndexState | null,
): InterruptedResolution => {
  const check = unit.check;
  if (check === 'rerun') return { action: 'rerun', dropInvalidIndexFirst: false };
  if (check && check.kind === 'index-created') {
    if (index === 'valid') return { action: 'mark-applied', why: `index ${check.name} exists and is valid` };
    if (index === 'absent') return { action: 'rerun', dropInvalidIndexFirst: false };
    // An invalid index is ours to drop only if it did not exist before our attempt started.
    if (entry.indexExisted === false) return { action: 'rerun', dropInvalidIndexFirst: true };
    return {
      action: 'refuse',
      reason: `${unit.source}: index ${check.name} is invalid and existed before this run; check it and drop or rebuild it by hand`,
    };
  }
  if (check && check.kind === 'index-dropped') {
    return index === 'absent'
      ? { action: 'mark-applied', why: `index ${check.name} is gone` }
      : { action: 'rerun', dropInvalidIndexFirst: false };
  }
  return {
    action: 'refuse',
    reason: `${unit.source}: an earlier attempt of this statement was interrupted and its outcome cannot be checked automatically; check it by hand`,
  };
};

/** Lock-timeout retries: doubling from lockRetrySeconds, capped at 5 minutes, bounded by lockRetries. */
export const decideLockRetry = (
  attemptsSoFar: number,
  policy: { lockRetries: number; lockRetrySeconds: number },
): { retry: true; retryInSeconds: number } | { retry: false } =>
  attemptsSoFar < policy.lockRetries
    ? { retry: true, retryInSeconds: Math.min(300, policy.lockRetrySeconds * 2 ** attemptsSoFar) }
    : { retry: false };

/** Start another unit only if it can run to its statement timeout inside the invocation's budget. */
export const hasTimeFor = (elapsedMs: number, statementTimeoutMs: number, budgetMs: number): boolean =>
  elapsedMs + statementTimeoutMs <= budgetMs;

export type UnitOutcome = 'applied' | 'already-applied' | 'pending' | 'failed' | 'lock-timeout';

export interface UnitReport {
  key: string;
  source: string;
  /** the start of the SQL, for people; the full text is in the input document */
  excerpt: string;
  outcome: UnitOutcome;
  durationMs: number | null;
  error?: string;
}

export const excerpt = (statements: string[]): string => {
  const text = statements.join('; ').replace(/\s+/g, ' ');
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
};

/** Why a failed run needs no undo on blue: what the gate guaranteed about what was applied. */
export const noUndoReason = (applied: UnitReport[]): string => {
  const phases = new Set(applied.map((u) => u.key.split(':')[0]));
  if (applied.length === 0) return 'nothing was applied on blue, so nothing needs undoing.';
  const parts = [
    'no undo is needed: nothing was created (green does not exist yet) and blue keeps serving',
    phases.has('expand')
      ? 'the expand statements already applied passed the gate as backward compatible, so the running application works with them and the next run skips nothing it needs (a new execution applies the whole list again; write them idempotently, e.g. IF NOT EXISTS)'
      : '',
    phases.has('contract')
      ? 'the contract statements already applied were allowed only because no rollback window is open, so no retained old blue depends on what they removed'
      : '',
  ];
  return `${parts.filter(Boolean).join('; ')}.`;
};
