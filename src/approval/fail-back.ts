/**
 * The rollback window's decision (issue #15): after a verified switch the state machine waits in
 * `OpenRollbackWindow` (`.waitForTaskToken`, timeout = the retention) and a person may decide to fail
 * back — by a signed e-mail link, a Slack button or `switchyard fail-back`. Same guarantees as an
 * approval: the token is stored server-side under an opaque id, a link is HMAC-signed and bound to the
 * execution, the approver and the expiry, deciding is one conditional update (single use), a GET only
 * shows a page. Pure: the record, the rules, the links; the store and SendTaskSuccess are ports.
 */
import { z } from 'zod';
import { Approver, type Channel } from './contracts.ts';
import { isApproverAllowed } from './decide.ts';
import {
  ApprovalError,
  ApproverNotAllowedError,
  ExecutionMovedOnError,
  InvalidLinkSignatureError,
} from './errors.ts';
import { signatureMatches, signText } from './links.ts';

/** Signed into every fail-back link: an approval link's signature can never verify here, nor the reverse. */
const VERSION = 'switchyard-fail-back-v1';

/** What the person is told they are deciding (shown on the page, in the e-mail and by the CLI). */
export const FailBackSummary = z.strictObject({
  /** the production name */
  sourceId: z.string().min(1),
  /** old blue, which gets the production name back */
  oldBlueId: z.string().min(1),
  /** versions: the new primary's (target) and old blue's (where the fail-back returns) */
  newEngineVersion: z.string().min(1),
  oldEngineVersion: z.string().min(1),
  /** how long writes may stay blocked while old blue catches up */
  catchUpDeadlineSeconds: z.number().int().positive(),
  /** the engine: how writes are blocked and old blue made writable differs (absent: PostgreSQL) */
  engine: z.enum(['postgres', 'mysql', 'mariadb']).optional(),
});
export type FailBackSummary = z.infer<typeof FailBackSummary>;

/** Payload of the `OpenRollbackWindow` state (`lambda:invoke.waitForTaskToken`). */
export const OpenRollbackWindowInput = z.strictObject({
  taskToken: z.string().min(1).max(1024),
  executionArn: z.string().startsWith('arn:'),
  /** who may fail back by link or button (the run's approvers); the CLI needs IAM rights instead */
  approvers: z.array(Approver),
  /** the end of the rollback window: old blue's retain-until */
  expiresAt: z.iso.datetime({ offset: true }),
  /** how many fail-backs were refused before (each reopens the window): part of the window's id */
  attempt: z.number().int().min(0),
  summary: FailBackSummary,
});
export type OpenRollbackWindowInput = z.infer<typeof OpenRollbackWindowInput>;

export interface FailBackDecisionFacts {
  by: string;
  at: string;
  channel: Channel;
  sourceIp: string;
  reason: string;
}

/** SendTaskSuccess output; lands at `$.failBackDecision`. */
export interface FailBackDecisionOutput extends FailBackDecisionFacts {
  decision: 'fail-back';
  windowId: string;
}

export type WindowStatus = 'open' | 'decided' | 'moved-on';

export interface RollbackWindowRecord {
  windowId: string;
  executionArn: string;
  approvers: string[];
  expiresAt: string;
  createdAt: string;
  ttl: number;
  status: WindowStatus;
  summary: FailBackSummary;
  /** only while open; removed by the update that decides; never logged, never in a URL */
  taskToken?: string;
  decided?: FailBackDecisionFacts;
  slackMessage?: { channel: string; ts: string };
}

// ---- errors ------------------------------------------------------------------------------------------

export class RollbackWindowNotFoundError extends ApprovalError {
  override readonly status = 404;
  constructor(options?: ErrorOptions) {
    super('No rollback window is open for this execution (it has not reached one, or it ended)', options);
    this.name = 'RollbackWindowNotFoundError';
  }
}

export class RollbackWindowClosedError extends ApprovalError {
  override readonly status = 410;
  constructor(
    readonly why: string,
    options?: ErrorOptions,
  ) {
    super(`The rollback window is closed: ${why}`, options);
    this.name = 'RollbackWindowClosedError';
  }
}

export class FailBackAlreadyDecidedError extends ApprovalError {
  override readonly status = 409;
  constructor(
    readonly decided: FailBackDecisionFacts | undefined,
    options?: ErrorOptions,
  ) {
    super(
      decided
        ? `A fail-back was already decided by ${decided.by} at ${decided.at}`
        : 'The rollback window is no longer open',
      options,
    );
    this.name = 'FailBackAlreadyDecidedError';
  }
}

// ---- the record and the rules --------------------------------------------------------------------------

/** After the window's end DynamoDB TTL may delete the record (the audit stays in the execution and the topic). */
export const WINDOW_TTL_GRACE_SECONDS = 24 * 60 * 60;

export const newWindowRecord = (
  input: OpenRollbackWindowInput,
  windowId: string,
  now: Date,
): RollbackWindowRecord => {
  const expiresAt = new Date(input.expiresAt);
  return {
    windowId,
    executionArn: input.executionArn,
    approvers: input.approvers,
    expiresAt: expiresAt.toISOString(),
    createdAt: now.toISOString(),
    ttl: Math.floor(expiresAt.getTime() / 1000) + WINDOW_TTL_GRACE_SECONDS,
    status: 'open',
    summary: input.summary,
    taskToken: input.taskToken,
  };
};

export interface FailBackAttempt {
  channel: Channel;
  identity: string;
  sourceIp: string;
  reason?: string | undefined;
}

/**
 * May this attempt fail back now? Open, before the window's end, an allowed approver (the CLI's
 * authority is the operator's IAM rights). Returns the facts to record.
 */
export const assessFailBack = (
  record: RollbackWindowRecord,
  attempt: FailBackAttempt,
  now: Date,
  allowList?: string[],
): FailBackDecisionFacts => {
  if (record.status === 'moved-on') throw new ExecutionMovedOnError('recorded');
  if (record.status !== 'open') throw new FailBackAlreadyDecidedError(record.decided);
  if (now.getTime() >= Date.parse(record.expiresAt))
    throw new RollbackWindowClosedError(`it ended at ${record.expiresAt}`);
  if (attempt.channel !== 'cli' && !isApproverAllowed(attempt.identity, record.approvers, allowList))
    throw new ApproverNotAllowedError(attempt.identity);
  return {
    by: attempt.identity,
    at: now.toISOString(),
    channel: attempt.channel,
    sourceIp: attempt.sourceIp,
    reason:
      attempt.reason?.trim().slice(0, 1000) ||
      `fail-back decided by ${attempt.identity} via ${attempt.channel}`,
  };
};

/** What happens when the decision is sent, in order: shown on the page, by the CLI and in the e-mail. */
export const failBackSteps = (s: FailBackSummary): string[] => {
  const byGroup = s.engine === 'mariadb' || s.engine === 'mysql';
  return [
    `Block writes on the new primary ${s.sourceId} (version ${s.newEngineVersion}): ${byGroup ? 'read_only=1 in its own DB parameter group, so open transactions cannot commit' : 'new sessions read-only, open ones ended'}. Applications see errors until the end.`,
    `Wait up to ${s.catchUpDeadlineSeconds} s for old blue ${s.oldBlueId} to apply every change made since the switch; if it does not, refuse, unblock writes and keep ${s.sourceId} as it is.`,
    byGroup
      ? `Stop the reverse stream, make ${s.oldBlueId} writable (read_only=0 in its own DB parameter group and a reboot, waited for).`
      : `Move old blue's sequences up to the new primary's, stop the reverse stream, make ${s.oldBlueId} writable.`,
    `Rename the new primary ${s.sourceId} to ${s.sourceId}-failed<N> (kept for inspection, never deleted), then ${s.oldBlueId} to ${s.sourceId} (version ${s.oldEngineVersion}).`,
    'Verify (writable, engine version, smoke queries, alarms) and notify. Retention and cleanup do not run afterwards: both instances are kept.',
  ];
};

// ---- signed links ------------------------------------------------------------------------------------

export interface FailBackLinkParams {
  approver: string;
  /** epoch seconds */
  expires: number;
  sig: string;
}

interface FailBackBinding {
  windowId: string;
  executionArn: string;
  approver: string;
  expiresAt: Date;
}

const epochSeconds = (d: Date): number => Math.floor(d.getTime() / 1000);

const canonical = (b: FailBackBinding): string =>
  [
    VERSION,
    b.windowId,
    b.executionArn,
    'fail-back',
    b.approver.toLowerCase(),
    epochSeconds(b.expiresAt),
  ].join('\n');

/** The window id for a task token and attempt: keyed (reveals nothing), deterministic (a retry is idempotent). */
export const deriveWindowId = (key: string, taskToken: string, attempt: number): string =>
  signText(key, `${VERSION}\nwindow-id\n${attempt}\n${taskToken}`).slice(0, 22);

export const WINDOW_ID = /^[A-Za-z0-9_-]{22}$/;

/** Fail-back pages live beside the approval pages: `<api>/fail-back/{windowId}` unless FAIL_BACK_BASE_URL says otherwise. */
export const failBackBaseUrl = (approvalBaseUrl: string, explicit: string | undefined): string =>
  explicit?.trim() || approvalBaseUrl.replace(/\/+$/, '').replace(/\/[^/]*$/, '/fail-back');

export const buildFailBackLink = (baseUrl: string, key: string, binding: FailBackBinding): string => {
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}/${encodeURIComponent(binding.windowId)}`);
  url.searchParams.set('approver', binding.approver);
  url.searchParams.set('expires', String(epochSeconds(binding.expiresAt)));
  url.searchParams.set('sig', signText(key, canonical(binding)));
  return url.toString();
};

export const readFailBackLinkParams = (
  get: (name: string) => string | null | undefined,
): FailBackLinkParams => {
  const approver = get('approver');
  const expires = Number(get('expires'));
  const sig = get('sig');
  if (!approver || !Number.isSafeInteger(expires) || !sig) throw new InvalidLinkSignatureError();
  return { approver, expires, sig };
};

/**
 * Verifies a link against the window it names (constant-time, every key; the signature before the
 * expiry, so a forged link is reported as forged whatever its date). Returns the approver.
 */
export const verifyFailBackLink = (
  keys: string[],
  record: { windowId: string; executionArn: string },
  params: FailBackLinkParams,
  now: Date,
): string => {
  const text = canonical({
    windowId: record.windowId,
    executionArn: record.executionArn,
    approver: params.approver,
    expiresAt: new Date(params.expires * 1000),
  });
  if (!signatureMatches(keys, text, params.sig)) throw new InvalidLinkSignatureError();
  if (now.getTime() >= params.expires * 1000)
    throw new RollbackWindowClosedError(
      `the link expired at ${new Date(params.expires * 1000).toISOString()}`,
    );
  return params.approver;
};
