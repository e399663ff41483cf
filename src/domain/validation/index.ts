/**
 * Data validation, blue against green: which tables to compare, how to cut them into primary-key
 * ranges, and what a difference means. Pure: the gateway (src/aws/validation-gateway.ts) computes
 * each range's row count and checksum inside each database; this module decides.
 *
 * In-flight writes: blue and green are read a moment apart, so a range written in between differs
 * without any drift. A differing range is therefore only pending: the state machine waits (the lag
 * catches up) and the next invocation rechecks just the pending ranges. A range that still differs
 * after `rechecks` rounds is drift, and drift refuses the switch.
 */
import type { InspectionReport } from '../inspection/types.ts';

export type ValidationMode = 'counts' | 'checksums' | 'off';

export interface ValidationPlan {
  mode: ValidationMode;
  /** size cap: tables are compared (in name order) while their heap bytes add up to at most this */
  maxBytes: number;
  /** time budget of one invocation; ranges not reached are reported, not guessed */
  timeBudgetSeconds: number;
  /** rows per primary-key range */
  chunkRows: number;
  /** how many times a differing range is rechecked before it counts as drift */
  rechecks: number;
}

/** A replicated table as blue's catalog describes it. */
export interface TableToCompare {
  /** schema-qualified, e.g. public.orders */
  name: string;
  schema: string;
  table: string;
  /** primary-key columns in index order; empty: no primary key, counts only */
  key: string[];
  /** the key columns as SQL, quoted, text-like ones with COLLATE "C" so both sides order bytewise */
  keySql: string[];
  /** heap size on blue */
  bytes: number;
}

/** One primary-key range [from, to) of a table; null bounds are open. Keys are the columns' text form. */
export interface KeyRange {
  table: string;
  schema: string;
  relation: string;
  key: string[];
  keySql: string[];
  from: string[] | null;
  to: string[] | null;
  /** compare the row count only (counts mode, and the full count of physical replication) */
  countsOnly?: boolean;
  /**
   * Inclusive upper bound replacing an open end on recheck: blue's last key when the range first
   * differed. Rows inserted on blue after that are not waited for (under a steady insert load the
   * open end would never match); they are compared by the next validation.
   */
  through?: string[];
}

export interface RangeDigest {
  rows: number;
  /** checksum of the range's rows (decimal text; absent in counts mode) */
  checksum: string | null;
  /** bytes of row data hashed (0 in counts mode) */
  bytes: number;
}

export interface RangeComparison {
  range: KeyRange;
  blue: RangeDigest;
  green: RangeDigest;
}

export interface Difference {
  table: string;
  /** human form of the key range, e.g. "id in [1001, 2001)" */
  range: string;
  blueRows: number;
  greenRows: number;
  /** rows equal in number but the checksum differs: a changed row */
  checksumDiffers: boolean;
}

export interface NotCompared {
  name: string;
  why: string;
  /** what the owner does instead */
  reconcile: string;
}

export type ValidationStatus = 'passed' | 'recheck' | 'drift' | 'incomplete' | 'skipped';

export interface ValidationResult {
  phase: 'before-approval' | 'before-switch';
  mode: ValidationMode;
  status: ValidationStatus;
  /** one line for the approval message, the notification and the report */
  summary: string;
  tables: number;
  rows: number;
  bytes: number;
  ranges: number;
  rangesRechecked: number;
  round: number;
  sampled: string | null;
  differences: Difference[];
  /** ranges still differing, to recheck next round (empty unless status is recheck) */
  pending: KeyRange[];
  notCompared: NotCompared[];
  durationMs: number;
  checkedAt: string;
}

/** At most this many differing ranges are carried between rounds (Step Functions state is 256 KiB). */
export const MAX_PENDING = 100;

/** Which tables fit the size cap, in name order; the rest are reported with the reason. */
export const selectTables = (
  tables: TableToCompare[],
  maxBytes: number,
): { compare: TableToCompare[]; capped: NotCompared[] } => {
  const sorted = [...tables].sort((a, b) => a.name.localeCompare(b.name));
  const compare: TableToCompare[] = [];
  const capped: NotCompared[] = [];
  let total = 0;
  for (const t of sorted) {
    if (total + t.bytes > maxBytes) {
      capped.push({
        name: t.name,
        why: `over the size cap (validation.maxBytes ${maxBytes}; ${total} bytes already selected, this table ${t.bytes})`,
        reconcile: 'raise validation.maxBytes, or compare it yourself after the switch with the same query',
      });
      continue;
    }
    total += t.bytes;
    compare.push(t);
  }
  return { compare, capped };
};

/**
 * Ranges from the keys that start each chunk (every chunkRows-th key on blue, in key order):
 * (-∞, b1), [b1, b2), …, [bn, +∞). Open ends catch rows green has beyond blue's extremes.
 */
export const rangesFromBoundaries = (table: TableToCompare, boundaries: string[][]): KeyRange[] => {
  const base = {
    table: table.name,
    schema: table.schema,
    relation: table.table,
    key: table.key,
    keySql: table.keySql,
  };
  const cuts: Array<string[] | null> = [null, ...boundaries, null];
  return cuts.slice(0, -1).map((from, i) => ({ ...base, from, to: cuts[i + 1] ?? null }));
};

/** A whole table as one range (counts mode, or no primary key). */
export const wholeTable = (table: TableToCompare): KeyRange => ({
  table: table.name,
  schema: table.schema,
  relation: table.table,
  key: table.key,
  keySql: table.keySql,
  from: null,
  to: null,
});

/**
 * Physical replication makes green a byte copy of blue's storage: a checksum cannot find a logical
 * difference that the WAL replay did not also make, so every table's count is compared but only the
 * first and last range (the oldest rows and the newest, where writes land) are checksummed.
 */
export const sampleForPhysical = (ranges: KeyRange[]): KeyRange[] =>
  ranges.length <= 2 ? ranges : [ranges[0] as KeyRange, ranges[ranges.length - 1] as KeyRange];

export const PHYSICAL_SAMPLE =
  'physical replication: green is a byte copy of blue, so each table is counted in full but only its first and last key range is checksummed';

const bound = (values: string[]) => (values.length === 1 ? (values[0] as string) : `(${values.join(', ')})`);

/** "id in [1001, 2001)", "(a, b) from (1, x)", or "whole table". */
export const describeRange = (r: KeyRange): string => {
  if (r.from === null && r.to === null && !r.through) return 'whole table';
  const cols = r.key.length === 1 ? (r.key[0] as string) : `(${r.key.join(', ')})`;
  const lo = r.from === null ? '(-∞' : `[${bound(r.from)}`;
  const hi = r.through ? `${bound(r.through)}]` : r.to === null ? '+∞)' : `${bound(r.to)})`;
  return `${cols} in ${lo}, ${hi}`;
};

export const rangesDiffer = (c: RangeComparison): boolean =>
  c.blue.rows !== c.green.rows || c.blue.checksum !== c.green.checksum;

export const differenceOf = (c: RangeComparison): Difference => ({
  table: c.range.table,
  range: describeRange(c.range),
  blueRows: c.blue.rows,
  greenRows: c.green.rows,
  checksumDiffers: c.blue.rows === c.green.rows && c.blue.checksum !== c.green.checksum,
});

/**
 * After a round: no differing range passes; differing ranges are rechecked while rounds remain (the
 * lag catches up in between), and drift once they are spent.
 */
export const judgeRound = (
  differing: RangeComparison[],
  round: number,
  rechecks: number,
): { status: 'passed' | 'recheck' | 'drift'; pending: KeyRange[] } => {
  if (differing.length === 0) return { status: 'passed', pending: [] };
  if (round < rechecks)
    return { status: 'recheck', pending: differing.slice(0, MAX_PENDING).map((c) => c.range) };
  return { status: 'drift', pending: [] };
};

const RECONCILE: Record<string, { why: string; reconcile: string }> = {
  'PG-UNLOGGED-TABLES': {
    why: 'unlogged: not written to the WAL, so never replicated; green has it empty',
    reconcile:
      'after the switch, reload it on the new primary (or make it logged before the run: ALTER TABLE … SET LOGGED)',
  },
  'PG-MATERIALIZED-VIEWS': {
    why: 'materialized view: logical replication does not carry it',
    reconcile: 'after the switch, REFRESH MATERIALIZED VIEW on the new primary',
  },
  'PG-LARGE-OBJECTS': {
    why: 'large objects: logical replication does not carry pg_largeobject',
    reconcile: 'copy them after the switch (lo_export/lo_import, or pg_dump --large-objects of blue)',
  },
  'PG-NO-REPLICA-IDENTITY': {
    why: 'no replica identity: UPDATE and DELETE are not replicated',
    reconcile:
      'add a primary key (or REPLICA IDENTITY FULL) before the run, or re-copy the table after the switch',
  },
};

/** Relations the inspection found that cannot replicate, listed with their reconcile step. */
export const notReplicatedFrom = (inspection: InspectionReport | null | undefined): NotCompared[] =>
  (inspection?.findings ?? []).flatMap((f) => {
    const step = RECONCILE[f.rule];
    if (!step) return [];
    const names = f.objects.length > 0 ? f.objects.map((o) => o.name) : [`${f.count} object(s)`];
    return names.map((name) => ({ name, ...step }));
  });

/** The names (schema.table) the inspection says green does not receive: not compared, listed instead. */
export const unreplicatedNames = (inspection: InspectionReport | null | undefined): Set<string> =>
  new Set(
    (inspection?.findings ?? [])
      .filter((f) => f.rule === 'PG-UNLOGGED-TABLES' || f.rule === 'PG-NO-REPLICA-IDENTITY')
      .flatMap((f) => f.objects.map((o) => o.name)),
  );

export const summarize = (r: Omit<ValidationResult, 'summary'>): string => {
  const mb = (r.bytes / 1e6).toFixed(1);
  const head = `${r.mode}: ${r.tables} table(s), ${r.rows} row(s), ${mb} MB compared in ${r.ranges} key range(s), ${r.rangesRechecked} rechecked`;
  const diff = r.differences
    .slice(0, 5)
    .map(
      (d) =>
        `${d.table} ${d.range} (blue ${d.blueRows} rows, green ${d.greenRows}${d.checksumDiffers ? ', checksum differs' : ''})`,
    )
    .join('; ');
  switch (r.status) {
    case 'passed':
      return `${head}; no difference`;
    case 'recheck':
      return `${head}; ${r.pending.length} range(s) differ, rechecking after the lag catches up (round ${r.round})`;
    case 'drift':
      return `${head}; DRIFT that persisted ${r.round} recheck(s): ${diff}`;
    case 'incomplete':
      return `${head}; no difference in what was compared, but ${r.notCompared.filter((n) => n.why.startsWith('time budget')).length} table(s) not reached within the time budget`;
    case 'skipped':
      return `validation skipped: ${r.notCompared[0]?.why ?? 'mode off'}`;
  }
};

/** What the approval message and page show: the one-line summary and one line per difference or table not compared. */
export const approvalValidation = (
  r: ValidationResult,
): { status: ValidationStatus; summary: string; lines: string[] } => ({
  status: r.status,
  summary: r.summary,
  lines: [
    ...(r.sampled ? [`sampled: ${r.sampled}`] : []),
    ...r.differences.map(
      (d) =>
        `DIFFERS ${d.table} ${d.range}: blue ${d.blueRows} rows, green ${d.greenRows}${d.checksumDiffers ? ', checksum differs' : ''}`,
    ),
    ...r.notCompared.map((n) => `not compared ${n.name}: ${n.why}; reconcile: ${n.reconcile}`),
  ],
});
