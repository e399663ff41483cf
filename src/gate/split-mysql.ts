/** Splits a MySQL migration file into located statements and parses each with node-sql-parser. */
import sqlParser from 'node-sql-parser/build/mysql.js';
import { isBlank, makeStatement } from './locate-statement.ts';
import type { Statement } from './types.ts';

/** node-sql-parser's AST is loosely typed; the classifiers read it through narrow accessors. */
export type MyAst = Record<string, unknown>;

/** A statement with its AST, or the parser's error. `notEnforced` records a stripped `NOT ENFORCED` the parser lacks. */
export type MyStatement = Statement & { ast?: MyAst; error?: string; notEnforced?: boolean };

const parser = new sqlParser.Parser();

/** Character ranges of the statements, honouring quotes, backticks and comments. */
export const statementRanges = (sql: string): Array<[number, number]> => {
  const ranges: Array<[number, number]> = [];
  let start = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === "'" || c === '"' || c === '`') i = closingQuote(sql, i, c);
    else if ((c === '-' && next === '-') || c === '#') i = endOfLine(sql, i);
    else if (c === '/' && next === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? sql.length : close + 2;
    } else if (c === ';') {
      ranges.push([start, i + 1]);
      start = i + 1;
      i++;
    } else i++;
  }
  if (start < sql.length) ranges.push([start, sql.length]);
  return ranges.filter(([from, to]) => !isBlank(sql.slice(from, to).replace(/;\s*$/, ''), true));
};

const closingQuote = (sql: string, open: number, quote: string): number => {
  let i = open + 1;
  while (i < sql.length) {
    if (sql[i] === '\\' && quote !== '`') i += 2;
    else if (sql[i] === quote && sql[i + 1] === quote) i += 2;
    else if (sql[i] === quote) return i + 1;
    else i++;
  }
  return sql.length;
};

const endOfLine = (sql: string, from: number): number => {
  const nl = sql.indexOf('\n', from);
  return nl < 0 ? sql.length : nl + 1;
};

/** Splits and parses one file; a statement the parser rejects keeps its error instead of an AST. */
export const splitMysql = (file: string, sql: string): MyStatement[] =>
  statementRanges(sql).map(([start, end]) => {
    const stmt = makeStatement(file, sql, start, end, true);
    const notEnforced = /\bNOT\s+ENFORCED\b/i.test(stmt.text);
    const text = stmt.text.replace(/\bNOT\s+ENFORCED\b/gi, '');
    try {
      const ast = parser.astify(text, { database: 'MySQL' });
      const first = Array.isArray(ast) ? ast[0] : ast;
      return { ...stmt, ast: first as unknown as MyAst, notEnforced };
    } catch (error) {
      return {
        ...stmt,
        error: (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'syntax error',
      };
    }
  });
