/**
 * The stable endpoint of a DB instance: a TCP proxy on 127.0.0.1 that forwards to whichever PostgreSQL
 * server currently carries the instance's name. Re-targeting it at switchover moves the traffic; like RDS,
 * the switch drops the connections that were open.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export type BlockMode = 'reject' | 'hold';

export class EndpointProxy {
  private server: Server | undefined;
  private readonly active = new Set<Socket>();
  private readonly held: Socket[] = [];
  private blocked: BlockMode | undefined;
  private boundPort = 0;

  constructor(
    private targetPort: number,
    private readonly opts: { holdConnections?: boolean } = {},
  ) {}

  get port(): number {
    return this.boundPort;
  }
  get target(): number {
    return this.targetPort;
  }
  /** Client connections currently forwarded (each is two sockets; we count the client side). */
  get connections(): number {
    return this.active.size / 2;
  }

  listen(port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const srv = createServer({ pauseOnConnect: true }, (client) => this.accept(client));
      srv.once('error', reject);
      srv.listen(port, '127.0.0.1', () => {
        srv.off('error', reject);
        srv.on('error', () => {});
        const addr = srv.address();
        this.boundPort = typeof addr === 'object' && addr ? addr.port : port;
        this.server = srv;
        resolve(this.boundPort);
      });
    });
  }

  private accept(client: Socket): void {
    client.on('error', () => {});
    if (this.blocked === 'reject') {
      client.destroy();
      return;
    }
    if (this.blocked === 'hold') {
      this.held.push(client);
      client.once('close', () => {
        const i = this.held.indexOf(client);
        if (i >= 0) this.held.splice(i, 1);
      });
      return;
    }
    this.pipe(client);
  }

  private pipe(client: Socket): void {
    const upstream = connect({ host: '127.0.0.1', port: this.targetPort });
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    this.active.add(client);
    this.active.add(upstream);
    const done = (): void => {
      this.active.delete(client);
      this.active.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    upstream.on('error', done);
    client.on('error', done);
    upstream.on('close', done);
    client.on('close', done);
    upstream.once('connect', () => {
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  }

  retarget(port: number): void {
    this.targetPort = port;
  }

  /**
   * Stops taking new connections during a switchover: `reject` closes them at once (RDS behaviour);
   * `hold` (the endpoint's holdConnections option) parks them until unblock() connects them to the new target.
   */
  block(mode?: BlockMode): void {
    this.blocked = mode ?? (this.opts.holdConnections ? 'hold' : 'reject');
  }

  unblock(): void {
    this.blocked = undefined;
    for (const c of this.held.splice(0)) if (!c.destroyed) this.pipe(c);
  }

  /** Drops every open connection (clients see the server close the connection). */
  dropAll(): void {
    for (const s of this.active) s.destroy();
    this.active.clear();
  }

  async close(): Promise<void> {
    this.dropAll();
    for (const c of this.held.splice(0)) c.destroy();
    const srv = this.server;
    this.server = undefined;
    if (srv) await new Promise<void>((r) => srv.close(() => r()));
  }
}
