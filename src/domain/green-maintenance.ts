/**
 * Built-in steps on green before the approval (MaintainGreen): ANALYZE after a major-version upgrade,
 * and REFRESH of the materialized views the data-plane inspection listed. Pure decisions only: whether
 * each step runs (and why not), which relations come next, how a view is refreshed, what the report
 * says. The SQL is src/aws/green-maintenance-gateway.ts; the sequencing with the time budget is
 * src/lib/maintain-green.ts.
 *
 * Why ANALYZE: a major-version upgrade does not carry the planner statistics in pg_statistic over
 * (AWS: "Why is CPU high after a major version upgrade of Aurora PostgreSQL", knowledge center; the
 * PostgreSQL pg_upgrade docs). RDS builds a logical-path green by upgrading a copy of blue, so green
 * starts with none (PostgreSQL 18's pg_upgrade keeps most of them, never the extended statistics).
 * Physical-path greens are hot standbys: ANALYZE cannot run during recovery, and blue's statistics
 * reach green with the WAL. docs/green-maintenance.md has the sources.
 */
import { z } from 'zod';
import { type EngineFamily, isMajorUpgrade, majorOf, type Replication } from './engine.ts';
import { SwitchyardError } from './errors.ts';
import type { InspectionReport } from './inspection/types.ts';

export type AnalyzeSetting = 'auto' | 'always' | 'off';

/** The input's `green` fields this module reads. */
export interface GreenMaintenanceSettings {
  analyze: AnalyzeSetting;
  refreshMaterializedViews: boolean;
  maintenanceTimeBudgetSeconds: number;
  maintenanceDeadlineMinutes: number;
  analyzeJobs: number;
}

export const StepDecisionSchema = z.object({ run: z.boolean(), why: z.string() });
export type StepDecision = z.infer<typeof StepDecisionSchema>;

export const GreenMaintenancePlanSchema = z.object({
  analyze: StepDecisionSchema,
  refreshViews: StepDecisionSchema,
  timeBudgetSeconds: z.number().int().positive(),
  deadlineSeconds: z.number().int().positive(),
  jobs: z.number().int().min(1),
});
export type GreenMaintenancePlan = z.infer<typeof GreenMaintenancePlanSchema>;

export interface RunFacts {
  engine: EngineFamily;
  replication: Replication;
  currentEngineVersion: string;
  targetEngineVersion: string;
  hasDatabase: boolean;
}

const decideAnalyze = (setting: AnalyzeSetting, f: RunFacts): StepDecision => {
  if (setting === 'off') return { run: false, why: 'green.analyze is off' };
  const asked = setting === 'always' ? 'green.analyze is always, but ' : '';
  if (f.engine !== 'postgres')
    return {
      run: false,
      why: `${asked}not needed on MySQL/MariaDB: InnoDB keeps its statistics in its own tables (mysql.innodb_table_stats, mysql.innodb_index_stats), which reach green with the data RDS copies`,
    };
  if (f.replication === 'physical')
    return {
      run: false,
      why: `${asked}physical replication: green is a hot standby (ANALYZE cannot run during recovery) and blue's statistics reach it with the WAL`,
    };
  if (!f.hasDatabase) return { run: false, why: 'no database credentials in the input (database.*)' };
  const upgrade = `${majorOf(f.engine, f.currentEngineVersion)} → ${majorOf(f.engine, f.targetEngineVersion)}`;
  return !isMajorUpgrade(f.engine, f.currentEngineVersion, f.targetEngineVersion)
    ? { run: true, why: 'green.analyze is always' }
    : {
        run: true,
        why: `major-version upgrade ${upgrade}: planner statistics do not come across${setting === 'always' ? ' (green.analyze is always)' : ''}`,
      };
};

const decideRefresh = (asked: boolean, f: RunFacts): StepDecision => {
  if (!asked) return { run: false, why: 'green.refreshMaterializedViews is false' };
  if (f.engine !== 'postgres') return { run: false, why: 'MySQL/MariaDB have no materialized views' };
  if (f.replication === 'physical')
    return {
      run: false,
      why: "physical replication: blue's refreshes reach green with the WAL, and a hot standby cannot refresh",
    };
  if (!f.hasDatabase) return { run: false, why: 'no database credentials in the input (database.*)' };
  return {
    run: true,
    why: 'green.refreshMaterializedViews is true; logical replication does not refresh them',
  };
};

/** What MaintainGreen will do on this run, decided once at Preflight. */
export const planGreenMaintenance = (s: GreenMaintenanceSettings, f: RunFacts): GreenMaintenancePlan => ({
  analyze: decideAnalyze(s.analyze, f),
  refreshViews: decideRefresh(s.refreshMaterializedViews, f),
  timeBudgetSeconds: s.maintenanceTimeBudgetSeconds,
  deadlineSeconds: Math.round(s.maintenanceDeadlineMinutes * 60),
  jobs: s.analyzeJobs,
});

/** A relation on green, in green's catalog order (oid), so a cursor stays valid between rounds. */
export interface GreenRelation {
  oid: number;
  /** schema.name as the inspection names it */
  name: string;
}

export interface GreenView extends GreenRelation {
  populated: boolean;
  /** a unique index on plain columns with no WHERE clause: what REFRESH … CONCURRENTLY needs */
  uniqueIndex: boolean;
}

/** The relations after the cursor (the last oid done), in oid order. */
export const after = <R extends GreenRelation>(relations: R[], cursor: number | null): R[] =>
  [...relations].sort((a, b) => a.oid - b.oid).filter((r) => cursor === null || r.oid > cursor);

/**
 * The views to refresh: those the PG-MATERIALIZED-VIEWS finding names, found on green. When the
 * finding's list was capped (count > names), every view on green, since the inspection saw more.
 * Views are refreshed in oid order: a view built on another was created after it.
 */
export const viewsToRefresh = <V extends GreenView>(
  inspection: Pick<InspectionReport, 'findings'> | null | undefined,
  green: V[],
): { refresh: V[]; missing: string[] } => {
  const finding = inspection?.findings.find((f) => f.rule === 'PG-MATERIALIZED-VIEWS');
  if (!finding) return { refresh: [], missing: [] };
  const listed = finding.objects.map((o) => o.name);
  if (finding.count > listed.length) return { refresh: after(green, null), missing: [] };
  const onGreen = new Set(green.map((v) => v.name));
  return {
    refresh: after(
      green.filter((v) => listed.includes(v.name)),
      null,
    ),
    missing: listed.filter((n) => !onGreen.has(n)),
  };
};

/** CONCURRENTLY keeps the view readable during the refresh, but needs rows already and a unique index. */
export const refreshModeFor = (v: GreenView): { mode: 'concurrently' | 'plain'; why: string } => {
  if (!v.populated)
    return { mode: 'plain', why: 'never populated on green (CONCURRENTLY needs existing rows)' };
  if (!v.uniqueIndex)
    return { mode: 'plain', why: 'no unique index on plain columns without WHERE (CONCURRENTLY needs one)' };
  return { mode: 'concurrently', why: 'unique index present: readers are not blocked' };
};

/** Lists in the state are capped (256 KiB per state); counts stay exact. */
export const LIST_CAP = 25;

const Count = z.number().int().min(0);
// ISO-8601 as Date#toISOString writes it (contracts.ts imports this module's types, so not its isoTime).
const isoTime = z.iso.datetime();

export const GreenMaintenanceResultSchema = z.object({
  status: z.enum(['done', 'more', 'skipped']),
  round: Count,
  /** fixed on the first round: the loop's Choice compares checkedAt with it */
  deadline: isoTime,
  views: z.object({
    run: z.boolean(),
    why: z.string(),
    done: z.boolean(),
    cursor: z.number().nullable(),
    refreshed: Count,
    concurrently: Count,
    list: z.array(
      z.object({
        name: z.string(),
        mode: z.enum(['concurrently', 'plain']),
        why: z.string(),
        durationMs: Count,
      }),
    ),
    missing: z.array(z.string()),
    durationMs: Count,
  }),
  analyze: z.object({
    run: z.boolean(),
    why: z.string(),
    done: z.boolean(),
    cursor: z.number().nullable(),
    tables: Count,
    /** ANALYZE skipped them with a warning (no privilege); named so someone analyzes them by hand */
    skipped: z.array(z.object({ name: z.string(), why: z.string() })),
    skippedCount: Count,
    /** the slowest tables so far */
    slowest: z.array(z.object({ name: z.string(), durationMs: Count })),
    durationMs: Count,
  }),
  durationMs: Count,
  summary: z.string(),
  checkedAt: isoTime,
});
export type GreenMaintenanceResult = z.infer<typeof GreenMaintenanceResultSchema>;

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** One line for the approval page and the report. */
export const summarizeMaintenance = (r: Omit<GreenMaintenanceResult, 'summary'>): string => {
  const views = r.views.run
    ? `${r.views.refreshed} materialized view(s) refreshed (${r.views.concurrently} concurrently) in ${seconds(r.views.durationMs)}${r.views.missing.length ? `; not on green: ${r.views.missing.join(', ')}` : ''}`
    : `views not refreshed: ${r.views.why}`;
  const analyze = r.analyze.run
    ? `ANALYZE ${r.analyze.tables} table(s) in ${seconds(r.analyze.durationMs)}${r.analyze.skippedCount ? `, ${r.analyze.skippedCount} skipped (${r.analyze.skipped.map((s) => s.name).join(', ')}: analyze them as their owner)` : ''}`
    : `no ANALYZE: ${r.analyze.why}`;
  const progress = r.status === 'more' ? ` (round ${r.round}, continuing)` : '';
  return `${analyze}; ${views}${progress}`;
};

/** The result when neither step runs: no connection is opened. */
export const nothingToDo = (plan: GreenMaintenancePlan, now: Date): GreenMaintenanceResult => {
  const base = {
    status: 'skipped' as const,
    round: 0,
    deadline: now.toISOString(),
    views: {
      run: false,
      why: plan.refreshViews.why,
      done: true,
      cursor: null,
      refreshed: 0,
      concurrently: 0,
      list: [],
      missing: [],
      durationMs: 0,
    },
    analyze: {
      run: false,
      why: plan.analyze.why,
      done: true,
      cursor: null,
      tables: 0,
      skipped: [],
      skippedCount: 0,
      slowest: [],
      durationMs: 0,
    },
    durationMs: 0,
    checkedAt: now.toISOString(),
  };
  return { ...base, summary: summarizeMaintenance(base) };
};

/** The approval page's view of the result: the summary, and one line per thing a person should know. */
export const approvalMaintenance = (r: GreenMaintenanceResult): { summary: string; lines: string[] } => ({
  summary: r.summary,
  lines: [
    ...r.views.list.map(
      (v) =>
        `REFRESH ${v.mode === 'concurrently' ? 'CONCURRENTLY ' : ''}${v.name} (${v.why}) ${v.durationMs} ms`,
    ),
    ...r.analyze.slowest.slice(0, 5).map((t) => `ANALYZE ${t.name} ${t.durationMs} ms`),
    ...r.analyze.skipped.map((s) => `ANALYZE skipped ${s.name}: ${s.why}`),
  ],
});

/** A statement on green failed (or outlived the round): terminal, the run compensates with this cause. */
export class GreenMaintenanceFailedError extends SwitchyardError {
  override readonly name = 'GreenMaintenanceFailedError';
}
