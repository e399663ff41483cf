/** Splits a MySQL migration file into located statements and parses each with node-sql-parser. */
import sqlParser from 'node-sql-parser/build/mysql.js';
import { makeStatement } from './locate-statement.ts';
import { statementRanges } from './split-statements.ts';
import type { Statement } from './types.ts';

/** node-sql-parser's AST is loosely typed; the classifiers read it through narrow accessors. */
export type MyAst = Record<string, unknown>;

/** A statement with its AST, or the parser's error. `notEnforced` records a stripped `NOT ENFORCED` the parser lacks. */
export type MyStatement = Statement & { ast?: MyAst; error?: string; notEnforced?: boolean };

const parser = new sqlParser.Parser();

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
