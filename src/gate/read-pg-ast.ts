/** Small readers over the libpg-query AST (names, types, expressions). */
import type { Node, RangeVar, TypeName } from 'libpg-query';

/** The node's tag, e.g. 'AlterTableStmt'. */
export const nodeTag = (node: Node): string => Object.keys(node)[0] ?? '';

/** The `sval`s of a list of String nodes, lower-cased. */
export const names = (nodes: Node[] | undefined): string[] =>
  (nodes ?? []).flatMap((n) =>
    'String' in n && n.String.sval !== undefined ? [n.String.sval.toLowerCase()] : [],
  );

/** Table name as written (schema-less, lower-cased); the gate matches objects by name within one run. */
export const relationName = (relation: RangeVar | undefined): string =>
  (relation?.relname ?? '?').toLowerCase();

export type PgType = { name: string; mods: number[]; array: boolean };

/** The base type name (without pg_catalog) and its integer modifiers. */
export const readType = (typeName: TypeName | undefined): PgType => {
  const all = names(typeName?.names);
  const mods = (typeName?.typmods ?? []).flatMap((m) =>
    'A_Const' in m && m.A_Const.ival !== undefined ? [m.A_Const.ival.ival ?? 0] : [],
  );
  return {
    name: all.filter((n) => n !== 'pg_catalog').join('.') || '?',
    mods,
    array: (typeName?.arrayBounds?.length ?? 0) > 0,
  };
};

/** Renders a type for messages, e.g. varchar(20). */
export const showType = (type: PgType): string =>
  `${type.name}${type.mods.length > 0 ? `(${type.mods.join(',')})` : ''}${type.array ? '[]' : ''}`;

const VOLATILE = new Set([
  'random',
  'random_normal',
  'gen_random_uuid',
  'uuidv4',
  'uuidv7',
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v4',
  'clock_timestamp',
  'timeofday',
  'nextval',
  'txid_current',
  'setseed',
]);

// Stable or immutable functions commonly used in defaults: evaluated once, so PG 11+ stores them without a rewrite.
const NON_VOLATILE = new Set([
  'now',
  'transaction_timestamp',
  'statement_timestamp',
  'current_setting',
  'lower',
  'upper',
  'coalesce',
  'jsonb_build_object',
  'json_build_object',
  'jsonb_build_array',
  'array',
  'to_jsonb',
  'make_interval',
  'timezone',
]);

/** Names of the functions called anywhere inside an expression. */
export const calledFunctions = (expr: unknown): string[] => {
  const found: string[] = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    for (const [key, child] of Object.entries(value)) {
      if (key === 'FuncCall') {
        const call = child as { funcname?: Node[] };
        const fn = names(call.funcname).at(-1);
        if (fn) found.push(fn);
      }
      visit(child);
    }
  };
  visit(expr);
  return found;
};

/** A default is volatile when it calls a known volatile function or one the gate cannot vouch for. */
export const volatileCall = (expr: unknown): string | undefined =>
  calledFunctions(expr).find((fn) => VOLATILE.has(fn) || !NON_VOLATILE.has(fn));
