/** The endpoint proxy on its own: forwarding, re-targeting, dropping, and refusing or holding new connections. */
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EndpointProxy } from '../../emulator/pg/proxy.ts';

const echo = (tag: string): Promise<{ server: Server; port: number }> =>
  new Promise((resolve) => {
    const server = createServer((s) => s.on('data', (d) => s.write(`${tag}:${d.toString()}`)));
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, port: (server.address() as { port: number }).port }),
    );
  });

const client = (port: number): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.on('error', reject);
  });

const reply = (s: Socket, msg: string): Promise<string> =>
  new Promise((resolve, reject) => {
    s.once('data', (d) => resolve(d.toString()));
    s.once('close', () => reject(new Error('closed')));
    s.write(msg);
  });

const closed = (s: Socket): Promise<void> =>
  new Promise((r) => (s.destroyed ? r() : s.once('close', () => r())));

let a: { server: Server; port: number };
let b: { server: Server; port: number };
beforeAll(async () => {
  a = await echo('A');
  b = await echo('B');
});
afterAll(() => {
  a.server.close();
  b.server.close();
});

describe('EndpointProxy', () => {
  it('refuses new connections while blocked (RDS behaviour), drops open ones, then serves the new target', async () => {
    const proxy = new EndpointProxy(a.port);
    const port = await proxy.listen(0);
    const c1 = await client(port);
    expect(await reply(c1, 'x')).toBe('A:x');
    proxy.block('reject');
    const refused = await client(port);
    await closed(refused);
    proxy.retarget(b.port);
    proxy.dropAll();
    await closed(c1);
    proxy.unblock();
    const c2 = await client(port);
    expect(await reply(c2, 'y')).toBe('B:y');
    c2.destroy();
    await proxy.close();
  });

  it('with holdConnections, parks new connections and connects them to the new target', async () => {
    const proxy = new EndpointProxy(a.port, { holdConnections: true });
    const port = await proxy.listen(0);
    proxy.block();
    const held = await client(port);
    const answer = reply(held, 'z');
    await new Promise((r) => setTimeout(r, 100));
    proxy.retarget(b.port);
    proxy.unblock();
    expect(await answer).toBe('B:z');
    held.destroy();
    await proxy.close();
  });
});
