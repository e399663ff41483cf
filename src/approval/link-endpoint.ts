/**
 * The shape both signed-link endpoints share (approval links, the fail-back link; HTTP API, payload 2.0):
 * GET/HEAD → verify the link and show a confirmation page, never acting (mail and chat link scanners
 * fetch every link); POST (the page's form, same signed fields) → decide once → result page. Every
 * refusal is a page with its 4xx status, logged as a warning; a 5xx is logged as an error.
 */
import { BadApprovalRequestError } from './errors.ts';
import { type HttpApiEvent, type HttpApiResult, header, htmlResponse, queryParams, rawBody } from './http.ts';
import { errorName, type Logger } from './log.ts';

export interface SignedLinkEndpoint<Link, Rec, Facts> {
  /** Names the endpoint in its log messages ("<what> request failed"). */
  what: string;
  /** Why a POST that is not the confirmation form is refused. */
  formRequired: string;
  /** The record id from the path; throws the endpoint's not-found error when it is malformed. */
  idOf(event: HttpApiEvent): string;
  readLink(get: (name: string) => string | null): Link;
  inspect(id: string, link: Link, ctx: { sourceIp: string }): Promise<Rec>;
  decide(
    id: string,
    link: Link,
    ctx: { sourceIp: string; reason: string | undefined },
  ): Promise<{ record: Rec; facts: Facts }>;
  confirmationPage(record: Rec, link: Link, actionUrl: string): string;
  decisionPage(record: Rec, facts: Facts): string;
  errorPage(err: unknown): { status: number; html: string };
  log: Logger;
}

export const makeSignedLinkEndpoint = <Link, Rec, Facts>(
  baseUrl: string,
  endpoint: SignedLinkEndpoint<Link, Rec, Facts>,
): ((event: HttpApiEvent) => Promise<HttpApiResult>) => {
  const base = baseUrl.replace(/\/+$/, '');
  const origin = new URL(base).origin;
  return async (event) => {
    const method = event.requestContext.http.method.toUpperCase();
    const ctx = { sourceIp: event.requestContext.http.sourceIp };
    try {
      const id = endpoint.idOf(event);
      if (method === 'GET' || method === 'HEAD') {
        const query = queryParams(event);
        const link = endpoint.readLink((k) => query.get(k));
        const record = await endpoint.inspect(id, link, ctx);
        const page = endpoint.confirmationPage(record, link, `${base}/${id}`);
        return htmlResponse(200, method === 'HEAD' ? '' : page, origin);
      }
      if (method !== 'POST') throw new BadApprovalRequestError(`Method ${method} is not allowed`);
      if (!(header(event, 'content-type') ?? '').startsWith('application/x-www-form-urlencoded'))
        throw new BadApprovalRequestError(endpoint.formRequired);
      const form = new URLSearchParams(rawBody(event));
      const link = endpoint.readLink((k) => form.get(k));
      const { record, facts } = await endpoint.decide(id, link, {
        ...ctx,
        reason: form.get('reason') ?? undefined,
      });
      return htmlResponse(200, endpoint.decisionPage(record, facts), origin);
    } catch (err) {
      const { status, html } = endpoint.errorPage(err);
      const fields = { method, status, error: errorName(err), sourceIp: ctx.sourceIp };
      if (status >= 500) endpoint.log.error(`${endpoint.what} request failed`, fields);
      else endpoint.log.warn(`${endpoint.what} request refused`, fields);
      return htmlResponse(status, html, origin);
    }
  };
};
