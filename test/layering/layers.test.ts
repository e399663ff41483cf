/**
 * Layering, enforced by dependency-cruiser (.dependency-cruiser.cjs) and an AST check of the pure modules
 * (scripts/check-layers.mjs): the repository passes, and each rule fires on a tree that breaks it.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error a plain ESM script without type declarations
import { importViolations, impurities, pureModuleViolations } from '../../scripts/check-layers.mjs';

type Violation = { rule: { name: string }; from: string; to: string };

describe('the repository’s layers', () => {
  it('have no import violation beyond the known baseline (the emulator circle maria-emu breaks)', async () => {
    const { violations } = (await importViolations()) as { violations: Violation[] };
    expect(violations).toEqual([]);
  });

  it('keep src/domain free of process and the clock', async () => {
    const { readdirSync } = await import('node:fs');
    const files = readdirSync('src/domain').map((f) => `src/domain/${f}`);
    expect(files.length).toBeGreaterThan(5);
    expect(pureModuleViolations(files)).toEqual([]);
  });
});

describe('each layering rule', () => {
  const root = mkdtempSync(join(tmpdir(), 'switchyard-layers-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  copyFileSync('.dependency-cruiser.cjs', join(root, '.dependency-cruiser.cjs'));
  write(
    'src/domain/uses-sdk.ts',
    "import { RDSClient } from '@aws-sdk/client-rds';\nexport const c = RDSClient;\n",
  );
  write('src/domain/uses-env.ts', "import { env } from 'node:process';\nexport const e = env;\n");
  write('src/domain/uses-gateway.ts', "import { g } from '../aws/gateway.ts';\nexport const x = g;\n");
  write('src/aws/gateway.ts', 'export const g = 1;\n');
  write('functions/handler.ts', "import { run } from '../local/runner.ts';\nexport const h = run;\n");
  write('local/runner.ts', 'export const run = 1;\n');
  write('emulator/a.ts', "import { b } from './b.ts';\nexport const a = b;\n");
  write('emulator/b.ts', "import { a } from './a.ts';\nexport const b = () => a;\n");

  it.each([
    ['pure-imports-no-sdk', 'src/domain/uses-sdk.ts'],
    ['pure-imports-no-process', 'src/domain/uses-env.ts'],
    ['pure-imports-no-gateway', 'src/domain/uses-gateway.ts'],
    ['deployed-code-never-reaches-local-tooling', 'functions/handler.ts'],
    ['no-circular', 'emulator/a.ts'],
  ])('%s fires on %s', async (rule, from) => {
    const { violations } = (await importViolations(root)) as { violations: Violation[] };
    expect(violations.filter((v) => v.rule.name === rule).map((v) => v.from)).toContain(from);
  });
});

describe('impurities', () => {
  it('finds the environment, the clock and the timer, with their lines', () => {
    const source = [
      'export const region = process.env.AWS_REGION;',
      'export const now = () => Date.now();',
      'export const today = () => new Date();',
      'export const t = () => performance.now();',
    ].join('\n');
    expect(impurities('x.ts', source).map((f: { line: number }) => f.line)).toEqual([1, 2, 3, 4]);
  });

  it('allows dates built from values passed in', () => {
    const source = 'export const later = (now: Date) => new Date(now.getTime() + 1000).toISOString();';
    expect(impurities('x.ts', source)).toEqual([]);
  });
});
