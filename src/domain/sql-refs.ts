/**
 * Migration SQL travels once through the state: its text stays in the input document (`$.input`), and
 * every later step carries a reference (where in the input, its SHA-256, its size). A step that needs the
 * text (the approval e-mail) resolves the references against the document and refuses a text whose hash
 * changed, so approvers read exactly the SQL Preflight linted.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';

export const StatementRef = z.strictObject({
  /** e.g. "migrations.expand[0]": the same name the gate's findings use */
  location: z.string().regex(/^migrations\.(expand|contract)\[\d+\]$/),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().nonnegative(),
});
export type StatementRef = z.output<typeof StatementRef>;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

type Migrations = { expand?: readonly string[]; contract?: readonly string[] } | undefined;

/** References to every statement of the document's migrations, expand first. */
export const statementRefs = (migrations: Migrations): StatementRef[] =>
  (['expand', 'contract'] as const).flatMap((phase) =>
    (migrations?.[phase] ?? []).map((text, i) => ({
      location: `migrations.${phase}[${i}]`,
      sha256: sha256(text),
      bytes: new TextEncoder().encode(text).length,
    })),
  );

export class StatementMismatchError extends Error {
  override readonly name = 'StatementMismatchError';
}

/** The texts behind the references, read from the input document; throws when one is missing or changed. */
export const resolveStatements = (refs: readonly StatementRef[], document: unknown): string[] => {
  const migrations = (document as { migrations?: Record<string, unknown> } | null)?.migrations;
  return refs.map((ref) => {
    const [, phase, index] = /^migrations\.(expand|contract)\[(\d+)\]$/.exec(ref.location)!;
    const list = migrations?.[phase!];
    const text = Array.isArray(list) ? list[Number(index)] : undefined;
    if (typeof text !== 'string')
      throw new StatementMismatchError(`${ref.location} is not in the input document`);
    if (sha256(text) !== ref.sha256)
      throw new StatementMismatchError(
        `${ref.location} is not the statement Preflight checked (SHA-256 differs)`,
      );
    return text;
  });
};
