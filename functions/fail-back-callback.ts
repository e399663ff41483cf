/**
 * The "Fail back" link endpoint (HTTP API, payload 2.0), beside the approval links:
 * GET  /fail-back/{windowId}?approver&expires&sig → confirmation page; verifies, never acts
 * POST /fail-back/{windowId} (the page's form, same signed fields) → decides once → result page.
 * Every refusal is a page with a 4xx status; the execution is untouched. The GET/POST shape is shared
 * with the approval links (src/approval/link-endpoint.ts).
 */
import middy from '@middy/core';
import { readApprovalConfig } from '#approval/config';
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
import type { HttpApiEvent, HttpApiResult } from '#approval/http';
import { makeSignedLinkEndpoint } from '#approval/link-endpoint';
import { buildFailBackDeps } from '#approval/wiring';

const config = readApprovalConfig(process.env, { baseUrl: true, secret: true, topic: true });

export type FailBackCallbackDeps = FailBackDeps & { baseUrl: string };

const windowIdOf = (event: HttpApiEvent): string => {
  const id = event.pathParameters?.windowId ?? event.rawPath.split('/').pop() ?? '';
  if (!WINDOW_ID.test(id)) throw new RollbackWindowNotFoundError();
  return id;
};

export const makeFailBackCallbackHandler = (deps: FailBackCallbackDeps) =>
  middy<HttpApiEvent, HttpApiResult>().handler(
    makeSignedLinkEndpoint(deps.baseUrl, {
      what: 'fail-back',
      formRequired: 'A fail-back is posted from the confirmation page form',
      idOf: windowIdOf,
      readLink: readFailBackLinkParams,
      inspect: (id, link, ctx) => inspectFailBackLink(deps, id, link, ctx),
      decide: (id, link, ctx) => decideFailBack(deps, id, { channel: 'email', link }, ctx),
      confirmationPage: renderFailBackConfirmationPage,
      decisionPage: renderFailBackDecisionPage,
      errorPage: renderFailBackErrorPage,
      log: deps.log,
    }),
  );

export const handler = makeFailBackCallbackHandler({
  ...buildFailBackDeps(config),
  baseUrl: failBackBaseUrl(config.baseUrl, process.env.FAIL_BACK_BASE_URL),
});
