/**
 * Slack request signing, version v0 (https://api.slack.com/authentication/verifying-requests-from-slack):
 * `v0=` + hex HMAC-SHA256(signing secret, `v0:<timestamp>:<raw body>`), with the timestamp within
 * five minutes of now. Pure: the secret and `now` are passed in.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { InvalidSlackSignatureError, StaleSlackRequestError } from './errors.ts';

/** Slack's recommended replay window. */
export const SLACK_TIMESTAMP_WINDOW_SECONDS = 5 * 60;

/** The `x-slack-signature` value for a body and timestamp (used by tests and the local server). */
export const signSlackRequest = (signingSecret: string, timestamp: string, rawBody: string): string =>
  `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`, 'utf8').digest('hex')}`;

/**
 * Throws `StaleSlackRequestError` when the timestamp is missing or more than five minutes from `now`
 * (either way), and `InvalidSlackSignatureError` when the signature does not match (constant-time).
 */
export const verifySlackSignature = (args: {
  signingSecret: string;
  timestamp: string | undefined;
  signature: string | undefined;
  rawBody: string;
  now: Date;
}): void => {
  const { signingSecret, timestamp, signature, rawBody, now } = args;
  if (!timestamp || !/^\d{1,12}$/.test(timestamp)) throw new StaleSlackRequestError();
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > SLACK_TIMESTAMP_WINDOW_SECONDS) {
    throw new StaleSlackRequestError();
  }
  if (!signature?.startsWith('v0=')) throw new InvalidSlackSignatureError();
  const expected = new TextEncoder().encode(signSlackRequest(signingSecret, timestamp, rawBody));
  const presented = new TextEncoder().encode(signature);
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
    throw new InvalidSlackSignatureError();
  }
};
