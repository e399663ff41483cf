/**
 * Signed approval links. A link names an approval by its opaque id and carries, in the clear, the
 * decision, the approver and the expiry; an HMAC-SHA256 over those plus the execution ARN (kept
 * server-side in the record) binds the link to exactly one execution, decision, approver and deadline.
 * The task token never appears in a link. Pure: keys and `now` are passed in.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Decision } from './contracts.ts';
import { ApprovalExpiredError, InvalidLinkSignatureError } from './errors.ts';

const VERSION = 'switchyard-approval-v1';
const MIN_KEY_LENGTH = 32;

/** The action word used in links and forms for each decision. */
export const ACTION: Record<Decision, 'approve' | 'reject'> = { approved: 'approve', rejected: 'reject' };

/** Query parameters of a signed link (also posted back as hidden form fields). */
export interface LinkParams {
  decision: 'approve' | 'reject';
  approver: string;
  /** Epoch seconds. */
  expires: number;
  sig: string;
}

export interface LinkBinding {
  approvalId: string;
  executionArn: string;
  decision: Decision;
  approver: string;
  expiresAt: Date;
}

/**
 * Reads the signing keys from the secret's value: one or more keys separated by whitespace or commas.
 * The first signs; all verify (so a key can be rotated without breaking links in flight).
 */
export const parseSigningKeys = (secret: string): string[] => {
  const keys = secret.split(/[\s,]+/).filter((k) => k.length > 0);
  if (keys.length === 0 || keys.some((k) => k.length < MIN_KEY_LENGTH)) {
    throw new Error(`The approval signing secret must hold keys of at least ${MIN_KEY_LENGTH} characters`);
  }
  return keys;
};

const epochSeconds = (d: Date): number => Math.floor(d.getTime() / 1000);

const canonical = (b: LinkBinding): string =>
  [
    VERSION,
    b.approvalId,
    b.executionArn,
    b.decision,
    b.approver.toLowerCase(),
    epochSeconds(b.expiresAt),
  ].join('\n');

const mac = (key: string, text: string): Uint8Array =>
  new Uint8Array(createHmac('sha256', key).update(text, 'utf8').digest());
const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

/** HMAC-SHA256 of a canonical text, base64url: the signature of every signed link and keyed id. */
export const signText = (key: string, text: string): string => b64url(mac(key, text));

/**
 * Whether `sig` signs `text` under one of the keys: constant-time compare against every key, and only
 * the canonical base64url spelling (no padding, no trailing bits), so one signature has one spelling.
 */
export const signatureMatches = (keys: string[], text: string, sig: string): boolean => {
  const presented = new Uint8Array(Buffer.from(sig, 'base64url'));
  const canonicalSpelling = b64url(presented) === sig;
  let valid = false;
  for (const key of keys) {
    const expected = mac(key, text);
    // timingSafeEqual needs equal lengths; a wrong length is a wrong signature anyway.
    if (presented.length === expected.length && timingSafeEqual(presented, expected)) valid = true;
  }
  return valid && canonicalSpelling;
};

/** The signature of one link, base64url. */
export const signLink = (key: string, binding: LinkBinding): string => signText(key, canonical(binding));

/** The approval id for a task token: keyed, so it reveals nothing; deterministic, so a retried request is idempotent. */
export const deriveApprovalId = (key: string, taskToken: string): string =>
  b64url(mac(key, `${VERSION}\napproval-id\n${taskToken}`)).slice(0, 22);

/** Builds the full URL of a signed link under the approvals base URL. */
export const buildLink = (baseUrl: string, key: string, binding: LinkBinding): string => {
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}/${encodeURIComponent(binding.approvalId)}`);
  url.searchParams.set('decision', ACTION[binding.decision]);
  url.searchParams.set('approver', binding.approver);
  url.searchParams.set('expires', String(epochSeconds(binding.expiresAt)));
  url.searchParams.set('sig', signLink(key, binding));
  return url.toString();
};

/** Reads link parameters from a query string or form; anything missing or malformed is a bad signature. */
export const readLinkParams = (get: (name: string) => string | null | undefined): LinkParams => {
  const decision = get('decision');
  const approver = get('approver');
  const expires = Number(get('expires'));
  const sig = get('sig');
  if (
    (decision !== 'approve' && decision !== 'reject') ||
    !approver ||
    !Number.isSafeInteger(expires) ||
    !sig
  ) {
    throw new InvalidLinkSignatureError();
  }
  return { decision, approver, expires, sig };
};

/**
 * Verifies a link against the record it names. Constant-time compare against every key; the signature
 * is checked before the expiry, so a forged link is reported as forged whatever its date.
 * Returns the decision and approver the link was issued for.
 */
export const verifyLink = (
  keys: string[],
  record: { approvalId: string; executionArn: string },
  params: LinkParams,
  now: Date,
): { decision: Decision; approver: string } => {
  const decision: Decision = params.decision === 'approve' ? 'approved' : 'rejected';
  const text = canonical({
    approvalId: record.approvalId,
    executionArn: record.executionArn,
    decision,
    approver: params.approver,
    expiresAt: new Date(params.expires * 1000),
  });
  if (!signatureMatches(keys, text, params.sig)) throw new InvalidLinkSignatureError();
  if (now.getTime() >= params.expires * 1000) {
    throw new ApprovalExpiredError(new Date(params.expires * 1000).toISOString());
  }
  return { decision, approver: params.approver };
};
