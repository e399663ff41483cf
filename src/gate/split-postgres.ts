/** Splits a PostgreSQL migration file into located statements with their libpg-query AST. */
import { loadModule, type Node, parseSync, scanSync } from 'libpg-query';
import { byteToCharOffset, isBlank, makeStatement } from './locate-statement.ts';
import { statementRanges } from './split-statements.ts';
import type { Statement } from './types.ts';

/** A statement with its AST node, or the parser's error when PostgreSQL's grammar rejects it. */
export type PgStatement = Statement & { node?: Node; error?: string };

let loading: Promise<void> | undefined;

/** Loads the WASM parser once per process; every later call reuses it. */
export const loadPostgresParser = (): Promise<void> => {
  loading ??= loadModule();
  return loading;
};

/** Parses a whole file; on a syntax error, falls back to one parse per statement so one bad statement does not hide the others. */
export const splitPostgres = (file: string, sql: string): PgStatement[] => {
  try {
    return fromParse(file, sql, 0);
  } catch {
    return splitWithScanner(file, sql).flatMap(([start, end]) => parsePiece(file, sql, start, end));
  }
};

const fromParse = (file: string, sql: string, base: number): PgStatement[] => {
  const piece = sql.slice(base);
  const result = parseSync(piece);
  return (result.stmts ?? []).flatMap((raw) => {
    const startByte = raw.stmt_location ?? 0;
    const start = base + byteToCharOffset(piece, startByte);
    const end =
      raw.stmt_len === undefined || raw.stmt_len === 0
        ? sql.length
        : base + byteToCharOffset(piece, startByte + raw.stmt_len);
    if (!raw.stmt) return [];
    return [{ ...makeStatement(file, sql, start, end), node: raw.stmt }];
  });
};

const parsePiece = (file: string, sql: string, start: number, end: number): PgStatement[] => {
  const text = sql.slice(0, end);
  if (isBlank(text.slice(start))) return [];
  try {
    // Parse the piece in place (earlier text blanked) so offsets stay those of the file.
    const padded = text.slice(0, start).replace(/[^\n]/g, ' ') + text.slice(start);
    return fromParse(file, padded, 0).map((stmt) => ({
      ...stmt,
      text: sql.slice(stmt.start, stmt.end).trim().replace(/;\s*$/, ''),
    }));
  } catch (error) {
    return [{ ...makeStatement(file, sql, start, end), error: errorMessage(error) }];
  }
};

/**
 * Statement boundaries from the PostgreSQL scanner (it knows dollar quotes). If even scanning fails (an
 * unterminated quote), a plain quote-aware splitter keeps the statements before the damage classifiable.
 */
const splitWithScanner = (_file: string, sql: string): Array<[number, number]> => {
  let semicolons: number[];
  try {
    semicolons = scanSync(sql)
      .tokens.filter((token) => token.text === ';')
      .map((token) => byteToCharOffset(sql, token.end));
  } catch {
    return statementRanges(sql, false);
  }
  const bounds: Array<[number, number]> = [];
  let start = 0;
  for (const end of semicolons) {
    bounds.push([start, end]);
    start = end;
  }
  if (start < sql.length) bounds.push([start, sql.length]);
  return bounds;
};

const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));
