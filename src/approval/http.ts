/**
 * The slice of API Gateway HTTP API (payload format 2.0) events and results the approval handlers use,
 * plus body parsing and the response headers every approval page carries.
 */

/** API Gateway HTTP API event, payload format version 2.0 (only the fields read here). */
export interface HttpApiEvent {
  version?: string;
  routeKey?: string;
  rawPath: string;
  rawQueryString?: string;
  headers?: Record<string, string | undefined>;
  queryStringParameters?: Record<string, string | undefined>;
  pathParameters?: Record<string, string | undefined>;
  body?: string;
  isBase64Encoded?: boolean;
  requestContext: {
    http: { method: string; path?: string; sourceIp: string; userAgent?: string };
    requestId?: string;
  };
}

export interface HttpApiResult {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** The raw body as sent (HTTP APIs base64-encode form posts). */
export const rawBody = (event: HttpApiEvent): string =>
  event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');

/** Header lookup, case-insensitive (HTTP APIs lower-case them; the local server does too). */
export const header = (event: HttpApiEvent, name: string): string | undefined => {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(event.headers ?? {})) if (k.toLowerCase() === wanted) return v;
  return undefined;
};

/** Query parameters from the raw query string (so repeated or odd parameters are read as sent). */
export const queryParams = (event: HttpApiEvent): URLSearchParams => {
  if (event.rawQueryString !== undefined) return new URLSearchParams(event.rawQueryString);
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(event.queryStringParameters ?? {}))
    if (v !== undefined) params.set(k, v);
  return params;
};

/**
 * Headers of every approval page: never cached, never framed (one click decides, so no clickjacking),
 * no Referer (the page URL carries a signature), no scripts, forms may post only to the approvals origin.
 */
export const pageHeaders = (formOrigin: string): Record<string, string> => ({
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy': `default-src 'none'; style-src 'unsafe-inline'; form-action 'self' ${formOrigin}; frame-ancestors 'none'; base-uri 'none'`,
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-robots-tag': 'noindex, nofollow',
});

export const htmlResponse = (statusCode: number, body: string, formOrigin: string): HttpApiResult => ({
  statusCode,
  headers: pageHeaders(formOrigin),
  body,
});
