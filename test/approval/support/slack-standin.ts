/** A local HTTP server standing in for Slack (Web API, incoming webhook, response_url); records every call. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackCall {
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

export const startSlackStandIn = async (): Promise<{
  url: string;
  calls: SlackCall[];
  stop(): Promise<void>;
}> => {
  const calls: SlackCall[] = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      calls.push({
        path: req.url ?? '',
        authorization: req.headers.authorization,
        body: raw ? JSON.parse(raw) : {},
      });
      if (req.url === '/api/chat.postMessage') {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ ok: true, channel: 'C0APPROVALS', ts: '1768125600.000100' }));
      } else if (req.url === '/api/chat.update') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
      } else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
};
