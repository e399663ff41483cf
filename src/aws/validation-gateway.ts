/**
 * Reads row counts and checksums of primary-key ranges inside blue and green (never the rows
 * themselves): one connection per side through `connectPostgres`, read-only sessions, the two sides
 * queried in parallel so a range is read on both at nearly the same moment.
 *
 * Checksum: sum(hashtext(row::text)) over the range, order-independent (no sort needed). hashtext is
 * 32 bits, summed into a bigint (no overflow below 2^31 rows per range); a changed row escapes it with a
 * chance of 1 in 2^32. It is the hash of text hash indexes, which pg_upgrade keeps, so it is the same
 * function on both majors of a logical upgrade (the equal-data test reads 17 against 18). Summing the
 * 64-bit hashtextextended instead needs a numeric sum: measured 1.8× slower on 2,000,000 rows. The row's
 * text form depends on session settings, so both sessions set the same ones.
 */
import type pg from 'pg';
import type { KeyRange, RangeDigest, TableToCompare } from '../domain/validation/index.ts';
import type { ParameterReader } from './parameters.ts';
import { connectPostgres, type PgEndpoint } from './pg-connection.ts';

export interface ValidationTarget {
  host: string;
  port: number;
  name: string;
  user: string;
  passwordParameter: string;
}

/** Settings that fix every type's text form, so equal rows read equal on both servers. */
const STABLE_TEXT = [
  'SET default_transaction_read_only = on',
  'SET extra_float_digits = 1',
  "SET DateStyle = 'ISO, MDY'",
  "SET IntervalStyle = 'postgres'",
  "SET TimeZone = 'UTC'",
  "SET bytea_output = 'hex'",
];

const ident = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** Permanent tables of user schemas (partitioned tables as their root); Switchyard's own schema excluded. */
const TABLES_SQL = `
  SELECT n.nspname AS schema, c.relname AS table,
         CASE WHEN c.relkind = 'p'
              THEN (SELECT coalesce(sum(pg_relation_size(p.relid)), 0) FROM pg_partition_tree(c.oid) p)
              ELSE pg_relation_size(c.oid) END::float8 AS bytes,
         coalesce((SELECT json_agg(json_build_object('name', a.attname, 'collatable', t.typcollation <> 0) ORDER BY k.ord)
                     FROM pg_index i
                     CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
                     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
                     JOIN pg_type t ON t.oid = a.atttypid
                    WHERE i.indrelid = c.oid AND i.indisprimary), '[]') AS key
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relpersistence = 'p'
     AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'switchyard') AND n.nspname !~ '^pg_(toast|temp_)'
     AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
   ORDER BY 1, 2`;

const relationSql = (r: { schema: string; relation: string }) => `${ident(r.schema)}.${ident(r.relation)}`;

/**
 * WHERE clause of a range: ROW(k…) >= ROW(from…) AND ROW(k…) < ROW(to…). The bounds travel as untyped
 * parameters; PostgreSQL resolves each against its key column's type, so no cast is spelled here.
 */
export const rangePredicate = (r: KeyRange): { sql: string; params: string[] } => {
  const cols = `(${r.keySql.join(', ')})`;
  const params: string[] = [];
  const parts: string[] = [];
  const side = (values: string[], op: string) => {
    const ph = values.map((v) => {
      params.push(v);
      return `$${params.length}`;
    });
    parts.push(`ROW${cols} ${op} ROW(${ph.join(', ')})`);
  };
  if (r.from) side(r.from, '>=');
  if (r.to) side(r.to, '<');
  if (r.through) side(r.through, '<=');
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
};

export const digestSql = (r: KeyRange, mode: 'counts' | 'checksums'): { text: string; values: string[] } => {
  const where = rangePredicate(r);
  const text =
    mode === 'counts'
      ? `SELECT count(*)::float8 AS rows, NULL::text AS checksum, 0::float8 AS bytes FROM ${relationSql(r)} t ${where.sql}`
      : `SELECT count(*)::float8 AS rows, coalesce(sum(hashtext(s.r)), 0)::text AS checksum,
                coalesce(sum(octet_length(s.r)), 0)::float8 AS bytes
           FROM (SELECT t::text AS r FROM ${relationSql(r)} t ${where.sql}) s`;
  return { text, values: where.params };
};

export interface ValidationSession {
  tables(): Promise<TableToCompare[]>;
  /** every chunkRows-th key of the table in key order (the first key of each range after the first) */
  boundaries(table: TableToCompare, chunkRows: number): Promise<string[][]>;
  digest(range: KeyRange, mode: 'counts' | 'checksums'): Promise<RangeDigest>;
  /** the table's greatest key now (null: empty table or no key) */
  lastKey(range: KeyRange): Promise<string[] | null>;
  close(): Promise<void>;
}

const openSession = async (endpoint: PgEndpoint, statementTimeoutMs: number): Promise<ValidationSession> => {
  const client: pg.Client = await connectPostgres(endpoint, {
    applicationName: 'switchyard-validation',
    statementTimeoutMs,
  });
  try {
    for (const sql of STABLE_TEXT) await client.query(sql);
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  return {
    async tables() {
      const { rows } = await client.query<{
        schema: string;
        table: string;
        bytes: number;
        key: Array<{ name: string; collatable: boolean }>;
      }>(TABLES_SQL);
      return rows.map((r) => ({
        name: `${r.schema}.${r.table}`,
        schema: r.schema,
        table: r.table,
        key: r.key.map((k) => k.name),
        keySql: r.key.map((k) => (k.collatable ? `t.${ident(k.name)} COLLATE "C"` : `t.${ident(k.name)}`)),
        bytes: r.bytes,
      }));
    },
    async boundaries(table, chunkRows) {
      const cols = table.keySql.join(', ');
      const { rows } = await client.query<{ k: string[] }>(
        `SELECT s.k FROM (SELECT ARRAY[${table.keySql.map((c) => `(${c})::text`).join(', ')}] AS k,
                                 row_number() OVER (ORDER BY ${cols}) AS n
                            FROM ${relationSql({ schema: table.schema, relation: table.table })} t) s
          WHERE s.n % $1 = 1 AND s.n > 1 ORDER BY s.n`,
        [chunkRows],
      );
      return rows.map((r) => r.k);
    },
    async digest(range, mode) {
      const { text, values } = digestSql(range, mode);
      const { rows } = await client.query<{ rows: number; checksum: string | null; bytes: number }>(
        text,
        values,
      );
      const row = rows[0] ?? { rows: 0, checksum: null, bytes: 0 };
      return { rows: row.rows, checksum: row.checksum, bytes: row.bytes };
    },
    async lastKey(range) {
      if (range.keySql.length === 0) return null;
      const { rows } = await client.query<{ k: string[] }>(
        `SELECT ARRAY[${range.keySql.map((c) => `(${c})::text`).join(', ')}] AS k FROM ${relationSql(range)} t
          ORDER BY ${range.keySql.map((c) => `${c} DESC`).join(', ')} LIMIT 1`,
      );
      return rows[0]?.k ?? null;
    },
    close: () => client.end().catch(() => undefined),
  };
};

export const makeValidationGateway = (readParameter: ParameterReader) => ({
  /** Sessions on blue and on green (green at its own instance endpoint), same user and database. */
  async open(
    blue: ValidationTarget,
    green: { host: string; port: number },
    statementTimeoutMs: number,
  ): Promise<{ blue: ValidationSession; green: ValidationSession }> {
    const password = await readParameter(blue.passwordParameter);
    const endpoint = (host: string, port: number): PgEndpoint => ({
      host,
      port,
      database: blue.name,
      user: blue.user,
      password,
    });
    const blueSession = await openSession(endpoint(blue.host, blue.port), statementTimeoutMs);
    try {
      const greenSession = await openSession(endpoint(green.host, green.port), statementTimeoutMs);
      return { blue: blueSession, green: greenSession };
    } catch (err) {
      await blueSession.close();
      throw err;
    }
  },
});

export type ValidationGateway = ReturnType<typeof makeValidationGateway>;
