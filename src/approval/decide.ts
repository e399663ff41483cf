/**
 * The approval decision rules, pure: a new record from the task input, and whether an attempt to
 * decide may proceed (pending, not expired, approver allowed). The clock is passed in.
 */
import type {
  ApprovalOutput,
  ApprovalRecord,
  Channel,
  Decision,
  DecisionFacts,
  RejectionCause,
  RequestApprovalInput,
} from './contracts.ts';
import {
  ApprovalAlreadyDecidedError,
  ApprovalExpiredError,
  ApproverNotAllowedError,
  ExecutionMovedOnError,
} from './errors.ts';

/** How long after the deadline DynamoDB TTL may delete a record (audit stays in the execution and the topic). */
export const RECORD_TTL_GRACE_SECONDS = 24 * 60 * 60;
export const MAX_REASON_LENGTH = 1000;

export const isSlackApprover = (approver: string): boolean => approver.startsWith('slack:');
export const emailApprovers = (approvers: string[]): string[] => approvers.filter((a) => !isSlackApprover(a));
export const slackApprover = (userId: string): string => `slack:${userId}`;

const sameApprover = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** True when `approver` is on the record and, if a deployment-wide allow-list is configured, on it too. */
export const isApproverAllowed = (approver: string, approvers: string[], allowList?: string[]): boolean =>
  approvers.some((a) => sameApprover(a, approver)) &&
  (allowList === undefined || allowList.some((a) => sameApprover(a, approver)));

/** Throws `ApproverNotAllowedError` naming the first requested approver outside the allow-list. */
export const assertApproversAllowed = (approvers: string[], allowList?: string[]): void => {
  const outsider = allowList && approvers.find((a) => !allowList.some((b) => sameApprover(a, b)));
  if (outsider) throw new ApproverNotAllowedError(outsider);
};

/** The pending record for a task input. */
export const newApprovalRecord = (
  input: RequestApprovalInput,
  approvalId: string,
  now: Date,
): ApprovalRecord => {
  const expiresAt = new Date(input.expiresAt);
  return {
    approvalId,
    executionArn: input.executionArn,
    approvers: input.approvers,
    expiresAt: expiresAt.toISOString(),
    createdAt: now.toISOString(),
    ttl: Math.floor(expiresAt.getTime() / 1000) + RECORD_TTL_GRACE_SECONDS,
    status: 'pending',
    request: input.request,
    taskToken: input.taskToken,
  };
};

/** Who tries to decide, how, and from where. `identity` is the approver (e-mail, `slack:<id>`) or the CLI user. */
export interface DecisionAttempt {
  decision: Decision;
  channel: Channel;
  identity: string;
  sourceIp: string;
  reason?: string | undefined;
}

/**
 * Says whether the attempt may decide the record now, and returns the facts to record if so.
 * CLI attempts skip the approver check: their authority is the operator's IAM rights.
 */
export const assessAttempt = (
  record: ApprovalRecord,
  attempt: DecisionAttempt,
  now: Date,
  allowList?: string[],
): DecisionFacts => {
  if (record.status === 'moved-on') throw new ExecutionMovedOnError('recorded');
  if (record.status !== 'pending') throw new ApprovalAlreadyDecidedError(record.decided);
  if (now.getTime() >= Date.parse(record.expiresAt)) throw new ApprovalExpiredError(record.expiresAt);
  if (attempt.channel !== 'cli' && !isApproverAllowed(attempt.identity, record.approvers, allowList)) {
    throw new ApproverNotAllowedError(attempt.identity);
  }
  const facts: DecisionFacts = {
    decision: attempt.decision,
    by: attempt.identity,
    at: now.toISOString(),
    channel: attempt.channel,
    sourceIp: attempt.sourceIp,
  };
  if (attempt.decision === 'rejected') {
    const reason = attempt.reason?.trim().slice(0, MAX_REASON_LENGTH);
    facts.reason = reason || `Rejected by ${attempt.identity} via ${attempt.channel} (no reason given)`;
  }
  return facts;
};

/** SendTaskSuccess output for an approval. */
export const approvalOutput = (approvalId: string, f: DecisionFacts): ApprovalOutput => ({
  decision: 'approved',
  by: f.by,
  at: f.at,
  channel: f.channel,
  sourceIp: f.sourceIp,
  approvalId,
});

/** SendTaskFailure cause for a rejection. */
export const rejectionCause = (approvalId: string, f: DecisionFacts): RejectionCause => ({
  decision: 'rejected',
  by: f.by,
  at: f.at,
  channel: f.channel,
  sourceIp: f.sourceIp,
  approvalId,
  reason: f.reason ?? '',
});
