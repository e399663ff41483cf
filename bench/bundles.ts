/**
 * Each Lambda bundle's size and its import time in a fresh Node process, against the unbundled
 * TypeScript imported through tsx, in the same run. Bundled as serverless.yml's custom.esbuild does
 * (bundle, ESM, platform node, target node22, the createRequire banner, libpg-query and pg-native
 * external). Import time is measured inside the child (performance.now() around `await import()`),
 * and the child's wall time is kept too; medians of N fresh processes each.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { median } from './stats.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// Inside the project so a bundle's external imports (libpg-query) resolve from node_modules.
const OUT = join(ROOT, '.tmp', 'bench-bundles');

const BANNER =
  "import { createRequire as __switchyardCreateRequire } from 'module'; const require = __switchyardCreateRequire(import.meta.url);";

/** Environment the handler modules read at import (values never used: nothing is called). */
const IMPORT_ENV = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDBENCH',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  APPROVAL_TABLE: 'bench',
  APPROVAL_BASE_URL: 'https://approvals.example.com/approvals',
  APPROVAL_SECRET_PARAMETER: '/bench/key',
  NOTIFY_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:bench',
  SLACK_SIGNING_SECRET_PARAMETER: '/bench/slack',
  STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:bench',
  INPUT_PARAMETER: '/bench/input',
};

export interface BundleSample {
  function: string;
  bytes: number;
  gzipBytes: number;
  bundledImportMs: number[];
  unbundledImportMs: number[];
  bundledProcessMs: number[];
  unbundledProcessMs: number[];
  bundledImportMedianMs: number | null;
  unbundledImportMedianMs: number | null;
  bundledProcessMedianMs: number | null;
  unbundledProcessMedianMs: number | null;
}

const probe = (file: string) =>
  `const t = performance.now(); const m = await import(${JSON.stringify(`file://${file}`)}); const ms = performance.now() - t; if (typeof m.handler !== 'function') throw new Error('no handler'); process.stdout.write(String(ms));`;

const timeChild = (args: string[]): { importMs: number; processMs: number } => {
  const started = process.hrtime.bigint();
  const out = execFileSync(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...IMPORT_ENV },
    encoding: 'utf8',
  });
  const processMs = Number(process.hrtime.bigint() - started) / 1e6;
  return { importMs: Number(out.trim()), processMs };
};

export const benchBundles = async (
  runs: number,
  log: (line: string) => void,
  only?: string[],
): Promise<BundleSample[]> => {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(OUT, { recursive: true });
  const files = readdirSync(join(ROOT, 'functions'))
    .filter((f) => f.endsWith('.ts'))
    .filter((f) => !only || only.includes(basename(f, '.ts')))
    .sort();
  const samples: BundleSample[] = [];
  try {
    for (const f of files) {
      const name = basename(f, '.ts');
      const outfile = join(OUT, `${name}.mjs`);
      await build({
        entryPoints: [join(ROOT, 'functions', f)],
        outfile,
        bundle: true,
        format: 'esm',
        platform: 'node',
        target: 'node22',
        sourcemap: true,
        minify: false,
        external: ['libpg-query', 'pg-native'],
        banner: { js: BANNER },
        logLevel: 'silent',
      });
      const bytes = statSync(outfile).size;
      const gzipBytes = gzipSync(new Uint8Array(readFileSync(outfile))).length;
      const s: BundleSample = {
        function: name,
        bytes,
        gzipBytes,
        bundledImportMs: [],
        unbundledImportMs: [],
        bundledProcessMs: [],
        unbundledProcessMs: [],
        bundledImportMedianMs: null,
        unbundledImportMedianMs: null,
        bundledProcessMedianMs: null,
        unbundledProcessMedianMs: null,
      };
      // Alternate bundled and unbundled so machine load hits both alike.
      for (let i = 0; i < runs; i++) {
        const b = timeChild(['--input-type=module', '-e', probe(outfile)]);
        s.bundledImportMs.push(b.importMs);
        s.bundledProcessMs.push(b.processMs);
        const u = timeChild([
          '--import',
          'tsx',
          '--input-type=module',
          '-e',
          probe(join(ROOT, 'functions', f)),
        ]);
        s.unbundledImportMs.push(u.importMs);
        s.unbundledProcessMs.push(u.processMs);
      }
      s.bundledImportMedianMs = median(s.bundledImportMs);
      s.unbundledImportMedianMs = median(s.unbundledImportMs);
      s.bundledProcessMedianMs = median(s.bundledProcessMs);
      s.unbundledProcessMedianMs = median(s.unbundledProcessMs);
      samples.push(s);
      log(
        `  ${name.padEnd(24)} ${(bytes / 1024).toFixed(0).padStart(6)} KiB (${(gzipBytes / 1024).toFixed(0)} KiB gz); import ${s.bundledImportMedianMs?.toFixed(0)} ms bundled vs ${s.unbundledImportMedianMs?.toFixed(0)} ms unbundled`,
      );
    }
  } finally {
    rmSync(OUT, { recursive: true, force: true });
  }
  return samples;
};
