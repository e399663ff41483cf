/**
 * The backstop, locally. Step Functions emits "Step Functions Execution Status Change" to EventBridge when
 * a run ends; the local runner has no EventBridge, so this builds the same event from a RunResult and
 * invokes the real reconcile handler with it. The handler's Step Functions reads (DescribeExecution,
 * GetExecutionHistory) are served from the runner's own history by `localSfnReader`; its RDS and SNS
 * calls go wherever the given gateways point (the emulator, or the fake world in path tests).
 */

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
): Promise<BackstopRun> => {
  const event = statusChangeEvent(execution);
  if (!event) return { event, outcome: null, error: null };
  const handler = makeReconcileHandler({
    ...gateways,
    sfn: localSfnReader([execution, ...others]),
    stateMachineArn: execution.stateMachineArn,
  });
  try {
    return { event, outcome: await handler(event as never, {} as never), error: null };
  } catch (err) {
    return { event, outcome: null, error: err as Error };
  }
};
