/**
 * The rehearsal's harness: starts the emulator (with the Step Functions callback and DynamoDB services the
 * approval path needs), points every AWS SDK client in this process at it, starts the local approval
 * endpoint, binds every Task to its real handler, and later the write load. `stop()` (also
 * `Symbol.asyncDispose`) stops whatever was started, in reverse order, and is safe after a failed start.
 */

import { randomBytes } from 'node:crypto';
import { RDSClient } from '@aws-sdk/client-rds';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { DeclaredHooks } from '#domain/hooks';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { createDynamoDbService } from '../emulator/services/dynamodb.ts';
import type { ApprovalServer } from '../local/approval-server.ts';
import { CallbackRegistry, sfnService } from '../local/callbacks.ts';
import type { LocalEventBus } from '../local/event-bus.ts';
import type { RunOptions, RunResult } from '../local/run-state-machine.ts';
import type { RehearsalEngine } from './engine-probes.ts';
import {
  APPROVAL_SECRET_PARAMETER,
  APPROVAL_TABLE,
  applyRehearsalEnvironment,
  EVENT_WAITS_TABLE,
  rememberPort,
  stablePort,
} from './environment.ts';
import { DB_PASSWORD_PARAMETER } from './input.ts';
import { VERIFY_ALARM } from './scenarios.ts';
import { type EndpointConfig, WriteLoad, type WriteLoadOptions } from './write-load.ts';

export class RehearsalAbortedError extends Error {
  constructor(options?: ErrorOptions) {
    super('the rehearsal was interrupted', options);
    this.name = 'RehearsalAbortedError';
  }
}

/** `p`, or a RehearsalAbortedError as soon as `signal` aborts (what `p` started is stopped by the harness). */
export const abortable = <T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> => {
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

export type Lambda = (event: unknown, context: object) => Promise<unknown>;

export interface HarnessOptions {
  engine: RehearsalEngine;
  /** Hook targets the local "deployment" declares (command hooks stood up as Lambda hooks; command-hooks.ts) */
  declaredHooks?: DeclaredHooks;
  seedRows: number;
  holdConnections: boolean;
  log?: (line: string) => void;
  signal?: AbortSignal;
  /** Called when a phase of the start-up is done (`emulatorStarted`, `environmentReady`, `writesStarted`). */
  mark: (name: string) => void;
}

export const ENGINE_LABELS: Record<RehearsalEngine, string> = {
  postgres: 'PostgreSQL 17',
  mariadb: 'MariaDB 10.11',
  mysql: 'MySQL 8.0 on the MariaDB stand-in',
};

export class Harness {
  private emulatorStarted: Emulator | undefined;
  /** The emulator's start, kept so that `stop()` after an abort during it still stops what it started. */
  private emulatorStarting: Promise<Emulator> | undefined;
  private approvalServer: ApprovalServer | undefined;
  private rdsClient: RDSClient | undefined;
  private ssmClient: SSMClient | undefined;
  private writeLoad: WriteLoad | undefined;
  private stopped: Promise<void> | undefined;
  /** The local run's task tokens, shared by the state machine runner and the emulator's Step Functions service. */
  readonly callbacks = new CallbackRegistry();
  /** The approval table (what request-approval and the callback write) and the event waits' tokens. */
  readonly dynamo = createDynamoDbService({
    tables: [
      { name: APPROVAL_TABLE, hashKey: 'pk' },
      { name: EVENT_WAITS_TABLE, hashKey: 'pk' },
    ],
  });
  /** The local EventBridge bus the emulator's RDS events go through to RelayRdsEvent (set by start()). */
  eventBus: LocalEventBus | undefined;
  private unsubscribeEvents: (() => void) | undefined;
  handlers: Record<string, Lambda> = {};
  runStateMachine: ((options: RunOptions) => Promise<RunResult>) | undefined;

  get emulator(): Emulator {
    if (!this.emulatorStarted) throw new Error('the harness has not started the emulator');
    return this.emulatorStarted;
  }

  get rds(): RDSClient {
    if (!this.rdsClient) throw new Error('the harness has not started');
    return this.rdsClient;
  }

  get load(): WriteLoad | undefined {
    return this.writeLoad;
  }

  /** Everything but the write load; on failure, what started is left for `stop()`. */
  async start(options: HarnessOptions): Promise<void> {
    // The Lambdas' JSON log lines would bury the progress display: silent unless POWERTOOLS_LOG_LEVEL
    // asks for them (read when the handler modules load, just below).
    process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
    // The handler modules that read nothing from the environment at import load while the server starts.
    const modules = Promise.all([
      import('../local/pipeline-handlers.ts'),
      import('../src/aws/gateways.ts'),
      import('../src/lib/default-gate.ts'),
      import('../local/run-state-machine.ts'),
    ]);
    modules.catch(() => {}); // awaited below; a failure surfaces there
    this.emulatorStarting = startEmulator({
      port: stablePort('emulator'),
      seed: true,
      seedRows: options.seedRows,
      seedEngine: options.engine,
      holdConnections: options.holdConnections,
      jsonServices: [sfnService(this.callbacks), this.dynamo],
      ...(options.log ? { log: options.log } : {}),
    });
    this.emulatorStarting.catch(() => {}); // awaited just below; a failure surfaces there
    this.emulatorStarted = await abortable(this.emulatorStarting, options.signal);
    const emu = this.emulatorStarted;
    rememberPort('emulator', emu.port);
    options.mark('emulatorStarted');

    // Every SDK client in this process now talks to the emulator.
    applyRehearsalEnvironment(emu.url, emu.caFile);
    const clientConfig = {
      endpoint: emu.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDREHEARSAL', secretAccessKey: 'x' },
    };
    this.rdsClient = new RDSClient(clientConfig);
    this.ssmClient = new SSMClient(clientConfig);
    await this.ssmClient.send(
      new PutParameterCommand({
        Name: APPROVAL_SECRET_PARAMETER,
        Type: 'SecureString',
        Overwrite: true,
        Value: randomBytes(32).toString('base64url'),
      }),
    );
    await this.ssmClient.send(
      new PutParameterCommand({
        Name: DB_PASSWORD_PARAMETER,
        Type: 'SecureString',
        Overwrite: true,
        Value: emu.masterPassword,
      }),
    );
    emu.setAlarmState(VERIFY_ALARM, 'OK');

    // The approval endpoint (same handler as production's callback) and the handlers, imported now
    // because the approval functions read their configuration at import.
    const { startApprovalServer } = await import('../local/approval-server.ts');
    this.approvalServer = await startApprovalServer({ port: stablePort('approval') });
    rememberPort('approval', Number(new URL(this.approvalServer.url).port));
    // After the approval server: it sets APPROVAL_BASE_URL, which request-approval reads at import.
    const requestApproval = await import('../functions/request-approval.ts');
    // The rollback window's link points at this server too (FAIL_BACK_BASE_URL, read at import).
    const openRollbackWindow = await import('../functions/open-rollback-window.ts');
    const [{ pipelineHandlers }, { defaultGateways }, { defaultGateRunner }, { runStateMachine }] =
      await modules;
    // Event waits: the emulator's RDS events → the local EventBridge bus → RelayRdsEvent, with the real
    // gateways (SDK clients → the emulator's DynamoDB and Step Functions callbacks), as in AWS.
    const { localEventWaits } = await import('../local/event-waits.ts');
    const { defaultEventWaitDeps } = await import('../src/lib/rds-event-relay.ts');
    const eventWaits = localEventWaits(defaultEventWaitDeps());
    this.eventBus = eventWaits.bus;
    this.unsubscribeEvents = emu.onEvent((event) => void eventWaits.bus.publish(event));
    this.handlers = {
      ...pipelineHandlers(defaultGateways(), defaultGateRunner, options.declaredHooks),
      requestApproval: requestApproval.handler as Lambda,
      awaitRdsEvent: eventWaits.awaitRdsEvent as Lambda,
      openRollbackWindow: openRollbackWindow.handler as Lambda,
    };
    this.runStateMachine = runStateMachine;
    options.mark('environmentReady');
  }

  /** Starts the write load on `cfg` (it is stopped by `stop()` if nobody stopped it before). */
  startLoad(cfg: EndpointConfig, options: WriteLoadOptions): WriteLoad {
    this.writeLoad = new WriteLoad(cfg, options);
    this.writeLoad.start();
    return this.writeLoad;
  }

  /** Stops the write load, the approval endpoint, the SDK clients and the emulator; once, whatever failed. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.unsubscribeEvents?.();
      await this.eventBus?.idle().catch(() => {});
      await this.writeLoad?.stop().catch(() => {});
      await this.approvalServer?.stop().catch(() => {});
      this.rdsClient?.destroy();
      this.ssmClient?.destroy();
      // Interrupted while it started: wait for it to come up, then stop it (its servers are running).
      const emulator = this.emulatorStarted ?? (await this.emulatorStarting?.catch(() => undefined));
      await emulator?.stop();
    })();
    return this.stopped;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}
