/** The notification carries MaintainGreen's summary (ANALYZE and view refreshes on green) when the run has one. */
import { describe, expect, it } from 'vitest';
import { type GreenMaintenanceResult, nothingToDo, summarizeMaintenance } from '#domain/green-maintenance';
import { composeNotification } from '#domain/notification';

// Prepare: a finished round, as MaintainGreen returns it (7 tables analyzed, one view refreshed plainly).
const skipped = nothingToDo(
  {
    analyze: { run: false, why: 'x' },
    refreshViews: { run: false, why: 'x' },
    timeBudgetSeconds: 300,
    deadlineSeconds: 7200,
    jobs: 2,
  },
  new Date(0),
);
const done: Omit<GreenMaintenanceResult, 'summary'> = {
  ...skipped,
  status: 'done',
  round: 1,
  views: {
    ...skipped.views,
    run: true,
    refreshed: 1,
    list: [{ name: 'public.plan_usage', mode: 'plain', why: 'never populated', durationMs: 12 }],
    durationMs: 12,
  },
  analyze: { ...skipped.analyze, run: true, tables: 7, durationMs: 2400 },
  durationMs: 2412,
};
const maintained = { ...done, summary: summarizeMaintenance(done) };
const state = (greenMaintenance?: unknown) => ({
  preflight: { plan: { sourceId: 'orders-db', engine: 'postgres' } },
  ...(greenMaintenance ? { greenMaintenance } : {}),
});
const lines = (outcome: Parameters<typeof composeNotification>[0], s: Record<string, unknown>) =>
  composeNotification(outcome, 'exec-1', s).message.split('\n');

describe('composeNotification and green maintenance', () => {
  it('the success notification has one line with the summary', () => {
    // Act
    const message = lines('switched', state(maintained));
    // Assess
    const gm = message.filter((l) => l.startsWith('Green maintenance'));
    expect(gm).toEqual([
      'Green maintenance: ANALYZE 7 table(s) in 2.4 s; 1 materialized view(s) refreshed (0 concurrently) in 0.0 s',
    ]);
    // Placed after the migrations gate, before the approval it preceded.
    expect(message.indexOf(gm[0] ?? '')).toBe(message.findIndex((l) => l.startsWith('Approval:')) - 1);
  });

  it('says why nothing ran when both steps were skipped', () => {
    const off = nothingToDo(
      {
        analyze: { run: false, why: 'green.analyze is off' },
        refreshViews: { run: false, why: 'green.refreshMaterializedViews is false' },
        timeBudgetSeconds: 300,
        deadlineSeconds: 7200,
        jobs: 2,
      },
      new Date(0),
    );
    expect(lines('switched', state(off))).toContain(
      'Green maintenance: no ANALYZE: green.analyze is off; views not refreshed: green.refreshMaterializedViews is false',
    );
  });

  it('has no such line before MaintainGreen returned (only the loop start) or when it never ran', () => {
    expect(lines('switched', state({ status: 'start' })).some((l) => l.startsWith('Green maintenance'))).toBe(
      false,
    );
    expect(lines('refused', state()).some((l) => l.startsWith('Green maintenance'))).toBe(false);
  });

  it('a run rolled back after an unfinished round says how far it got', () => {
    const more = { ...done, status: 'more' as const, round: 3 };
    expect(lines('rolled-back', state({ ...more, summary: summarizeMaintenance(more) }))).toContain(
      'Green maintenance: ANALYZE 7 table(s) in 2.4 s; 1 materialized view(s) refreshed (0 concurrently) in 0.0 s (round 3, continuing)',
    );
  });
});
