/**
 * `npm run bench`: runs the benchmark suites, prints a table of medians and writes bench/results.json
 * (raw samples included). Suites not selected with --only keep their previous results in the file.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { mariaBinaries, mariadbAvailable } from '../emulator/mariadb/binaries.ts';
import { binariesFor } from '../emulator/pg/binaries.ts';
import { type BundleSample, benchBundles } from './bundles.ts';
import { benchCli, type CliBench } from './cli.ts';
import { benchConnect, type ConnectBench } from './connect.ts';
import { benchCopy, type CopyVariant } from './copy.ts';
import { benchDegraded, type DegradedBench } from './degraded.ts';
import { benchEngines, type EngineBench } from './engines.ts';
import { benchFailBack, type FailBackBench } from './fail-back.ts';
import { benchFleetSim, type FleetSimBench } from './fleet-sim.ts';
import { benchGreenMaintenance, type GreenMaintenanceBench } from './green-maintenance.ts';
import { benchInspection, type InspectionBench } from './inspection.ts';
import { benchRehearsals, type RehearsalBench } from './rehearsals.ts';
import { benchRows, type RowsBench } from './rows.ts';
import type { Summary } from './stats.ts';
import { benchTransitions, type TransitionBench } from './transitions.ts';
import { benchValidation, type ValidationBench } from './validation.ts';

export const SUITES = [
  'rehearsals',
  'cli',
  'rows',
  'copy',
  'transitions',
  'bundles',
  'inspection',
  'validation',
  'engines',
  'degraded',
  'fail-back',
  'fail-back-mariadb',
  'connect',
  'green-maintenance',
  'fleet-sim',
] as const;
export type Suite = (typeof SUITES)[number];

export interface BenchOptions {
  only: Suite[];
  /** happy-path rehearsals per endpoint mode (dropped, held) */
  runs: number;
  rowsRuns: number;
  rowSizes: number[];
  /** emulator-level switchovers per engine and seeded size (engines suite) */
  engineRuns: number;
  importRuns: number;
  /** fresh-process `switchyard rehearse --auto-approve` runs */
  cliRuns: number;
  /** rows in the isolated logical-copy experiment */
  copyRows: number;
  /** inspections per schema size (200 and 2,000 tables) */
  inspectionRuns?: number;
  /** validation rounds per size (20k, 200k, 2M rows) */
  validationRuns?: number;
  /** ddl-during-replication-recreate rehearsals (degraded suite) */
  degradedRuns?: number;
  /** fail-back rehearsals (17 → 18 → 17, both stalls side by side) */
  failBackRuns?: number;
  /** MaintainGreen ANALYZE rounds per session count (1 and 4) */
  greenMaintenanceRuns?: number;
  log: (line: string) => void;
}

export interface BenchResults {
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGiB: number;
    node: string;
    platform: string;
    postgres: string[];
    mariadb?: string;
  };
  updatedAt: string;
  suites: Partial<
    Record<Suite, { measuredAt: string; options: Record<string, unknown>; durationMs: number }>
  >;
  rehearsals?: RehearsalBench;
  degraded?: DegradedBench;
  failBack?: FailBackBench;
  /** the same on MariaDB (skipped without the MariaDB binaries) */
  failBackMariadb?: FailBackBench;
  connect?: ConnectBench;
  rows?: RowsBench;
  copy?: CopyVariant[];
  engines?: EngineBench;
  cli?: CliBench;
  transitions?: TransitionBench;
  fleetSim?: FleetSimBench;
  bundles?: BundleSample[];
  inspection?: InspectionBench;
  validation?: ValidationBench;
  greenMaintenance?: GreenMaintenanceBench;
}

export const RESULTS_PATH = fileURLToPath(new URL('results.json', import.meta.url));

const machine = (): BenchResults['machine'] => ({
  cpus: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  postgres: [17, 18].map((m) => binariesFor(m).version),
  ...(mariadbAvailable() ? { mariadb: mariaBinaries().version } : {}),
});

export const runBenchmarks = async (options: BenchOptions): Promise<BenchResults> => {
  const previous: BenchResults | undefined = existsSync(RESULTS_PATH)
    ? JSON.parse(readFileSync(RESULTS_PATH, 'utf8'))
    : undefined;
  const results: BenchResults = {
    ...(previous ?? { suites: {} }),
    machine: machine(),
    updatedAt: new Date().toISOString(),
  };
  results.suites = { ...(previous?.suites ?? {}) };
  const save = () => writeFileSync(RESULTS_PATH, `${JSON.stringify(results, null, 1)}\n`);
  const suite = async <T>(
    name: Suite,
    opts: Record<string, unknown>,
    fn: () => Promise<T>,
    put: (v: T) => void,
  ) => {
    if (!options.only.includes(name)) return;
    options.log(`\n${name} …`);
    const t0 = Date.now();
    put(await fn());
    results.suites[name] = {
      measuredAt: new Date().toISOString(),
      options: opts,
      durationMs: Date.now() - t0,
    };
    save();
  };
  await suite(
    'transitions',
    {},
    () => benchTransitions(options.log),
    (v) => (results.transitions = v),
  );
  await suite(
    'fleet-sim',
    {},
    () => benchFleetSim(options.log),
    (v) => (results.fleetSim = v),
  );
  await suite(
    'bundles',
    { runs: options.importRuns },
    () => benchBundles(options.importRuns, options.log),
    (v) => (results.bundles = v),
  );
  await suite(
    'rehearsals',
    { runs: options.runs, held: true },
    () => benchRehearsals(options.runs, true, options.log),
    (v) => (results.rehearsals = v),
  );
  await suite(
    'cli',
    { runs: options.cliRuns },
    () => benchCli(options.cliRuns, options.log),
    (v) => (results.cli = v),
  );
  await suite(
    'rows',
    { sizes: options.rowSizes, runs: options.rowsRuns },
    () => benchRows(options.rowSizes, options.rowsRuns, options.log),
    (v) => (results.rows = v),
  );
  await suite(
    'engines',
    { sizes: options.rowSizes.filter((n) => n <= 100_000), runs: options.engineRuns },
    () =>
      benchEngines(
        options.rowSizes.filter((n) => n <= 100_000),
        options.engineRuns,
        options.log,
      ),
    (v) => (results.engines = v),
  );
  await suite(
    'copy',
    { rows: options.copyRows },
    () => benchCopy(options.copyRows, options.log),
    (v) => (results.copy = v),
  );
  await suite(
    'inspection',
    { runs: options.inspectionRuns ?? 7 },
    () => benchInspection(options.inspectionRuns ?? 7, options.log),
    (v) => (results.inspection = v),
  );
  await suite(
    'validation',
    { runs: options.validationRuns ?? 3 },
    () => benchValidation(options.validationRuns ?? 3, options.log),
    (v) => (results.validation = v),
  );
  await suite(
    'degraded',
    { runs: options.degradedRuns ?? 3, scenario: 'ddl-during-replication-recreate' },
    () => benchDegraded(options.degradedRuns ?? 3, options.log),
    (v) => (results.degraded = v),
  );
  await suite(
    'fail-back',
    { runs: options.failBackRuns ?? 5, scenario: 'fail-back' },
    () => benchFailBack(options.failBackRuns ?? 5, options.log),
    (v) => (results.failBack = v),
  );
  if (mariadbAvailable())
    await suite(
      'fail-back-mariadb',
      { runs: options.failBackRuns ?? 5, scenario: 'fail-back', engine: 'mariadb' },
      () => benchFailBack(options.failBackRuns ?? 5, options.log, 'mariadb'),
      (v) => (results.failBackMariadb = v),
    );
  await suite(
    'connect',
    { connections: 20 },
    () => benchConnect(20, options.log),
    (v) => (results.connect = v),
  );
  await suite(
    'green-maintenance',
    { runs: options.greenMaintenanceRuns ?? 5 },
    () => benchGreenMaintenance(options.greenMaintenanceRuns ?? 5, options.log),
    (v) => (results.greenMaintenance = v),
  );
  return results;
};

const ms = (s: Summary | undefined | null, unit = 'ms'): string =>
  !s || s.median === null
    ? '–'
    : `${s.median.toFixed(0)} ${unit} (min ${s.min?.toFixed(0)}, max ${s.max?.toFixed(0)}, n=${s.n})`;

/** The table printed at the end of `npm run bench`. */
export const formatResults = (r: BenchResults): string => {
  const rows: Array<[string, string, string]> = [];
  const add = (what: string, value: string, target = '') => rows.push([what, value, target]);
  if (r.rehearsals) {
    const d = r.rehearsals.dropped;
    add(
      'write stall at switchover, connections dropped',
      ms(d.writeStallMs),
      `≤ 1000 ms p100 → max ${d.writeStallMs.max ?? '–'} ms`,
    );
    add('  client errors around the switch', ms(d.clientErrors, ''));
    add('  lost writes', `max ${d.lost.max ?? '–'} over ${d.lost.n} runs`, '0');
    if (r.rehearsals.held) {
      const h = r.rehearsals.held;
      add(
        'write stall at switchover, connections held',
        ms(h.writeStallMs),
        `max ${h.writeStallMs.max ?? '–'} ms`,
      );
      add('  client errors around the switch', ms(h.clientErrors, ''));
      add('  lost writes', `max ${h.lost.max ?? '–'} over ${h.lost.n} runs`, '0');
    }
    add('reaction: green AVAILABLE → StartLagWatch', ms(r.rehearsals.reaction.greenReadyMs), 'poll 1 s');
    add(
      'reaction: switchover completed → Verify',
      ms(r.rehearsals.reaction.switchedMs),
      'switchover.pollSeconds 1 s',
    );
    add('rehearsal wall time (happy, 1,000 rows)', ms(r.rehearsals.wallTimeMs), '≤ 30 s');
  }
  if (r.cli) add('npm run rehearse --auto-approve, spawn to exit', ms(r.cli.wallMs), '≤ 30 s');
  if (r.rows)
    for (const s of r.rows.bySize)
      add(
        `rows ${s.rows.toLocaleString('en-US')} (${((s.ordersTableBytes ?? 0) / 1e6).toFixed(1)} MB)`,
        `wall ${ms(s.durationMs)}; green ${s.greenBuildMs.median ?? '–'} ms; copy ${s.initialCopyMs.median ?? '–'} ms = ${s.copyMBps.median?.toFixed(1) ?? '–'} MB/s`,
        s === r.rows.bySize.at(-1) ? 'copy ≥ 50 MB/s' : '',
      );
  if (r.engines)
    for (const e of r.engines.byEngine) {
      add(
        `${e.engine}: write stall at switchover (emulator, 4 × 50 writes/s)`,
        ms(e.writeStallMs),
        e.engine === 'mariadb' ? `≤ 150 ms p100 → max ${e.writeStallMs.max ?? '–'} ms` : '',
      );
      add('  server side (emulator steps, block → unblock)', ms(e.serverStallMs));
      add(`  lost writes`, `max ${e.lost.max ?? '–'} over ${e.lost.n} runs`, '0');
      for (const s of e.bySize)
        add(`  green build, ${s.rows.toLocaleString('en-US')} rows`, ms(s.greenBuildMs));
    }
  if (r.copy)
    for (const c of r.copy)
      add(
        `logical copy: ${c.variant}`,
        `${c.copyMBps.toFixed(1)} MB/s copy, ${c.totalMBps.toFixed(1)} MB/s with indexes (${c.tableMB.toFixed(0)} MB)`,
      );
  if (r.transitions)
    for (const t of r.transitions.runs)
      add(
        `transitions: ${t.label}`,
        `${t.transitions} ($${t.costUsd.toFixed(4)}), ${t.historyEvents ?? '?'} history events, ${t.status}`,
      );
  if (r.bundles) {
    const total = r.bundles.reduce((a, b) => a + b.bytes, 0);
    add(
      `Lambda bundles (${r.bundles.length})`,
      `${(total / r.bundles.length / 1024).toFixed(0)} KiB average, largest ${Math.max(...r.bundles.map((b) => b.bytes / 1024)).toFixed(0)} KiB`,
    );
    for (const b of r.bundles)
      add(
        `  ${b.function}`,
        `${(b.bytes / 1024).toFixed(0)} KiB; import ${b.bundledImportMedianMs?.toFixed(0)} ms bundled vs ${b.unbundledImportMedianMs?.toFixed(0)} ms tsx`,
      );
  }
  if (r.inspection)
    for (const s of r.inspection.sizes)
      add(
        `inspection of blue, ${s.tables.toLocaleString('en-US')} tables`,
        ms(s.totalMs),
        s === r.inspection.sizes.at(-1) ? `≤ 2000 ms; ${r.inspection.ratio}× the smallest` : '',
      );
  if (r.validation)
    for (const s of r.validation.sizes)
      add(
        `validation blue vs green, ${s.rows.toLocaleString('en-US')} rows (${(s.bytes / 1e6).toFixed(1)} MB)`,
        `${ms(s.wallMs)}, ${s.mbPerSecond} MB/s`,
        s === r.validation.sizes.at(-1)
          ? `≥ 100 MB/s; ${r.validation.ratio}× the smallest for ${r.validation.rowRatio}× rows`
          : '',
      );
  if (r.degraded) {
    const d = r.degraded;
    add('DDL on blue → lag loop left (1 s lag polls)', ms(d.ddlToExitMs), 'within two lag polls');
    add('  green rebuilt: loop left → new green’s first lag check', ms(d.rebuildMs));
    add('  switch measured here: Switchover → Verify', ms(d.switchMs));
    add('  write stall measured here', ms(d.writeStallMs));
    add('  RDS switchover estimate (modelled, expected)', ms(d.estimateExpectedSeconds, 's'));
  }
  const failBackRows = (f: FailBackBench, switchLabel: string, stallLabel: string, target: string) => {
    add(switchLabel, ms(f.switchStallMs));
    add(stallLabel, ms(f.failBackStallMs), `${target}${f.ratio ?? '–'}× the switchover stall`);
    add('  lost writes across both moves', ms(f.lost, ''), '0');
    for (const step of f.steps) add(`    ${step.state}`, ms(step.ms), 'entered → next state entered');
  };
  if (r.failBack)
    failBackRows(
      r.failBack,
      'fail-back rehearsal: switchover stall (17 → 18)',
      '  fail-back stall (18 → 17), same runs',
      '≤ 250 ms; ',
    );
  if (r.failBackMariadb)
    failBackRows(
      r.failBackMariadb,
      'fail-back rehearsal on MariaDB: switchover stall (10.11 minor)',
      '  fail-back stall (parameter groups, old blue rebooted), same runs',
      '',
    );
  if (r.connect) {
    add('PostgreSQL connect (TLS verified), CAs parsed each time', ms(r.connect.caEachTimeMs));
    add(
      '  one SecureContext built once (databaseTlsOptions)',
      ms(r.connect.cachedContextMs),
      `${r.connect.ratio ?? '–'}× faster`,
    );
  }
  if (r.greenMaintenance)
    for (const b of r.greenMaintenance.byJobs)
      add(
        `ANALYZE on a read-only green, ${r.greenMaintenance.tables} tables × ${(r.greenMaintenance.rows / r.greenMaintenance.tables).toLocaleString('en-US')} rows, ${b.jobs} session(s)`,
        ms(b.wallMs),
        b === r.greenMaintenance.byJobs.at(-1) ? `${r.greenMaintenance.speedup}× faster than 1 session` : '',
      );
  const w = Math.max(...rows.map((x) => x[0].length));
  return rows.map(([a, b, c]) => `${a.padEnd(w)}  ${b}${c ? `   [${c}]` : ''}`).join('\n');
};
