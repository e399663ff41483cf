/**
 * The e-mail link endpoint (HTTP API, payload 2.0).
 * GET  /approvals/{approvalId}?decision&approver&expires&sig → confirmation page; verifies, never decides
 *      (mail and chat link scanners fetch every link).
 * POST /approvals/{approvalId} (the page's form, same signed fields) → decides once → result page.
 * Every refusal is a page with a 4xx status; the execution is untouched. The GET/POST shape is shared
 * with the fail-back link (src/approval/link-endpoint.ts).
 */
import middy from '@middy/core';
import { readApprovalConfig } from '#approval/config';
import { ApprovalNotFoundError } from '#approval/errors';
import type { HttpApiEvent, HttpApiResult } from '#approval/http';
import { makeSignedLinkEndpoint } from '#approval/link-endpoint';
import { readLinkParams } from '#approval/links';
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

export const makeApprovalCallbackHandler = (deps: ApprovalCallbackDeps) =>
  middy<HttpApiEvent, HttpApiResult>().handler(
    makeSignedLinkEndpoint(deps.baseUrl, {
      what: 'approval',
      formRequired: 'Decisions are posted from the confirmation page form',
      idOf: approvalIdOf,
      readLink: readLinkParams,
      inspect: (id, link, ctx) => inspectLink(deps, id, link, ctx),
      decide: (id, link, ctx) => decide(deps, id, { channel: 'email', link }, ctx),
      confirmationPage: renderConfirmationPage,
      decisionPage: renderDecisionPage,
      errorPage: renderErrorPage,
      log: deps.log,
    }),
  );

export const handler = makeApprovalCallbackHandler({ ...buildApprovalDeps(config), baseUrl: config.baseUrl });
