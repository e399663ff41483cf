/**
 * `switchyard rehearse [--scenario NAME|all] [--auto-approve] [--report FILE] [--print-input] …`:
 * a whole Blue/Green deployment rehearsed locally (see rehearsal/). Also reads the npm form
 * `npm run rehearse --auto-approve --scenario=lag-stall` (npm passes unknown flags as npm_config_*).
 */

import { basename, dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { watchParent } from '../../emulator/lifecycle.ts';
import { binariesFor } from '../../emulator/pg/binaries.ts';
import { type CommandHook, parseHookFlag } from '../../rehearsal/command-hooks.ts';
import {
  REHEARSAL_ENGINES,
  type RehearsalEngine,
  scenarioEngineRefusal,
} from '../../rehearsal/engine-probes.ts';
import {
  formatSummary,
  isOutcome,
  isScenarioName,
  OUTCOMES,
  type Outcome,
  RehearsalAbortedError,
  type RehearsalReport,
  rehearsalInput,
  rehearse,
  SCENARIO_NAMES,
  SCENARIOS,
  type ScenarioName,
  writeHtmlReport,
  writeJsonReport,
} from '../../rehearsal/index.ts';
import { formatChanges } from '../../rehearsal/input-mapping.ts';
import { LoadTableError } from '../../rehearsal/load-table.ts';
import { createProgressView } from '../../rehearsal/progress.ts';
import { SchemaFileError } from '../../rehearsal/schema/index.ts';
import { type MappedInput, readProductionInput } from '../../rehearsal/user-input.ts';
import { readSchemaFile } from '../../rehearsal/user-schema.ts';

export enum RehearseExitCode {
  /** Every scenario ended in its expected state with no lost writes and nothing orphaned. */
  Passed = 0,
  Failed = 1,
  Usage = 2,
  Interrupted = 130,
}

const OPTIONS = {
  scenario: { type: 'string', short: 's' },
  expect: { type: 'string' },
  'auto-approve': { type: 'boolean' },
  report: { type: 'string' },
  html: { type: 'string' },
  'print-input': { type: 'boolean' },
  'seed-rows': { type: 'string' },
  engine: { type: 'string' },
  schema: { type: 'string' },
  input: { type: 'string' },
  'load-table': { type: 'string' },
  rows: { type: 'string' },
  'hold-connections': { type: 'boolean' },
  hook: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const;

const USAGE = `usage: switchyard rehearse [options]      (npm run rehearse -- [options])

Runs statemachine/blue-green.asl.yaml locally with the real handlers against the emulator (real
PostgreSQL 17 → 18), a live write load through the orders-db endpoint, and an approval link.

  --scenario NAME     one of: ${SCENARIO_NAMES.join(', ')}; or "all" (default: happy)
  --expect OUTCOME    the end this run must reach instead of the scenario's, e.g. refused for an
                      input meant to be refused; exit 0 when it did. One of:
                      ${OUTCOMES.join(', ')}
  --auto-approve      approve through the link without waiting for a person
  --report FILE       write the JSON report there (default: reports/rehearsal-<scenario>.json; with
                      --input, the input's name: examples/clean-switch/input.json → rehearsal-clean-switch.json)
  --html FILE         write the HTML report there (default: beside the JSON report, .html; one per scenario)
  --print-input       print the scenario's execution input (the rehearsal time scale) and exit
  --seed-rows N       rows in orders-db's orders table (default 1000)
  --engine E          orders-db's engine: postgres (17 → 18, default), mariadb (10.11.19 → 10.11.20) or
                      mysql (8.0.41 → 8.0.42, run by the MariaDB binary as a labelled stand-in). One
                      MariaDB binary means a minor-version (or parameter-group) change is what these
                      rehearse; mariadb and mysql need Debian's mariadb-server and mariadb-backup
  --input FILE        your production execution document, mapped onto the emulator (changes printed)
  --schema FILE       blue gets this pg_dump --schema-only file instead of orders, every table filled
  --rows N            generated rows per table of --schema (default 20)
  --load-table TABLE  the write load INSERTs into this table of your schema (one-column integer
                      primary key) instead of Switchyard's own rehearsal_writes
  --hold-connections  the endpoint parks new connections during the switch instead of refusing them
  --hook P="CMD"      run CMD as a hook at point P (beforeCreate, greenReady, beforeSwitch, afterSwitch,
                      afterCleanup) with the run's facts as environment variables (PGHOST…, PGSSLMODE=
                      verify-full, SWITCHYARD_*); repeatable; a non-zero exit aborts the run
  --json              print the JSON report instead of the summary
  -v, --verbose       also print the emulator's log and the handlers' log lines
  --fleet [N]         rehearse a fleet instead (rehearsal/fleet.ts): N databases (default 3), canary then
                      waves, one approval per wave; with --fleet-fail K the K-th database's switchover
                      fails (takes only --auto-approve, --json, -v besides)

Scenarios:
${SCENARIO_NAMES.map((n) => `  ${n.padEnd(18)} → ${SCENARIOS[n].expected.padEnd(19)} ${SCENARIOS[n].description}`).join('\n')}

Exit code 0 when every scenario run ended in its expected state (or --expect's) with 0 lost writes
and nothing orphaned; 1 otherwise; 2 on a usage error; 130 when interrupted (everything is stopped first).
npm's form works too: npm run rehearse --auto-approve --scenario=lag-stall --report=out.json`;

/** npm turns `npm run rehearse --auto-approve` into npm_config_auto_approve=true; read those as flags. */
const npmFlag = (env: NodeJS.ProcessEnv, name: string): string | undefined => {
  const v = env[`npm_config_${name.replace(/-/g, '_')}`];
  return v === undefined || v === '' ? undefined : v;
};

interface Parsed {
  scenarios: ScenarioName[];
  expect: Outcome | undefined;
  autoApprove: boolean;
  report: string | undefined;
  html: string | undefined;
  printInput: boolean;
  seedRows: number | undefined;
  engine: RehearsalEngine;
  schema: string | undefined;
  input: string | undefined;
  loadTable: string | undefined;
  rows: number | undefined;
  holdConnections: boolean;
  hooks: CommandHook[];
  json: boolean;
  verbose: boolean;
  help: boolean;
}

export const parseRehearseArgs = (argv: string[], env: NodeJS.ProcessEnv = process.env): Parsed | string => {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    values = parseArgs({ args: argv, options: OPTIONS, allowPositionals: false }).values;
  } catch (err) {
    return (err as Error).message;
  }
  const str = (name: keyof typeof OPTIONS): string | undefined =>
    (values[name] as string | undefined) ?? npmFlag(env, name);
  const bool = (name: keyof typeof OPTIONS): boolean =>
    values[name] === true || ['true', '1'].includes(npmFlag(env, name) ?? '');
  const scenario = str('scenario') ?? 'happy';
  if (scenario !== 'all' && !isScenarioName(scenario))
    return `unknown scenario '${scenario}'; choose one of ${SCENARIO_NAMES.join(', ')} or all`;
  const expected = str('expect');
  if (expected !== undefined && !isOutcome(expected))
    return `--expect '${expected}' is not an outcome; choose one of ${OUTCOMES.join(', ')}`;
  if (expected !== undefined && scenario === 'all')
    return '--expect applies to one run; every scenario of --scenario all has its own expected end';
  const engine = str('engine') ?? 'postgres';
  if (!(REHEARSAL_ENGINES as readonly string[]).includes(engine))
    return `unknown engine '${engine}'; choose one of ${REHEARSAL_ENGINES.join(', ')}`;
  if (scenario !== 'all' && isScenarioName(scenario)) {
    const refusal = scenarioEngineRefusal(SCENARIOS[scenario], engine as RehearsalEngine);
    if (refusal) return refusal;
  }
  const seed = str('seed-rows');
  const seedRows = seed === undefined ? undefined : Number(seed);
  if (seedRows !== undefined && (!Number.isInteger(seedRows) || seedRows < 0))
    return `--seed-rows must be a whole number, not '${seed}'`;
  const rowsText = str('rows');
  const rows = rowsText === undefined ? undefined : Number(rowsText);
  if (rows !== undefined && (!Number.isInteger(rows) || rows < 0))
    return `--rows must be a whole number, not '${rowsText}'`;
  if (rows !== undefined && str('schema') === undefined) return '--rows needs --schema FILE';
  // The user's schema, document and load table are PostgreSQL artefacts (pg_dump, the PG mapping).
  for (const flag of ['schema', 'input', 'load-table'] as const)
    if (engine !== 'postgres' && str(flag) !== undefined)
      return `--${flag} is PostgreSQL-only for now; drop it or run without --engine ${engine}`;
  let hooks: CommandHook[];
  try {
    hooks = ((values.hook as string[] | undefined) ?? []).map(parseHookFlag);
  } catch (err) {
    return (err as Error).message;
  }
  return {
    // Scenarios with no form on this engine (schema-hazards on MySQL/MariaDB, ...): `all` leaves them out.
    scenarios:
      scenario === 'all'
        ? SCENARIO_NAMES.filter((n) => !scenarioEngineRefusal(SCENARIOS[n], engine as RehearsalEngine))
        : [scenario as ScenarioName],
    expect: expected,
    autoApprove: bool('auto-approve'),
    report: str('report'),
    html: str('html'),
    printInput: bool('print-input'),
    seedRows,
    engine: engine as RehearsalEngine,
    schema: str('schema'),
    input: str('input'),
    loadTable: str('load-table'),
    rows,
    holdConnections: bool('hold-connections'),
    hooks,
    json: bool('json'),
    verbose: bool('verbose'),
    help: bool('help'),
  };
};

/**
 * The default report's name: the scenario's, or with --input the input's (examples/clean-switch/input.json
 * → clean-switch, billing.json → billing), so rehearsing several documents keeps a report of each.
 */
export const reportName = (input: string | undefined, scenario: ScenarioName): string => {
  if (input === undefined) return scenario;
  const stem = basename(input).replace(/\.json$/i, '');
  const name = stem === 'input' ? basename(dirname(resolve(input))) : stem;
  return name.replace(/[^A-Za-z0-9._-]/g, '_') || scenario;
};

/** The HTML report's path: the given one (or the JSON report's) with .html, the scenario added when several run. */
export const htmlPath = (base: string, scenario: ScenarioName, several: boolean): string => {
  const stem = resolve(base).replace(/\.(json|html?)$/i, '');
  return `${stem}${several ? `-${scenario}` : ''}.html`;
};

const out = (text: string) => process.stdout.write(`${text}\n`);

/** The handlers log JSON lines to the console, as in Lambda; in the rehearsal they are CloudWatch's, kept aside. */
const captureConsole = (verbose: boolean): (() => void) => {
  const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error };
  const sink = (...args: unknown[]) => {
    if (verbose) process.stderr.write(`          [handler] ${args.map(String).join(' ')}\n`);
  };
  Object.assign(console, { log: sink, info: sink, warn: sink, error: sink });
  return () => Object.assign(console, saved);
};

/** The command without process-level exits (tests call this). */
export const rehearseCommand = async (argv: string[]): Promise<number> => {
  const parsed = parseRehearseArgs(argv);
  if (typeof parsed === 'string') {
    process.stderr.write(`switchyard rehearse: ${parsed}\n\n${USAGE}\n`);
    return RehearseExitCode.Usage;
  }
  if (parsed.help) {
    out(USAGE);
    return RehearseExitCode.Passed;
  }
  let mapped: MappedInput | undefined;
  if (parsed.input !== undefined) {
    // Before any server starts: what cannot be rehearsed is refused with its field.
    const result = readProductionInput(parsed.input);
    if (!result.ok) {
      process.stderr.write(
        `switchyard rehearse: --input ${parsed.input} cannot be rehearsed:\n${result.refusals.map((r) => `  ${r}`).join('\n')}\n`,
      );
      return RehearseExitCode.Usage;
    }
    mapped = { file: parsed.input, document: result.input, changes: result.changes };
    process.stderr.write(
      `--input ${parsed.input}: ${result.changes.length} changes to rehearse it locally:\n${formatChanges(
        result.changes,
      )
        .map((l) => `  ${l}`)
        .join('\n')}\n`,
    );
  }

  if (parsed.printInput) {
    // The MySQL family's target is the next minor on the one MariaDB binary (emulator catalogue).
    const targetEngineVersion =
      parsed.engine === 'postgres'
        ? binariesFor(18).version
        : parsed.engine === 'mariadb'
          ? '10.11.20'
          : '8.0.42';
    const docs = parsed.scenarios.map((s) => ({
      scenario: s,
      input: rehearsalInput(s, {
        targetEngineVersion,
        engine: parsed.engine,
        ...(mapped ? { base: mapped.document } : {}),
      }),
    }));
    out(JSON.stringify(docs.length === 1 ? docs[0]?.input : docs, null, 2));
    return RehearseExitCode.Passed;
  }

  if (parsed.schema !== undefined) {
    // Before any server starts: a file that cannot be read is a usage error.
    try {
      readSchemaFile(parsed.schema);
    } catch (err) {
      process.stderr.write(`switchyard rehearse: ${(err as Error).message}\n`);
      return RehearseExitCode.Usage;
    }
  }

  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts > 1) {
      process.stderr.write(
        `\nswitchyard rehearse: ${signal} again; exiting now (PostgreSQL children get SIGQUIT on exit)\n`,
      );
      process.exit(RehearseExitCode.Interrupted);
    }
    process.stderr.write(
      `\nswitchyard rehearse: ${signal}; stopping the write load, the approval endpoint and every PostgreSQL server…\n`,
    );
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A closed terminal, or the npx/npm process that started us gone (neither passes every signal on).
  process.on('SIGHUP', onSignal);
  const unwatchParent = watchParent(() => onSignal('SIGHUP'));

  if (parsed.verbose) {
    // The Lambdas' Powertools lines, through console (POWERTOOLS_DEV) so they reach the [handler] sink.
    process.env.POWERTOOLS_LOG_LEVEL ??= 'INFO';
    process.env.POWERTOOLS_DEV ??= 'true';
  }
  const reports: RehearsalReport[] = [];
  let code: number = RehearseExitCode.Passed;
  try {
    for (const scenario of parsed.scenarios) {
      const view = createProgressView(process.stderr);
      // With the user's own input or schema, the scenario's description (written for orders) would mislead.
      const own = [
        ...(parsed.input !== undefined ? [`--input ${parsed.input}`] : []),
        ...(parsed.schema !== undefined ? [`--schema ${parsed.schema}`] : []),
      ];
      const expected = parsed.expect ?? SCENARIOS[scenario].expected;
      process.stderr.write(
        own.length
          ? `\nswitchyard rehearse ${own.join(' ')} (scenario ${scenario}): your deployment, expected to end ${expected}${parsed.expect ? ' (--expect)' : ''}\n`
          : `\nswitchyard rehearse --scenario ${scenario}: ${SCENARIOS[scenario].description}${parsed.expect ? ` (expected to end ${expected}: --expect)` : ''}\n`,
      );
      const restore = captureConsole(parsed.verbose);
      let report: RehearsalReport;
      try {
        report = await rehearse({
          scenario,
          ...(parsed.expect ? { expect: parsed.expect } : {}),
          autoApprove: parsed.autoApprove,
          holdConnections: parsed.holdConnections,
          ...(parsed.hooks.length > 0 ? { hooks: parsed.hooks } : {}),
          ...(parsed.seedRows !== undefined ? { seedRows: parsed.seedRows } : {}),
          engine: parsed.engine,
          ...(mapped ? { input: mapped } : {}),
          ...(parsed.loadTable !== undefined ? { loadTable: parsed.loadTable } : {}),
          ...(parsed.schema !== undefined
            ? { schema: { file: parsed.schema, ...(parsed.rows !== undefined ? { rows: parsed.rows } : {}) } }
            : {}),
          onEvent: (e) => view.onEvent(e),
          onLive: (status) => view.onLive(status),
          ...(parsed.verbose ? { log: (line: string) => process.stderr.write(`          ${line}\n`) } : {}),
          signal: controller.signal,
        });
      } finally {
        restore();
        view.stop();
      }
      reports.push(report);
      const file = resolve(
        parsed.report ??
          `reports/rehearsal-${parsed.scenarios.length > 1 ? 'all' : reportName(parsed.input, scenario)}.json`,
      );
      writeJsonReport(file, parsed.scenarios.length > 1 ? reports : report);
      const html = htmlPath(parsed.html ?? file, scenario, parsed.scenarios.length > 1);
      writeHtmlReport(html, report);
      out(
        parsed.json
          ? JSON.stringify(report, null, 2)
          : `\n${formatSummary(report)}\n  report       ${file}\n  picture      ${html}`,
      );
      // Beside the summary; on stderr with --json, which keeps stdout one JSON document.
      if (parsed.expect)
        (parsed.json ? (line: string) => process.stderr.write(`${line}\n`) : out)(
          report.passed
            ? `  --expect     ${parsed.expect}: the run ended ${report.outcome} as expected and every check held (exit 0)`
            : `  --expect     ${parsed.expect}: ${report.outcome === parsed.expect ? `the run ended ${report.outcome}, but a check failed` : `the run ended ${report.outcome}, not ${parsed.expect}`} (exit 1)`,
        );
      if (!report.passed) code = RehearseExitCode.Failed;
    }
    if (parsed.scenarios.length > 1) {
      out('\nscenario            outcome               expected              lost  seconds  result');
      for (const r of reports)
        out(
          `${r.scenario.padEnd(19)} ${r.outcome.padEnd(21)} ${r.expected.padEnd(21)} ${String(r.writes.lost).padStart(4)}  ${(r.durationMs / 1000).toFixed(1).padStart(7)}  ${r.passed ? 'ok' : 'FAILED'}`,
        );
    }
    return code;
  } catch (err) {
    if (err instanceof SchemaFileError || err instanceof LoadTableError) {
      process.stderr.write(`switchyard rehearse: ${err.message}\n`);
      return RehearseExitCode.Usage;
    }
    if (err instanceof RehearsalAbortedError) {
      process.stderr.write('switchyard rehearse: interrupted; every server it started has been stopped.\n');
      return RehearseExitCode.Interrupted;
    }
    process.stderr.write(`switchyard rehearse: ${(err as Error)?.stack ?? String(err)}\n`);
    return RehearseExitCode.Failed;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    unwatchParent();
  }
};

export const run = async (argv: string[]): Promise<number> => {
  // The pinned SDK warns once per process that future versions need Node 22; not news during a run.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // `--fleet [N]`: the fleet rehearsal (bin/commands/rehearse-fleet.ts, rehearsal/fleet.ts).
  const { parseFleetArgs, rehearseFleetCommand } = await import('./rehearse-fleet.ts');
  const fleet = parseFleetArgs(argv);
  if (typeof fleet === 'string') console.error(`switchyard rehearse: ${fleet}`);
  const code =
    typeof fleet === 'string' ? 2 : fleet ? await rehearseFleetCommand(fleet) : await rehearseCommand(argv);
  // Every server has stopped by now, but an interrupted execution may still be parked on a timer, and
  // the emulator's PgServer.stop() leaves its 15 s fallback timer pending (emulator/pg/server.ts), which
  // would hold the process open: exit once bin/switchyard.mjs has set the exit code. Unref'd, so it
  // fires only when something else keeps the process alive.
  setTimeout(() => process.exit(), 250).unref();
  return code;
};
