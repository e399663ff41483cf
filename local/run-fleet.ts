/**
 * Runs statemachine/fleet.asl.yaml in aws-local-stepfunctions (with local/aws-strictness.ts, like the
 * single-database runner). Its Lambda Tasks go to `invoke`; its `states:startExecution.sync:2` Tasks run
 * a child through `runChild` (the real blue-green machine, locally) and answer as Step Functions does:
 * DescribeExecution's fields with `Output` as JSON (`.sync:2`) when the child SUCCEEDED; otherwise the
 * task fails with `States.TaskFailed` and DescribeExecution's JSON (Status, Error, Cause) as its Cause.
 * Like StartExecution, the same name with the same input while the child runs returns that child; a
 * name already used by a closed child is `StepFunctions.ExecutionAlreadyExistsException`.
 */
import { buildFleetReport, type FleetReport, type FleetReportInput } from '../src/domain/fleet-report.ts';
import type { CallbackRegistry } from './callbacks.ts';
import { fleetTaskStates, LOCAL_BLUE_GREEN_ARN, loadFleetDefinition } from './fleet-definition.ts';
import { type Invoke, type RunEvent, type RunResult, runStateMachine } from './run-state-machine.ts';

export interface ChildRun {
  name: string;
  executionArn: string;
  input: unknown;
  startedAt: string;
  stoppedAt: string | null;
  result: RunResult | null;
}

export interface FleetRunOptions {
  input: unknown;
  executionId: string;
  invoke: Invoke;
  callbacks: CallbackRegistry;
  /** runs one child execution of the blue-green machine to its end */
  runChild: (child: { name: string; executionArn: string; input: unknown }) => Promise<RunResult>;
  waitTimeOverrides?: Record<string, number>;
  retryIntervalOverrides?: Record<string, number>;
  onEvent?: (event: RunEvent) => void;
}

export interface FleetRunResult extends RunResult {
  children: ChildRun[];
}

const childArn = (name: string): string =>
  `${LOCAL_BLUE_GREEN_ARN.replace(':stateMachine:', ':execution:')}:${name}`;

/** DescribeExecution's answer for a child, as `.sync:2` returns it (Output parsed) or puts it in a Cause. */
export const describeChild = (child: ChildRun): Record<string, unknown> => {
  const r = child.result;
  return {
    ExecutionArn: child.executionArn,
    StateMachineArn: LOCAL_BLUE_GREEN_ARN,
    Name: child.name,
    Status: r?.status ?? 'RUNNING',
    StartDate: child.startedAt,
    ...(child.stoppedAt ? { StopDate: child.stoppedAt } : {}),
    Input: JSON.stringify(child.input),
    InputDetails: { Included: true },
    ...(r?.status === 'SUCCEEDED' ? { Output: r.output, OutputDetails: { Included: true } } : {}),
    ...(r?.error ? { Error: r.error } : {}),
    ...(r?.cause ? { Cause: r.cause } : {}),
  };
};

export const runFleet = async (options: FleetRunOptions): Promise<FleetRunResult> => {
  const states = fleetTaskStates();
  const children = new Map<string, { run: ChildRun; done: Promise<ChildRun> }>();
  const startChild = async (parameters: unknown): Promise<unknown> => {
    const { Name: name, Input: input } = parameters as { Name: string; Input: unknown };
    const existing = children.get(name);
    if (existing) {
      if (existing.run.result !== null || JSON.stringify(existing.run.input) !== JSON.stringify(input)) {
        const err = new Error(`Execution Already Exists: '${existing.run.executionArn}'`);
        err.name = 'StepFunctions.ExecutionAlreadyExistsException';
        throw err;
      }
    } else {
      const run: ChildRun = {
        name,
        executionArn: childArn(name),
        input,
        startedAt: new Date().toISOString(),
        stoppedAt: null,
        result: null,
      };
      const done = options.runChild({ name, executionArn: run.executionArn, input }).then((result) => {
        run.result = result;
        run.stoppedAt = new Date().toISOString();
        return run;
      });
      children.set(name, { run, done });
    }
    const run = await children.get(name)!.done;
    const description = describeChild(run);
    if (run.result?.status === 'SUCCEEDED') return description;
    const failure = new Error(JSON.stringify(description));
    failure.name = 'States.TaskFailed';
    throw failure;
  };
  const result = await runStateMachine({
    input: options.input,
    executionId: options.executionId,
    invoke: options.invoke,
    callbacks: options.callbacks,
    waitTimeOverrides: options.waitTimeOverrides,
    retryIntervalOverrides: options.retryIntervalOverrides,
    onEvent: options.onEvent,
    machine: { definition: loadFleetDefinition(), bindings: states.lambdas },
    serviceHandlers: Object.fromEntries(states.children.map((s) => [s, startChild])),
  });
  return { ...result, children: [...children.values()].map((c) => c.run) };
};

/** The fleet report of a local run: the fleet's last state and each child as DescribeExecution shows it. */
export const localFleetReport = (
  run: FleetRunResult,
  executionId: string,
  extra: Pick<FleetReportInput, 'stalls' | 'runReportOf'> = {},
): FleetReport => {
  const last = [...run.events].reverse().find((e) => e.type === 'StateEntered' && e.input !== undefined);
  const state = (run.output ?? last?.input ?? {}) as Record<string, unknown>;
  const children = Object.fromEntries(
    run.children.map((c) => [
      c.name,
      {
        executionArn: c.executionArn,
        status: c.result?.status ?? 'RUNNING',
        error: c.result?.error ?? null,
        cause: c.result?.cause ?? null,
        startDate: c.startedAt,
        stopDate: c.stoppedAt,
        report: (c.result?.output ?? null) as Record<string, unknown> | null,
      },
    ]),
  );
  return buildFleetReport({
    fleetExecutionArn: executionId,
    status: run.status,
    error: run.error,
    cause: run.cause,
    state,
    children,
    ...extra,
  });
};
