/**
 * Slack gateway: posts the approval request (incoming webhook, or chat.postMessage with a bot token),
 * replaces it with the decision (interaction `response_url`, or chat.update), and answers refusals
 * ephemerally. Credentials come from SSM through the injected reader and are never logged.
 */
import type { SlackTarget } from '#approval/config';
import type { ParameterReader } from './parameters.ts';

export interface SlackMessage {
  text: string;
  blocks?: Record<string, unknown>[];
}

export class SlackApiError extends Error {
  constructor(
    readonly operation: string,
    readonly slackError: string,
    options?: ErrorOptions,
  ) {
    super(`Slack ${operation} failed: ${slackError}`, options);
    this.name = 'SlackApiError';
  }
}

export interface SlackGateway {
  /** True when a request message can be posted (webhook or bot token configured). */
  readonly enabled: boolean;
  /** Posts the request; returns where it landed when a bot token posted it (webhooks do not say). */
  postRequest(message: SlackMessage): Promise<{ channel: string; ts: string } | undefined>;
  /** Replies through an interaction's response_url: replace the original, or say something only to the clicker. */
  respond(responseUrl: string, message: SlackMessage, mode: 'replace' | 'ephemeral'): Promise<void>;
  /** Replaces a message posted with the bot token (no-op without one). */
  update(where: { channel: string; ts: string }, message: SlackMessage): Promise<void>;
}

/** Slack answers within its 3-second interaction budget or not at all. */
const TIMEOUT_MS = 2500;

export const makeSlackGateway = (deps: {
  target: SlackTarget | undefined;
  apiUrl: string;
  readParameter: ParameterReader;
  fetch?: typeof fetch;
}): SlackGateway => {
  const doFetch = deps.fetch ?? fetch;
  const apiUrl = deps.apiUrl.replace(/\/+$/, '');
  // response_url must point at Slack (or, in tests, at the configured Slack stand-in): no SSRF via payloads.
  const allowedResponseOrigins = new Set(['https://hooks.slack.com', new URL(apiUrl).origin]);

  const postJson = async (url: string, body: unknown, token?: string): Promise<Response> =>
    doFetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });

  const callApi = async (method: string, body: Record<string, unknown>): Promise<Record<string, unknown>> => {
    if (deps.target?.mode !== 'bot') throw new SlackApiError(method, 'no bot token configured');
    const token = await deps.readParameter(deps.target.botTokenParameter);
    const res = await postJson(`${apiUrl}/${method}`, body, token);
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok || json.ok !== true) throw new SlackApiError(method, String(json.error ?? res.status));
    return json;
  };

  return {
    enabled: deps.target !== undefined,

    async postRequest(message) {
      const target = deps.target;
      if (!target) return undefined;
      if (target.mode === 'webhook') {
        const url = await deps.readParameter(target.webhookParameter);
        const res = await postJson(url, message);
        if (!res.ok) throw new SlackApiError('webhook', String(res.status));
        return undefined;
      }
      const out = await callApi('chat.postMessage', { channel: target.channel, ...message });
      return { channel: String(out.channel), ts: String(out.ts) };
    },

    async respond(responseUrl, message, mode) {
      if (!allowedResponseOrigins.has(new URL(responseUrl).origin)) {
        throw new SlackApiError('response_url', 'unexpected origin');
      }
      const body =
        mode === 'replace'
          ? { ...message, replace_original: true }
          : { ...message, response_type: 'ephemeral', replace_original: false };
      const res = await postJson(responseUrl, body);
      if (!res.ok) throw new SlackApiError('response_url', String(res.status));
    },

    async update(where, message) {
      if (deps.target?.mode !== 'bot') return;
      await callApi('chat.update', { channel: where.channel, ts: where.ts, ...message });
    },
  };
};
