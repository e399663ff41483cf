/** Runs the real ASL with the real pipeline handlers over a scripted fake world; waits and retry delays at 0 ms. */

import type { DeclaredHooks } from '#domain/hooks';
import { TASK_OUTPUTS } from '#domain/outputs';
import type { GateRunner } from '#lib/migration-gate';
import { CallbackRegistry } from '../../local/callbacks.ts';
import { readRawDefinition, taskBindings } from '../../local/definition.ts';
import type { LocalEventBus } from '../../local/event-bus.ts';
import { localEventWaits } from '../../local/event-waits.ts';
import { pipelineHandlers } from '../../local/pipeline-handlers.ts';
import {
  type HookRunner,
  type RunEvent,
  type RunResult,
  runStateMachine,
} from '../../local/run-state-machine.ts';
import type { World } from './fake-world.ts';

export type ApprovalScript = 'approve' | 'reject' | 'ignore';

export const passingGate: GateRunner = {
  lint: async (req) => ({
    verdict: 'pass',
    findings: [],
    summary: `0 errors, 0 warnings in ${req.sources.length} statements`,
  }),
  contractWindow: () => ({ allowed: true, message: 'no rollback window open' }),
};

const zeroWaits = (): Record<string, number> => {
  const states = readRawDefinition().States as Record<string, { Type: string }>;
  return Object.fromEntries(
    Object.entries(states)
      .filter(([, s]) => s.Type === 'Wait')
      .map(([name]) => [name, 0]),
  );
};

export interface PathRun extends RunResult {
  approvalRequests: unknown[];
  /** the local EventBridge bus the world's RDS events went through (deliveries to the relay) */
  bus: LocalEventBus;
  /** every OpenRollbackWindow payload (one per opening) */
  rollbackWindows: unknown[];
}

export const PATH_EXECUTION_ARN =
  'arn:aws:states:us-east-1:123456789012:execution:switchyard-blue-green-test:path-1';

/**
 * Faults a path test injects into the run itself (not the world): change a handler's result before the
 * state machine sees it (e.g. drop a field: States.Runtime), lower the history quota, or StopExecution.
 */
export interface PathOptions {
  tamper?: (functionKey: string, result: unknown) => unknown;
  historyEventLimit?: number;
  /** StopExecution when this returns true for a runner event (e.g. entering WaitForLag) */
  abortWhen?: (event: RunEvent) => boolean;
  /** hook targets declared at deploy time (none by default) and how the fake targets answer */
  declaredHooks?: DeclaredHooks;
  runHook?: HookRunner;
  /** called before each function runs; a throw is that function's failure (e.g. a missing table) */
  tamperInvoke?: (functionKey: string) => void;
  /**
   * How many rollback windows get a fail-back decision (the first N openings; default 0). A window
   * without one really times out after its TimeoutSeconds (at least 1 s), like the approval timeout.
   */
  failBackDecisions?: number;
  /** the execution's ARN (default PATH_EXECUTION_ARN; a fleet's children each have their own) */
  executionId?: string;
}

export const runPath = async (
  world: World,
  input: unknown,
  approval: ApprovalScript = 'approve',
  gate: GateRunner = passingGate,
  options: PathOptions = {},
): Promise<PathRun> => {
  const stop = new AbortController();
  const callbacks = new CallbackRegistry();
  const handlers = pipelineHandlers(world.gateways, gate, options.declaredHooks);
  // Event waits: the world's RDS events → local bus → the relay → the parked task token.
  const eventWaits = localEventWaits({ callbacks, clock: world.gateways.clock });
  world.onEvent((event) => eventWaits.bus.publish(event));
  const eventWaitStates = new Set(
    taskBindings()
      .filter((b) => b.functionKey === 'awaitRdsEvent')
      .map((b) => b.state),
  );
  const approvalRequests: unknown[] = [];
  const rollbackWindows: unknown[] = [];
  const retryIntervals = Object.fromEntries(taskBindings().map((b) => [b.state, 0]));
  const result = await runStateMachine({
    input,
    executionId: options.executionId ?? PATH_EXECUTION_ARN,
    callbacks,
    historyEventLimit: options.historyEventLimit,
    runHook: options.runHook,
    abortSignal: stop.signal,
    onEvent: (event) => {
      if (options.abortWhen?.(event)) stop.abort();
    },
    waitTimeOverrides: zeroWaits(),
    // Waits take 0 ms here, but the world's clock moves by what each would last in AWS.
    onWait: (_state, length) => world.advanceClock(length),
    retryIntervalOverrides: retryIntervals,
    // An event wait's fallback poll passes on the world's clock (events due meanwhile are delivered);
    // the approval's timeout stays real time.
    callbackTimeout: (state, seconds) =>
      eventWaitStates.has(state)
        ? world.passTime(seconds)
        : new Promise((resolve) => setTimeout(resolve, seconds * 1000)),
    invoke: async (functionKey, payload) => {
      options.tamperInvoke?.(functionKey);
      if (functionKey === 'awaitRdsEvent') return eventWaits.awaitRdsEvent(payload, {});
      if (functionKey === 'openRollbackWindow') {
        rollbackWindows.push(payload);
        const token = (payload as { taskToken: string }).taskToken;
        if (rollbackWindows.length <= (options.failBackDecisions ?? 0))
          setTimeout(
            () =>
              callbacks.sendTaskSuccess(token, {
                decision: 'fail-back',
                windowId: `fb-${rollbackWindows.length}`,
                by: 'dba@example.com',
                at: '2026-11-22T10:00:00.000Z',
                channel: 'cli',
                sourceIp: '127.0.0.1',
                reason: 'p99 latency doubled on 18',
              }),
            5,
          );
        return { windowId: `fb-${rollbackWindows.length}`, links: [] };
      }
      if (functionKey === 'requestApproval') {
        approvalRequests.push(payload);
        const token = (payload as { taskToken: string }).taskToken;
        const at = '2026-11-22T09:00:00.000Z';
        setTimeout(() => {
          if (approval === 'approve') {
            callbacks.sendTaskSuccess(token, {
              decision: 'approved',
              by: 'dba@example.com',
              at,
              channel: 'email',
              sourceIp: '127.0.0.1',
              approvalId: 'ap-1',
            });
          } else if (approval === 'reject') {
            callbacks.sendTaskFailure(
              token,
              'ApprovalRejected',
              JSON.stringify({
                decision: 'rejected',
                by: 'dba@example.com',
                at,
                channel: 'email',
                sourceIp: '127.0.0.1',
                approvalId: 'ap-1',
                reason: 'not tonight',
              }),
            );
          }
        }, 5);
        return { approvalId: 'ap-1', links: { approve: [], reject: [] } };
      }
      const handler = handlers[functionKey];
      if (!handler) throw new Error(`no handler bound for ${functionKey}`);
      const result = await handler(payload, {});
      // Every real result must match its output schema (what the ASL reads is checked against it).
      const checked = TASK_OUTPUTS[functionKey]?.safeParse(JSON.parse(JSON.stringify(result ?? null)));
      if (checked && !checked.success)
        throw new Error(
          `${functionKey} returned a result outside its output schema: ${checked.error.message}`,
        );
      return options.tamper ? options.tamper(functionKey, result) : result;
    },
  });
  await eventWaits.bus.idle();
  return { ...result, approvalRequests, bus: eventWaits.bus, rollbackWindows };
};

/** A valid input with short deadlines, for path tests. */
export const baseInput = (overrides: Record<string, unknown> = {}) => ({
  source: { dbInstanceIdentifier: 'orders-db' },
  target: { engineVersion: '18.4', dbParameterGroupName: 'orders-pg18' },
  lag: { maxSeconds: 5, maxBytes: 1_000_000, stableSamples: 3, pollSeconds: 1, deadlineMinutes: 2 },
  green: { readyDeadlineMinutes: 10, pollSeconds: 2 },
  approval: { required: true, approvers: ['dba@example.com'], timeoutMinutes: 60 },
  switchover: { timeoutSeconds: 60 },
  verify: { bakeMinutes: 1, pollSeconds: 60, alarmNames: ['orders-5xx'] },
  retention: { keepOldBlueHours: 0 },
  database: { name: 'orders', user: 'switchyard', passwordParameter: '/orders-db/password' },
  ...overrides,
});
