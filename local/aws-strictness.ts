/**
 * What AWS Step Functions and Lambda do that aws-local-stepfunctions 3.0.0 does not, reproduced where it
 * is cheap so a local run fails where a real one would:
 * - Lambda passes JSON both ways: a Date becomes a string, `undefined` disappears (a top-level
 *   `undefined` result arrives as `null`);
 * - a thrown error reaches the state machine as Lambda's error envelope: `Error` is the error's name,
 *   `Cause` the JSON string `{"errorType","errorMessage","trace"}` (Step Functions developer guide,
 *   "Handling errors": Lambda's unhandled errors);
 * - 256 KiB (UTF-8) per task input, task result and state output, else `States.DataLimitExceeded`,
 *   which `States.ALL` does not catch (Step Functions developer guide, error names);
 * - 25,000 history events per execution: AWS fails the execution with `States.Runtime`, "The execution
 *   reached the maximum number of history events (25000).", the failure being event 25,000.
 * aws-local-stepfunctions already makes `States.Runtime` (a missing JSONPath) uncatchable.
 */

/** Step Functions' payload quota for a task's input and output and a state's output, in UTF-8 bytes. */
export const PAYLOAD_LIMIT_BYTES = 256 * 1024;

/** Step Functions' hard quota of history events per Standard execution. */
export const HISTORY_EVENT_LIMIT = 25_000;

/** Size of a value as Step Functions measures it: its JSON text in UTF-8. */
export const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value ?? null), 'utf8');

/** A handler's result as the state machine receives it from Lambda: JSON text parsed back. */
export const asLambdaJson = (value: unknown): unknown =>
  value === undefined ? null : (JSON.parse(JSON.stringify(value)) as unknown);

/** The JSON the Node.js Lambda runtime writes for an unhandled error (its `Cause` in the state). */
export interface LambdaErrorEnvelope {
  errorType: string;
  errorMessage: string;
  trace: string[];
}

export const lambdaErrorEnvelope = (err: unknown): LambdaErrorEnvelope => {
  if (err instanceof Error) {
    return { errorType: err.name, errorMessage: err.message, trace: (err.stack ?? '').split('\n') };
  }
  return { errorType: 'Error', errorMessage: String(err), trace: [] };
};

/** The error a Task state sees when its Lambda threw: named like the error, its message the envelope. */
export const lambdaFailure = (err: unknown): Error => {
  const envelope = lambdaErrorEnvelope(err);
  const failure = new Error(JSON.stringify(envelope));
  failure.name = envelope.errorType;
  return failure;
};

/**
 * An error no Retry or Catch takes (aws-local-stepfunctions reads `isRetryable`/`isCatchable`), for the
 * terminal ones: `States.DataLimitExceeded`, and `States.Runtime` for the history limit.
 */
export class TerminalStatesError extends Error {
  readonly isRetryable = false;
  readonly isCatchable = false;
  constructor(name: 'States.DataLimitExceeded' | 'States.Runtime', message: string) {
    super(message);
    this.name = name;
  }
}

/** `States.DataLimitExceeded` when a payload is over the quota; `what` says whose payload it is. */
export const checkPayloadSize = (what: string, value: unknown): void => {
  const bytes = jsonBytes(value);
  if (bytes > PAYLOAD_LIMIT_BYTES) {
    throw new TerminalStatesError(
      'States.DataLimitExceeded',
      `${what} is ${bytes} bytes, over the ${PAYLOAD_LIMIT_BYTES}-byte payload quota`,
    );
  }
};

/** The part of an aws-local-stepfunctions event log entry the history count reads. */
export interface LocalEvent {
  type: string;
  state?: { name: string; type: string };
}

/**
 * How many AWS history events one local event stands for. A Lambda Task is TaskStateEntered,
 * TaskScheduled, TaskStarted, (TaskSubmitted for a callback,) TaskSucceeded or TaskFailed, and
 * TaskStateExited; each retry is another Scheduled/Started(/Submitted)/Failed-or-Succeeded round;
 * other states are …StateEntered and …StateExited; a Fail state has no Exited event.
 */
export const historyEventsFor = (event: LocalEvent, callbackStates: ReadonlySet<string>): number => {
  const isTask = event.state?.type === 'Task';
  const round = isTask ? 2 + (callbackStates.has(event.state?.name ?? '') ? 1 : 0) : 0;
  switch (event.type) {
    case 'ExecutionStarted':
    case 'ExecutionSucceeded':
    case 'ExecutionFailed':
    case 'ExecutionAborted':
    case 'ExecutionTimeout':
      return 1;
    case 'StateEntered':
      return 1 + round;
    case 'StateExited':
      return isTask ? 2 : 1;
    case 'StateFailed':
      return isTask ? 1 : 0;
    case 'StateRetried':
      return round;
    case 'StateCaught':
      return 1;
    default:
      return 0;
  }
};

/** The terminal failure the local run reports, as AWS would in ExecutionFailed. */
export interface TerminalFailure {
  error: 'States.DataLimitExceeded' | 'States.Runtime';
  cause: string;
}

/**
 * Watches one execution's events: counts history events against the quota and checks each state's
 * output size. The first breach is kept; the runner then aborts the execution and reports it.
 */
export class ExecutionLimits {
  historyEvents = 0;
  failure: TerminalFailure | null = null;

  constructor(
    private readonly callbackStates: ReadonlySet<string>,
    private readonly historyLimit = HISTORY_EVENT_LIMIT,
  ) {}

  /** Counts the event; returns the terminal failure it causes, if this is the first one. */
  observe(
    event: LocalEvent & { state?: { name: string; type: string; output?: unknown } },
  ): TerminalFailure | null {
    if (this.failure) return null;
    this.historyEvents += historyEventsFor(event, this.callbackStates);
    // The failure itself is event number `historyLimit`: one more than the machine may produce.
    if (this.historyEvents >= this.historyLimit) {
      this.failure = {
        error: 'States.Runtime',
        cause: `The execution reached the maximum number of history events (${this.historyLimit}).`,
      };
      return this.failure;
    }
    if (event.type === 'StateExited' && event.state) {
      const bytes = jsonBytes(event.state.output);
      if (bytes > PAYLOAD_LIMIT_BYTES) {
        this.failure = {
          error: 'States.DataLimitExceeded',
          cause: `The output of state '${event.state.name}' is ${bytes} bytes, over the ${PAYLOAD_LIMIT_BYTES}-byte payload quota`,
        };
        return this.failure;
      }
    }
    return null;
  }
}
