/**
 * What the data generator needs to know about the user's schema, read from the PostgreSQL catalog after
 * the dump is loaded (never parsed from the SQL): tables, columns with their base types, and the
 * constraints rows must respect (primary/unique keys, foreign keys, CHECKs, partition bounds).
 */
import type pg from 'pg';

export interface ColumnInfo {
  name: string;
  /** The column's type as SQL spells it, e.g. `character varying(40)`, `public.mood[]`: what values are cast to. */
  sqlType: string;
  /** The base type after domains and arrays are resolved (`int4`, `text`, `mood`, …). */
  baseType: string;
  /** `E` for enums; PostgreSQL's typcategory of the base type otherwise. */
  category: string;
  isArray: boolean;
  enumLabels: string[];
  /** varchar(n)/char(n) length, numeric precision and scale (null when unconstrained). */
  maxLength: number | null;
  precision: number | null;
  scale: number | null;
  notNull: boolean;
  hasDefault: boolean;
  /** GENERATED ALWAYS/BY DEFAULT AS IDENTITY, or GENERATED ALWAYS AS (…) STORED: never written by the generator. */
  identity: boolean;
  generated: boolean;
  /** CHECK expressions on this column alone (the column's, and its domain's with VALUE replaced by the column). */
  checks: string[];
}

export interface ForeignKey {
  name: string;
  columns: string[];
  /** The referenced table (qualified name) and its columns, in the same order. */
  references: string;
  referencedColumns: string[];
}

export interface PartitionBound {
  /** A literal of the partition-key column that lands in this partition (FROM of a range, first of a list). */
  literal: string;
}

export interface TableInfo {
  /** Qualified and quoted as SQL needs it, e.g. `public."Order"`. */
  name: string;
  columns: ColumnInfo[];
  /** The primary key's columns (null without one). */
  primaryKey: string[] | null;
  /** Column sets that must be unique: the primary key and every unique constraint or unique index. */
  uniqueKeys: string[][];
  foreignKeys: ForeignKey[];
  /** CHECK constraints over more than one column (reported when they reject rows, not interpreted). */
  tableChecks: string[];
  /** Partitioned tables: the single key column and a literal per leaf partition (empty when any value fits). */
  partition: { column: string; bounds: PartitionBound[] } | null;
}

export interface SchemaCatalog {
  tables: TableInfo[];
}

const USER_TABLES = `
  SELECT c.oid, format('%I.%I', n.nspname, c.relname) AS name, c.relkind
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
    AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
  ORDER BY 2`;

const COLUMNS = `
  WITH RECURSIVE cols AS (
    SELECT a.attrelid, a.attnum, a.attname, a.atttypid, a.atttypmod, a.attnotnull, a.atthasdef,
           a.attidentity, a.attgenerated, format_type(a.atttypid, a.atttypmod) AS sql_type
    FROM pg_attribute a
    WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
  ), base AS (
    -- Walk domains down to their base type, collecting NOT NULL and CHECKs on the way.
    SELECT c.attrelid, c.attnum, c.atttypid AS tid, c.atttypmod AS tmod, false AS dom_notnull,
           ARRAY[]::oid[] AS domains, 0 AS depth
    FROM cols c
    UNION ALL
    SELECT b.attrelid, b.attnum, t.typbasetype, t.typtypmod, b.dom_notnull OR t.typnotnull,
           b.domains || t.oid, b.depth + 1
    FROM base b JOIN pg_type t ON t.oid = b.tid WHERE t.typtype = 'd' AND b.depth < 10
  ), resolved AS (
    SELECT DISTINCT ON (attrelid, attnum) * FROM base ORDER BY attrelid, attnum, depth DESC
  )
  SELECT c.attrelid::int AS rel, c.attname AS name, c.sql_type,
         c.attnotnull OR r.dom_notnull AS not_null, c.atthasdef AS has_default,
         c.attidentity <> '' AS identity, c.attgenerated <> '' AS generated,
         t.typcategory = 'A' AS is_array,
         coalesce(et.typname, t.typname) AS base_type,
         CASE WHEN coalesce(et.typtype, t.typtype) = 'e' THEN 'E' ELSE coalesce(et.typcategory, t.typcategory) END AS category,
         coalesce((SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = coalesce(et.oid, t.oid)), '{}') AS enum_labels,
         r.tmod AS typmod,
         coalesce((SELECT array_agg(replace(pg_get_constraintdef(k.oid), 'VALUE', quote_ident(c.attname)))
                   FROM pg_constraint k WHERE k.contypid = ANY(r.domains) AND k.contype = 'c'), '{}') AS domain_checks
  FROM cols c
  JOIN resolved r ON r.attrelid = c.attrelid AND r.attnum = c.attnum
  JOIN pg_type t ON t.oid = r.tid
  LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
  ORDER BY c.attrelid, c.attnum`;

const CONSTRAINTS = `
  SELECT coalesce(pg_partition_root(k.conrelid), k.conrelid)::int AS rel, k.conname AS name, k.contype AS type, pg_get_constraintdef(k.oid) AS def,
         (SELECT array_agg(a.attname::text ORDER BY x.ord) FROM unnest(k.conkey) WITH ORDINALITY x(n, ord)
            JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = x.n) AS columns,
         CASE WHEN k.contype = 'f' THEN format('%I.%I', rn.nspname, rc.relname) END AS ref_table,
         (SELECT array_agg(a.attname::text ORDER BY x.ord) FROM unnest(k.confkey) WITH ORDINALITY x(n, ord)
            JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = x.n) AS ref_columns
  FROM pg_constraint k
  LEFT JOIN pg_class rc ON rc.oid = k.confrelid
  LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
  -- Constraints declared on a partition alone (not inherited from the parent) bind the parent's rows too.
  WHERE coalesce(pg_partition_root(k.conrelid), k.conrelid) = ANY($1::oid[]) AND k.contype IN ('p', 'u', 'f', 'c')
    AND k.conparentid = 0
  UNION ALL
  -- Unique indexes that are not constraints (CREATE UNIQUE INDEX) also bind the generated values.
  SELECT i.indrelid::int, ic.relname, 'u', NULL,
         (SELECT array_agg(a.attname::text ORDER BY x.ord) FROM unnest(i.indkey::int2[]) WITH ORDINALITY x(n, ord)
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = x.n),
         NULL, NULL
  FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
  WHERE i.indrelid = ANY($1::oid[]) AND i.indisunique AND NOT i.indisprimary AND 0 <> ALL (i.indkey::int2[])
    AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)`;

const PARTITIONS = `
  SELECT pt.partrelid::int AS rel, a.attname AS key, pt.partnatts AS nkeys,
         (SELECT array_agg(pg_get_expr(c.relpartbound, c.oid)) FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid
           WHERE h.inhparent = pt.partrelid) AS bounds
  FROM pg_partitioned_table pt
  LEFT JOIN pg_attribute a ON a.attrelid = pt.partrelid AND a.attnum = pt.partattrs[0]
  WHERE pt.partrelid = ANY($1::oid[])`;

/**
 * Literals of the partition-key column that land in a partition: the FROM of a range, every value of a
 * list; null when any value fits (DEFAULT, HASH), [] when none is usable (MINVALUE, an expression).
 */
export const boundLiterals = (bound: string): string[] | null => {
  const range = /FOR VALUES FROM \((.*?)\) TO/.exec(bound);
  const list = /FOR VALUES IN \((.*)\)$/.exec(bound);
  const values = range?.[1] ?? list?.[1];
  if (values === undefined) return null;
  const literals = [...values.matchAll(/'((?:[^']|'')*)'|(-?\d[\d.]*)|(\w+)/g)].map((m) =>
    m[1] !== undefined ? m[1].replace(/''/g, "'") : (m[2] ?? null),
  );
  const usable = literals.filter((l): l is string => l !== null);
  return range ? usable.slice(0, 1) : usable;
};

interface ColumnRow {
  rel: number;
  name: string;
  sql_type: string;
  not_null: boolean;
  has_default: boolean;
  identity: boolean;
  generated: boolean;
  is_array: boolean;
  base_type: string;
  category: string;
  enum_labels: string[];
  typmod: number;
  domain_checks: string[];
}

const lengthOf = (
  baseType: string,
  typmod: number,
): Pick<ColumnInfo, 'maxLength' | 'precision' | 'scale'> => {
  if (typmod < 0) return { maxLength: null, precision: null, scale: null };
  if (baseType === 'varchar' || baseType === 'bpchar')
    return { maxLength: typmod - 4, precision: null, scale: null };
  if (baseType === 'numeric') {
    const t = typmod - 4;
    return { maxLength: null, precision: (t >> 16) & 0xffff, scale: t & 0xffff };
  }
  return { maxLength: null, precision: null, scale: null };
};

/** Reads every user table of the connected database (partitions through their partitioned parent). */
export const readCatalog = async (client: pg.ClientBase): Promise<SchemaCatalog> => {
  const tables = (await client.query<{ oid: number; name: string; relkind: string }>(USER_TABLES)).rows;
  const oids = tables.map((t) => t.oid);
  const columns = (await client.query<ColumnRow>(COLUMNS, [oids])).rows;
  const constraints = (
    await client.query<{
      rel: number;
      name: string;
      type: string;
      def: string | null;
      columns: string[] | null;
      ref_table: string | null;
      ref_columns: string[] | null;
    }>(CONSTRAINTS, [oids])
  ).rows;
  const partitions = (
    await client.query<{ rel: number; key: string | null; nkeys: number; bounds: string[] | null }>(
      PARTITIONS,
      [oids],
    )
  ).rows;

  return {
    tables: tables.map((t): TableInfo => {
      const own = constraints.filter((k) => k.rel === Number(t.oid));
      const checks = own.filter((k) => k.type === 'c');
      const cols = columns
        .filter((c) => c.rel === Number(t.oid))
        .map(
          (c): ColumnInfo => ({
            name: c.name,
            sqlType: c.sql_type,
            baseType: c.base_type,
            category: c.category,
            isArray: c.is_array,
            enumLabels: c.enum_labels,
            ...lengthOf(c.base_type, c.typmod),
            notNull: c.not_null,
            hasDefault: c.has_default,
            identity: c.identity,
            generated: c.generated,
            checks: [
              ...c.domain_checks,
              ...checks
                .filter((k) => k.columns?.length === 1 && k.columns[0] === c.name)
                .map((k) => k.def ?? ''),
            ],
          }),
        );
      const part = partitions.find((p) => p.rel === Number(t.oid));
      const bounds = (part?.bounds ?? []).map(boundLiterals);
      return {
        name: t.name,
        columns: cols,
        primaryKey: own.find((k) => k.type === 'p')?.columns ?? null,
        uniqueKeys: own.filter((k) => k.type === 'p' || k.type === 'u').map((k) => k.columns ?? []),
        foreignKeys: own
          .filter((k) => k.type === 'f')
          .map((k) => ({
            name: k.name,
            columns: k.columns ?? [],
            references: k.ref_table ?? '',
            referencedColumns: k.ref_columns ?? [],
          })),
        tableChecks: checks.filter((k) => (k.columns?.length ?? 0) > 1).map((k) => k.def ?? ''),
        partition:
          part && part.nkeys === 1 && part.key
            ? {
                column: part.key,
                bounds: bounds.includes(null)
                  ? []
                  : bounds.flatMap((b) => b ?? []).map((literal) => ({ literal })),
              }
            : null,
      };
    }),
  };
};
