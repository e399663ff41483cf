/**
 * One ApplyMigrations invocation: plan the units, skip what this execution already applied, apply the
 * rest in order until done, a failure, a lock timeout (the ASL waits and comes back) or the invocation's
 * time budget (the ASL comes straight back). Decisions come from src/domain/migrations.ts.
 */
import { LOCK_NOT_AVAILABLE, type MigrationSession, SqlStatementError } from '#aws/migrations-gateway';
import {
  decideLockRetry,
  decideUnit,
  excerpt,
  hasTimeFor,
  type MigrationStatement,
  type MigrationUnit,
  noUndoReason,
  planUnits,
  resolveInterrupted,
  type UnitReport,
} from '#domain/migrations';

export type MigrationsVerdict = 'done' | 'continue' | 'lock-timeout' | 'failed';

export interface MigrationsResult {
  verdict: MigrationsVerdict;
  /** lock timeouts met so far in this run (the ASL passes it back in) */
  lockAttempts: number;
  retryInSeconds: number;
  total: number;
  applied: number;
  units: UnitReport[];
  failure: { source: string; excerpt: string; error: string; sqlState: string | null } | null;
  /** for a failed run: why blue needs no undo */
  noUndo: string | null;
  /** null when there was nothing to apply (no clock read, no connection) */
  checkedAt: string | null;
}

export interface ApplyRequest {
  executionId: string;
  statements: MigrationStatement[];
  lockAttempts: number;
  policy: { lockRetries: number; lockRetrySeconds: number; statementTimeoutMs: number };
  /** ms one invocation may spend before it hands back to the state machine */
  budgetMs: number;
  openSession: () => Promise<MigrationSession>;
  now: () => number;
}

const report = (
  unit: MigrationUnit,
  outcome: UnitReport['outcome'],
  durationMs: number | null,
  error?: string,
) => ({
  key: unit.key,
  source: unit.source,
  excerpt: excerpt(unit.statements),
  outcome,
  durationMs,
  ...(error ? { error } : {}),
});

export const applyMigrations = async (req: ApplyRequest): Promise<MigrationsResult> => {
  let started: number | null = null;
  const checkedAt = () => (started === null ? null : new Date(req.now()).toISOString());
  const result = (
    verdict: MigrationsVerdict,
    units: UnitReport[],
    extra: Partial<MigrationsResult> = {},
  ): MigrationsResult => {
    const applied = units.filter((u) => u.outcome === 'applied' || u.outcome === 'already-applied');
    return {
      verdict,
      lockAttempts: req.lockAttempts,
      retryInSeconds: 0,
      total: units.length,
      applied: applied.length,
      units,
      failure: null,
      noUndo: verdict === 'failed' ? noUndoReason(applied) : null,
      checkedAt: checkedAt(),
      ...extra,
    };
  };

  const plan = planUnits(req.statements);
  if (!plan.ok)
    return result('failed', [], {
      failure: { source: 'migrations', excerpt: '', error: plan.problems.join('; '), sqlState: null },
    });
  const logged = plan.units.filter((u) => u.mode !== 'session');
  if (logged.length === 0) return result('done', []);

  started = req.now();
  const reports = new Map<string, UnitReport>(logged.map((u) => [u.key, report(u, 'pending', null)]));
  const list = () => [...reports.values()];
  const session = await req.openSession();
  try {
    try {
      await session.prepare(req.executionId);
    } catch (err) {
      if (err instanceof SqlStatementError && err.sqlState === LOCK_NOT_AVAILABLE)
        return lockTimeout(
          req,
          list(),
          result,
          'another attempt of this execution still holds the migration lock',
        );
      throw err;
    }
    const entries = new Map((await session.logEntries(req.executionId)).map((e) => [e.key, e]));
    for (const unit of plan.units) {
      if (unit.mode === 'session') {
        await session.runSession(unit.statements[0] ?? '');
        continue;
      }
      const decision = decideUnit(unit, entries.get(unit.key));
      if (decision.action === 'skip') {
        reports.set(unit.key, report(unit, 'already-applied', decision.entry.durationMs));
        continue;
      }
      if (!hasTimeFor(req.now() - started, req.policy.statementTimeoutMs, req.budgetMs))
        return result('continue', list());
      const fail = (error: string, sqlState: string | null) => {
        reports.set(unit.key, report(unit, 'failed', null, error));
        return result('failed', list(), {
          failure: { source: unit.source, excerpt: excerpt(unit.statements), error, sqlState },
        });
      };
      if (decision.action === 'refuse') return fail(decision.reason, null);
      if (decision.action === 'resolve-interrupted') {
        const check = unit.check && unit.check !== 'rerun' ? unit.check : null;
        const index = check ? await session.indexState(check.schema, check.name) : null;
        const resolution = resolveInterrupted(unit, decision.entry, index);
        if (resolution.action === 'refuse') return fail(resolution.reason, null);
        if (resolution.action === 'mark-applied') {
          await session.markApplied(req.executionId, unit);
          reports.set(unit.key, report(unit, 'already-applied', null));
          continue;
        }
        if (resolution.dropInvalidIndexFirst && check)
          await session.dropInvalidIndex(check.schema, check.name);
      }
      try {
        const ms =
          unit.mode === 'transaction'
            ? await session.applyInTransaction(req.executionId, unit)
            : await session.applyNonTransactional(req.executionId, unit);
        reports.set(unit.key, report(unit, 'applied', ms));
      } catch (err) {
        if (!(err instanceof SqlStatementError)) throw err;
        if (err.sqlState === LOCK_NOT_AVAILABLE) {
          reports.set(unit.key, report(unit, 'lock-timeout', null, err.message));
          return lockTimeout(req, list(), result, `${unit.source}: ${err.message}`);
        }
        return fail(err.message, err.sqlState ?? null);
      }
    }
    return result('done', list());
  } finally {
    await session.close();
  }
};

const lockTimeout = (
  req: ApplyRequest,
  units: UnitReport[],
  result: (v: MigrationsVerdict, u: UnitReport[], extra?: Partial<MigrationsResult>) => MigrationsResult,
  error: string,
): MigrationsResult => {
  const attempts = req.lockAttempts + 1;
  const retry = decideLockRetry(req.lockAttempts, req.policy);
  if (retry.retry)
    return result('lock-timeout', units, { lockAttempts: attempts, retryInSeconds: retry.retryInSeconds });
  const failing = units.find((u) => u.outcome === 'lock-timeout');
  return result('failed', units, {
    lockAttempts: attempts,
    failure: {
      source: failing?.source ?? 'migrations',
      excerpt: failing?.excerpt ?? '',
      error: `lock timeout ${attempts} time(s), the retry bound (migrations.lockRetries = ${req.policy.lockRetries}); last: ${error}`,
      sqlState: LOCK_NOT_AVAILABLE,
    },
  });
};
