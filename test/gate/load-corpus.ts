/** Reads the gate corpus: `.sql` snippets whose header comments state the phase and the expected verdict and rules. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Engine, MigrationSource, Phase, Replication } from '#gate/index';

export type CorpusCase = {
  id: string;
  engine: Engine;
  phase: Phase;
  replication: Replication;
  covers: string[];
  expect: 'pass' | 'warn' | 'fail';
  rules: string[];
  schema: MigrationSource[];
  sql: string;
};

const CORPUS = fileURLToPath(new URL('./corpus/', import.meta.url));

// The orchestrator injects the timeout preamble; cases about G-TIMEOUTS opt out with `-- preamble: none`.
const PREAMBLE: Record<Engine, string> = {
  postgres: "SET lock_timeout = '5s'; SET statement_timeout = '15min'; ",
  mysql: 'SET SESSION lock_wait_timeout = 5; ',
};

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const parseCase = (engine: Engine, file: string, text: string): CorpusCase => {
  const headers = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const match = /^-- (\w+): ?(.*)$/.exec(line);
    if (!match) break;
    const [, key = '', value = ''] = match;
    headers.set(key, [...(headers.get(key) ?? []), value]);
  }
  const one = (key: string): string | undefined => headers.get(key)?.[0];
  const expect = one('expect');
  if (expect !== 'pass' && expect !== 'warn' && expect !== 'fail')
    throw new Error(`${file}: bad or missing '-- expect:'`);
  return {
    id: `${engine}/${file}`,
    engine,
    phase: one('phase') === 'contract' ? 'contract' : 'expand',
    replication: (one('replication') ?? 'none') as Replication,
    covers: list(one('covers')),
    expect,
    rules: list(one('rules')).sort(),
    schema: (headers.get('schema') ?? []).map((sql, i) => ({ name: `schema-${i}.sql`, sql })),
    sql: one('preamble') === 'none' ? text : PREAMBLE[engine] + text,
  };
};

/** Every corpus case of both engines, in file order. */
export const loadCorpus = (): CorpusCase[] =>
  (['postgres', 'mysql'] as const).flatMap((engine) =>
    readdirSync(join(CORPUS, engine))
      .filter((f) => f.endsWith('.sql'))
      .sort()
      .map((f) => parseCase(engine, f, readFileSync(join(CORPUS, engine, f), 'utf8'))),
  );
