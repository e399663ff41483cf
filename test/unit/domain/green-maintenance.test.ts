/** MaintainGreen's decisions (src/domain/green-maintenance.ts) and one round's sequencing (src/lib). */
import { describe, expect, it } from 'vitest';
import type { GreenMaintenanceSession, GreenMatView, GreenTable } from '#aws/green-maintenance-gateway';
import {
  after,
  GreenMaintenanceFailedError,
  type GreenMaintenancePlan,
  nothingToDo,
  planGreenMaintenance,
  type RunFacts,
  refreshModeFor,
  viewsToRefresh,
} from '#domain/green-maintenance';
import { validateExecutionInput } from '#domain/input';
import { runMaintenanceRound } from '#lib/maintain-green';

const SETTINGS = {
  analyze: 'auto' as const,
  refreshMaterializedViews: false,
  maintenanceTimeBudgetSeconds: 300,
  maintenanceDeadlineMinutes: 120,
  analyzeJobs: 2,
};
const LOGICAL: RunFacts = {
  engine: 'postgres',
  replication: 'logical',
  currentEngineVersion: '17.4',
  targetEngineVersion: '18.4',
  hasDatabase: true,
};

describe('planGreenMaintenance', () => {
  it('analyzes by default after a PostgreSQL major upgrade, and says why', () => {
    const plan = planGreenMaintenance(SETTINGS, LOGICAL);
    expect(plan.analyze).toEqual({
      run: true,
      why: 'major-version upgrade 17 → 18: planner statistics do not come across',
    });
    expect(plan.refreshViews.run).toBe(false);
    expect(plan).toMatchObject({ timeBudgetSeconds: 300, deadlineSeconds: 7200, jobs: 2 });
  });

  it('does not analyze a physical green (a hot standby), even when asked always', () => {
    const physical = { ...LOGICAL, replication: 'physical' as const, targetEngineVersion: '17.6' };
    expect(planGreenMaintenance(SETTINGS, physical).analyze.run).toBe(false);
    const always = planGreenMaintenance({ ...SETTINGS, analyze: 'always' }, physical).analyze;
    expect(always.run).toBe(false);
    expect(always.why).toMatch(/^green.analyze is always, but physical replication: green is a hot standby/);
  });

  it('leaves MySQL/MariaDB alone, naming where InnoDB keeps its statistics', () => {
    const binlog = { ...LOGICAL, engine: 'mariadb' as const, replication: 'binlog' as const };
    const plan = planGreenMaintenance({ ...SETTINGS, refreshMaterializedViews: true }, binlog);
    expect(plan.analyze.run).toBe(false);
    expect(plan.analyze.why).toContain('mysql.innodb_table_stats');
    expect(plan.refreshViews).toEqual({ run: false, why: 'MySQL/MariaDB have no materialized views' });
  });

  it('is off when the input says off, and cannot run without credentials', () => {
    expect(planGreenMaintenance({ ...SETTINGS, analyze: 'off' }, LOGICAL).analyze).toEqual({
      run: false,
      why: 'green.analyze is off',
    });
    const noDb = planGreenMaintenance(
      { ...SETTINGS, refreshMaterializedViews: true },
      { ...LOGICAL, hasDatabase: false },
    );
    expect(noDb.analyze.why).toBe('no database credentials in the input (database.*)');
    expect(noDb.refreshViews.run).toBe(false);
  });

  it('refreshes views on the logical path only when asked', () => {
    expect(
      planGreenMaintenance({ ...SETTINGS, refreshMaterializedViews: true }, LOGICAL).refreshViews.run,
    ).toBe(true);
  });
});

describe('the input fields', () => {
  const base = {
    source: { dbInstanceIdentifier: 'orders-db' },
    target: { engineVersion: '18.4' },
    approval: { required: false },
  };
  it('defaults to auto, no view refresh', () => {
    const v = validateExecutionInput(base);
    expect(v.ok && v.input.green).toMatchObject({ analyze: 'auto', refreshMaterializedViews: false });
  });
  it('names the field and the fix for a wrong value and for missing credentials', () => {
    const v = validateExecutionInput({ ...base, green: { analyze: 'yes', refreshMaterializedViews: true } });
    expect(v.ok).toBe(false);
    expect(!v.ok && v.problems).toContain(
      'green.analyze: must be "auto" (ANALYZE after a PostgreSQL major-version upgrade), "always" or "off"',
    );
    const w = validateExecutionInput({ ...base, green: { refreshMaterializedViews: true } });
    expect(!w.ok && w.problems.join('\n')).toContain(
      'database: is required when green.refreshMaterializedViews is true',
    );
  });
  it('refuses a deadline shorter than one round', () => {
    const v = validateExecutionInput({
      ...base,
      green: { maintenanceTimeBudgetSeconds: 600, maintenanceDeadlineMinutes: 5 },
    });
    expect(!v.ok && v.problems.join('\n')).toContain('green.maintenanceDeadlineMinutes: is shorter than');
  });
});

const view = (oid: number, name: string, extra: Partial<GreenMatView> = {}): GreenMatView => ({
  oid,
  name,
  schema: name.split('.')[0]!,
  relation: name.split('.')[1]!,
  populated: true,
  uniqueIndex: true,
  ...extra,
});
const finding = (names: string[], count = names.length) => ({
  findings: [
    {
      rule: 'PG-MATERIALIZED-VIEWS',
      title: '',
      severity: 'warn' as const,
      waivable: true,
      why: '',
      fix: '',
      docs: '',
      count,
      objects: names.map((name) => ({ name })),
    },
  ],
});

describe('viewsToRefresh and refreshModeFor', () => {
  const green = [view(30, 'public.b'), view(10, 'public.a'), view(20, 'sales.c')];
  it('takes the views the inspection named, in oid order, and names the ones green lacks', () => {
    const r = viewsToRefresh(finding(['public.b', 'public.a', 'public.gone']), green);
    expect(r.refresh.map((v) => v.name)).toEqual(['public.a', 'public.b']);
    expect(r.missing).toEqual(['public.gone']);
  });
  it('takes every view on green when the finding list was capped', () => {
    expect(viewsToRefresh(finding(['public.a'], 3), green).refresh.map((v) => v.oid)).toEqual([10, 20, 30]);
  });
  it('takes nothing when the inspection found none', () => {
    expect(viewsToRefresh({ findings: [] }, green).refresh).toEqual([]);
    expect(viewsToRefresh(null, green).refresh).toEqual([]);
  });
  it('refreshes concurrently only a populated view with a usable unique index', () => {
    expect(refreshModeFor(view(1, 'p.v')).mode).toBe('concurrently');
    expect(refreshModeFor(view(1, 'p.v', { populated: false }))).toEqual({
      mode: 'plain',
      why: 'never populated on green (CONCURRENTLY needs existing rows)',
    });
    expect(refreshModeFor(view(1, 'p.v', { uniqueIndex: false })).mode).toBe('plain');
  });
  it('after() continues past the cursor', () => {
    expect(after(green, 10).map((v) => v.oid)).toEqual([20, 30]);
  });
});

/** A fake session over a clock the test moves: each ANALYZE takes `analyzeMs`. */
const fakeGreen = (tables: number, opts: { analyzeMs?: number; failOn?: string; skip?: string } = {}) => {
  let now = Date.parse('2026-11-29T10:00:00Z');
  const log: string[] = [];
  const list: GreenTable[] = Array.from({ length: tables }, (_, i) => ({
    oid: 100 + i,
    schema: 'public',
    relation: `t${i}`,
    name: `public.t${i}`,
  }));
  const session: GreenMaintenanceSession = {
    tables: async () => list,
    views: async () => [view(50, 'public.mv', { populated: false })],
    analyze: async (t) => {
      now += opts.analyzeMs ?? 10;
      if (t.name === opts.failOn) throw new Error('canceling statement due to statement timeout');
      log.push(t.name);
      return {
        warnings: t.name === opts.skip ? [`permission denied to analyze "${t.relation}", skipping it`] : [],
      };
    },
    refresh: async (v, mode) => {
      log.push(`refresh ${mode} ${v.name}`);
    },
    close: async () => undefined,
  };
  const opened: boolean[] = [];
  return {
    log,
    opened,
    deps: {
      open: async (writable: boolean) => {
        opened.push(writable);
        return session;
      },
      now: () => now,
    },
  };
};
const PLAN: GreenMaintenancePlan = planGreenMaintenance(
  { ...SETTINGS, refreshMaterializedViews: true, maintenanceTimeBudgetSeconds: 60, analyzeJobs: 1 },
  LOGICAL,
);

describe('runMaintenanceRound', () => {
  it('refreshes the listed views on a writable session, then analyzes every table read-only', async () => {
    // Prepare
    const g = fakeGreen(3, { skip: 'public.t1' });
    // Act
    const r = await runMaintenanceRound(g.deps, {
      plan: PLAN,
      inspection: finding(['public.mv']) as never,
      previous: null,
    });
    // Assess
    expect(g.opened).toEqual([true, false]);
    expect(g.log).toEqual(['refresh plain public.mv', 'public.t0', 'public.t1', 'public.t2']);
    expect(r.status).toBe('done');
    expect(r.analyze).toMatchObject({ tables: 2, skippedCount: 1, cursor: 102, done: true });
    expect(r.analyze.skipped[0]?.why).toContain('permission denied');
    expect(r.views).toMatchObject({ refreshed: 1, concurrently: 0, done: true });
    expect(r.summary).toBe(
      'ANALYZE 2 table(s) in 0.0 s, 1 skipped (public.t1: analyze them as their owner); 1 materialized view(s) refreshed (0 concurrently) in 0.0 s',
    );
  });

  it('stops taking tables when the budget is spent and continues from the cursor next round', async () => {
    const g = fakeGreen(5, { analyzeMs: 25_000 });
    const plan = { ...PLAN, refreshViews: { run: false, why: 'off' } };
    const first = await runMaintenanceRound(g.deps, { plan, inspection: null, previous: null });
    expect(first.status).toBe('more');
    expect(first.analyze).toMatchObject({ tables: 3, cursor: 102, done: false });
    expect(first.summary).toContain('(round 1, continuing)');
    const second = await runMaintenanceRound(g.deps, { plan, inspection: null, previous: first });
    expect(second.status).toBe('done');
    expect(second.round).toBe(2);
    expect(second.analyze.tables).toBe(5);
    expect(g.log).toEqual(['public.t0', 'public.t1', 'public.t2', 'public.t3', 'public.t4']);
    expect(second.deadline).toBe(first.deadline);
  });

  it('fails with the table, the server message and the fix', async () => {
    const g = fakeGreen(3, { failOn: 'public.t1' });
    const plan = { ...PLAN, refreshViews: { run: false, why: 'off' } };
    const run = runMaintenanceRound(g.deps, { plan, inspection: null, previous: null });
    await expect(run).rejects.toBeInstanceOf(GreenMaintenanceFailedError);
    await expect(run).rejects.toThrow(
      /^ANALYZE public.t1 on green failed: canceling statement due to statement timeout. Fix: raise green.maintenanceTimeBudgetSeconds/,
    );
  });

  it('nothingToDo says why for both steps', () => {
    const r = nothingToDo(planGreenMaintenance({ ...SETTINGS, analyze: 'off' }, LOGICAL), new Date(0));
    expect(r.status).toBe('skipped');
    expect(r.summary).toBe(
      'no ANALYZE: green.analyze is off; views not refreshed: green.refreshMaterializedViews is false',
    );
  });
});
