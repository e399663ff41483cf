/**
 * Slack interactivity endpoint (HTTP API, payload 2.0): verifies the v0 request signature over the raw
 * body (5-minute window, constant-time), maps the clicking user to `slack:<id>` on the record's
 * approvers, decides through the same code as the e-mail links, and replaces the message with the
 * decision (refusals are answered only to the clicker). The rollback window's "Fail back" button is
 * decided the same way, through the fail-back service.
 */
import middy from '@middy/core';
import { readApprovalConfig } from '#approval/config';
import type { Decision } from '#approval/contracts';
import { ApprovalError } from '#approval/errors';
import { FAIL_BACK_ACTION, renderSlackFailBackDecision } from '#approval/fail-back-messages';
import { decideFailBack, type FailBackDeps } from '#approval/fail-back-service';
import { type HttpApiEvent, type HttpApiResult, header, rawBody } from '#approval/http';
import { errorName } from '#approval/log';
import { renderSlackDecision } from '#approval/messages';
import { type ApprovalDeps, decide } from '#approval/service';
import { verifySlackSignature } from '#approval/slack-signature';
import { buildApprovalDeps, buildFailBackDeps } from '#approval/wiring';
import { readParameter } from '#aws/parameters';
import type { SlackGateway } from '#aws/slack';

const config = readApprovalConfig(process.env, { topic: true, slackSigningSecret: true });

export type SlackInteractionsDeps = ApprovalDeps & {
  slack: SlackGateway;
  signingSecret: () => Promise<string>;
  /** the rollback window's button; without it a "Fail back" click is acknowledged and ignored */
  failBack?: FailBackDeps;
};

const ACTIONS: Record<string, Decision> = { approve: 'approved', reject: 'rejected' };

interface BlockActionsPayload {
  type?: string;
  user?: { id?: string };
  response_url?: string;
  actions?: Array<{ action_id?: string; value?: string }>;
}

const text = (statusCode: number, body = ''): HttpApiResult => ({
  statusCode,
  headers: { 'content-type': 'text/plain; charset=utf-8' },
  body,
});

const parsePayload = (raw: string): BlockActionsPayload | undefined => {
  try {
    return JSON.parse(new URLSearchParams(raw).get('payload') ?? '') as BlockActionsPayload;
  } catch {
    return undefined;
  }
};

export const makeSlackInteractionsHandler = (deps: SlackInteractionsDeps) =>
  middy<HttpApiEvent, HttpApiResult>().handler(async (event) => {
    const sourceIp = event.requestContext.http.sourceIp;
    const raw = rawBody(event);
    try {
      verifySlackSignature({
        signingSecret: await deps.signingSecret(),
        timestamp: header(event, 'x-slack-request-timestamp'),
        signature: header(event, 'x-slack-signature'),
        rawBody: raw,
        now: deps.now(),
      });
    } catch (err) {
      if (!(err instanceof ApprovalError)) throw err;
      deps.log.warn('slack request refused', { error: errorName(err), sourceIp });
      return text(err.status, err.message);
    }

    const payload = parsePayload(raw);
    const action = payload?.actions?.[0];
    const decision = ACTIONS[action?.action_id ?? ''];
    const userId = payload?.user?.id;
    const responseUrl = payload?.response_url;
    if (
      payload?.type === 'block_actions' &&
      action?.action_id === FAIL_BACK_ACTION &&
      action.value &&
      userId &&
      responseUrl &&
      deps.failBack
    ) {
      const failBack = deps.failBack;
      try {
        const { record, facts } = await decideFailBack(
          failBack,
          action.value,
          { channel: 'slack', userId },
          { sourceIp },
        );
        await deps.slack.respond(responseUrl, renderSlackFailBackDecision(record, facts), 'replace');
      } catch (err) {
        if (!(err instanceof ApprovalError)) {
          deps.log.error('slack fail-back failed', { error: errorName(err), sourceIp });
          throw err;
        }
        deps.log.warn('slack fail-back refused', { error: errorName(err), userId, sourceIp });
        await deps.slack
          .respond(responseUrl, { text: `:warning: ${err.message}. Nothing happened.` }, 'ephemeral')
          .catch((e: unknown) => deps.log.warn('slack respond failed', { error: errorName(e) }));
      }
      return text(200);
    }
    // Only our buttons decide; anything else Slack sends is acknowledged and ignored.
    if (payload?.type !== 'block_actions' || !decision || !action?.value || !userId || !responseUrl)
      return text(200);

    try {
      const { record, facts } = await decide(
        deps,
        action.value,
        { channel: 'slack', userId, decision },
        { sourceIp },
      );
      await deps.slack.respond(responseUrl, renderSlackDecision(record, facts), 'replace');
    } catch (err) {
      if (!(err instanceof ApprovalError)) {
        deps.log.error('slack interaction failed', { error: errorName(err), sourceIp });
        throw err;
      }
      deps.log.warn('slack decision refused', { error: errorName(err), userId, sourceIp });
      await deps.slack
        .respond(responseUrl, { text: `:warning: ${err.message}. Nothing was decided.` }, 'ephemeral')
        .catch((e: unknown) => deps.log.warn('slack respond failed', { error: errorName(e) }));
    }
    return text(200);
  });

const defaults = buildApprovalDeps(config);
export const handler = makeSlackInteractionsHandler({
  ...defaults,
  slack: defaults.slack!,
  failBack: { ...buildFailBackDeps(config), slack: defaults.slack },
  signingSecret: () => readParameter(config.slackSigningSecretParameter!),
});
