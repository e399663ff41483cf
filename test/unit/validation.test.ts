/** The pure validation decisions: which tables, which ranges, what a difference means, when to recheck. */
import { describe, expect, it } from 'vitest';
import { ExecutionInput } from '#domain/input';
import type { InspectionReport } from '#domain/inspection/types';
import {
  approvalValidation,
  describeRange,
  judgeRound,
  MAX_PENDING,
  notReplicatedFrom,
  type RangeComparison,
  rangesFromBoundaries,
  sampleForPhysical,
  selectTables,
  type TableToCompare,
} from '#domain/validation/index';

const table = (name: string, bytes: number, key = ['id']): TableToCompare => ({
  name: `public.${name}`,
  schema: 'public',
  table: name,
  key,
  keySql: key.map((k) => `t."${k}"`),
  bytes,
});

const cmp = (from: string | null, blue: [number, string], green: [number, string]): RangeComparison => ({
  range: { ...rangesFromBoundaries(table('orders', 1), [])[0]!, from: from ? [from] : null },
  blue: { rows: blue[0], checksum: blue[1], bytes: 10 },
  green: { rows: green[0], checksum: green[1], bytes: 10 },
});

describe('chunk planning', () => {
  it('cuts a table into half-open key ranges with open ends', () => {
    const ranges = rangesFromBoundaries(table('orders', 1), [['1001'], ['2001']]);
    expect(ranges.map(describeRange)).toEqual(['id in (-∞, 1001)', 'id in [1001, 2001)', 'id in [2001, +∞)']);
  });

  it('keeps a table without boundaries as one range', () => {
    expect(rangesFromBoundaries(table('small', 1), []).map(describeRange)).toEqual(['whole table']);
  });

  it('names composite keys as tuples', () => {
    const [, second] = rangesFromBoundaries(table('lines', 1, ['order_id', 'line']), [
      ['7', '2'],
      ['9', '0'],
    ]);
    expect(describeRange(second!)).toBe('(order_id, line) in [(7, 2), (9, 0))');
  });

  it('samples the first and the last range for physical replication', () => {
    const ranges = rangesFromBoundaries(table('orders', 1), [['10'], ['20'], ['30']]);
    expect(sampleForPhysical(ranges).map(describeRange)).toEqual(['id in (-∞, 10)', 'id in [30, +∞)']);
  });

  it('selects tables in name order under the size cap and lists the rest with the reason', () => {
    const { compare, capped } = selectTables([table('b', 60), table('a', 50), table('c', 10)], 70);
    expect(compare.map((t) => t.name)).toEqual(['public.a', 'public.c']);
    expect(capped.map((c) => c.name)).toEqual(['public.b']);
    expect(capped[0]?.why).toContain('validation.maxBytes 70');
  });
});

describe('drift judgement and rechecks', () => {
  it('passes when no range differs', () => {
    expect(judgeRound([], 0, 3)).toEqual({ status: 'passed', pending: [] });
  });

  it('rechecks differing ranges while rounds remain, then calls it drift', () => {
    const differing = [cmp('1001', [1000, 'a'], [1000, 'b'])];
    expect(judgeRound(differing, 0, 2).status).toBe('recheck');
    expect(judgeRound(differing, 1, 2).pending).toHaveLength(1);
    expect(judgeRound(differing, 2, 2)).toEqual({ status: 'drift', pending: [] });
  });

  it('carries at most MAX_PENDING ranges between rounds', () => {
    const many = Array.from({ length: MAX_PENDING + 5 }, (_, i) => cmp(String(i), [1, 'a'], [0, '0']));
    expect(judgeRound(many, 0, 1).pending).toHaveLength(MAX_PENDING);
  });

  it('lists unlogged tables, materialized views and large objects with their reconcile step', () => {
    const inspection = {
      findings: [
        { rule: 'PG-UNLOGGED-TABLES', objects: [{ name: 'public.sessions' }], count: 1 },
        { rule: 'PG-MATERIALIZED-VIEWS', objects: [{ name: 'public.daily' }], count: 1 },
        { rule: 'PG-LARGE-OBJECTS', objects: [], count: 3 },
        { rule: 'PG-SEQUENCES', objects: [{ name: 'public.orders_id_seq' }], count: 1 },
      ],
    } as unknown as InspectionReport;
    const listed = notReplicatedFrom(inspection);
    expect(listed.map((n) => n.name)).toEqual(['public.sessions', 'public.daily', '3 object(s)']);
    expect(listed[1]?.reconcile).toContain('REFRESH MATERIALIZED VIEW');
  });

  it('shows approvers each difference with its key range', () => {
    const lines = approvalValidation({
      phase: 'before-approval',
      mode: 'checksums',
      status: 'drift',
      summary: 's',
      tables: 1,
      rows: 1,
      bytes: 1,
      ranges: 1,
      rangesRechecked: 1,
      round: 1,
      sampled: null,
      differences: [
        { table: 'public.orders', range: 'id in [1, 2)', blueRows: 1, greenRows: 1, checksumDiffers: true },
      ],
      pending: [],
      notCompared: [],
      durationMs: 1,
      checkedAt: 'now',
    }).lines;
    expect(lines).toEqual(['DIFFERS public.orders id in [1, 2): blue 1 rows, green 1, checksum differs']);
  });
});

describe('validation input', () => {
  const base = {
    source: { dbInstanceIdentifier: 'orders-db' },
    target: { engineVersion: '18.4' },
    approval: { required: false },
  };

  it('refuses a validation mode without database credentials, naming the field and the way out', () => {
    const r = ExecutionInput.safeParse({ ...base, validation: { mode: 'checksums' } });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain('validation.mode is checksums');
  });

  it('rejects an unknown mode and a time budget beyond one Lambda invocation', () => {
    const r = ExecutionInput.safeParse({ ...base, validation: { mode: 'rows', timeBudgetSeconds: 900 } });
    const paths = r.error?.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['validation.mode', 'validation.timeBudgetSeconds']));
  });
});
