/**
 * `--schema FILE`: blue holds the user's schema instead of the demo `orders` table. The emulator this
 * rehearsal just started seeds `orders` into a fresh temporary data directory; that table is dropped
 * (only when it is exactly the seeded one), the dump is loaded in one transaction, and every table gets
 * generated rows. Switchyard's own `rehearsal_writes` table is added beside the user's by the write load.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import pg from 'pg';
import type { Emulator } from '../emulator/index.ts';
import { SOURCE_ID } from './input.ts';
import { loadAndFill, SchemaFileError, type SchemaLoad } from './schema/index.ts';

export type { SchemaLoad };

export interface UserSchemaOptions {
  file: string;
  /** Generated rows per table (default 20). */
  rows?: number;
}

export const DEFAULT_SCHEMA_ROWS = 20;

/** Reads the file first, so a missing file fails before anything is changed. */
export const readSchemaFile = (file: string): string => {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new SchemaFileError(
      `--schema ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
};

export const loadUserSchema = async (emu: Emulator, options: UserSchemaOptions): Promise<SchemaLoad> => {
  const text = readSchemaFile(options.file);
  const c = new pg.Client({ ...emu.connectionConfig(SOURCE_ID), connectionTimeoutMillis: 10_000 });
  c.on('error', () => {});
  await c.connect();
  try {
    // The seeded demo table, proven by its exact columns, so a dump that has its own `orders` can load.
    const seeded = await c.query<{ cols: string }>(
      `SELECT string_agg(attname, ',' ORDER BY attnum) AS cols FROM pg_attribute
        WHERE attrelid = to_regclass('public.orders') AND attnum > 0 AND NOT attisdropped`,
    );
    if (seeded.rows[0]?.cols === 'id,customer_id,status,amount_cents,created_at')
      await c.query('DROP TABLE public.orders');
    return await loadAndFill(c, text, basename(options.file), options.rows ?? DEFAULT_SCHEMA_ROWS);
  } finally {
    await c.end().catch(() => {});
  }
};

/** Rows per table as counted through an endpoint now (null for a table that cannot be read). */
export const countTableRows = async (
  emu: Emulator,
  endpoint: string,
  tables: string[],
): Promise<Record<string, number | null>> => {
  const c = new pg.Client({ ...emu.connectionConfig(endpoint), connectionTimeoutMillis: 10_000 });
  c.on('error', () => {});
  const counts: Record<string, number | null> = {};
  try {
    await c.connect();
    for (const t of tables) {
      counts[t] = await c
        .query<{ n: string }>(`SELECT count(*)::text AS n FROM ${t}`)
        .then((r) => Number(r.rows[0]?.n ?? NaN))
        .catch(() => null);
    }
  } catch {
    for (const t of tables) counts[t] ??= null;
  } finally {
    await c.end().catch(() => {});
  }
  return counts;
};

const plainName = (n: string) => (n.includes('.') ? n : `public.${n}`).replace(/"/g, '');

/**
 * Tables whose row count on the endpoint differs from what the generator inserted on blue. The write
 * load's table (`--load-table`) holds more: it only may not hold fewer (lost writes are counted apart).
 */
export const missingRows = (
  load: SchemaLoad,
  counts: Record<string, number | null>,
  loadTable?: string,
): string[] =>
  load.tables
    .filter((t) => {
      const n = counts[t.table];
      if (loadTable && plainName(t.table) === plainName(loadTable)) return n == null || n < t.inserted;
      return n !== t.inserted;
    })
    .map((t) => `${t.table}: ${counts[t.table] ?? 'unreadable'} of ${t.inserted}`);
