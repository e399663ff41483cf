/**
 * Loading a `pg_dump --schema-only` file (plain SQL) into blue. The file runs as one transaction over the
 * ordinary protocol, so a schema that fails leaves nothing behind. psql meta-commands are not SQL: the
 * `\restrict`/`\unrestrict` guards of current pg_dump are dropped; any other one is refused with its line.
 */
import type pg from 'pg';

export class SchemaFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchemaFileError';
  }
}

/** The dump's SQL with the psql guards removed; throws SchemaFileError naming the line of anything else psql-only. */
export const prepareDump = (text: string, file = 'the schema file'): string => {
  const lines = text.split('\n');
  let inCopy = false;
  const out = lines.map((line, i) => {
    if (/^COPY .* FROM stdin;\s*$/.test(line)) inCopy = true;
    if (inCopy)
      throw new SchemaFileError(
        `${file}:${i + 1}: the dump holds table data (COPY … FROM stdin); the rehearsal generates its own rows: dump with pg_dump --schema-only`,
      );
    if (/^\\(restrict|unrestrict)\b/.test(line)) return '';
    if (line.startsWith('\\'))
      throw new SchemaFileError(
        `${file}:${i + 1}: psql meta-command ${line.split(/\s/)[0]} is not SQL; dump one database with pg_dump --schema-only (no --create, plain format)`,
      );
    return line;
  });
  const sql = out.join('\n');
  if (!/\bCREATE\s+TABLE\b/i.test(sql))
    throw new SchemaFileError(
      `${file}: no CREATE TABLE found; expected the output of pg_dump --schema-only (plain format)`,
    );
  return sql;
};

/** Line number (1-based) of a character position in `sql`. */
const lineAt = (sql: string, position: number): number => sql.slice(0, position).split('\n').length;

/**
 * Runs the dump in one transaction on a dedicated connection (the dump resets search_path for its session).
 * On error nothing is kept and SchemaFileError names the line and PostgreSQL's message.
 */
export const loadSchema = async (
  client: pg.ClientBase,
  sql: string,
  file = 'the schema file',
): Promise<void> => {
  try {
    await client.query(`BEGIN;\n${sql}\n;COMMIT;`);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    const e = err as Error & { position?: string };
    // The position counts from the start of the statement text sent, which begins with "BEGIN;\n".
    const where = e.position ? `:${lineAt(sql, Number(e.position) - 1 - 'BEGIN;\n'.length)}` : '';
    throw new SchemaFileError(
      `${file}${where}: PostgreSQL refused the schema: ${e.message}; nothing was created`,
    );
  } finally {
    await client.query('RESET ALL').catch(() => {});
  }
};
