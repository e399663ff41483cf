/**
 * Runs statemachine/blue-green.asl.yaml in aws-local-stepfunctions with every Task state bound to a
 * Lambda handler (real in the rehearsal, real-with-fake-gateways in path tests). Reports the states
 * entered in order and the billable transitions (states entered + retries, as Step Functions counts).
 * As strict as AWS where cheap (local/aws-strictness.ts): JSON both ways, Lambda's error envelope,
 * payload quotas and the history-event quota, each failing the run as AWS would.
 */
import '../src/lib/with-resolvers-polyfill.ts';
import {
  ExecutionAbortedError,
  ExecutionError,
  ExecutionTimeoutError,
  StateMachine,
} from 'aws-local-stepfunctions';
import { valueAt } from '../src/domain/value-at.ts';
import {
  asLambdaJson,
  checkPayloadSize,
  ExecutionLimits,
  lambdaFailure,
  TerminalStatesError,
} from './aws-strictness.ts';
import type { CallbackRegistry } from './callbacks.ts';
import { LOCAL_TIMEOUT_KEY, loadDefinition, type TaskBinding, taskBindings } from './definition.ts';

/** Invokes the function behind a Task with its Payload, like Lambda would; throws named errors. */
export type Invoke = (functionKey: string, payload: unknown, state: string) => Promise<unknown>;

export interface RunEvent {
  type: string;
  state?: string;
  at: number;
  error?: string;
  cause?: string;
  output?: unknown;
  /** the state's input (StateEntered only): the report so far, as GetExecutionHistory shows it */
  input?: unknown;
  /** the state's type (Task, Choice, Wait, Pass, Fail, Succeed), as history event types name it */
  stateType?: string;
}

export interface RunOptions {
  input: unknown;
  executionId: string;
  invoke: Invoke;
  callbacks: CallbackRegistry;
  /** ms per Wait state name, to shorten waits in tests (never used to skip a loop) */
  waitTimeOverrides?: Record<string, number>;
  /** ms per Task state name for Retry intervals */
  retryIntervalOverrides?: Record<string, number>;
  onEvent?: (event: RunEvent) => void;
  /** Stops the run like StopExecution: it ends ABORTED, no Catch runs (see local/backstop.ts). */
  abortSignal?: AbortSignal;
  /** Called as each Wait state begins, with how long it lasts in AWS (whatever the override): a fake clock's tick */
  onWait?: (state: string, wait: WaitLength) => void;
  /** History events allowed before the run fails like AWS (default 25,000; tests lower it) */
  historyEventLimit?: number;
  /** Another state machine than blue-green (the fleet): its local definition and Lambda Task states */
  machine?: { definition: Record<string, unknown>; bindings: TaskBinding[] };
  /** Non-Lambda Task states (e.g. `states:startExecution.sync:2`) by state name: the integration's result */
  serviceHandlers?: Record<string, (parameters: unknown) => Promise<unknown>>;
}

/** How long a Wait state lasts, resolved from its input: a number of seconds or a moment. */
export type WaitLength = { seconds: number } | { until: string };

/** Seconds/SecondsPath/Timestamp/TimestampPath of a Wait state resolved against its input. */
export const waitLength = (wait: Record<string, unknown>, input: unknown): WaitLength | undefined => {
  const at = (path: unknown): unknown =>
    typeof path === 'string'
      ? valueAt(
          input,
          path
            .replace(/^\$\.?/, '')
            .split('.')
            .filter(Boolean),
        )
      : undefined;
  const seconds = wait.Seconds ?? at(wait.SecondsPath);
  if (typeof seconds === 'number') return { seconds };
  const until = wait.Timestamp ?? at(wait.TimestampPath);
  return typeof until === 'string' ? { until } : undefined;
};

export interface RunResult {
  status: 'SUCCEEDED' | 'FAILED' | 'ABORTED' | 'TIMED_OUT';
  output: unknown;
  error: string | null;
  cause: string | null;
  states: string[];
  transitions: number;
  /** AWS history events this run would have written (counted against the 25,000 quota) */
  historyEvents: number;
  retries: Array<{ state: string; attempt: number }>;
  events: RunEvent[];
  durationMs: number;
}

/** The payload with the run's context token replaced by this callback's own token, wherever it appears. */
const withToken = (payload: unknown, runToken: string, taskToken: string): unknown =>
  JSON.parse(JSON.stringify(payload ?? null), (_k, v) => (v === runToken ? taskToken : v));

const executionName = (executionId: string): string => executionId.slice(executionId.lastIndexOf(':') + 1);

export const runStateMachine = async (options: RunOptions): Promise<RunResult> => {
  const bindings = options.machine?.bindings ?? taskBindings();
  const token = `local-token-${executionName(options.executionId)}`;
  let callbackCount = 0;
  const tokensInFlight = new Set<string>();
  const limits = new ExecutionLimits(
    new Set(bindings.filter((b) => b.callback).map((b) => b.state)),
    options.historyEventLimit,
  );
  // Like Lambda: the event arrives as parsed JSON, the result leaves as JSON, a throw is the envelope.
  const invokeLambda = async (functionKey: string, payload: unknown, state: string): Promise<unknown> => {
    let result: unknown;
    try {
      result = await options.invoke(functionKey, asLambdaJson(payload), state);
    } catch (err) {
      throw lambdaFailure(err);
    }
    return asLambdaJson(result);
  };
  const handlers = Object.fromEntries(
    bindings.map((b) => [
      b.state,
      async (params: unknown) => {
        // Let the event watcher see the previous state's exit first: past a quota, no Lambda runs.
        await new Promise((resolve) => setImmediate(resolve));
        if (limits.failure) throw new TerminalStatesError(limits.failure.error, limits.failure.cause);
        const { [LOCAL_TIMEOUT_KEY]: _timeout, ...rest } = params as Record<string, unknown>;
        checkPayloadSize(`The input of task '${b.state}'`, rest);
        const payload = (rest as { Payload?: unknown }).Payload;
        if (!b.callback) {
          const result = await invokeLambda(b.functionKey, payload, b.state);
          // The lambda:invoke integration's result: the Payload beside Lambda's response metadata.
          const output = { ExecutedVersion: '$LATEST', Payload: result, StatusCode: 200 };
          checkPayloadSize(`The result of task '${b.state}'`, output);
          return output;
        }
        // Callback task: AWS issues a new token each time one starts (a second approval in the same
        // execution must not find the first one's). The context's token is fixed for the run, so each
        // callback's copy of it gets a sequence number.
        const taskToken = `${token}-${++callbackCount}`;
        const callbackPayload = withToken(payload, token, taskToken);
        tokensInFlight.add(taskToken);
        // Park first so a fast callback cannot arrive before the waiter exists.
        const settled = options.callbacks.wait(taskToken);
        try {
          await invokeLambda(b.functionKey, callbackPayload, b.state);
        } catch (err) {
          options.callbacks.forget(taskToken);
          throw err;
        } finally {
          settled.finally(() => tokensInFlight.delete(taskToken)).catch(() => {});
        }
        const output = asLambdaJson(await settled);
        checkPayloadSize(`The result of task '${b.state}'`, output);
        return output as never;
      },
    ]),
  );
  // A service integration's result passes through JSON too, and counts against the payload quota.
  for (const [state, serve] of Object.entries(options.serviceHandlers ?? {})) {
    handlers[state] = async (params: unknown) => {
      await new Promise((resolve) => setImmediate(resolve));
      if (limits.failure) throw new TerminalStatesError(limits.failure.error, limits.failure.cause);
      checkPayloadSize(`The input of task '${state}'`, params);
      const output = asLambdaJson(await serve(asLambdaJson(params)));
      checkPayloadSize(`The result of task '${state}'`, output);
      return output as never;
    };
  }
  const definition = options.machine?.definition ?? loadDefinition();
  const stateDefinitions = definition.States as Record<string, Record<string, unknown>>;
  const machine = new StateMachine(definition as never, {
    validationOptions: { checkArn: true, checkPaths: true },
  });
  const started = Date.now();
  const execution = machine.run(options.input as never, {
    overrides: {
      taskResourceLocalHandlers: handlers as never,
      waitTimeOverrides: options.waitTimeOverrides,
      retryIntervalOverrides: options.retryIntervalOverrides,
    },
    context: {
      Execution: { Id: options.executionId, Name: executionName(options.executionId) },
      Task: { Token: token },
    } as never,
  });
  const events: RunEvent[] = [];
  const states: string[] = [];
  const retries: Array<{ state: string; attempt: number }> = [];
  const collect = (async () => {
    for await (const e of execution.eventLogs) {
      const event: RunEvent = { type: e.type, at: e.timestamp };
      if ('state' in e) {
        event.state = e.state.name;
        event.stateType = e.state.type;
      }
      if ('Error' in e) {
        event.error = e.Error;
        event.cause = typeof e.Cause === 'string' ? e.Cause : JSON.stringify(e.Cause);
      }
      if (e.type === 'StateEntered' && event.state) {
        states.push(event.state);
        event.input = e.state.input;
      }
      if (e.type === 'StateEntered' && e.state.type === 'Wait' && options.onWait) {
        const length = waitLength(stateDefinitions[e.state.name] ?? {}, e.state.input);
        if (length) options.onWait(e.state.name, length);
      }
      if (e.type === 'StateRetried' && event.state)
        retries.push({ state: event.state, attempt: e.retry.attempt });
      events.push(event);
      options.onEvent?.(event);
      // Past a quota AWS ends the execution; so does the local run (no Catch sees it).
      if (limits.observe(e as never)) execution.abort();
    }
  })();
  let result: RunResult;
  const abort = () => execution.abort();
  if (options.abortSignal?.aborted) abort();
  options.abortSignal?.addEventListener('abort', abort, { once: true });
  try {
    const output = await execution.result;
    result = { status: 'SUCCEEDED', output, error: null, cause: null } as RunResult;
  } catch (err) {
    if (err instanceof ExecutionAbortedError && limits.failure) {
      result = {
        status: 'FAILED',
        output: null,
        error: limits.failure.error,
        cause: limits.failure.cause,
      } as RunResult;
    } else if (err instanceof ExecutionAbortedError || err instanceof ExecutionTimeoutError) {
      // Like AWS: a stopped (StopExecution) or timed-out run has no output and no Catch ran.
      const status = err instanceof ExecutionAbortedError ? 'ABORTED' : 'TIMED_OUT';
      result = { status, output: null, error: null, cause: null } as RunResult;
    } else if (!(err instanceof ExecutionError)) throw err;
    else {
      const cause = (err as Error & { cause?: { name?: string; message?: string } }).cause;
      result = {
        status: 'FAILED',
        output: null,
        error: cause?.name ?? err.name,
        cause: cause?.message ?? err.message,
      } as RunResult;
    }
  } finally {
    options.abortSignal?.removeEventListener('abort', abort);
    for (const t of tokensInFlight) options.callbacks.forget(t);
  }
  await collect;
  return {
    ...result,
    states,
    retries,
    transitions: states.length + retries.length,
    historyEvents: limits.historyEvents,
    events,
    durationMs: Date.now() - started,
  };
};
