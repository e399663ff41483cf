/**
 * `--load-table TABLE`: the write load INSERTs into a table of the user's schema instead of Switchyard's
 * own `rehearsal_writes`. Each write's primary key is the load's client-chosen id (so acknowledged writes
 * can be looked up after the switch); the other columns get generated values, foreign keys a row that
 * exists in the parent. The table needs a one-column integer primary key.
 */
import pg from 'pg';
import { readCatalog, type TableInfo } from './schema/catalog.ts';
import { columnLiteral, writtenColumns } from './schema/values.ts';
import type { EndpointConfig, WriteTarget } from './write-load.ts';

export class LoadTableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LoadTableError';
  }
}

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;

/** `accounts` and `public.accounts` name the same table; so does the quoted form the catalog prints. */
export const findTable = (tables: TableInfo[], name: string): TableInfo | undefined => {
  const wanted = name.includes('.') ? name : `public.${name}`;
  const plain = (n: string) => n.replace(/"/g, '');
  return tables.find((t) => t.name === wanted || plain(t.name) === plain(wanted));
};

/** int4 keys: the load's ids (client × 10⁹ + sequence) folded into 1–2.1 × 10⁹, above generated rows. */
const INT4_KEY = (id: string) => `(1000000000 + (${id} / 1000000000) * 250000000 + ${id} % 1000000000)`;

/** Above every key the load writes: int4 keys stay under 2 × 10⁹ (4 clients), int8 keys under 10¹² (999 clients). */
const LOAD_INT4_CEILING = 2_000_000_000;
const LOAD_INT8_CEILING = 1_000_000_000_000;

/** Why the table cannot take the load (null when it can). Pure. */
export const loadTableProblem = (t: TableInfo): string | null => {
  const pk = t.primaryKey;
  if (pk?.length !== 1)
    return `${t.name} needs a one-column primary key (it has ${pk ? pk.join(', ') : 'none'}) so each acknowledged write can be found after the switch`;
  const col = t.columns.find((c) => c.name === pk[0]);
  if (!col || !['int4', 'int8', 'numeric'].includes(col.baseType) || col.isArray)
    return `${t.name}.${pk[0]} is ${col?.sqlType ?? '?'}; the load needs an integer primary key (integer, bigint)`;
  if (col.generated) return `${t.name}.${pk[0]} is a generated column`;
  return null;
};

export const loadTableTarget = async (cfg: EndpointConfig, name: string): Promise<WriteTarget> => {
  const c = new pg.Client({ ...cfg, connectionTimeoutMillis: 10_000 });
  c.on('error', () => {});
  await c.connect();
  try {
    const catalog = await readCatalog(c);
    const t = findTable(catalog.tables, name);
    if (!t)
      throw new LoadTableError(
        `--load-table ${name}: no such table on blue; choose one of ${catalog.tables.map((x) => x.name).join(', ')}, or omit it to write Switchyard's own table`,
      );
    const problem = loadTableProblem(t);
    if (problem)
      throw new LoadTableError(`--load-table ${name}: ${problem}; choose another table or omit --load-table`);
    const pk = t.primaryKey?.[0] as string;
    const pkCol = t.columns.find((x) => x.name === pk);
    const int4 = pkCol?.baseType === 'int4';
    // A few existing parent keys per foreign key, read once.
    const parents = new Map<string, Array<Record<string, string | null>>>();
    for (const fk of t.foreignKeys) {
      const cols = fk.referencedColumns.map((r, i) => `${quoteIdent(r)}::text AS c${i}`).join(', ');
      const { rows } = await c.query(`SELECT ${cols} FROM ${fk.references} LIMIT 100`);
      if (!rows.length && fk.columns.some((x) => t.columns.find((y) => y.name === x)?.notNull))
        throw new LoadTableError(
          `--load-table ${name}: foreign key ${fk.name} needs rows in ${fk.references}, which has none`,
        );
      parents.set(fk.name, rows);
    }
    // The load chooses its own keys (OVERRIDING SYSTEM VALUE), which an application using the key's
    // sequence never does: move the owned sequence past the load's key range, as the application's own
    // inserts would have, so Verify's "sequence ≥ column max" check judges the user's schema, not the load.
    const { rows: owned } = await c.query('SELECT pg_get_serial_sequence($1, $2) AS seq', [t.name, pk]);
    const sequence = owned[0]?.seq as string | null;
    if (sequence) {
      const ceiling = int4 ? LOAD_INT4_CEILING : LOAD_INT8_CEILING;
      try {
        await c.query(
          `SELECT setval($1::regclass, greatest($2::bigint, (SELECT last_value FROM ${sequence})))`,
          [sequence, ceiling],
        );
      } catch (err) {
        throw new LoadTableError(
          `--load-table ${name}: cannot move ${sequence} past the load's keys (${ceiling}): ${(err as Error).message}; choose another table or omit --load-table`,
        );
      }
    }
    const columns = [pkCol, ...writtenColumns(t).filter((x) => x.name !== pk)].filter((x) => x !== undefined);
    const text = `INSERT INTO ${t.name} (${columns.map((x) => quoteIdent(x.name)).join(', ')}) OVERRIDING SYSTEM VALUE VALUES (${columns
      .map((x, i) => `$${i + 1}::${x.sqlType}`)
      .join(', ')})`;
    return {
      insert: (id) => {
        const key = int4 ? 1_000_000_000 + Math.floor(id / 1e9) * 250_000_000 + (id % 1e9) : id;
        const values = columns.map((col) => {
          if (col.name === pk) return String(key);
          const fk = t.foreignKeys.find((f) => f.columns.includes(col.name));
          if (fk) {
            const rows = parents.get(fk.name) ?? [];
            const row = rows[id % Math.max(1, rows.length)];
            return row?.[`c${fk.columns.indexOf(col.name)}`] ?? null;
          }
          const bounds = t.partition?.column === col.name ? t.partition.bounds : [];
          if (bounds.length) return bounds[id % bounds.length]?.literal ?? null;
          return columnLiteral(col, id);
        });
        return { text, values };
      },
      missingSql: `SELECT a.id::text AS id FROM unnest($1::bigint[]) AS a(id) WHERE NOT EXISTS (SELECT 1 FROM ${t.name} w WHERE w.${quoteIdent(pk)} = ${int4 ? INT4_KEY('a.id') : 'a.id'})`,
    };
  } finally {
    await c.end().catch(() => {});
  }
};
