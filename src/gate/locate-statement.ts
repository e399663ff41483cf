/** Offset arithmetic shared by the statement splitters: bytes to characters, trivia, lines. */
import type { Statement } from './types.ts';

/** Converts a UTF-8 byte offset (what libpg-query reports) into a JavaScript string index. */
export const byteToCharOffset = (text: string, byteOffset: number): number =>
  Buffer.from(text, 'utf8').subarray(0, byteOffset).toString('utf8').length;

/** Skips whitespace and comments (`--`, `/* *\/`, and MySQL `#` when asked) from `offset` on. */
export const skipTrivia = (text: string, offset: number, hashComments = false): number => {
  let i = offset;
  while (i < text.length) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') i++;
    else if (c === '-' && text[i + 1] === '-') i = lineEnd(text, i);
    else if (c === '#' && hashComments) i = lineEnd(text, i);
    else if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      i = close < 0 ? text.length : close + 2;
    } else break;
  }
  return i;
};

const lineEnd = (text: string, offset: number): number => {
  const nl = text.indexOf('\n', offset);
  return nl < 0 ? text.length : nl + 1;
};

/** 1-based line number of a character offset. */
export const lineAt = (text: string, offset: number): number => {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text[i] === '\n') line++;
  return line;
};

/** Builds a Statement from character offsets, trimming leading trivia and the trailing semicolon. */
export const makeStatement = (
  file: string,
  sql: string,
  start: number,
  end: number,
  hashComments = false,
): Statement => {
  const from = skipTrivia(sql, start, hashComments);
  const text = sql.slice(from, Math.max(from, end)).trim().replace(/;\s*$/, '').trim();
  return { file, line: lineAt(sql, from), start: from, end: Math.max(from, end), text };
};

/** True when the text holds nothing but whitespace and comments. */
export const isBlank = (text: string, hashComments = false): boolean =>
  skipTrivia(text, 0, hashComments) >= text.length;
