/**
 * `rehearse(options)`: one whole Blue/Green deployment, locally. Starts the emulator (real PostgreSQL),
 * points every AWS SDK client at it, starts the local approval endpoint, runs a write load through the
 * `orders-db` endpoint, runs statemachine/blue-green.asl.yaml with every Task bound to its real handler,
 * decides the approval through the e-mailed link, and reports what happened. Everything it started is
 * stopped before it returns or throws.
 */
import { randomBytes } from 'node:crypto';
import {
  DescribeBlueGreenDeploymentsCommand,
  DescribeDBEngineVersionsCommand,
  DescribeDBInstancesCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import pg from 'pg';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { createDynamoDbService } from '../emulator/services/dynamodb.ts';
import type { ApprovalServer } from '../local/approval-server.ts';
import { CallbackRegistry, sfnService } from '../local/callbacks.ts';
import type { Invoke, RunEvent, RunResult } from '../local/run-state-machine.ts';
import type { MigrationsResult } from '../src/lib/apply-migrations.ts';
import { type ApprovalLinks, clickLink, linksFromOutbox } from './approval-driver.ts';
import { changeRowOnGreen, type DriftedRow, namesRangeOf } from './data-drift.ts';
import { checkDdlNamed, runOnBlue } from './ddl-on-blue.ts';
import {
  identifyMysql,
  isMysqlReadOnly,
  isPostgresOnlyScenario,
  measureMysqlSource,
  type RehearsalEngine,
} from './engine-probes.ts';
import {
  APPROVAL_SECRET_PARAMETER,
  APPROVAL_TABLE,
  applyRehearsalEnvironment,
  EVENT_WAITS_TABLE,
  executionArn,
  rememberPort,
  stablePort,
} from './environment.ts';
import { DB_PASSWORD_PARAMETER, rehearsalInput, SOURCE_ID, WRITES_TABLE } from './input.ts';
import type { InputChange } from './input-mapping.ts';
import { checks as judgeChecks } from './judge.ts';
import { loadTableTarget } from './load-table.ts';
import type { EndpointIdentity, LagSample, RehearsalReport } from './report.ts';
import { type Outcome, outcomeOf, SCENARIOS, type ScenarioName, VERIFY_ALARM } from './scenarios.ts';
import { checkProductionWrites, createSchemaHazards, HAZARD_NAMES } from './schema-hazards.ts';
import { runSeries } from './series.ts';
import {
  countTableRows,
  loadUserSchema,
  missingRows,
  type SchemaLoad,
  type UserSchemaOptions,
} from './user-schema.ts';
import {
  createWritesTable,
  type EndpointConfig,
  longestAckGap,
  type WriteCounts,
  WriteLoad,
} from './write-load.ts';

export interface RehearsalOptions {
  scenario?: ScenarioName;
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
  | {
      type: 'approval-links';
      links: ApprovalLinks;
      action: 'approve' | 'reject' | 'ignore' | 'human';
      at: number;
    }
  | { type: 'approval-clicked'; decision: 'approve' | 'reject'; status: number; title: string; at: number }
  | { type: 'lag'; sample: LagSample; at: number }
  | { type: 'fault'; message: string; at: number };

export interface LiveStatus {
  scenario: ScenarioName;
  startedAt: number;
  state: string | null;
  stateSince: number;
  lag: LagSample | null;
  writes: WriteCounts;
  writeRate: number;
  writing: boolean;
  lastError: string | null;
}

export class RehearsalAbortedError extends Error {
  constructor(options?: ErrorOptions) {
    super('the rehearsal was interrupted', options);
    this.name = 'RehearsalAbortedError';
  }
}

/** States of the Verify loop: the write load runs until the run leaves it. */
const VERIFY_LOOP = new Set(['Verify', 'IsVerified', 'WaitDuringBake']);
/** States of the switchover wait; the stall window ends when the run leaves them. */
const SWITCH_LOOP = new Set(['Switchover', 'WaitForSwitchover', 'CheckSwitchover', 'IsSwitchoverDone']);

type Lambda = (event: unknown, context: object) => Promise<unknown>;

const abortable = <T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> => {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(new RehearsalAbortedError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new RehearsalAbortedError());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
};

const withTimeout = <T>(p: Promise<T>, ms: number, fallback: T): Promise<T> =>
  Promise.race([p, new Promise<T>((r) => setTimeout(() => r(fallback), ms).unref())]);

const iso = (ms: number): string => new Date(ms).toISOString();

/** Sizes of the seeded data on blue: the orders table (what the logical initial copy moves), with indexes, and the database. */
const measureSource = async (
  cfg: EndpointConfig,
): Promise<{
  ordersTableBytes: number | null;
  ordersTotalBytes: number | null;
  databaseBytes: number | null;
}> => {
  const c = new pg.Client({ ...cfg, connectionTimeoutMillis: 5000 });
  c.on('error', () => {});
  try {
    await c.connect();
    const { rows } = await c.query<{ t: string; a: string; d: string }>(
      `SELECT pg_table_size('orders')::text AS t, pg_total_relation_size('orders')::text AS a, pg_database_size(current_database())::text AS d`,
    );
    const r = rows[0];
    return {
      ordersTableBytes: Number(r?.t ?? NaN) || null,
      ordersTotalBytes: Number(r?.a ?? NaN) || null,
      databaseBytes: Number(r?.d ?? NaN) || null,
    };
  } catch {
    return { ordersTableBytes: null, ordersTotalBytes: null, databaseBytes: null };
  } finally {
    await c.end().catch(() => {});
  }
};

/** Which server answers on an endpoint, asked through the endpoint itself. */
const identify = async (emulator: Emulator, endpoint: string): Promise<EndpointIdentity | null> => {
  let cfg: EndpointConfig;
  try {
    cfg = emulator.connectionConfig(endpoint);
  } catch {
    return null;
  }
  const c = new pg.Client({ ...cfg, connectionTimeoutMillis: 5000 });
  c.on('error', () => {});
  try {
    await c.connect();
    const { rows } = await c.query<{ port: number; sysid: string; version: string }>(
      `SELECT inet_server_port() AS port, system_identifier::text AS sysid, current_setting('server_version') AS version FROM pg_control_system()`,
    );
    const row = rows[0];
    if (!row) return null;
    const state = (await (await fetch(`${emulator.url}/_switchyard/state`)).json()) as {
      instances: Array<{ id: string; resourceId: string; server?: { port?: number } }>;
    };
    const inst = state.instances.find((i) => i.server?.port === row.port);
    return {
      endpoint,
      serverPort: row.port,
      systemIdentifier: row.sysid,
      serverVersion: row.version,
      instanceId: inst?.id ?? null,
      resourceId: inst?.resourceId ?? null,
    };
  } catch {
    return null;
  } finally {
    await c.end().catch(() => {});
  }
};

const isReadOnly = async (emulator: Emulator, instanceId: string): Promise<boolean | null> => {
  let cfg: EndpointConfig;
  try {
    cfg = emulator.connectionConfig(instanceId);
  } catch {
    return null;
  }
  const c = new pg.Client({ ...cfg, connectionTimeoutMillis: 3000 });
  c.on('error', () => {});
  try {
    await c.connect();
    const { rows } = await c.query<{ ro: string }>(
      `SELECT current_setting('default_transaction_read_only') AS ro`,
    );
    return rows[0]?.ro === 'on';
  } catch {
    return null;
  } finally {
    await c.end().catch(() => {});
  }
};

type AttributeMap = Record<string, { S?: string; N?: string } | undefined>;

/** Runs one rehearsal; resolves with its report (whatever the outcome), rejects only on harness failures. */
export const rehearse = async (options: RehearsalOptions = {}): Promise<RehearsalReport> => {
  const scenario = SCENARIOS[options.scenario ?? 'happy'];
  const signal = options.signal;
  const t0 = Date.now();
  // Before any SDK client exists: the pinned SDK's once-per-process Node 22 notice is not news here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const marks: Record<string, number> = {};
  const mark = (name: string) => {
    marks[name] = Date.now() - t0;
  };
  const emit = (event: RehearsalEvent) => options.onEvent?.(event);
  const phase = (message: string) => emit({ type: 'phase', message, at: Date.now() });

  let emulator: Emulator | undefined;
  let approvalServer: ApprovalServer | undefined;
  let unsubscribeEvents: (() => void) | undefined;
  let load: WriteLoad | undefined;
  let rds: RDSClient | undefined;
  let ssm: SSMClient | undefined;
  let report: RehearsalReport | undefined;
  try {
    // 1. The emulator, with the JSON services the approval path needs: Step Functions callbacks (the local
    //    run's task tokens) and DynamoDB (the approval table).
    const engine = options.engine ?? 'postgres';
    const mysqlFamily = engine !== 'postgres';
    if (mysqlFamily && isPostgresOnlyScenario(scenario))
      throw new Error(`scenario ${scenario.name} has no ${engine} form; run it with --engine postgres`);
    phase(
      `starting the emulator (${
        engine === 'postgres'
          ? 'PostgreSQL 17'
          : engine === 'mariadb'
            ? 'MariaDB 10.11'
            : 'MySQL 8.0 on the MariaDB stand-in'
      } orders-db)`,
    );
    const callbacks = new CallbackRegistry();
    const dynamo = createDynamoDbService({
      tables: [
        { name: APPROVAL_TABLE, hashKey: 'pk' },
        { name: EVENT_WAITS_TABLE, hashKey: 'pk' },
      ],
    });
    // The Lambdas' JSON log lines would bury the progress display: silent unless POWERTOOLS_LOG_LEVEL
    // asks for them (read when the handler modules load, just below).
    process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
    // The handler modules that read nothing from the environment at import load while PostgreSQL starts.
    const modules = Promise.all([
      import('../local/pipeline-handlers.ts'),
      import('../src/aws/gateways.ts'),
      import('../src/lib/default-gate.ts'),
      import('../local/run-state-machine.ts'),
    ]);
    modules.catch(() => {}); // awaited below; a failure surfaces there
    emulator = await abortable(
      startEmulator({
        port: stablePort('emulator'),
        seed: true,
        seedRows: options.seedRows ?? 1000,
        seedEngine: engine,
        holdConnections: options.holdConnections ?? false,
        jsonServices: [sfnService(callbacks), dynamo],
        ...(options.log ? { log: options.log } : {}),
      }),
      signal,
    );
    const emu = emulator;
    rememberPort('emulator', emu.port);
    mark('emulatorStarted');

    // 2. Every SDK client in this process now talks to the emulator.
    applyRehearsalEnvironment(emu.url, emu.caFile);
    const clientConfig = {
      endpoint: emu.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDREHEARSAL', secretAccessKey: 'x' },
    };
    rds = new RDSClient(clientConfig);
    ssm = new SSMClient(clientConfig);
    await ssm.send(
      new PutParameterCommand({
        Name: APPROVAL_SECRET_PARAMETER,
        Type: 'SecureString',
        Overwrite: true,
        Value: randomBytes(32).toString('base64url'),
      }),
    );
    await ssm.send(
      new PutParameterCommand({
        Name: DB_PASSWORD_PARAMETER,
        Type: 'SecureString',
        Overwrite: true,
        Value: emu.masterPassword,
      }),
    );
    emu.setAlarmState(VERIFY_ALARM, 'OK');

    // 3. The approval endpoint (same handler as production's callback) and the handlers, imported now
    //    because the approval functions read their configuration at import.
    const { startApprovalServer } = await import('../local/approval-server.ts');
    approvalServer = await startApprovalServer({ port: stablePort('approval') });
    rememberPort('approval', Number(new URL(approvalServer.url).port));
    // After the approval server: it sets APPROVAL_BASE_URL, which request-approval reads at import.
    const requestApproval = await import('../functions/request-approval.ts');
    const [{ pipelineHandlers }, { defaultGateways }, { defaultGateRunner }, { runStateMachine }] =
      await modules;
    // Event waits: the emulator's RDS events → the local EventBridge bus → RelayRdsEvent, with the real
    // gateways (SDK clients → the emulator's DynamoDB and Step Functions callbacks).
    const { localEventWaits } = await import('../local/event-waits.ts');
    const { defaultEventWaitDeps } = await import('../src/lib/rds-event-relay.ts');
    const eventWaits = localEventWaits(defaultEventWaitDeps());
    unsubscribeEvents = emu.onEvent((event) => void eventWaits.bus.publish(event));
    const handlers: Record<string, Lambda> = {
      ...pipelineHandlers(defaultGateways(), defaultGateRunner),
      requestApproval: requestApproval.handler as Lambda,
      awaitRdsEvent: eventWaits.awaitRdsEvent as Lambda,
    };
    mark('environmentReady');

    let schemaLoad: SchemaLoad | null = null;
    if (options.schema) {
      phase(`loading ${options.schema.file} into ${SOURCE_ID} and generating rows`);
      schemaLoad = await loadUserSchema(emu, options.schema);
      for (const s of schemaLoad.shortfalls) phase(`schema: ${s}`);
      mark('schemaLoaded');
    }

    // 4. The input: orders-db's PostgreSQL 17 → the emulator's PostgreSQL 18.
    const source = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: SOURCE_ID })))
      .DBInstances?.[0];
    const versions = await rds.send(
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
      ...(options.input ? { base: options.input.document } : {}),
    });

    // 5. The write load, started before green exists, on a table created on blue first.
    const endpointCfg = emu.connectionConfig(SOURCE_ID);
    await createWritesTable(endpointCfg, mysqlFamily ? 'mysql' : 'postgres');
    if (scenario.schemaHazards) await createSchemaHazards(endpointCfg);
    const before = await (mysqlFamily ? identifyMysql : identify)(emu, SOURCE_ID);
    const sourceSizes = await (mysqlFamily ? measureMysqlSource : measureSource)(endpointCfg);
    const target = options.loadTable ? await loadTableTarget(endpointCfg, options.loadTable) : undefined;
    load = new WriteLoad(endpointCfg, {
      engine: mysqlFamily ? 'mysql' : 'postgres',
      ...(target ? { target } : {}),
      clients: options.writeClients ?? 4,
      ratePerClient: options.writeRatePerClient ?? 50,
    });
    const writes = load;
    writes.start();
    mark('writesStarted');
    phase(
      `write load started: ${options.writeClients ?? 4} clients writing ${options.loadTable ?? WRITES_TABLE} through the ${SOURCE_ID} endpoint (127.0.0.1:${endpointCfg.port})`,
    );

    for (const fault of scenario.faults) {
      await emu.faults.inject(fault);
      emit({ type: 'fault', message: `injected ${JSON.stringify(fault)}`, at: Date.now() });
    }

    // 6. The execution.
    const lag: LagSample[] = [];
    const migrationRuns: Array<{ at: number; result: MigrationsResult }> = [];
    const guardEvents: Array<{ state: string; result: Record<string, unknown> }> = [];
    const validations: NonNullable<RehearsalReport['validation']> = [];
    let drifted: DriftedRow | undefined;
    const stateTimes: Array<{ state: string; at: number }> = [];
    let current: string | null = null;
    let stateSince = Date.now();
    let alarmSet = false;
    let approval: { id: string; links: ApprovalLinks; requestedAt: number } | undefined;
    let clickError: string | null = null;
    let seenVerify = false;
    let stopping: Promise<void> | undefined;
    const stopWrites = () => {
      stopping ??= writes.stop().then(() => mark('writesStopped'));
      return stopping;
    };

    options.onLive?.(() => ({
      scenario: scenario.name,
      startedAt: t0,
      state: current,
      stateSince,
      lag: lag.at(-1) ?? null,
      writes: { ...writes.counts },
      writeRate: writes.rate(),
      writing: writes.running,
      lastError: writes.errors.at(-1)?.message ?? null,
    }));

    const onEvent = (e: RunEvent) => {
      if (e.type === 'StateRetried' && e.state)
        emit({ type: 'retry', state: e.state, at: e.at, ...(e.error ? { error: e.error } : {}) });
      if (e.type !== 'StateEntered' || !e.state) return;
      current = e.state;
      stateSince = e.at;
      stateTimes.push({ state: e.state, at: e.at });
      if (e.state === 'Verify') seenVerify = true;
      else if (seenVerify && !VERIFY_LOOP.has(e.state)) void stopWrites();
      emit({ type: 'state', state: e.state, at: e.at });
    };

    const afterTask = (functionKey: string, state: string, result: unknown) => {
      if (functionKey === 'applyMigrations')
        migrationRuns.push({ at: Date.now(), result: result as MigrationsResult });
      if (functionKey === 'validateData') {
        const v = result as { status: string; summary: string; durationMs: number };
        validations.push({ state, status: v.status, summary: v.summary, durationMs: v.durationMs });
      }
      if (functionKey === 'installDdlGuard' || functionKey === 'releaseDdlGuard')
        guardEvents.push({ state, result: result as Record<string, unknown> });
      if (functionKey === 'checkLag') {
        const r = result as {
          value: number | null;
          unit: string;
          metric: string;
          withinThreshold: boolean;
          checkedAt: string;
        };
        const sample: LagSample = {
          state,
          at: r.checkedAt,
          value: r.value,
          unit: r.unit,
          metric: r.metric,
          withinThreshold: r.withinThreshold,
        };
        lag.push(sample);
        emit({ type: 'lag', sample, at: Date.now() });
      }
      if (functionKey === 'requestApproval') {
        const { approvalId } = result as { approvalId: string };
        const links = linksFromOutbox(emu.outbox(), approvalId);
        if (!links) throw new Error(`the approval e-mail for ${approvalId} is not in the SNS outbox`);
        approval = { id: approvalId, links, requestedAt: Date.now() };
        mark('approvalRequested');
        const action = scenario.approval === 'approve' && !options.autoApprove ? 'human' : scenario.approval;
        emit({ type: 'approval-links', links, action, at: Date.now() });
        const click = (decision: 'approve' | 'reject') =>
          clickLink(
            decision === 'approve' ? links.approve : links.reject,
            decision === 'reject'
              ? 'Rehearsal: the approval-rejected scenario rejects this switch.'
              : undefined,
          )
            .then((r) =>
              emit({ type: 'approval-clicked', decision, status: r.status, title: r.title, at: Date.now() }),
            )
            .catch((err: unknown) => {
              clickError = (err as Error).message;
            });
        if (action === 'approve' || action === 'reject') setImmediate(() => void click(action));
      }
    };

    let ddlRun = false;
    let lagChecksAfterDdl = 0;
    let windowBroken: string | null = null;
    let greenChanged = false;
    let productionEstimate: RehearsalReport['switchover']['productionEstimate'] = null;
    let verifyProblems: string[] = [];
    const invoke: Invoke = async (functionKey, payload, state) => {
      if (functionKey === 'verify' && scenario.alarmAfterSwitch && !alarmSet) {
        // The switch has completed (Verify follows only a completed switch): the new primary starts failing.
        alarmSet = true;
        emu.setAlarmState(VERIFY_ALARM, 'ALARM');
        emit({
          type: 'fault',
          message: `alarm ${VERIFY_ALARM} set to ALARM after the switch`,
          at: Date.now(),
        });
      }
      if (functionKey === 'verify' && scenario.onGreenAfterSwitch && !greenChanged) {
        // The switch has completed: the original name now serves green.
        greenChanged = true;
        await runOnBlue(emu.connectionConfig(SOURCE_ID), scenario.onGreenAfterSwitch);
        emit({
          type: 'fault',
          message: `on the new primary: ${scenario.onGreenAfterSwitch}`,
          at: Date.now(),
        });
      }
      if (functionKey === 'validateData' && scenario.driftOnGreen && !drifted) {
        // Green has caught up (ValidateData follows converged lag): a person edits a row on green.
        const greenId = (payload as { greenInstanceId: string }).greenInstanceId;
        drifted = await changeRowOnGreen(emu.connectionConfig(greenId));
        emit({
          type: 'fault',
          message: `changed ${drifted.table} id ${drifted.id} directly on ${greenId}`,
          at: Date.now(),
        });
      }
      const handler = handlers[functionKey];
      if (!handler) throw new Error(`no handler bound for function ${functionKey}`);
      // Lambda passes JSON both ways; so does the rehearsal.
      const event = JSON.parse(JSON.stringify(payload ?? null)) as unknown;
      const out = await handler(event, {
        functionName: `switchyard-rehearsal-${functionKey}`,
        awsRequestId: randomBytes(8).toString('hex'),
      });
      const result = out === undefined ? null : (JSON.parse(JSON.stringify(out)) as unknown);
      afterTask(functionKey, state, result);
      if (functionKey === 'prepareApproval')
        productionEstimate =
          (
            result as {
              request?: { switchoverEstimate?: RehearsalReport['switchover']['productionEstimate'] };
            }
          ).request?.switchoverEstimate ?? null;
      if (functionKey === 'verify') verifyProblems = (result as { problems?: string[] }).problems ?? [];
      if (functionKey === 'checkLag') {
        const window = (result as { window?: { healthy: boolean; reason: string | null } }).window;
        if (ddlRun) lagChecksAfterDdl++;
        if (window && !window.healthy && windowBroken === null) windowBroken = window.reason;
      }
      if (functionKey === 'checkLag' && scenario.ddlOnBlueDuringLag && !ddlRun) {
        // After the first lag check, as a person would: the guard must see it at the next one.
        ddlRun = true;
        await runOnBlue(emu.connectionConfig(SOURCE_ID), scenario.ddlOnBlueDuringLag);
        emit({ type: 'fault', message: `on blue: ${scenario.ddlOnBlueDuringLag}`, at: Date.now() });
      }
      return result;
    };

    const arn = executionArn(`rehearsal-${scenario.name}-${Date.now().toString(36)}`);
    phase(`starting execution ${arn}`);
    mark('executionStarted');
    const run: RunResult = await abortable(
      runStateMachine({ input, executionId: arn, invoke, callbacks, onEvent }),
      signal,
    );
    mark('executionEnded');
    await stopWrites();

    // 7. What is true now.
    await withTimeout(emu.idle(), 15_000, undefined);
    const lost = await writes.lostWrites(emu.connectionConfig(SOURCE_ID));
    const after = await (mysqlFamily ? identifyMysql : identify)(emu, SOURCE_ID);
    const deployments =
      (await rds.send(new DescribeBlueGreenDeploymentsCommand({}))).BlueGreenDeployments ?? [];
    const instances = (await rds.send(new DescribeDBInstancesCommand({}))).DBInstances ?? [];
    const state = (await (await fetch(`${emu.url}/_switchyard/state`)).json()) as {
      snapshots: Array<{ id: string; status: string }>;
    };
    const remainingInstances = await Promise.all(
      instances.map(async (i) => ({
        id: i.DBInstanceIdentifier ?? '',
        status: i.DBInstanceStatus ?? '',
        engineVersion: i.EngineVersion ?? '',
        readOnly:
          i.DBInstanceStatus === 'available'
            ? await (mysqlFamily ? isMysqlReadOnly : isReadOnly)(emu, i.DBInstanceIdentifier ?? '')
            : null,
      })),
    );

    // The approval as recorded in the approval table.
    const item = approval
      ? (dynamo.items(APPROVAL_TABLE).find((i) => (i as AttributeMap).pk?.S === `approval#${approval?.id}`) as
          | AttributeMap
          | undefined)
      : undefined;
    const decided = item?.decision?.S as 'approved' | 'rejected' | undefined;
    const approvalTimedOut = run.events.some(
      (e) => e.state === 'RequestApproval' && e.error === 'States.Timeout',
    );
    const approvalReport: RehearsalReport['approval'] = {
      decision: !approval ? 'not-asked' : decided ? decided : approvalTimedOut ? 'timed-out' : 'pending',
      by: item?.decidedBy?.S ?? null,
      at: item?.decidedAt?.S ?? null,
      channel: item?.channel?.S ?? null,
      reason: item?.reason?.S || null,
      links: approval ? { approve: approval.links.approve, reject: approval.links.reject } : null,
      waitedMs: null,
    };
    if (approval) {
      const asked = stateTimes.findIndex((s) => s.state === 'RequestApproval');
      const left = asked >= 0 ? stateTimes[asked + 1] : undefined;
      approvalReport.waitedMs = left ? Math.max(0, left.at - approval.requestedAt) : null;
    }

    // The switch: from Switchover entered until the run leaves the switchover loop.
    const switchIndex = stateTimes.findIndex((s) => s.state === 'Switchover');
    const switchStart = switchIndex >= 0 ? stateTimes[switchIndex]?.at : undefined;
    const switchEnd =
      switchIndex >= 0
        ? (stateTimes.slice(switchIndex).find((s) => !SWITCH_LOOP.has(s.state))?.at ?? Date.now())
        : undefined;
    const stall =
      switchStart !== undefined && switchEnd !== undefined
        ? longestAckGap(writes.ackTimes, switchStart, switchEnd)
        : undefined;
    const switchErrors =
      switchStart !== undefined && switchEnd !== undefined
        ? writes.errors.filter((e) => e.at >= switchStart && e.at <= switchEnd).length
        : 0;

    const outcome: Outcome = outcomeOf(run.status, run.error);
    const loadMs = (writes.stoppedAt || Date.now()) - writes.startedAt;
    const greenCreatedAt = stateTimes.find((s) => s.state === 'CreateGreen')?.at;
    const lastMigrations = migrationRuns.at(-1);
    const migrationsReport: RehearsalReport['migrations'] = lastMigrations
      ? {
          verdict: lastMigrations.result.verdict,
          applied: lastMigrations.result.applied,
          total: lastMigrations.result.total,
          units: lastMigrations.result.units,
          finishedBeforeGreen: greenCreatedAt === undefined || lastMigrations.at <= greenCreatedAt,
          lockAttempts: lastMigrations.result.lockAttempts,
        }
      : null;
    // What the verdict rests on, measured here; the verdict itself is judge.ts's.
    const schemaCounts = schemaLoad
      ? await countTableRows(
          emu,
          SOURCE_ID,
          schemaLoad.tables.map((t) => t.table),
        )
      : null;
    const checks = judgeChecks(scenario, {
      outcome,
      states: run.states,
      migrations: migrationsReport,
      expandMigrations: input.migrations?.expand?.length ?? 0,
      endpoint: SOURCE_ID,
      lostWrites: lost.length,
      acknowledgedWrites: writes.counts.acknowledged,
      before,
      after,
      deployments: deployments.map((d) => ({
        id: d.BlueGreenDeploymentIdentifier ?? '',
        status: d.Status ?? '',
      })),
      instances: remainingInstances,
      approvalLinkError: clickError,
      preflightRefusal: run.events.find((e) => e.state === 'Preflight' && e.cause)?.cause ?? '',
      hazardNames: HAZARD_NAMES,
      productionWrites: scenario.schemaHazards
        ? await checkProductionWrites(emu.connectionConfig(SOURCE_ID))
        : [],
      schemaRows:
        schemaLoad && schemaCounts
          ? {
              missing: missingRows(schemaLoad, schemaCounts, options.loadTable),
              rows: schemaLoad.tables.reduce((n, t) => n + t.inserted, 0),
              tables: schemaLoad.tables.length,
            }
          : null,
      ...(mysqlFamily
        ? {
            mysqlFamily: {
              targetEngineVersion,
              endpointEngineVersion: instances.find((i) => i.DBInstanceIdentifier === SOURCE_ID)
                ?.EngineVersion,
            },
          }
        : {}),
    });
    // The replication-window scenarios (rehearsal/ddl-on-blue.ts): what the run had to name.
    if (scenario.onGreenAfterSwitch) {
      const named = verifyProblems.find((p) => p.includes('public.orders_id_seq') && p.includes('setval'));
      checks.push({
        name: 'verification names the sequence behind and its fix',
        ok: named !== undefined,
        detail: named ?? `problems: ${verifyProblems.join('; ') || 'none'}`,
      });
    }
    if (scenario.ddlOnBlueDuringLag)
      checks.push(...checkDdlNamed(windowBroken, 'public.orders', lagChecksAfterDdl));
    if (drifted) {
      // The refusal names the drifted key range (the range that holds the changed row); the
      // rolled-back notification carries $.error (DataDrift and the validation summary).
      const failure =
        emu
          .outbox()
          .map((m) => m.message)
          .find((m) => m.includes('DataDrift')) ?? '';
      checks.push({
        name: 'drifted key range named',
        ok:
          namesRangeOf(failure, drifted) &&
          run.states.includes('DataDriftFound') &&
          !run.states.includes('Switchover'),
        detail: `row id ${drifted.id}; refusal: ${failure.slice(0, 300)}`,
      });
    }

    report = {
      scenario: scenario.name,
      engine: {
        name: engine,
        ...(engine === 'mysql'
          ? { standIn: 'MySQL 8.0 emulated by the MariaDB binary (no Oracle MySQL server on this machine)' }
          : {}),
      },
      expected: scenario.expected,
      outcome,
      passed: checks.every((c) => c.ok),
      checks,
      executionArn: arn,
      status: run.status,
      error: run.error,
      cause: run.cause,
      states: run.states,
      // Errors raised by Task states (what sent the run down its failure path), not the final Fail.
      failures: run.events
        .filter((e) => e.type === 'StateFailed' && e.state && e.error && !e.error.startsWith('Switchyard.'))
        .map((e) => ({ state: e.state ?? '', error: e.error ?? '', cause: e.cause ?? '' })),
      transitions: run.transitions,
      retries: run.retries,
      durationMs: 0,
      timings: { emulatorStartMs: marks.emulatorStarted ?? 0, executionMs: run.durationMs, marks },
      writes: {
        ...writes.counts,
        lost: lost.length,
        lostIds: lost.slice(0, 100),
        clients: options.writeClients ?? 4,
        ratePerSecond: loadMs > 0 ? (writes.counts.acknowledged * 1000) / loadMs : 0,
        durationMs: loadMs,
      },
      switchover: {
        happened: switchStart !== undefined,
        writeStallMs: stall ? stall.ms : null,
        stallWindow: stall ? { start: iso(stall.start), end: iso(stall.end) } : null,
        clientErrors: switchErrors,
        holdConnections: options.holdConnections ?? false,
        productionEstimate,
      },
      lag,
      migrations: migrationsReport,
      ddlGuard: guardEvents,
      validation: validations,
      approval: approvalReport,
      endpoints: { before, after },
      source: { seedRows: options.seedRows ?? 1000, ...sourceSizes },
      schema: schemaLoad,
      inputMapping: options.input ? { file: options.input.file, changes: options.input.changes } : null,
      remaining: {
        deployments: deployments.map((d) => ({
          id: d.BlueGreenDeploymentIdentifier ?? '',
          status: d.Status ?? '',
        })),
        instances: remainingInstances,
        snapshots: state.snapshots.map((s) => ({ id: s.id, status: s.status })),
      },
      notifications: emu.outbox().map((m) => ({ subject: m.subject ?? null, at: m.at })),
      clientErrorSamples: writes.errors
        .slice(0, 20)
        .map((e) => ({ at: iso(e.at), client: e.client, message: e.message })),
      input,
      series: runSeries(
        t0,
        Date.now() - t0,
        writes.ackTimes,
        writes.errors.map((e) => e.at),
      ),
      timeline: {
        states: stateTimes.map((s) => ({ state: s.state, atMs: s.at - t0 })),
        rdsEvents: emu.events().map((e) => ({
          atMs: Date.parse(e.detail.Date) - t0,
          eventId: e.detail.EventID ?? '',
          source: e.detail.SourceIdentifier,
          message: e.detail.Message,
        })),
      },
    };
  } finally {
    unsubscribeEvents?.();
    const stops: Array<Promise<unknown>> = [];
    if (load) stops.push(load.stop().catch(() => {}));
    await Promise.all(stops);
    await approvalServer?.stop().catch(() => {});
    rds?.destroy();
    ssm?.destroy();
    await emulator?.stop();
    mark('stopped');
  }
  // Wall time, including stopping every server: what a user waits for.
  report.durationMs = Date.now() - t0;
  return report;
};
