/**
 * Named errors of the approval gate. Each maps to one refusal page / HTTP status (see pages.ts) and,
 * where a handler runs inside Step Functions, to an exact `ErrorEquals` name.
 */

/** Base class: every approval error carries the HTTP status its refusal page is served with. */
export class ApprovalError extends Error {
  readonly status: number = 400;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ApprovalError';
  }
}

/** A required environment variable is missing (thrown at module load, naming the variable). */
export class MissingEnvironmentVariableError extends ApprovalError {
  override readonly status = 500;
  constructor(
    readonly variable: string,
    options?: ErrorOptions,
  ) {
    super(`Environment variable ${variable} is required but not set`, options);
    this.name = 'MissingEnvironmentVariableError';
  }
}

/** The task input does not match `RequestApprovalInput`; terminal (not retried). */
export class ContractViolationError extends ApprovalError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ContractViolationError';
  }
}

/** An approver is not on the deployment-wide allow-list (request time) or not on the record (decision time). */
export class ApproverNotAllowedError extends ApprovalError {
  override readonly status = 403;
  constructor(
    readonly approver: string,
    options?: ErrorOptions,
  ) {
    super(`${approver} is not an allowed approver for this deployment`, options);
    this.name = 'ApproverNotAllowedError';
  }
}

/** The link's signature does not verify: forged, tampered (decision, approver, expiry) or truncated. */
export class InvalidLinkSignatureError extends ApprovalError {
  override readonly status = 403;
  constructor(options?: ErrorOptions) {
    super('The link signature is not valid', options);
    this.name = 'InvalidLinkSignatureError';
  }
}

/** The link or approval is past its deadline. */
export class ApprovalExpiredError extends ApprovalError {
  override readonly status = 410;
  constructor(
    readonly expiresAt: string,
    options?: ErrorOptions,
  ) {
    super(`The approval expired at ${expiresAt}`, options);
    this.name = 'ApprovalExpiredError';
  }
}

/** No approval with this id (never existed, or deleted by TTL). */
export class ApprovalNotFoundError extends ApprovalError {
  override readonly status = 404;
  constructor(options?: ErrorOptions) {
    super('No such approval', options);
    this.name = 'ApprovalNotFoundError';
  }
}

/** The approval was already decided: a replayed link, a second click, a second approver. */
export class ApprovalAlreadyDecidedError extends ApprovalError {
  override readonly status = 409;
  constructor(
    readonly decided: { decision: string; by: string; at: string } | undefined,
    options?: ErrorOptions,
  ) {
    super(
      decided
        ? `The approval was already ${decided.decision} by ${decided.by} at ${decided.at}`
        : 'The approval is no longer pending',
      options,
    );
    this.name = 'ApprovalAlreadyDecidedError';
  }
}

/** Step Functions no longer waits for this token (TaskDoesNotExist / InvalidToken / TaskTimedOut). */
export class ExecutionMovedOnError extends ApprovalError {
  override readonly status = 410;
  constructor(
    readonly sfnError: string,
    options?: ErrorOptions,
  ) {
    super(`The execution is no longer waiting for this approval (${sfnError})`, options);
    this.name = 'ExecutionMovedOnError';
  }
}

/** A transient failure (throttling, network) while deciding; the approval was put back to pending. */
export class ApprovalUnavailableError extends ApprovalError {
  override readonly status = 503;
  constructor(options?: ErrorOptions) {
    super('The decision could not be recorded right now; the approval is still pending, try again', options);
    this.name = 'ApprovalUnavailableError';
  }
}

/** The request is malformed (missing parameters, bad method, bad body). */
export class BadApprovalRequestError extends ApprovalError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'BadApprovalRequestError';
  }
}

/** Slack request signature missing or wrong. */
export class InvalidSlackSignatureError extends ApprovalError {
  override readonly status = 401;
  constructor(options?: ErrorOptions) {
    super('The Slack request signature is not valid', options);
    this.name = 'InvalidSlackSignatureError';
  }
}

/** Slack request timestamp outside the 5-minute window (a replay). */
export class StaleSlackRequestError extends ApprovalError {
  override readonly status = 401;
  constructor(options?: ErrorOptions) {
    super('The Slack request timestamp is outside the allowed window', options);
    this.name = 'StaleSlackRequestError';
  }
}

/** The store's claim found the record no longer pending (or past its deadline); the caller re-reads to say why. */
export class ApprovalClaimConflictError extends Error {
  constructor(options?: ErrorOptions) {
    super('The approval is no longer pending', options);
    this.name = 'ApprovalClaimConflictError';
  }
}

/** Narrows an unknown caught value to an Error. */
export function assertIsError(value: unknown): asserts value is Error {
  if (!(value instanceof Error)) throw value;
}
