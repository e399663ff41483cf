/**
 * The "Fail back" link endpoint (HTTP API, payload 2.0), beside the approval links:
 * GET  /fail-back/{windowId}?approver&expires&sig → confirmation page; verifies, never acts
 * POST /fail-back/{windowId} (the page's form, same signed fields) → decides once → result page.
 * Every refusal is a page with a 4xx status; the execution is untouched.
 */
import middy from '@middy/core';
import { readApprovalConfig } from '#approval/config';
import { BadApprovalRequestError } from '#approval/errors';
import {
  failBackBaseUrl,
  RollbackWindowNotFoundError,
  readFailBackLinkParams,
  WINDOW_ID,
} from '#approval/fail-back';
import {
  renderFailBackConfirmationPage,
  renderFailBackDecisionPage,
  renderFailBackErrorPage,
} from '#approval/fail-back-pages';
import { decideFailBack, type FailBackDeps, inspectFailBackLink } from '#approval/fail-back-service';
import {
  type HttpApiEvent,
  type HttpApiResult,
  header,
  htmlResponse,
  queryParams,
  rawBody,
} from '#approval/http';
import { errorName } from '#approval/log';
import { buildFailBackDeps } from '#approval/wiring';

const config = readApprovalConfig(process.env, { baseUrl: true, secret: true, topic: true });

export type FailBackCallbackDeps = FailBackDeps & { baseUrl: string };

const windowIdOf = (event: HttpApiEvent): string => {
  const id = event.pathParameters?.windowId ?? event.rawPath.split('/').pop() ?? '';
  if (!WINDOW_ID.test(id)) throw new RollbackWindowNotFoundError();
  return id;
};

export const makeFailBackCallbackHandler = (deps: FailBackCallbackDeps) => {
  const base = deps.baseUrl.replace(/\/+$/, '');
  const origin = new URL(base).origin;
  return middy<HttpApiEvent, HttpApiResult>().handler(async (event) => {
    const method = event.requestContext.http.method.toUpperCase();
    const ctx = { sourceIp: event.requestContext.http.sourceIp };
    try {
      const windowId = windowIdOf(event);
      if (method === 'GET' || method === 'HEAD') {
        const query = queryParams(event);
        const link = readFailBackLinkParams((k) => query.get(k));
        const record = await inspectFailBackLink(deps, windowId, link, ctx);
        const page = renderFailBackConfirmationPage(record, link, `${base}/${windowId}`);
        return htmlResponse(200, method === 'HEAD' ? '' : page, origin);
      }
      if (method !== 'POST') throw new BadApprovalRequestError(`Method ${method} is not allowed`);
      if (!(header(event, 'content-type') ?? '').startsWith('application/x-www-form-urlencoded'))
        throw new BadApprovalRequestError('A fail-back is posted from the confirmation page form');
      const form = new URLSearchParams(rawBody(event));
      const link = readFailBackLinkParams((k) => form.get(k));
      const { record, facts } = await decideFailBack(
        deps,
        windowId,
        { channel: 'email', link },
        { ...ctx, reason: form.get('reason') ?? undefined },
      );
      return htmlResponse(200, renderFailBackDecisionPage(record, facts), origin);
    } catch (err) {
      const { status, html } = renderFailBackErrorPage(err);
      const fields = { method, status, error: errorName(err), sourceIp: ctx.sourceIp };
      if (status >= 500) deps.log.error('fail-back request failed', fields);
      else deps.log.warn('fail-back request refused', fields);
      return htmlResponse(status, html, origin);
    }
  });
};

export const handler = makeFailBackCallbackHandler({
  ...buildFailBackDeps(config),
  baseUrl: failBackBaseUrl(config.baseUrl, process.env.FAIL_BACK_BASE_URL),
});
