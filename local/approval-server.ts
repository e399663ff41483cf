/**
 * The approval HTTP endpoint for the local rehearsal: a node:http server that turns each request into
 * an API Gateway HTTP API (payload 2.0) event and calls the SAME handlers that run in Lambda:
 *   GET|HEAD|POST /approvals/{approvalId} → functions/approval-callback.ts
 *   GET|HEAD|POST /fail-back/{windowId}  → functions/fail-back-callback.ts (the rollback window's "Fail back" link)
 *   POST /slack/interactions             → functions/slack-interactions.ts (when a signing secret is configured)
 * Never imported by a handler; never bundled.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpApiEvent, HttpApiResult } from '#approval/http';

export type HttpApiHandler = (event: HttpApiEvent, context: object) => Promise<HttpApiResult>;

export interface ApprovalServerOptions {
  /** 0 or absent: any free port. */
  port?: number;
  host?: string;
  /**
   * Environment for the handlers, applied to process.env before they are imported (they read it once).
   * APPROVAL_BASE_URL defaults to this server's `/approvals`.
   */
  env?: Record<string, string>;
  /** Handlers to use instead of importing the real modules (tests). */
  handlers?: { callback?: HttpApiHandler; slack?: HttpApiHandler; failBack?: HttpApiHandler };
}

export interface ApprovalServer {
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  /** `${url}/approvals`: what APPROVAL_BASE_URL is set to unless overridden. */
  approvalsUrl: string;
  /** `${url}/slack/interactions`: the Slack app's interactivity request URL. */
  slackUrl: string;
  /** `${url}/fail-back`: what FAIL_BACK_BASE_URL is set to unless overridden. */
  failBackUrl: string;
  stop(): Promise<void>;
}

const readBody = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Uint8Array[] = [];
  for await (const chunk of req) chunks.push(new Uint8Array(chunk as Buffer));
  return Buffer.concat(chunks);
};

const isText = (contentType: string | undefined): boolean =>
  !!contentType && /^(text\/|application\/(json|xml))/.test(contentType);

/** Builds the HTTP API v2 event, as API Gateway would (form bodies arrive base64-encoded). */
export const toHttpApiEvent = (
  req: IncomingMessage,
  body: Buffer,
  routeKey: string,
  pathParameters?: Record<string, string>,
): HttpApiEvent => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers))
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
  const base64 = body.length > 0 && !isText(headers['content-type']);
  const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  const event: HttpApiEvent = {
    version: '2.0',
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    requestContext: {
      http: {
        method: req.method ?? 'GET',
        path: url.pathname,
        sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
    },
    isBase64Encoded: base64,
  };
  if (Object.keys(query).length) event.queryStringParameters = query;
  if (pathParameters) event.pathParameters = pathParameters;
  if (body.length) event.body = body.toString(base64 ? 'base64' : 'utf8');
  return event;
};

const send = (res: ServerResponse, result: HttpApiResult): void => {
  res.writeHead(result.statusCode, result.headers);
  res.end(result.body);
};

const notFound: HttpApiResult = {
  statusCode: 404,
  headers: { 'content-type': 'text/plain' },
  body: 'Not Found',
};

/** Starts the server; resolves once it listens and the handlers are loaded. */
export const startApprovalServer = async (options: ApprovalServerOptions = {}): Promise<ApprovalServer> => {
  let handlers:
    | { callback: HttpApiHandler; slack: HttpApiHandler | undefined; failBack: HttpApiHandler }
    | undefined;

  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      const method = req.method ?? 'GET';
      const approval = /^\/approvals\/([^/]+)$/.exec(path);
      // A context without getRemainingTimeInMillis: middy arms no early timeout outside Lambda.
      const context = { functionName: 'local-approval-server', awsRequestId: randomUUID() };
      if (approval && handlers && ['GET', 'HEAD', 'POST'].includes(method)) {
        const approvalId = decodeURIComponent(approval[1] ?? '');
        const event = toHttpApiEvent(req, body, `${method} /approvals/{approvalId}`, { approvalId });
        return send(res, await handlers.callback(event, context));
      }
      const failBack = /^\/fail-back\/([^/]+)$/.exec(path);
      if (failBack && handlers && ['GET', 'HEAD', 'POST'].includes(method)) {
        const windowId = decodeURIComponent(failBack[1] ?? '');
        const event = toHttpApiEvent(req, body, `${method} /fail-back/{windowId}`, { windowId });
        return send(res, await handlers.failBack(event, context));
      }
      if (path === '/slack/interactions' && method === 'POST' && handlers?.slack) {
        return send(
          res,
          await handlers.slack(toHttpApiEvent(req, body, 'POST /slack/interactions'), context),
        );
      }
      send(res, notFound);
    })().catch((err: unknown) => {
      console.error(
        JSON.stringify({ level: 'error', message: 'local approval server', error: (err as Error)?.name }),
      );
      if (!res.headersSent)
        send(res, {
          statusCode: 500,
          headers: { 'content-type': 'text/plain' },
          body: 'Internal Server Error',
        });
      else res.end();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host ?? '127.0.0.1'}:${port}`;

  Object.assign(
    process.env,
    { APPROVAL_BASE_URL: `${url}/approvals`, FAIL_BACK_BASE_URL: `${url}/fail-back` },
    options.env ?? {},
  );
  try {
    const callback =
      options.handlers?.callback ??
      ((await import('../functions/approval-callback.ts')).handler as HttpApiHandler);
    const slack =
      options.handlers?.slack ??
      (process.env.SLACK_SIGNING_SECRET_PARAMETER
        ? ((await import('../functions/slack-interactions.ts')).handler as HttpApiHandler)
        : undefined);
    const failBack =
      options.handlers?.failBack ??
      ((await import('../functions/fail-back-callback.ts')).handler as HttpApiHandler);
    handlers = { callback, slack, failBack };
  } catch (err) {
    server.close();
    throw err;
  }

  return {
    url,
    approvalsUrl: `${url}/approvals`,
    slackUrl: `${url}/slack/interactions`,
    failBackUrl: `${url}/fail-back`,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
};
