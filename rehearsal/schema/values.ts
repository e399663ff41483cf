/**
 * Pure parts of the data generator: which order tables are filled in (foreign keys first, cycles broken
 * at a nullable edge), what simple CHECKs allow, and the text literal of row i's value for a column.
 * Every value is a text literal the INSERT casts to the column's own type, so PostgreSQL, not this
 * module, has the last word on what a type accepts.
 */
import type { ColumnInfo, ForeignKey, TableInfo } from './catalog.ts';

/** What simple single-column CHECKs allow: bounds, an IN list, a length limit. Anything else is left to retries. */
export interface ColumnLimits {
  min: number | null;
  max: number | null;
  allowed: string[] | null;
  minLength: number | null;
  maxLength: number | null;
}

const num = (s: string): number => Number(s);

/** Reads bounds out of CHECK definitions as pg_get_constraintdef prints them, e.g. `CHECK ((qty > 0))`. */
export const limitsOf = (column: string, checks: string[]): ColumnLimits => {
  const limits: ColumnLimits = { min: null, max: null, allowed: null, minLength: null, maxLength: null };
  const col = `"?${column.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?`;
  // pg prints constants as 0, (0)::numeric or '-40'::integer.
  const value = `\\(?'?(-?[\\d.]+)'?\\)?(?:::[\\w ]+)?`;
  for (const def of checks) {
    for (const [re, apply] of [
      [new RegExp(`${col} >= ${value}`), (v: number) => (limits.min = Math.max(limits.min ?? v, v))],
      [new RegExp(`${col} > ${value}`), (v: number) => (limits.min = Math.max(limits.min ?? v + 1, v + 1))],
      [new RegExp(`${col} <= ${value}`), (v: number) => (limits.max = Math.min(limits.max ?? v, v))],
      [new RegExp(`${col} < ${value}`), (v: number) => (limits.max = Math.min(limits.max ?? v - 1, v - 1))],
      [new RegExp(`(?:char_length|length)\\(${col}\\) >= ${value}`), (v: number) => (limits.minLength = v)],
      [
        new RegExp(`(?:char_length|length)\\(${col}\\) > ${value}`),
        (v: number) => (limits.minLength = v + 1),
      ],
      [new RegExp(`(?:char_length|length)\\(${col}\\) <= ${value}`), (v: number) => (limits.maxLength = v)],
      [
        new RegExp(`(?:char_length|length)\\(${col}\\) < ${value}`),
        (v: number) => (limits.maxLength = v - 1),
      ],
    ] as const) {
      const m = re.exec(def);
      if (m?.[1] !== undefined) apply(num(m[1]));
    }
    // col = ANY (ARRAY['a'::text, 'b'::text]) is how `col IN ('a', 'b')` comes back from the catalog.
    const any = new RegExp(`${col}(?:\\)?::\\w+)? = ANY \\(\\(?ARRAY\\[(.*?)\\]`).exec(def);
    if (any?.[1])
      limits.allowed = [...any[1].matchAll(/'((?:[^']|'')*)'/g)].map((m) => (m[1] ?? '').replace(/''/g, "'"));
  }
  return limits;
};

const pad = (n: number, w: number) => String(n).padStart(w, '0');

/** A stable UUID for (seed, i): unique per i. */
const uuidFor = (seed: number, i: number): string => {
  const hex = (pad(seed % 1e6, 8) + pad(i, 24)).replace(/\D/g, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

/** Row i's value for a scalar of the column's base type; null when the generator has none for the type. */
export const scalarLiteral = (c: ColumnInfo, i: number, limits: ColumnLimits, seed = 0): string | null => {
  if (limits.allowed?.length) return limits.allowed[i % limits.allowed.length] ?? null;
  if (c.category === 'E') return c.enumLabels.length ? (c.enumLabels[i % c.enumLabels.length] ?? null) : null;
  const day = (base: number) => new Date(Date.UTC(2024, 0, 1) + base * 60_000 * 61).toISOString();
  switch (c.baseType) {
    case 'int2':
    case 'int4':
    case 'int8':
    case 'numeric':
    case 'float4':
    case 'float8':
    case 'money': {
      const typeMax =
        c.baseType === 'int2'
          ? 32_767
          : c.baseType === 'numeric' && c.precision
            ? 10 ** (c.precision - (c.scale ?? 0)) - 1
            : 2_000_000_000;
      const min = limits.min ?? 1;
      const max = Math.min(limits.max ?? typeMax, typeMax);
      if (max < min) return null;
      const span = Math.floor(max - min) + 1;
      return String(Math.ceil(min) + (i % span));
    }
    case 'bool':
      return i % 2 === 0 ? 'true' : 'false';
    case 'uuid':
      return uuidFor(seed, i);
    // Bounded so the write load's large ids stay within the years Date and PostgreSQL handle.
    case 'date':
      return day((i % 100_000) * 24).slice(0, 10);
    case 'timestamp':
    case 'timestamptz':
      return day(i % 1_000_000);
    case 'time':
    case 'timetz':
      return `${pad(Math.floor(i / 3600) % 24, 2)}:${pad(Math.floor(i / 60) % 60, 2)}:${pad(i % 60, 2)}`;
    case 'interval':
      return `${i + 1} seconds`;
    case 'json':
    case 'jsonb':
      return JSON.stringify({ n: i });
    case 'bytea':
      return `\\x${i.toString(16).padStart(8, '0')}`;
    case 'inet':
    case 'cidr':
      return `10.${Math.floor(i / 65_536) % 256}.${Math.floor(i / 256) % 256}.${i % 256}`;
    case 'macaddr':
      return `08:00:2b:${pad(Math.floor(i / 10_000) % 100, 2)}:${pad(Math.floor(i / 100) % 100, 2)}:${pad(i % 100, 2)}`;
    case 'xml':
      return `<row n="${i}"/>`;
    case 'tsvector':
      return `w${i}`;
    case 'point':
      return `(${i},${i})`;
    // Geometry: one small distinct shape per row, in PostgreSQL's input syntax for each type.
    case 'line':
      return `{1,-1,${i}}`;
    case 'lseg':
      return `[(${i},${i}),(${i + 1},${i + 1})]`;
    case 'box':
      return `(${i + 1},${i + 1}),(${i},${i})`;
    case 'path':
      return `[(${i},${i}),(${i + 1},${i}),(${i + 1},${i + 1})]`;
    case 'polygon':
      return `((${i},${i}),(${i + 1},${i}),(${i},${i + 1}))`;
    case 'circle':
      return `<(${i},${i}),1>`;
    // Ranges (and multiranges, one range each): non-empty, distinct per row, [lower, upper).
    case 'int4range':
    case 'int8range':
    case 'numrange':
      return `[${i + 1},${i + 2})`;
    case 'daterange':
      return `[${day((i % 100_000) * 24).slice(0, 10)},${day(((i % 100_000) + 1) * 24).slice(0, 10)})`;
    case 'tsrange':
    case 'tstzrange':
      return `[${day(i % 1_000_000)},${day((i % 1_000_000) + 1)})`;
    case 'int4multirange':
    case 'int8multirange':
    case 'nummultirange':
      return `{[${i + 1},${i + 2})}`;
    case 'text':
    case 'varchar':
    case 'bpchar':
    case 'citext':
    case 'name': {
      const max = Math.min(
        limits.maxLength ?? Number.POSITIVE_INFINITY,
        c.maxLength ?? Number.POSITIVE_INFINITY,
      );
      let s = `${c.name}_${i}`;
      if (s.length > max) s = i.toString(36);
      if (s.length > max) return null;
      const min = limits.minLength ?? 0;
      if (s.length < min) s = s.padEnd(Math.min(min, max), 'x');
      return s;
    }
    default:
      return null;
  }
};

/** An array literal of one generated element, quoted for array input: `{"tag_3"}`. */
const arrayLiteral = (element: string): string =>
  `{"${element.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"}`;

/** Row i's literal for a column (arrays hold one element), or null when no generator exists for its type. */
export const columnLiteral = (c: ColumnInfo, i: number, seed = 0): string | null => {
  const limits = limitsOf(c.name, c.checks);
  if (c.isArray) {
    const element = scalarLiteral(
      { ...c, checks: [] },
      i,
      { ...limits, allowed: null, min: null, max: null },
      seed,
    );
    return element === null ? null : arrayLiteral(element);
  }
  return scalarLiteral(c, i, limits, seed);
};

/** The columns the generator writes: never identity or generated ones; defaulted ones only when a key needs them. */
export const writtenColumns = (t: TableInfo): ColumnInfo[] => {
  const fkColumns = new Set(t.foreignKeys.flatMap((f) => f.columns));
  return t.columns.filter(
    (c) =>
      !c.identity &&
      !c.generated &&
      (!c.hasDefault || fkColumns.has(c.name) || t.partition?.column === c.name),
  );
};

export interface FillPlan {
  /** Tables in insertion order (a referenced table before the tables that reference it). */
  order: string[];
  /** Foreign keys left NULL to break a cycle, by table. */
  nulledForeignKeys: Map<string, Set<string>>;
  /** Tables no order can fill, with the reason. */
  unfillable: Map<string, string>;
}

const nullable = (t: TableInfo, fk: ForeignKey): boolean =>
  fk.columns.every((name) => !t.columns.find((c) => c.name === name)?.notNull);

/**
 * Topological order over foreign keys (self-references do not order). A cycle is broken at a foreign key
 * whose columns are all nullable (those rows get NULL there); a cycle with none is unfillable.
 */
export const fillPlan = (tables: TableInfo[]): FillPlan => {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const nulled = new Map<string, Set<string>>();
  const unfillable = new Map<string, string>();
  const order: string[] = [];
  const remaining = new Set(tables.map((t) => t.name));
  const pending = (t: TableInfo) =>
    t.foreignKeys.filter(
      (f) => f.references !== t.name && remaining.has(f.references) && !nulled.get(t.name)?.has(f.name),
    );
  while (remaining.size) {
    const ready = [...remaining].filter((n) => pending(byName.get(n) as TableInfo).length === 0);
    if (ready.length) {
      for (const n of ready) {
        order.push(n);
        remaining.delete(n);
      }
      continue;
    }
    // Every remaining table waits on another: break one nullable edge and try again.
    let broken = false;
    for (const n of remaining) {
      const t = byName.get(n) as TableInfo;
      const edge = pending(t).find((f) => nullable(t, f));
      if (edge) {
        nulled.set(n, (nulled.get(n) ?? new Set()).add(edge.name));
        broken = true;
        break;
      }
    }
    if (!broken) {
      const cycle = [...remaining];
      for (const n of cycle)
        unfillable.set(
          n,
          `foreign-key cycle through ${cycle.join(', ')} with NOT NULL columns on every edge; no insertion order exists`,
        );
      remaining.clear();
    }
  }
  return { order, nulledForeignKeys: nulled, unfillable };
};
