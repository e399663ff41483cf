/** Pure parts of the `--schema` generator: CHECK bounds as the catalog prints them, partition bounds, fill order. */
import { describe, expect, it } from 'vitest';
import { loadTableProblem } from '../../rehearsal/load-table.ts';
import { boundLiterals, type TableInfo } from '../../rehearsal/schema/catalog.ts';
import { fillPlan, limitsOf } from '../../rehearsal/schema/values.ts';

describe('limitsOf', () => {
  it.each([
    ['CHECK ((qty > 0))', { min: 1, max: null }],
    ['CHECK (((qty >= 1) AND (qty <= 99)))', { min: 1, max: 99 }],
    ["CHECK (((qty >= '-40'::integer) AND (qty < 85)))", { min: -40, max: 84 }],
    ['CHECK ((qty >= (-40)::numeric))', { min: -40, max: null }],
    ['CHECK ((other > 0))', { min: null, max: null }],
  ])('%s', (def, expected) => {
    expect(limitsOf('qty', [def])).toMatchObject(expected);
  });
  it('reads IN lists and length limits', () => {
    expect(
      limitsOf('status', ["CHECK ((status = ANY (ARRAY['active'::text, 'it''s'::text])))"]).allowed,
    ).toEqual(['active', "it's"]);
    expect(limitsOf('code', ['CHECK ((char_length(code) <= 3))'])).toMatchObject({ maxLength: 3, max: null });
  });
});

describe('boundLiterals', () => {
  it.each([
    ["FOR VALUES FROM ('2024-01-01 00:00:00+00') TO ('2025-01-01 00:00:00+00')", ['2024-01-01 00:00:00+00']],
    ["FOR VALUES IN ('de', 'fr')", ['de', 'fr']],
    ['FOR VALUES FROM (10) TO (20)', ['10']],
    ['FOR VALUES FROM (MINVALUE) TO (0)', []],
    ['DEFAULT', null],
    ['FOR VALUES WITH (modulus 4, remainder 1)', null],
  ])('%s', (bound, expected) => {
    expect(boundLiterals(bound)).toEqual(expected);
  });
});

const table = (
  name: string,
  fks: Array<{ name: string; column: string; to: string; notNull: boolean }>,
): TableInfo => ({
  name,
  columns: fks.map((f) => ({
    name: f.column,
    sqlType: 'integer',
    baseType: 'int4',
    category: 'N',
    isArray: false,
    enumLabels: [],
    maxLength: null,
    precision: null,
    scale: null,
    notNull: f.notNull,
    hasDefault: false,
    identity: false,
    generated: false,
    checks: [],
  })),
  primaryKey: null,
  uniqueKeys: [],
  foreignKeys: fks.map((f) => ({
    name: f.name,
    columns: [f.column],
    references: f.to,
    referencedColumns: ['id'],
  })),
  tableChecks: [],
  partition: null,
});

describe('fillPlan', () => {
  it('orders parents first and ignores self-references', () => {
    const plan = fillPlan([
      table('c', [{ name: 'c_b', column: 'b_id', to: 'b', notNull: true }]),
      table('b', [
        { name: 'b_a', column: 'a_id', to: 'a', notNull: true },
        { name: 'b_b', column: 'parent', to: 'b', notNull: false },
      ]),
      table('a', []),
    ]);
    expect(plan.order).toEqual(['a', 'b', 'c']);
    expect(plan.unfillable.size).toBe(0);
  });
  it('breaks a cycle at the nullable edge, and gives up on a cycle with none', () => {
    const plan = fillPlan([
      table('dept', [{ name: 'dept_mgr', column: 'mgr', to: 'emp', notNull: false }]),
      table('emp', [{ name: 'emp_dept', column: 'dept', to: 'dept', notNull: true }]),
      table('hen', [{ name: 'hen_egg', column: 'egg', to: 'egg', notNull: true }]),
      table('egg', [{ name: 'egg_hen', column: 'hen', to: 'hen', notNull: true }]),
    ]);
    expect(plan.order).toEqual(['dept', 'emp']);
    expect([...(plan.nulledForeignKeys.get('dept') ?? [])]).toEqual(['dept_mgr']);
    expect([...plan.unfillable.keys()].sort()).toEqual(['egg', 'hen']);
  });
});

describe('loadTableProblem (--load-table)', () => {
  const withPk = (pk: string[] | null, sqlType = 'bigint', baseType = 'int8'): TableInfo => ({
    ...table('t', []),
    primaryKey: pk,
    columns: [
      {
        ...table('x', [{ name: 'f', column: 'id', to: 'y', notNull: true }]).columns[0],
        sqlType,
        baseType,
      } as TableInfo['columns'][number],
    ],
  });
  it.each([
    [withPk(['id']), null],
    [withPk(['id'], 'integer', 'int4'), null],
    [withPk(null), /needs a one-column primary key \(it has none\)/],
    [withPk(['id', 'at']), /needs a one-column primary key \(it has id, at\)/],
    [withPk(['id'], 'uuid', 'uuid'), /t\.id is uuid; the load needs an integer primary key/],
  ])('%#', (t, expected) => {
    const problem = loadTableProblem(t);
    if (expected === null) expect(problem).toBeNull();
    else expect(problem).toMatch(expected);
  });
});
