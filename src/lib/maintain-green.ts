/**
 * One MaintainGreen round: refresh the listed materialized views (one session, in oid order), then
 * ANALYZE green's tables (`jobs` sessions in parallel, like `vacuumdb --analyze-only --jobs`), until the
 * round's time budget is spent. Nothing new starts after the budget; what started finishes, each
 * statement bounded by a statement_timeout that ends before the Lambda's 900 s. The result carries a
 * cursor (the last oid done) and the state machine calls the next round. Decisions are
 * src/domain/green-maintenance.ts; the SQL is src/aws/green-maintenance-gateway.ts.
 */
import type { GreenMaintenanceSession, GreenTable } from '../aws/green-maintenance-gateway.ts';
import { assertIsError } from '../domain/errors.ts';
import {
  after,
  GreenMaintenanceFailedError,
  type GreenMaintenancePlan,
  type GreenMaintenanceResult,
  LIST_CAP,
  nothingToDo,
  refreshModeFor,
  summarizeMaintenance,
  viewsToRefresh,
} from '../domain/green-maintenance.ts';
import type { InspectionReport } from '../domain/inspection/types.ts';

export interface RoundDeps {
  /** a session on green; writable only for REFRESH */
  open(writable: boolean): Promise<GreenMaintenanceSession>;
  /** milliseconds since the epoch */
  now(): number;
}

export interface RoundInput {
  plan: GreenMaintenancePlan;
  inspection: InspectionReport | null | undefined;
  /** the previous round when it said `more`; null on the first */
  previous: GreenMaintenanceResult | null;
}

/** Statements stop this long after the budget: the budget is at most 780 s, the Lambda has 900 s. */
const STATEMENT_GRACE_MS = 60_000;
const SLOWEST_KEPT = 10;

const fresh = (plan: GreenMaintenancePlan, now: Date): GreenMaintenanceResult => {
  const base = nothingToDo(plan, now);
  return {
    ...base,
    status: 'more',
    deadline: new Date(now.getTime() + plan.deadlineSeconds * 1000).toISOString(),
    views: { ...base.views, run: plan.refreshViews.run, done: !plan.refreshViews.run },
    analyze: { ...base.analyze, run: plan.analyze.run, done: !plan.analyze.run },
  };
};

const failed = (what: string, err: unknown, fix: string) =>
  new GreenMaintenanceFailedError(`${what} on green failed: ${assertIsError(err).message}. Fix: ${fix}`, {
    cause: err,
  });

export const runMaintenanceRound = async (
  deps: RoundDeps,
  input: RoundInput,
): Promise<GreenMaintenanceResult> => {
  const started = deps.now();
  const budgetMs = input.plan.timeBudgetSeconds * 1000;
  const elapsed = () => deps.now() - started;
  const timeLeft = () => budgetMs + STATEMENT_GRACE_MS - elapsed();
  const r = structuredClone(input.previous ?? fresh(input.plan, new Date(started)));
  r.round += 1;

  if (!r.views.done) {
    const t0 = deps.now();
    const session = await deps.open(true);
    try {
      const { refresh, missing } = viewsToRefresh(input.inspection, await session.views());
      if (r.round === 1) r.views.missing = missing;
      const pending = after(refresh, r.views.cursor);
      let i = 0;
      for (; i < pending.length && elapsed() < budgetMs; i++) {
        const view = pending[i]!;
        const { mode, why } = refreshModeFor(view);
        const v0 = deps.now();
        try {
          await session.refresh(view, mode, timeLeft());
        } catch (err) {
          throw failed(
            `REFRESH MATERIALIZED VIEW ${mode === 'concurrently' ? 'CONCURRENTLY ' : ''}${view.name}`,
            err,
            'refresh it on green as its owner, or set green.refreshMaterializedViews to false and refresh it after the switch',
          );
        }
        r.views.refreshed += 1;
        if (mode === 'concurrently') r.views.concurrently += 1;
        if (r.views.list.length < LIST_CAP)
          r.views.list.push({ name: view.name, mode, why, durationMs: deps.now() - v0 });
        r.views.cursor = view.oid;
      }
      r.views.done = i === pending.length;
    } finally {
      await session.close();
    }
    r.views.durationMs += deps.now() - t0;
  }

  if (r.views.done && !r.analyze.done && elapsed() < budgetMs) {
    const t0 = deps.now();
    const sessions: GreenMaintenanceSession[] = [];
    try {
      for (let j = 0; j < input.plan.jobs; j++) sessions.push(await deps.open(false));
      const pending = after(await sessions[0]!.tables(), r.analyze.cursor);
      let next = 0;
      const done: Array<{ table: GreenTable; durationMs: number; warnings: string[] }> = [];
      // A worker per session takes the next table while the budget lasts (vacuumdb --jobs).
      const worker = async (session: GreenMaintenanceSession) => {
        while (next < pending.length && elapsed() < budgetMs) {
          const table = pending[next++]!;
          const a0 = deps.now();
          try {
            const { warnings } = await session.analyze(table, timeLeft());
            done.push({ table, durationMs: deps.now() - a0, warnings });
          } catch (err) {
            next = pending.length; // the other workers stop taking tables: the run fails anyway
            throw failed(
              `ANALYZE ${table.name}`,
              err,
              'raise green.maintenanceTimeBudgetSeconds (at most 780) if it timed out, or set green.analyze to "off" and analyze after the switch',
            );
          }
        }
      };
      const outcomes = await Promise.allSettled(sessions.map(worker));
      const rejected = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      if (rejected) throw rejected.reason;
      // Every table taken finished, so the ones before `next` are a done prefix: the cursor is its end.
      if (next > 0) r.analyze.cursor = pending[next - 1]!.oid;
      r.analyze.done = next === pending.length;
      for (const d of done) {
        const skip = d.warnings.find((w) => /skipping/i.test(w));
        if (skip) {
          r.analyze.skippedCount += 1;
          if (r.analyze.skipped.length < LIST_CAP) r.analyze.skipped.push({ name: d.table.name, why: skip });
        } else r.analyze.tables += 1;
      }
      r.analyze.slowest = [
        ...r.analyze.slowest,
        ...done.map((d) => ({ name: d.table.name, durationMs: d.durationMs })),
      ]
        .sort((a, b) => b.durationMs - a.durationMs)
        .slice(0, SLOWEST_KEPT);
    } finally {
      await Promise.all(sessions.map((s) => s.close()));
    }
    r.analyze.durationMs += deps.now() - t0;
  }

  r.status = r.views.done && r.analyze.done ? 'done' : 'more';
  r.durationMs += elapsed();
  r.checkedAt = new Date(deps.now()).toISOString();
  const { summary: _old, ...rest } = r;
  return { ...rest, summary: summarizeMaintenance(rest) };
};
