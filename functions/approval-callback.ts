/**
 * The e-mail link endpoint (HTTP API, payload 2.0).
 * GET  /approvals/{approvalId}?decision&approver&expires&sig → confirmation page; verifies, never decides
 *      (mail and chat link scanners fetch every link).
 * POST /approvals/{approvalId} (the page's form, same signed fields) → decides once → result page.
 * Every refusal is a page with a 4xx status; the execution is untouched.
 */
import middy from '@middy/core';
import { readApprovalConfig } from '#approval/config';
import { ApprovalNotFoundError, BadApprovalRequestError } from '#approval/errors';
import {
  type HttpApiEvent,
  type HttpApiResult,
  header,
  htmlResponse,
  queryParams,
  rawBody,
} from '#approval/http';
import { readLinkParams } from '#approval/links';
import { errorName } from '#approval/log';
import { renderConfirmationPage, renderDecisionPage, renderErrorPage } from '#approval/pages';
import { type ApprovalDeps, decide, inspectLink } from '#approval/service';
import { buildApprovalDeps } from '#approval/wiring';

const config = readApprovalConfig(process.env, { baseUrl: true, secret: true, topic: true });

export type ApprovalCallbackDeps = ApprovalDeps & { baseUrl: string };

const APPROVAL_ID = /^[A-Za-z0-9_-]{22}$/;

const approvalIdOf = (event: HttpApiEvent): string => {
  const id = event.pathParameters?.approvalId ?? event.rawPath.split('/').pop() ?? '';
  if (!APPROVAL_ID.test(id)) throw new ApprovalNotFoundError();
  return id;
};

const formOf = (event: HttpApiEvent): URLSearchParams => {
  const type = header(event, 'content-type') ?? '';
  if (!type.startsWith('application/x-www-form-urlencoded')) {
    throw new BadApprovalRequestError('Decisions are posted from the confirmation page form');
  }
  return new URLSearchParams(rawBody(event));
};

export const makeApprovalCallbackHandler = (deps: ApprovalCallbackDeps) => {
  const base = deps.baseUrl.replace(/\/+$/, '');
  const origin = new URL(base).origin;
  return middy<HttpApiEvent, HttpApiResult>().handler(async (event) => {
    const method = event.requestContext.http.method.toUpperCase();
    const ctx = { sourceIp: event.requestContext.http.sourceIp };
    try {
      const approvalId = approvalIdOf(event);
      if (method === 'GET' || method === 'HEAD') {
        const query = queryParams(event);
        const link = readLinkParams((k) => query.get(k));
        const record = await inspectLink(deps, approvalId, link, ctx);
        const page = renderConfirmationPage(record, link, `${base}/${approvalId}`);
        return htmlResponse(200, method === 'HEAD' ? '' : page, origin);
      }
      if (method !== 'POST') throw new BadApprovalRequestError(`Method ${method} is not allowed`);
      const form = formOf(event);
      const link = readLinkParams((k) => form.get(k));
      const { record, facts } = await decide(
        deps,
        approvalId,
        { channel: 'email', link },
        {
          ...ctx,
          reason: form.get('reason') ?? undefined,
        },
      );
      return htmlResponse(200, renderDecisionPage(record, facts), origin);
    } catch (err) {
      const { status, html } = renderErrorPage(err);
      const fields = { method, status, error: errorName(err), sourceIp: ctx.sourceIp };
      if (status >= 500) deps.log.error('approval request failed', fields);
      else deps.log.warn('approval request refused', fields);
      return htmlResponse(status, html, origin);
    }
  });
};

export const handler = makeApprovalCallbackHandler({ ...buildApprovalDeps(config), baseUrl: config.baseUrl });
