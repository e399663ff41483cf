/** `switchyard bench [--only suites] [--runs N] [--quick] [--big]`: measure, print medians, write bench/results.json. */
import { parseArgs } from 'node:util';
import type { Suite } from '../../bench/run.ts';

const usage = (
  suites: readonly string[],
  resultsPath: string,
) => `usage: switchyard bench [options]      (npm run bench -- [options])

  --only LIST        comma-separated suites: ${suites.join(', ')} (default: all)
  --runs N           happy-path rehearsals per endpoint mode, dropped and held (default 5)
  --rows-runs N      rehearsals per seeded size (default 2)
  --engine-runs N    emulator switchovers per engine (PostgreSQL, MariaDB) and seeded size (default 2)
  --import-runs N    fresh processes per bundle and per unbundled import (default 5)
  --degraded-runs N  ddl-during-replication-recreate rehearsals (default 3)
  --fail-back-runs N fail-back rehearsals, 17 → 18 → 17 (default 5)
  --big              also seed 1,000,000 rows (1000×)
  --quick            1 rehearsal per mode, 1 per size (1× and 10× only), 2 imports

Writes ${resultsPath} (raw samples and medians); BENCHMARKS.md records a committed run.`;

export const run = async (argv: string[]): Promise<number> => {
  // The pinned SDK warns once per process that future versions need Node 22; not news during a run.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // The handlers' Powertools lines (JSON, as in Lambda) would bury the results. The logger reads its
  // level when its module loads, so set it before the suites load (POWERTOOLS_LOG_LEVEL still wins).
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  const { formatResults, RESULTS_PATH, runBenchmarks, SUITES } = await import('../../bench/run.ts');
  const USAGE = usage(SUITES, RESULTS_PATH);
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: {
        only: { type: 'string' },
        runs: { type: 'string' },
        'rows-runs': { type: 'string' },
        'engine-runs': { type: 'string' },
        'import-runs': { type: 'string' },
        'degraded-runs': { type: 'string' },
        'fail-back-runs': { type: 'string' },
        big: { type: 'boolean' },
        quick: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    process.stderr.write(`switchyard bench: ${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const only = typeof values.only === 'string' ? values.only.split(',').map((s) => s.trim()) : [...SUITES];
  const unknown = only.filter((s) => !(SUITES as readonly string[]).includes(s));
  if (unknown.length) {
    process.stderr.write(`switchyard bench: unknown suite ${unknown.join(', ')}\n\n${USAGE}\n`);
    return 2;
  }
  const int = (v: unknown, fallback: number) =>
    typeof v === 'string' && /^\d+$/.test(v) && Number(v) > 0 ? Number(v) : fallback;
  const quick = values.quick === true;
  const sizes = quick ? [1_000, 10_000] : [1_000, 10_000, 100_000];
  if (values.big) sizes.push(1_000_000);
  // The handlers log JSON lines (as in Lambda); keep the bench output readable.
  const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error };
  const quiet = () => {};
  Object.assign(console, { log: quiet, info: quiet, warn: quiet, error: quiet });
  const log = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const results = await runBenchmarks({
      only: only as Suite[],
      runs: int(values.runs, quick ? 1 : 5),
      rowsRuns: int(values['rows-runs'], quick ? 1 : 2),
      rowSizes: sizes,
      engineRuns: int(values['engine-runs'], quick ? 1 : 2),
      importRuns: int(values['import-runs'], quick ? 2 : 5),
      degradedRuns: int(values['degraded-runs'], quick ? 1 : 3),
      failBackRuns: int(values['fail-back-runs'], quick ? 1 : 5),
      copyRows: quick ? 100_000 : 1_000_000,
      cliRuns: quick ? 1 : 3,
      log,
    });
    log(`\n${formatResults(results)}\n\nresults: ${RESULTS_PATH}`);
    return 0;
  } catch (err) {
    process.stderr.write(`switchyard bench: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  } finally {
    Object.assign(console, saved);
    // The emulator's PgServer.stop() leaves a 15 s fallback timer pending; nothing else is running.
    setTimeout(() => process.exit(), 250).unref();
  }
};
