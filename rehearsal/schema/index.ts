/** The rehearsal's `--schema FILE` support: load a pg_dump --schema-only file into blue and fill it with rows. */
import type pg from 'pg';
import { readCatalog } from './catalog.ts';
import { loadSchema, prepareDump } from './dump.ts';
import { fillTables, type TableFill } from './fill.ts';

export type { SchemaCatalog, TableInfo } from './catalog.ts';
export { readCatalog } from './catalog.ts';
export { loadSchema, prepareDump, SchemaFileError } from './dump.ts';
export { fillTables, type TableFill } from './fill.ts';

export interface SchemaLoad {
  file: string;
  tables: TableFill[];
  /** Tables left with fewer rows than asked, and why: what the summary reports. */
  shortfalls: string[];
}

const shortfall = (t: TableFill): string | null => {
  if (t.skipped) return `${t.table}: left empty: ${t.skipped}`;
  if (t.inserted < t.requested)
    return `${t.table}: ${t.inserted} of ${t.requested} rows (${t.rejected} refused${t.firstError ? `: ${t.firstError}` : ''})`;
  return null;
};

/** Loads the dump text into the connected database and gives every table `rows` generated rows. */
export const loadAndFill = async (
  client: pg.ClientBase,
  text: string,
  file: string,
  rows: number,
): Promise<SchemaLoad> => {
  await loadSchema(client, prepareDump(text, file), file);
  const catalog = await readCatalog(client);
  const tables = await fillTables(client, catalog, rows);
  return { file, tables, shortfalls: tables.map(shortfall).filter((s): s is string => s !== null) };
};
