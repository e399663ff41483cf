/**
 * Named errors thrown by the handlers. Step Functions matches them by exact `name` in Retry/Catch,
 * so every class spells its `name` out (a bundler may rename classes) and keeps `cause`. Retriable
 * ones are retried in the ASL; terminal ones are caught into the compensation path (or AlertAndHold
 * once the switch has happened).
 */
import type { InspectionReport } from './inspection/index.ts';

export class SwitchyardError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SwitchyardError';
  }
}

/** The execution input or the source database cannot go through a Blue/Green deployment. Terminal. */
export class PreflightRefusedError extends SwitchyardError {
  /** The data-plane inspection behind the refusal, when blue was inspected (`switchyard check` prints it). */
  inspection?: InspectionReport;
  constructor(
    message: string,
    readonly problems: string[],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'PreflightRefusedError';
  }
}

/** A Task received an input that does not match its contract (an ASL/TypeScript mismatch). Terminal. */
export class ContractViolationError extends SwitchyardError {
  override readonly name = 'ContractViolationError';
}

/** RDS, CloudWatch or SNS kept throttling after the SDK's own retries. Retriable. */
export class AwsThrottledError extends SwitchyardError {
  override readonly name = 'AwsThrottledError';
}

/** RDS refused the switchover (guardrail: green not available, lag, long writes). Retriable, bounded. */
export class SwitchoverRefusedError extends SwitchyardError {
  override readonly name = 'SwitchoverRefusedError';
}

/** The Blue/Green deployment this execution owns has disappeared. Terminal. */
export class DeploymentNotFoundError extends SwitchyardError {
  override readonly name = 'DeploymentNotFoundError';
}

/** A deployment named like ours exists but belongs to another execution. Terminal, nothing touched. */
export class DeploymentConflictError extends SwitchyardError {
  override readonly name = 'DeploymentConflictError';
}

/** Green cannot be deleted yet (deployment busy); compensation retries. Retriable. */
export class CompensationBlockedError extends SwitchyardError {
  override readonly name = 'CompensationBlockedError';
}

/** A smoke query failed against green or the switched endpoint. Terminal. */
export class SmokeTestFailedError extends SwitchyardError {
  override readonly name = 'SmokeTestFailedError';
}

/** switchover.timeoutSeconds is below the switchover estimate's lower bound: the switch would time out. */
export class SwitchoverTimeoutTooShortError extends SwitchyardError {
  override readonly name = 'SwitchoverTimeoutTooShortError';
}

/** Old blue cannot be deleted safely (deletion protection, snapshot missing). Terminal: hold it. */
export class CleanupRefusedError extends SwitchyardError {
  override readonly name = 'CleanupRefusedError';
}

/** Compensation found the deployment already switched: deleting "green" would delete production. Terminal. */
export class SwitchedAlreadyError extends SwitchyardError {
  override readonly name = 'SwitchedAlreadyError';
}

/** The backstop was asked about an execution Step Functions does not know (expired history, wrong ARN). */
export class ExecutionNotFoundError extends SwitchyardError {
  override readonly name = 'ExecutionNotFoundError';
}

/** The backstop could not finish (a compensation refused, a sweep with failures); its alarm must fire. */
export class ReconcileIncompleteError extends SwitchyardError {
  override readonly name = 'ReconcileIncompleteError';
}

/** A hold tag (`switchyard hold`) is on what would be deleted. Terminal: the run ends Held and notifies. */
export class DeletionHeldError extends SwitchyardError {
  override readonly name = 'DeletionHeldError';
}

/** The instance about to be snapshotted or deleted is no longer provably old blue. Terminal: kept, notified. */
export class OldBlueNotProvenError extends SwitchyardError {
  override readonly name = 'OldBlueNotProvenError';
}

/**
 * CreateGreen's outcome is unknown and no deployment is visible yet (RDS lookups are eventually
 * consistent). Retried by the ASL for a bounded time before concluding that nothing was created.
 */
export class GreenLookupPendingError extends SwitchyardError {
  override readonly name = 'GreenLookupPendingError';
}

/** A fail-back cannot start: the instances are not the execution's proven pair, or a fact it needs is missing. Nothing was changed. */
export class FailBackRefusedError extends SwitchyardError {
  override readonly name = 'FailBackRefusedError';
}

/** A fail-back rename met instances that are not where the fail-back left them: hold and page, never guess. */
export class RenameRefusedError extends SwitchyardError {
  override readonly name = 'RenameRefusedError';
}

/** Sent by the approval callback through SendTaskFailure (never thrown by a handler). */
export const APPROVAL_REJECTED = 'ApprovalRejected';

/** Every error name the ASL may match, by where it comes from. The contract test checks this list. */
export const THROWN_ERROR_NAMES = [
  'PreflightRefusedError',
  'ContractViolationError',
  'AwsThrottledError',
  'SwitchoverRefusedError',
  'DeploymentNotFoundError',
  'DeploymentConflictError',
  'CompensationBlockedError',
  'SmokeTestFailedError',
  'CleanupRefusedError',
  'SwitchedAlreadyError',
  'DeletionHeldError',
  'OldBlueNotProvenError',
  'GreenLookupPendingError',
  'FailBackRefusedError',
  'RenameRefusedError',
  'FleetRefusedError',
] as const;

/** Narrows an unknown catch value to an Error. */
export const assertIsError = (value: unknown): Error =>
  value instanceof Error ? value : new Error(String(value));

/** RecreateGreen was asked for one recreation more than green.maxRecreates allows (the ASL Choice should prevent it). */
export class RecreateLimitError extends SwitchyardError {
  override readonly name = 'RecreateLimitError';
}

/** The fleet document, or one of its databases' inputs, is invalid; nothing ran. Terminal. */
export class FleetRefusedError extends SwitchyardError {
  constructor(
    message: string,
    readonly problems: string[],
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'FleetRefusedError';
  }
}
