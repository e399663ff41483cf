import { describe, expect, it } from 'vitest';
import { InvalidSlackSignatureError, StaleSlackRequestError } from '#approval/errors';
import { signSlackRequest, verifySlackSignature } from '#approval/slack-signature';

// Slack's published example (https://api.slack.com/authentication/verifying-requests-from-slack).
const DOC_SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const DOC_TIMESTAMP = '1531420618';
const DOC_BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const DOC_SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';

const at = (seconds: number) => new Date(seconds * 1000);
const base = {
  signingSecret: DOC_SECRET,
  timestamp: DOC_TIMESTAMP,
  signature: DOC_SIGNATURE,
  rawBody: DOC_BODY,
};

describe('Slack v0 request signatures', () => {
  it("matches Slack's documented example", () => {
    expect(signSlackRequest(DOC_SECRET, DOC_TIMESTAMP, DOC_BODY)).toBe(DOC_SIGNATURE);
    expect(() => verifySlackSignature({ ...base, now: at(1531420618) })).not.toThrow();
  });

  it.each([
    ['299 s late', 299, true],
    ['300 s late', 300, true],
    ['301 s late', 301, false],
    ['299 s early (clock skew)', -299, true],
    ['an hour late (a replay)', 3600, false],
    ['an hour early', -3600, false],
  ])('applies the 5-minute window: %s', (_what, delta, ok) => {
    const act = () => verifySlackSignature({ ...base, now: at(1531420618 + delta) });
    if (ok) expect(act).not.toThrow();
    else expect(act).toThrow(StaleSlackRequestError);
  });

  it.each([
    ['a body changed by one byte', { rawBody: `${DOC_BODY}x` }],
    ['another signing secret', { signingSecret: 'not-the-secret' }],
    ['a signature of another timestamp', { signature: signSlackRequest(DOC_SECRET, '1531420619', DOC_BODY) }],
    ['a v1 signature', { signature: DOC_SIGNATURE.replace('v0=', 'v1=') }],
    ['no signature', { signature: undefined }],
    ['a truncated signature', { signature: DOC_SIGNATURE.slice(0, 40) }],
  ])('refuses %s', (_what, change) => {
    expect(() => verifySlackSignature({ ...base, ...change, now: at(1531420618) })).toThrow(
      InvalidSlackSignatureError,
    );
  });

  it.each([[undefined], [''], ['abc'], ['1531420618.5']])('refuses timestamp %j as stale', (timestamp) => {
    expect(() => verifySlackSignature({ ...base, timestamp, now: at(1531420618) })).toThrow(
      StaleSlackRequestError,
    );
  });

  it('checks the window before the signature, so a replayed request never reaches the compare', () => {
    expect(() => verifySlackSignature({ ...base, signature: 'v0=00', now: at(1531420618 + 3600) })).toThrow(
      StaleSlackRequestError,
    );
  });
});
