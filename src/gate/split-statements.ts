/** A quote- and comment-aware statement splitter for SQL the real parsers cannot split. */
import { isBlank } from './locate-statement.ts';

/** Character ranges of the statements, honouring quotes, backticks and comments (`#` too unless told otherwise). */
export const statementRanges = (sql: string, hashComments = true): Array<[number, number]> => {
  const ranges: Array<[number, number]> = [];
  let start = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === "'" || c === '"' || c === '`') i = closingQuote(sql, i, c);
    else if ((c === '-' && next === '-') || (c === '#' && hashComments)) i = endOfLine(sql, i);
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
  return ranges.filter(([from, to]) => !isBlank(sql.slice(from, to).replace(/;\s*$/, ''), hashComments));
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
