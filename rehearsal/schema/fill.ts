/**
 * Fills every table of a loaded schema with generated rows, in foreign-key order, one row per savepoint:
 * a row PostgreSQL rejects (a CHECK the generator does not read, a unique clash, no partition for it) is
 * retried with other values, then counted as rejected. A table that cannot be filled is reported with
 * the reason and left empty; nothing here throws for the schema's sake.
 */
import type pg from 'pg';
import type { SchemaCatalog, TableInfo } from './catalog.ts';
import { columnLiteral, fillPlan, writtenColumns } from './values.ts';

export interface TableFill {
  table: string;
  requested: number;
  inserted: number;
  /** Rows PostgreSQL refused after every retry. */
  rejected: number;
  /** Why the table was left empty without trying (null when rows were attempted). */
  skipped: string | null;
  /** The first error PostgreSQL gave for a refused row. */
  firstError: string | null;
  /** Foreign keys left NULL to break a cycle. */
  nulledForeignKeys: string[];
}

const ATTEMPTS = 4;

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

const seedOf = (name: string): number => [...name].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) >>> 0, 7);

type Row = Record<string, string | null>;

/** Inserts up to `rows` rows into every table; returns what each table got. */
export const fillTables = async (
  client: pg.ClientBase,
  catalog: SchemaCatalog,
  rows: number,
): Promise<TableFill[]> => {
  const plan = fillPlan(catalog.tables);
  const byName = new Map(catalog.tables.map((t) => [t.name, t]));
  const inserted = new Map<string, Row[]>();
  const results: TableFill[] = [];
  for (const [table, reason] of plan.unfillable)
    results.push({
      table,
      requested: rows,
      inserted: 0,
      rejected: 0,
      skipped: reason,
      firstError: null,
      nulledForeignKeys: [],
    });
  for (const name of plan.order) {
    const t = byName.get(name) as TableInfo;
    const nulled = plan.nulledForeignKeys.get(name) ?? new Set<string>();
    const result: TableFill = {
      table: name,
      requested: rows,
      inserted: 0,
      rejected: 0,
      skipped: null,
      firstError: null,
      nulledForeignKeys: [...nulled],
    };
    results.push(result);
    const got: Row[] = [];
    inserted.set(name, got);
    result.skipped = whyUnfillable(t, nulled, inserted);
    if (result.skipped || rows <= 0) continue;

    const columns = writtenColumns(t);
    const fkOf = new Map<string, { fk: TableInfo['foreignKeys'][number]; k: number; position: number }>();
    t.foreignKeys.forEach((fk, k) => {
      fk.columns.forEach((c, position) => {
        fkOf.set(c, { fk, k, position });
      });
    });
    const keyColumns = new Set(t.uniqueKeys.flat());
    const seed = seedOf(name);
    const sql = `INSERT INTO ${name} (${columns.map((c) => quoteIdent(c.name)).join(', ')}) VALUES (${columns
      .map((c, i) => `$${i + 1}::${c.sqlType}`)
      .join(
        ', ',
      )}) RETURNING ${t.columns.map((c, i) => `${quoteIdent(c.name)}::text AS c${i}`).join(', ') || '1'}`;

    await client.query('BEGIN');
    try {
      for (let i = 0; i < rows; i++) {
        for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
          const j = i + attempt * rows;
          const own: Row = {};
          for (const c of columns) {
            const link = fkOf.get(c.name);
            if (link) {
              if (nulled.has(link.fk.name)) {
                own[c.name] = null;
                continue;
              }
              const parents = link.fk.references === name ? got : (inserted.get(link.fk.references) ?? []);
              const n = parents.length;
              if (n === 0) {
                // A self-reference's first row: NULL when allowed, else itself once its key is generated.
                own[c.name] = null;
                continue;
              }
              // Each foreign key walks its parents at a different speed, so composite keys of references differ.
              const parent = parents[(Math.floor(j / n ** link.k) + attempt) % n] as Row;
              own[c.name] = parent[link.fk.referencedColumns[link.position] ?? ''] ?? null;
              continue;
            }
            // Later attempts leave optional columns NULL: their generated value may be what a CHECK refused.
            if (attempt >= ATTEMPTS / 2 && !c.notNull && !keyColumns.has(c.name)) {
              own[c.name] = null;
              continue;
            }
            const bounds = t.partition?.column === c.name ? t.partition.bounds : [];
            own[c.name] = bounds.length
              ? (bounds[j % bounds.length]?.literal ?? null)
              : columnLiteral(c, j, seed);
          }
          // A NOT NULL self-reference with no earlier row points at the row itself.
          for (const fk of t.foreignKeys.filter(
            (f) => f.references === name && got.length === 0 && !nulled.has(f.name),
          ))
            fk.columns.forEach((c, p) => {
              if (own[c] === null && t.columns.find((x) => x.name === c)?.notNull)
                own[c] = own[fk.referencedColumns[p] ?? ''] ?? null;
            });
          await client.query('SAVEPOINT generated_row');
          try {
            const res = await client.query(
              sql,
              columns.map((c) => own[c.name]),
            );
            const r = res.rows[0] as Record<string, string | null> | undefined;
            got.push(Object.fromEntries(t.columns.map((c, k) => [c.name, r?.[`c${k}`] ?? null])));
            result.inserted++;
            break;
          } catch (err) {
            await client.query('ROLLBACK TO SAVEPOINT generated_row');
            result.firstError ??= (err as Error).message;
            if (attempt === ATTEMPTS - 1) result.rejected++;
          }
        }
      }
      await client.query('COMMIT');
    } catch (err) {
      // The connection itself failed: nothing of this table is kept; the rest of the report still stands.
      await client.query('ROLLBACK').catch(() => {});
      got.length = 0;
      result.inserted = 0;
      result.skipped = `insert failed: ${(err as Error).message}`;
    }
  }
  const order = new Map(catalog.tables.map((t, i) => [t.name, i]));
  return results.sort((a, b) => (order.get(a.table) ?? 0) - (order.get(b.table) ?? 0));
};

/** Why a table cannot get rows at all: a NOT NULL column without a generator, or an empty required parent. */
const whyUnfillable = (t: TableInfo, nulled: Set<string>, inserted: Map<string, Row[]>): string | null => {
  const fkColumns = new Set(t.foreignKeys.flatMap((f) => f.columns));
  for (const c of writtenColumns(t)) {
    if (fkColumns.has(c.name) || !c.notNull) continue;
    if (t.partition?.column === c.name && t.partition.bounds.length) continue;
    if (columnLiteral(c, 0) === null)
      return `column ${c.name} (${c.sqlType}) is NOT NULL without a default and the generator has no values for that type`;
  }
  for (const fk of t.foreignKeys) {
    if (fk.references === t.name || nulled.has(fk.name)) continue;
    const required = fk.columns.some((name) => t.columns.find((c) => c.name === name)?.notNull);
    if (required && (inserted.get(fk.references)?.length ?? 0) === 0)
      return `foreign key ${fk.name} requires rows in ${fk.references}, which has none`;
  }
  return null;
};
