/**
 * The backstop, locally. Step Functions emits "Step Functions Execution Status Change" to EventBridge when
 * a run ends; the local runner has no EventBridge, so this builds the same event from a RunResult and
 * invokes the real reconcile handler with it. The handler's Step Functions reads (DescribeExecution,
 * GetExecutionHistory) are served from the runner's own history by `localSfnReader`; its RDS and SNS
 * calls go wherever the given gateways point (the emulator, or the fake world in path tests).
 */

import { type JsonService, JsonServiceError } from '../emulator/services/json-service.ts';
import { makeReconcileHandler } from '../functions/reconcile.ts';
import type { Gateways } from '../src/aws/gateways.ts';
import type { ExecutionSummary, SfnReader } from '../src/aws/sfn-gateway.ts';
import type { RunResult } from './run-state-machine.ts';

export const STATUS_CHANGE = 'Step Functions Execution Status Change';
const ENDS_WATCHED = new Set(['FAILED', 'TIMED_OUT', 'ABORTED']);

export interface LocalExecution {
  executionArn: string;
  stateMachineArn: string;
  input: unknown;
  startedAt: number;
  /** absent while the run is going */
  result?: RunResult;
}

const iso = (ms: number): string => new Date(ms).toISOString();

const summaryOf = (e: LocalExecution): ExecutionSummary => ({
  executionArn: e.executionArn,
  stateMachineArn: e.stateMachineArn,
  status: e.result?.status ?? 'RUNNING',
  error: e.result?.error ?? null,
  cause: e.result?.cause ?? null,
  // Like AWS: output only for SUCCEEDED.
  output: e.result?.status === 'SUCCEEDED' ? JSON.stringify(e.result.output) : null,
  input: JSON.stringify(e.input),
  startDate: iso(e.startedAt),
  stopDate: e.result ? iso(e.startedAt + e.result.durationMs) : null,
});

/** DescribeExecution and GetExecutionHistory over local runs. */
export const localSfnReader = (executions: Iterable<LocalExecution>): SfnReader => {
  const byArn = new Map([...executions].map((e) => [e.executionArn, e]));
  return {
    async describeExecution(arn) {
      const e = byArn.get(arn);
      return e ? summaryOf(e) : undefined;
    },
    async trail(arn) {
      const events = byArn.get(arn)?.result?.events ?? [];
      const entered = events.filter((e) => e.type === 'StateEntered' && e.state);
      const last = entered.at(-1);
      return {
        statesEntered: entered.map((e) => e.state!),
        lastStateInput: last?.input === undefined ? null : JSON.stringify(last.input),
      };
    },
  };
};

/** The EventBridge event Step Functions sends for this run's end, or null when the rule would not match. */
export const statusChangeEvent = (e: LocalExecution) => {
  if (!e.result || !ENDS_WATCHED.has(e.result.status)) return null;
  const summary = summaryOf(e);
  const [, , , region, account] = e.executionArn.split(':');
  return {
    version: '0',
    id: `local-${e.executionArn.slice(e.executionArn.lastIndexOf(':') + 1)}`,
    'detail-type': STATUS_CHANGE,
    source: 'aws.states',
    account,
    time: summary.stopDate,
    region,
    resources: [e.executionArn],
    detail: {
      executionArn: e.executionArn,
      stateMachineArn: e.stateMachineArn,
      name: e.executionArn.slice(e.executionArn.lastIndexOf(':') + 1),
      status: summary.status,
      startDate: e.startedAt,
      stopDate: e.startedAt + e.result.durationMs,
      input: summary.input,
      output: summary.output,
      error: summary.error,
      cause: summary.cause,
    },
  };
};

const seconds = (iso: string | null): number | undefined => (iso ? Date.parse(iso) / 1000 : undefined);

/** The history events AWS would list for a local run (the ones the runner records), oldest first. */
const historyEvents = (e: LocalExecution, includeData: boolean) => {
  const events: Array<Record<string, unknown>> = [
    {
      type: 'ExecutionStarted',
      timestamp: e.startedAt / 1000,
      executionStartedEventDetails: includeData ? { input: JSON.stringify(e.input) } : {},
    },
  ];
  for (const r of e.result?.events ?? []) {
    if (!r.state || !r.stateType) continue;
    if (r.type === 'StateEntered')
      events.push({
        type: `${r.stateType}StateEntered`,
        timestamp: r.at / 1000,
        stateEnteredEventDetails: {
          name: r.state,
          ...(includeData ? { input: JSON.stringify(r.input) } : {}),
        },
      });
    if (r.type === 'StateExited')
      events.push({
        type: `${r.stateType}StateExited`,
        timestamp: r.at / 1000,
        stateExitedEventDetails: { name: r.state },
      });
  }
  const status = e.result?.status;
  if (status && status !== 'SUCCEEDED') {
    const type = { FAILED: 'ExecutionFailed', ABORTED: 'ExecutionAborted', TIMED_OUT: 'ExecutionTimedOut' }[
      status
    ];
    const detailsKey = `${type[0]!.toLowerCase()}${type.slice(1)}EventDetails`;
    events.push({
      type,
      timestamp: (e.startedAt + e.result!.durationMs) / 1000,
      [detailsKey]: { error: e.result!.error ?? undefined, cause: e.result!.cause ?? undefined },
    });
  }
  return events.map((event, i) => ({ id: i + 1, previousEventId: i, ...event }));
};

/**
 * `DescribeExecution` and `GetExecutionHistory` over the AWS JSON protocol, answered from local runs, so
 * the real @aws-sdk/client-sfn (src/aws/sfn-gateway.ts) can read them through the emulator; every other
 * operation (the task-token callbacks) goes to `base`.
 */
export const withExecutionReads = (
  base: JsonService,
  executions: Map<string, LocalExecution>,
): JsonService => ({
  targetPrefix: base.targetPrefix,
  contentType: base.contentType,
  async handle(req) {
    if (req.operation !== 'DescribeExecution' && req.operation !== 'GetExecutionHistory')
      return base.handle(req);
    const arn = String(req.body.executionArn ?? '');
    const execution = executions.get(arn);
    if (!execution) throw new JsonServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    if (req.operation === 'DescribeExecution') {
      const s = summaryOf(execution);
      return {
        body: {
          executionArn: s.executionArn,
          stateMachineArn: s.stateMachineArn,
          name: arn.slice(arn.lastIndexOf(':') + 1),
          status: s.status,
          startDate: seconds(s.startDate),
          stopDate: seconds(s.stopDate),
          input: s.input,
          output: s.output ?? undefined,
          error: s.error ?? undefined,
          cause: s.cause ?? undefined,
        },
      };
    }
    const all = historyEvents(execution, req.body.includeExecutionData !== false);
    if (req.body.reverseOrder === true) all.reverse();
    const max = Math.min(Number(req.body.maxResults) || 100, 1000);
    const from = Number(req.body.nextToken ?? 0);
    const page = all.slice(from, from + max);
    return { body: { events: page, nextToken: from + max < all.length ? String(from + max) : undefined } };
  },
});

export interface BackstopRun {
  event: ReturnType<typeof statusChangeEvent>;
  /** the reconcile handler's answer, or the error it threw (what would fire its alarm in AWS) */
  outcome: unknown;
  error: Error | null;
}

/** What EventBridge would do when the run ended: invoke the reconciler with the status-change event. */
export const runBackstop = async (
  execution: LocalExecution,
  gateways: Pick<Gateways, 'rds' | 'notify'>,
  others: LocalExecution[] = [],
  /** the Step Functions reads; default: in process, over these runs (give the SDK reader to go over HTTP) */
  sfn: SfnReader = localSfnReader([execution, ...others]),
): Promise<BackstopRun> => {
  const event = statusChangeEvent(execution);
  if (!event) return { event, outcome: null, error: null };
  const handler = makeReconcileHandler({
    ...gateways,
    sfn,
    stateMachineArn: execution.stateMachineArn,
  });
  try {
    return { event, outcome: await handler(event as never, {} as never), error: null };
  } catch (err) {
    return { event, outcome: null, error: err as Error };
  }
};
