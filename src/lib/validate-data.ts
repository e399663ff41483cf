/**
 * One validation round over open sessions on blue and green: the first round compares every selected
 * table range by range; a recheck round compares only the ranges the previous round left pending.
 * Decisions (which tables, which ranges, drift or not) are src/domain/validation; this file only
 * sequences the reads and keeps to the time budget.
 */
import type { InspectionReport } from '../domain/inspection/types.ts';
import {
  differenceOf,
  judgeRound,
  type KeyRange,
  type NotCompared,
  notReplicatedFrom,
  PHYSICAL_SAMPLE,
  type RangeComparison,
  rangesDiffer,
  rangesFromBoundaries,
  sampleForPhysical,
  selectTables,
  summarize,
  unreplicatedNames,
  type ValidationPlan,
  type ValidationResult,
  wholeTable,
} from '../domain/validation/index.ts';

export interface ValidationSessions {
  blue: import('../aws/validation-gateway.ts').ValidationSession;
  green: import('../aws/validation-gateway.ts').ValidationSession;
}

export interface RoundInput {
  phase: ValidationResult['phase'];
  plan: ValidationPlan;
  replication: 'physical' | 'logical';
  inspection: InspectionReport | null | undefined;
  /** the previous round's result when it asked for a recheck */
  previous: ValidationResult | null;
  /** milliseconds since the epoch, read for the time budget */
  now: () => number;
}

const compare = async (
  s: ValidationSessions,
  range: KeyRange,
  mode: 'counts' | 'checksums',
): Promise<RangeComparison> => {
  // Both sides at (nearly) the same moment: fewer in-flight writes between the two reads.
  const [blue, green] = await Promise.all([s.blue.digest(range, mode), s.green.digest(range, mode)]);
  return { range, blue, green };
};

export const skippedResult = (
  phase: ValidationResult['phase'],
  mode: ValidationResult['mode'],
  why: string,
  checkedAt: string,
): ValidationResult => {
  const base = {
    phase,
    mode,
    status: 'skipped' as const,
    tables: 0,
    rows: 0,
    bytes: 0,
    ranges: 0,
    rangesRechecked: 0,
    round: 0,
    sampled: null,
    differences: [],
    pending: [],
    notCompared: [{ name: '*', why, reconcile: 'compare the data yourself before approving' }],
    durationMs: 0,
    checkedAt,
  };
  return { ...base, summary: summarize(base) };
};

export const runValidationRound = async (
  s: ValidationSessions,
  input: RoundInput,
): Promise<ValidationResult> => {
  const started = input.now();
  const { plan, previous } = input;
  const overBudget = () => input.now() - started > plan.timeBudgetSeconds * 1000;
  const mode = plan.mode === 'counts' ? 'counts' : 'checksums';

  if (previous && previous.status === 'recheck') {
    const differing: RangeComparison[] = [];
    for (const range of previous.pending) {
      const c = await compare(s, range, range.countsOnly ? 'counts' : 'checksums');
      if (rangesDiffer(c)) differing.push(c);
    }
    const round = previous.round + 1;
    const judged = judgeRound(differing, round, plan.rechecks);
    const result = {
      ...previous,
      status: judged.status,
      round,
      rangesRechecked: previous.rangesRechecked + previous.pending.length,
      differences: differing.map(differenceOf),
      pending: judged.pending,
      durationMs: previous.durationMs + (input.now() - started),
      checkedAt: new Date(input.now()).toISOString(),
    };
    return { ...result, summary: summarize(result) };
  }

  const excluded = unreplicatedNames(input.inspection);
  const all = (await s.blue.tables()).filter((t) => !excluded.has(t.name));
  const { compare: tables, capped } = selectTables(all, plan.maxBytes);
  const notCompared: NotCompared[] = [...notReplicatedFrom(input.inspection), ...capped];
  const physical = input.replication === 'physical' && mode === 'checksums';
  const differing: RangeComparison[] = [];
  let compared = 0;
  let rows = 0;
  let bytes = 0;
  let ranges = 0;
  for (const table of tables) {
    if (overBudget()) {
      notCompared.push({
        name: table.name,
        why: `time budget (validation.timeBudgetSeconds ${plan.timeBudgetSeconds} s) spent before this table`,
        reconcile: 'raise validation.timeBudgetSeconds or lower validation.maxBytes so every table fits',
      });
      continue;
    }
    compared += 1;
    if (mode === 'counts' || table.key.length === 0 || physical) {
      // Counts mode, a table without a primary key (one range, order-independent checksum), and the
      // full count of physical replication all read the table as one range.
      const countsOnly = mode === 'counts' || physical;
      const c = await compare(s, { ...wholeTable(table), countsOnly }, countsOnly ? 'counts' : 'checksums');
      ranges += 1;
      rows += c.blue.rows;
      bytes += c.blue.bytes;
      if (rangesDiffer(c)) differing.push(c);
      if (!physical || table.key.length === 0) continue;
    }
    const keyRanges = rangesFromBoundaries(table, await s.blue.boundaries(table, plan.chunkRows));
    const chosen = physical ? sampleForPhysical(keyRanges) : keyRanges;
    for (const [i, range] of chosen.entries()) {
      if (overBudget()) {
        notCompared.push({
          name: table.name,
          why: `time budget (validation.timeBudgetSeconds ${plan.timeBudgetSeconds} s) spent after ${i} of ${chosen.length} key ranges`,
          reconcile: 'raise validation.timeBudgetSeconds or validation.chunkRows',
        });
        break;
      }
      const c = await compare(s, range, 'checksums');
      ranges += 1;
      if (!physical) rows += c.blue.rows;
      bytes += c.blue.bytes;
      if (rangesDiffer(c)) differing.push(c);
    }
  }
  const judged = judgeRound(differing, 0, plan.rechecks);
  // An open-ended last range that differs is rechecked up to blue's last key as of now.
  const pending = await Promise.all(
    judged.pending.map(async (range) => {
      if (range.to !== null || range.countsOnly || range.key.length === 0) return range;
      const last = await s.blue.lastKey(range);
      return last ? { ...range, through: last } : range;
    }),
  );
  const budgetSpent = notCompared.some((n) => n.why.startsWith('time budget'));
  const result = {
    phase: input.phase,
    mode: plan.mode,
    status: judged.status === 'passed' && budgetSpent ? ('incomplete' as const) : judged.status,
    tables: compared,
    rows,
    bytes,
    ranges,
    rangesRechecked: 0,
    round: 0,
    sampled: physical ? PHYSICAL_SAMPLE : null,
    differences: differing.map(differenceOf),
    pending,
    notCompared,
    durationMs: input.now() - started,
    checkedAt: new Date(input.now()).toISOString(),
  };
  return { ...result, summary: summarize(result) };
};
