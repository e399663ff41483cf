/** `--input FILE`: reads the production document and maps it onto the versions the local binaries serve. */
import { readFileSync } from 'node:fs';
import { binariesFor } from '../emulator/pg/binaries.ts';
import { splitCommandHooks } from './command-hooks.ts';
import { type InputChange, type InputMapping, mapProductionInput } from './input-mapping.ts';

export interface MappedInput {
  file: string;
  document: Record<string, unknown>;
  changes: InputChange[];
}

/** A file that cannot be read or parsed is refused like any other problem. */
export const readProductionInput = (file: string): InputMapping => {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    return { ok: false, refusals: [`input: cannot read ${file} as JSON (${(err as Error).message})`] };
  }
  // Hooks with `command:` run locally (rehearsal only): set aside before the mapping validates the rest,
  // kept in the mapped document for rehearse() to run (command-hooks.ts).
  let split: ReturnType<typeof splitCommandHooks>;
  try {
    split = splitCommandHooks((raw ?? {}) as Record<string, unknown>);
  } catch (err) {
    return { ok: false, refusals: [(err as Error).message] };
  }
  const mapped = mapProductionInput(split.document, {
    sourceEngineVersion: binariesFor(17).version,
    targetEngineVersion: binariesFor(18).version,
  });
  if (mapped.ok && split.hooks.length > 0) mapped.input.hooks = (raw as { hooks: unknown }).hooks;
  return mapped;
};

/** The mapped input `rehearse({ input })` takes; throws with every refusal when it cannot be rehearsed. */
export const mappedInput = (file: string): MappedInput => {
  const r = readProductionInput(file);
  if (!r.ok) throw new Error(`--input ${file} cannot be rehearsed:\n${r.refusals.join('\n')}`);
  return { file, document: r.input, changes: r.changes };
};
