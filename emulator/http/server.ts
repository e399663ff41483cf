/**
 * One loopback HTTP port for everything: RDS/SNS/CloudWatch Query requests, JSON-protocol services routed by
 * `x-amz-target`, and the emulator's own control endpoint under /_switchyard/ (not part of the AWS API).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { Core } from '../core.ts';
import type { Fault } from '../faults.ts';
import { RDS_ACTIONS, RDS_XMLNS } from '../rds/api.ts';
import { CW_QUERY_ACTIONS, CW_XMLNS, setAlarm } from '../services/cloudwatch.ts';
import { type JsonService, JsonServiceError } from '../services/json-service.ts';
import { SNS_ACTIONS, SNS_XMLNS } from '../services/sns.ts';
import { errorMessage, requestId } from '../util.ts';
import { Params, QueryError, queryError, querySuccess, type XObject } from './query.ts';

type QueryHandler = (core: Core, p: Params) => Promise<XObject | undefined>;

const QUERY_SERVICES: Record<string, { xmlns: string; actions: Record<string, QueryHandler> }> = {
  '2014-10-31': { xmlns: RDS_XMLNS, actions: RDS_ACTIONS },
  '2010-03-31': { xmlns: SNS_XMLNS, actions: SNS_ACTIONS },
  '2010-08-01': { xmlns: CW_XMLNS, actions: CW_QUERY_ACTIONS },
};

/** JSON services that are awsQuery-compatible: their errors also carry `x-amzn-query-error: Code;Sender`. */
const QUERY_COMPATIBLE = new Set(['GraniteServiceVersion20100801']);

const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    req.on('data', (c: Buffer) => chunks.push(new Uint8Array(c)));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

export interface Control {
  state(): unknown;
  outbox(): unknown;
  events(): unknown;
  inject(f: Fault): Promise<void>;
  clear(kind?: string): Promise<void>;
  faults(): unknown;
}

export const startHttp = async (
  core: Core,
  jsonServices: JsonService[],
  control: Control,
  port: number,
): Promise<Server> => {
  const json = new Map<string, JsonService>();
  for (const s of jsonServices) json.set(s.targetPrefix, s);

  const send = (
    res: ServerResponse,
    status: number,
    contentType: string,
    body: string,
    reqId: string,
    extra: Record<string, string> = {},
  ): void => {
    res.writeHead(status, {
      'content-type': contentType,
      'x-amzn-RequestId': reqId,
      'content-length': Buffer.byteLength(body),
      ...extra,
    });
    res.end(body);
  };

  const handleControl = async (
    req: IncomingMessage,
    res: ServerResponse,
    body: string,
    reqId: string,
  ): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname.replace(/\/+$/, '');
    const ok = (v: unknown) => send(res, 200, 'application/json', JSON.stringify(v, null, 1), reqId);
    const bad = (status: number, message: string) =>
      send(res, status, 'application/json', JSON.stringify({ error: message }), reqId);
    try {
      if (req.method === 'GET' && path === '/_switchyard/state') return ok(control.state());
      if (req.method === 'GET' && path === '/_switchyard/outbox') return ok(control.outbox());
      if (req.method === 'GET' && path === '/_switchyard/events') return ok(control.events());
      if (req.method === 'GET' && path === '/_switchyard/faults') return ok({ faults: control.faults() });
      if (req.method === 'POST' && path === '/_switchyard/faults') {
        await control.inject(JSON.parse(body || '{}') as Fault);
        return ok({ faults: control.faults() });
      }
      if (req.method === 'DELETE' && path === '/_switchyard/faults') {
        await control.clear(url.searchParams.get('kind') ?? undefined);
        return ok({ faults: control.faults() });
      }
      if (req.method === 'POST' && path === '/_switchyard/alarms') {
        const b = JSON.parse(body || '{}') as { name?: string; state?: string; reason?: string };
        if (!b.name || !['OK', 'ALARM', 'INSUFFICIENT_DATA'].includes(b.state ?? ''))
          return bad(400, 'body must be {"name": "...", "state": "OK"|"ALARM"|"INSUFFICIENT_DATA"}');
        setAlarm(core, b.name, b.state as 'OK', b.reason);
        return ok({ ok: true });
      }
      return bad(404, `no control route ${req.method} ${path}`);
    } catch (e) {
      return bad(400, errorMessage(e));
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const reqId = requestId();
    let raw = await readBody(req);
    if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(new Uint8Array(raw));
    const body = raw.toString('utf8');
    if ((req.url ?? '').startsWith('/_switchyard')) return handleControl(req, res, body, reqId);

    const target = req.headers['x-amz-target'];
    if (typeof target === 'string' && target.includes('.')) {
      const dot = target.lastIndexOf('.');
      const prefix = target.slice(0, dot);
      const operation = target.slice(dot + 1);
      const service = json.get(prefix);
      const jsonError = (status: number, type: string, message: string): void =>
        send(
          res,
          status,
          'application/x-amz-json-1.0',
          JSON.stringify({ __type: type, message }),
          reqId,
          QUERY_COMPATIBLE.has(prefix) ? { 'x-amzn-query-error': `${type};Sender` } : {},
        );
      if (!service)
        return jsonError(400, 'UnknownOperationException', `No service for x-amz-target ${target}`);
      if (core.faults.consumeThrottle())
        return jsonError(
          400,
          QUERY_COMPATIBLE.has(prefix) ? 'Throttling' : 'ThrottlingException',
          'Rate exceeded',
        );
      try {
        const parsed = body ? (JSON.parse(body) as Record<string, unknown>) : {};
        const headers: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(',') : v;
        const out = await service.handle({ operation, body: parsed, headers });
        return send(res, out.status ?? 200, service.contentType, JSON.stringify(out.body ?? {}), reqId);
      } catch (e) {
        if (e instanceof JsonServiceError) return jsonError(e.status, e.type, e.message);
        core.log(`[http] ${target} failed: ${errorMessage(e)}`);
        return jsonError(500, 'InternalFailure', errorMessage(e));
      }
    }

    const p = Params.fromForm(body);
    const version = p.str('Version') ?? '';
    const action = p.str('Action') ?? '';
    const service = QUERY_SERVICES[version];
    const xmlns = service?.xmlns ?? RDS_XMLNS;
    const fail = (err: QueryError) => send(res, err.status, 'text/xml', queryError(xmlns, err, reqId), reqId);
    if (!service)
      return fail(
        new QueryError('InvalidAction', `Could not find operation ${action} for version ${version}`),
      );
    const handler = service.actions[action];
    if (!handler)
      return fail(
        new QueryError('InvalidAction', `Could not find operation ${action} for version ${version}`),
      );
    if (core.faults.consumeThrottle()) return fail(new QueryError('Throttling', 'Rate exceeded', 400));
    try {
      const result = await handler(core, p);
      return send(res, 200, 'text/xml', querySuccess(xmlns, action, result, reqId), reqId);
    } catch (e) {
      if (e instanceof QueryError) return fail(e);
      core.log(`[http] ${action} failed: ${e instanceof Error ? e.stack : String(e)}`);
      return fail(new QueryError('InternalFailure', errorMessage(e), 500));
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(errorMessage(e));
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
};
