/**
 * `rehearse(options)`: one whole Blue/Green deployment, locally. The harness (harness.ts) starts the
 * emulator (real PostgreSQL or MariaDB), points every AWS SDK client at it, starts the local approval
 * endpoint and a write load through the `orders-db` endpoint; statemachine/blue-green.asl.yaml runs with
 * every Task bound to its real handler while the observer (observer.ts) records what happens and the
 * scenario's fault hooks (fault-hooks.ts) act; the approval is decided through the e-mailed link. At the
 * end the state is measured (end-state.ts), judged (judge.ts) and reported (build-report.ts).
 * Everything the harness started is stopped before `rehearse` returns or throws.
 */
import { DescribeDBEngineVersionsCommand, DescribeDBInstancesCommand } from '@aws-sdk/client-rds';
import type { HookRecord } from '#domain/hooks';
import type { RunEvent } from '../local/run-state-machine.ts';
import { type ApprovalEvent, actAsApprover, approvalLinks, approverAction } from './approval-driver.ts';
import { buildReport } from './build-report.ts';
import {
  type CommandHook,
  commandHookRunner,
  commandHooksInput,
  splitCommandHooks,
} from './command-hooks.ts';
import { measureEndState } from './end-state.ts';
import { type RehearsalEngine, scenarioEngineRefusal } from './engine-probes.ts';
import { executionArn } from './environment.ts';
import { failBackFacts } from './fail-back-facts.ts';
import { faultHooksFor, type HookContext } from './fault-hooks.ts';
import { abortable, ENGINE_LABELS, Harness } from './harness.ts';
import { rehearsalInput, SOURCE_ID, WRITES_TABLE } from './input.ts';
import type { InputChange } from './input-mapping.ts';
import { checks as judgeChecks } from './judge.ts';
import { loadTableTarget } from './load-table.ts';
import { type LiveStatus, RunObserver } from './observer.ts';
import { probesFor } from './pg-probes.ts';
import type { LagSample, RehearsalReport } from './report.ts';
import { type Outcome, outcomeOf, SAMPLE_GREEN_SUITE, SCENARIOS, type ScenarioName } from './scenarios.ts';
import { HAZARD_NAMES, tryProductionWrites } from './schema-hazards.ts';
import { taskInvoker } from './task-invoker.ts';
import {
  countTableRows,
  loadUserSchema,
  missingRows,
  type SchemaLoad,
  type UserSchemaOptions,
} from './user-schema.ts';
import { createWritesTable } from './write-load.ts';

export { RehearsalAbortedError } from './harness.ts';

/** fail-back: how long the load keeps writing on the server serving the production name after the run ended. */
const FAIL_BACK_WRITES_AFTER_MS = 2000;

export type { LiveStatus } from './observer.ts';

export interface RehearsalOptions {
  scenario?: ScenarioName;
  /**
   * `--expect OUTCOME`: the end this run must reach instead of the scenario's own (e.g. `refused` for
   * an input document that is meant to be refused); the judge then checks that end's promises.
   */
  expect?: Outcome;
  /** Approve through the link without waiting for a person (scenarios that reject or ignore do so regardless). */
  autoApprove?: boolean;
  /** Rows seeded into orders-db's `orders` table (default 1000). */
  seedRows?: number;
  /**
   * orders-db's engine (default postgres: 17 → 18). mariadb: 10.11.19 → 10.11.20; mysql: 8.0.41 → 8.0.42
   * on the MariaDB stand-in. Both run on one MariaDB binary, so the "upgrade" is a minor-version label.
   */
  engine?: RehearsalEngine;
  /** `--schema FILE [--rows N]`: blue gets the user's pg_dump --schema-only instead of `orders` (user-schema.ts). */
  schema?: UserSchemaOptions;
  /** `--load-table TABLE`: the write load targets this table of the user's schema (load-table.ts). */
  loadTable?: string;
  /** `--input FILE`: the user's production document, already mapped onto the emulator (input-mapping.ts). */
  input?: { file: string; document: Record<string, unknown>; changes: InputChange[] };
  /** `--hook <point>="<command>"`: local commands run as hooks with the run's facts (command-hooks.ts). */
  hooks?: CommandHook[];
  /** Endpoints park new connections during the switch instead of refusing them. */
  holdConnections?: boolean;
  writeClients?: number;
  /** INSERTs per second per write client (default 50). */
  writeRatePerClient?: number;
  /** Progress events (states, approval links, decisions). */
  onEvent?: (event: RehearsalEvent) => void;
  /** Called once the run is under way, with a function returning the live status (for the progress view). */
  onLive?: (status: () => LiveStatus) => void;
  /** Emulator log lines. */
  log?: (line: string) => void;
  /** Aborts the rehearsal (Ctrl-C): everything is stopped and `rehearse` rejects with RehearsalAbortedError. */
  signal?: AbortSignal;
}

export type RehearsalEvent =
  | { type: 'phase'; message: string; at: number }
  | { type: 'state'; state: string; at: number }
  | { type: 'retry'; state: string; at: number; error?: string }
  | ApprovalEvent
  | { type: 'lag'; sample: LagSample; at: number }
  | { type: 'fault'; message: string; at: number };

/** Runs one rehearsal; resolves with its report (whatever the outcome), rejects only on harness failures. */
export const rehearse = async (options: RehearsalOptions = {}): Promise<RehearsalReport> => {
  const named = SCENARIOS[options.scenario ?? 'happy'];
  const scenario = options.expect ? { ...named, expected: options.expect } : named;
  const signal = options.signal;
  const engine = options.engine ?? 'postgres';
  const mysqlFamily = engine !== 'postgres';
  const noForm = scenarioEngineRefusal(scenario, engine);
  if (noForm) throw new Error(noForm);
  const seedRows = options.seedRows ?? 1000;
  const writeClients = options.writeClients ?? 4;
  const probes = probesFor(mysqlFamily);
  // Before any SDK client exists: the pinned SDK's once-per-process Node 22 notice is not news here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const observer = new RunObserver(Date.now());
  const emit = (event: RehearsalEvent) => options.onEvent?.(event);
  const phase = (message: string) => emit({ type: 'phase', message, at: Date.now() });

  // Hooks: the scenario's (the happy run's sample suite reads `orders` on PostgreSQL, so only there), the
  // rehearsal input's `command:` entries, and --hook ones; each stood up as a declared local Lambda hook.
  const fromInput = options.input ? splitCommandHooks(options.input.document) : undefined;
  const commandHooks = [
    ...(scenario.hooks ?? []).filter(
      (h) => h !== SAMPLE_GREEN_SUITE || (engine === 'postgres' && !options.schema),
    ),
    ...(fromInput?.hooks ?? []),
    ...(options.hooks ?? []),
  ];
  const hookSetup = commandHooksInput(commandHooks);
  const hookRecords = new Map<string, HookRecord>();

  const harness = new Harness();
  let report: RehearsalReport;
  try {
    // 1. The emulator, the SDK clients, the approval endpoint and the handlers.
    phase(`starting the emulator (${ENGINE_LABELS[engine]} orders-db)`);
    await harness.start({
      engine,
      declaredHooks: hookSetup.declared,
      seedRows,
      holdConnections: options.holdConnections ?? false,
      mark: (name) => observer.mark(name),
      ...(options.log ? { log: options.log } : {}),
      ...(signal ? { signal } : {}),
    });
    const emu = harness.emulator;

    let schemaLoad: SchemaLoad | null = null;
    if (options.schema) {
      phase(`loading ${options.schema.file} into ${SOURCE_ID} and generating rows`);
      schemaLoad = await loadUserSchema(emu, options.schema);
      for (const s of schemaLoad.shortfalls) phase(`schema: ${s}`);
      observer.mark('schemaLoaded');
    }

    // 2. The input: orders-db's PostgreSQL 17 → the emulator's PostgreSQL 18.
    const source = (
      await harness.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: SOURCE_ID }))
    ).DBInstances?.[0];
    const versions = await harness.rds.send(
      new DescribeDBEngineVersionsCommand({ Engine: engine, EngineVersion: source?.EngineVersion }),
    );
    const targets =
      versions.DBEngineVersions?.[0]?.ValidUpgradeTarget?.map((t) => t.EngineVersion ?? '') ?? [];
    // PostgreSQL: the major upgrade to 18; MySQL family: the next minor (the only upgrade one binary offers).
    const targetEngineVersion = mysqlFamily
      ? (targets[0] ?? source?.EngineVersion ?? '')
      : (targets.filter((v) => v.startsWith('18')).at(-1) ?? '18');
    const input = rehearsalInput(scenario.name, {
      targetEngineVersion,
      engine,
      userSchema: schemaLoad !== null,
      ...(fromInput ? { base: fromInput.document } : {}),
    });
    if (commandHooks.length > 0) input.hooks = hookSetup.hooks as never;

    // 3. The write load, started before green exists, on a table created on blue first.
    const hooks = faultHooksFor(scenario);
    const hookContext: HookContext = {
      emulator: emu,
      observer,
      fault: (message) => emit({ type: 'fault', message, at: Date.now() }),
    };
    const endpointCfg = emu.connectionConfig(SOURCE_ID);
    await createWritesTable(endpointCfg, mysqlFamily ? 'mysql' : 'postgres');
    for (const hook of hooks) await hook.beforeRun?.(hookContext, endpointCfg);
    const before = await probes.identify(emu, SOURCE_ID);
    const sourceSizes = await probes.measureSource(endpointCfg);
    const target = options.loadTable ? await loadTableTarget(endpointCfg, options.loadTable) : undefined;
    const writes = harness.startLoad(endpointCfg, {
      engine: mysqlFamily ? 'mysql' : 'postgres',
      ...(target ? { target } : {}),
      clients: writeClients,
      ratePerClient: options.writeRatePerClient ?? 50,
    });
    observer.mark('writesStarted');
    phase(
      `write load started: ${writeClients} clients writing ${options.loadTable ?? WRITES_TABLE} through the ${SOURCE_ID} endpoint (127.0.0.1:${endpointCfg.port})`,
    );

    for (const fault of scenario.faults) {
      await emu.faults.inject(fault);
      hookContext.fault(`injected ${JSON.stringify(fault)}`);
    }

    // 4. The execution. The load stops once the run leaves the Verify loop (or ends).
    let stopping: Promise<void> | undefined;
    const stopWrites = () => {
      stopping ??= writes.stop().then(() => observer.mark('writesStopped'));
      return stopping;
    };
    options.onLive?.(() => observer.live(scenario.name, writes));

    const onEvent = (e: RunEvent) => {
      if (e.type === 'StateRetried' && e.state)
        emit({ type: 'retry', state: e.state, at: e.at, ...(e.error ? { error: e.error } : {}) });
      if (e.type !== 'StateEntered' || !e.state) return;
      observer.onRunEvent(e);
      // fail-back: the load keeps writing on the new primary through the window and the fail-back.
      if (observer.pastVerifyLoop && scenario.failBackAfterMs === undefined) void stopWrites();
      emit({ type: 'state', state: e.state, at: e.at });
    };

    // The approval e-mail's links, opened as the scenario's approver would (or left for a person).
    const onApprovalRequested = (approvalId: string) => {
      const links = approvalLinks(emu.outbox(), approvalId);
      observer.approval = { id: approvalId, links, requestedAt: Date.now() };
      observer.mark('approvalRequested');
      actAsApprover(
        links,
        approverAction(scenario.approval, options.autoApprove ?? false),
        emit,
        (message) => {
          observer.clickError = message;
        },
      );
    };
    const invoke = taskInvoker({
      handlers: harness.handlers,
      hooks,
      hookContext,
      observer,
      onLag: (sample) => emit({ type: 'lag', sample, at: Date.now() }),
      onApprovalRequested,
      onHookRecord: (record) => {
        hookRecords.set(`${record.point}/${record.name}`, record);
        phase(`hook ${record.label}: ${record.outcome} in ${(record.durationMs / 1000).toFixed(1)} s`);
      },
    });

    const arn = executionArn(`rehearsal-${scenario.name}-${Date.now().toString(36)}`);
    phase(`starting execution ${arn}`);
    observer.mark('executionStarted');
    const runStateMachine = harness.runStateMachine;
    if (!runStateMachine) throw new Error('the harness has not loaded the state machine runner');
    const run = await abortable(
      // The signal also stops the run itself (like StopExecution), so no Task runs after the servers stop.
      runStateMachine({
        input,
        executionId: arn,
        invoke,
        callbacks: harness.callbacks,
        onEvent,
        runHook: commandHookRunner(
          commandHooks,
          (id) => {
            try {
              return emu.connectionConfig(id);
            } catch {
              return null; // no endpoint (e.g. deleted): the command sees the instance as absent
            }
          },
          emu.caFile,
        ),
        ...(signal ? { abortSignal: signal } : {}),
      }),
      signal,
    );
    observer.mark('executionEnded');
    // fail-back: keep writing a while on the server that serves the production name again.
    if (scenario.failBackAfterMs !== undefined && writes.running)
      await abortable(new Promise((r) => setTimeout(r, FAIL_BACK_WRITES_AFTER_MS)), signal);
    await stopWrites();

    // 5. What is true now, and the verdict on it (judge.ts).
    const end = await measureEndState(harness, writes, probes, observer.approval?.id);
    const outcome = outcomeOf(run.status, run.error, run.states.at(-1));
    const schemaCounts = schemaLoad
      ? await countTableRows(
          emu,
          SOURCE_ID,
          schemaLoad.tables.map((t) => t.table),
        )
      : null;
    const migrations = observer.migrationsReport();
    const drift = observer.drifted
      ? {
          row: observer.drifted,
          // The rolled-back notification carries $.error (DataDrift and the validation summary).
          notification:
            emu
              .outbox()
              .map((m) => m.message)
              .find((m) => m.includes('DataDrift')) ?? '',
        }
      : null;
    await harness.eventBus?.idle();
    const relayed = harness.eventBus?.deliveries ?? [];
    const failBack =
      scenario.failBackAfterMs !== undefined ? failBackFacts(observer, writes, end.instances) : undefined;
    const checks = judgeChecks(scenario, {
      eventRelay: {
        delivered: relayed.length,
        woke: relayed.filter((d) => (d.result as { action?: string } | undefined)?.action === 'woke').length,
      },
      outcome,
      states: run.states,
      migrations,
      expandMigrations: input.migrations?.expand?.length ?? 0,
      endpoint: SOURCE_ID,
      lostWrites: end.lost.length,
      acknowledgedWrites: writes.counts.acknowledged,
      before,
      after: end.after,
      deployments: end.deployments,
      instances: end.instances,
      approvalLinkError: observer.clickError,
      preflightRefusal: run.events.find((e) => e.state === 'Preflight' && e.cause)?.cause ?? '',
      hazardNames: HAZARD_NAMES,
      productionWrites: scenario.schemaHazards ? await tryProductionWrites(endpointCfg) : [],
      schemaRows:
        schemaLoad && schemaCounts
          ? {
              missing: missingRows(schemaLoad, schemaCounts, options.loadTable),
              rows: schemaLoad.tables.reduce((n, t) => n + t.inserted, 0),
              tables: schemaLoad.tables.length,
            }
          : null,
      ...(mysqlFamily
        ? { mysqlFamily: { targetEngineVersion, endpointEngineVersion: end.endpointEngineVersion } }
        : {}),
      verifyProblems: observer.verifyProblems,
      reverse: { statuses: observer.reverseStatuses, ended: observer.reverseEnded },
      replicationWindow: {
        brokenReason: observer.windowBroken,
        lagChecksAfterDdl:
          observer.lagChecksAtDdl === undefined
            ? null
            : (observer.lagChecksAtBreak ?? observer.lagChecks) - observer.lagChecksAtDdl,
      },
      drift,
      hooks: {
        expected: commandHooks.map(({ point, name }) => ({ point, name })),
        records: [...hookRecords.values()],
        cause: run.cause ?? '',
      },
      greenMaintenance: observer.greenMaintenance,
      ...(failBack ? { failBack } : {}),
    });

    report = buildReport({
      scenario,
      engine,
      executionArn: arn,
      run,
      outcome,
      checks,
      observer,
      writes,
      writeClients,
      holdConnections: options.holdConnections ?? false,
      before,
      end,
      seedRows,
      sourceSizes,
      schema: schemaLoad,
      inputMapping: options.input ? { file: options.input.file, changes: options.input.changes } : null,
      input,
      outbox: emu.outbox(),
      rdsEvents: emu.events(),
      hooks: [...hookRecords.values()],
      ...(failBack ? { failBack } : {}),
    });
  } finally {
    await harness.stop();
    observer.mark('stopped');
  }
  // Wall time, including stopping every server: what a user waits for.
  report.durationMs = Date.now() - observer.t0;
  return report;
};
