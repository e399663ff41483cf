/**
 * A live write load through a DB instance's endpoint: a few clients (pg for PostgreSQL, mysql2 for the
 * MySQL family: write-drivers.ts), each inserting rows with ids it chooses, paced to a target rate. A
 * write is acknowledged when its INSERT returns. On an error each client does what a connection pool
 * does: a broken connection (dropped, terminated, timed out) is evicted and a new one opened at once,
 * with a short backoff only while connecting fails; a statement's error (a read-only server) leaves the
 * connection in place, on the same server, and the next write retries on it after the backoff. So a
 * client keeps a session on a server that stopped taking writes until something ends that session.
 * At the end, `lostWrites()` asks the server now behind the endpoint which acknowledged ids it lacks.
 */
import { WRITES_TABLE } from './input.ts';
import { type EndpointConfig, type WriteConnection, type WriteEngine, writeDriver } from './write-drivers.ts';

export type { EndpointConfig, WriteEngine };

export interface WriteLoadOptions {
  /** Which client library speaks to the endpoint (default postgres). */
  engine?: WriteEngine;
  clients?: number;
  /** INSERTs per second per client. */
  ratePerClient?: number;
  /** First and largest reconnect delays (ms). */
  backoffMs?: [number, number];
  /** The table written (default Switchyard's own `rehearsal_writes`). */
  target?: WriteTarget;
}

export interface ClientError {
  at: number;
  client: number;
  message: string;
}

export interface WriteCounts {
  attempted: number;
  acknowledged: number;
  failed: number;
  clientErrors: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** ids are `client × 10⁹ + sequence`: unique without coordination, safe as JS numbers. */
const ID_STRIDE = 1_000_000_000;

export const createWritesTable = (cfg: EndpointConfig, engine: WriteEngine = 'postgres'): Promise<void> =>
  writeDriver(engine).createTable(cfg, WRITES_TABLE);

/**
 * What the load writes: by default Switchyard's own `rehearsal_writes`; `--load-table` gives a table of the
 * user's schema (load-table.ts). Each write is keyed by the client-chosen id, so lost writes can be counted.
 */
export interface WriteTarget {
  insert(id: number, client: number): { text: string; values: unknown[] };
  /** Of the ids in $1 (bigint[]), those missing from the table. */
  missingSql: string;
}

/** The same table on the MySQL family (mysql2 placeholders); lost writes are counted by the driver. */
export const MYSQL_OWN_TABLE_TARGET: WriteTarget = {
  insert: (id, client) => ({
    text: `INSERT INTO ${WRITES_TABLE} (id, client) VALUES (?, ?)`,
    values: [id, client],
  }),
  missingSql: '',
};

export const OWN_TABLE_TARGET: WriteTarget = {
  insert: (id, client) => ({
    text: `INSERT INTO ${WRITES_TABLE} (id, client) VALUES ($1, $2)`,
    values: [id, client],
  }),
  missingSql: `SELECT a.id::text AS id FROM unnest($1::bigint[]) AS a(id) WHERE NOT EXISTS (SELECT 1 FROM ${WRITES_TABLE} w WHERE w.id = a.id)`,
};

export class WriteLoad {
  readonly counts: WriteCounts = { attempted: 0, acknowledged: 0, failed: 0, clientErrors: 0 };
  /** Acknowledgement times (ms since epoch), in order, and the ids acknowledged. */
  readonly ackTimes: number[] = [];
  readonly ackIds: number[] = [];
  readonly errors: ClientError[] = [];
  startedAt = 0;
  stoppedAt = 0;
  private stopping = false;
  private loops: Promise<void>[] = [];
  private readonly clients: number;
  private readonly interval: number;
  private readonly backoff: [number, number];
  private readonly engine: WriteEngine;
  private readonly target: WriteTarget;

  constructor(
    private readonly cfg: EndpointConfig,
    options: WriteLoadOptions = {},
  ) {
    this.clients = options.clients ?? 4;
    this.interval = 1000 / (options.ratePerClient ?? 50);
    this.backoff = options.backoffMs ?? [10, 100];
    this.engine = options.engine ?? 'postgres';
    this.target = options.target ?? (this.engine === 'mysql' ? MYSQL_OWN_TABLE_TARGET : OWN_TABLE_TARGET);
  }

  get running(): boolean {
    return this.startedAt > 0 && !this.stoppedAt;
  }

  start(): void {
    if (this.startedAt) return;
    this.startedAt = Date.now();
    this.loops = Array.from({ length: this.clients }, (_, i) => this.loop(i + 1));
  }

  /** Stops every client after its in-flight INSERT settles. */
  async stop(): Promise<void> {
    if (!this.startedAt || this.stopping) {
      await Promise.all(this.loops);
      return;
    }
    this.stopping = true;
    await Promise.all(this.loops);
    this.stoppedAt = Date.now();
  }

  /** Acknowledged writes per second over the last `windowMs`. */
  rate(windowMs = 1000, now = Date.now()): number {
    let n = 0;
    for (let i = this.ackTimes.length - 1; i >= 0 && (this.ackTimes[i] ?? 0) > now - windowMs; i--) n++;
    return (n * 1000) / windowMs;
  }

  private recordError(client: number, err: unknown): void {
    this.counts.clientErrors++;
    if (this.errors.length < 1000)
      this.errors.push({ at: Date.now(), client, message: (err as Error)?.message ?? String(err) });
  }

  private async loop(client: number): Promise<void> {
    const driver = writeDriver(this.engine);
    let conn: WriteConnection | undefined;
    let seq = 0;
    let delay = this.backoff[0];
    let next = Date.now();
    // Has the server answered a statement on this connection (an acknowledgement or a statement's error)?
    // One that breaks before any answer backs off, so a server that accepts and drops at once does not
    // become a tight loop.
    let answered = false;
    const backOff = async (): Promise<void> => {
      await sleep(delay);
      delay = Math.min(delay * 2, this.backoff[1]);
      next = Date.now();
    };
    const drop = async (): Promise<void> => {
      const c = conn;
      conn = undefined;
      await c?.end();
    };
    while (!this.stopping) {
      if (!conn) {
        try {
          conn = await driver.connect(this.cfg, `rehearsal-writer-${client}`);
          answered = false;
        } catch (err) {
          this.recordError(client, err);
          await backOff();
          continue;
        }
      }
      const id = client * ID_STRIDE + ++seq;
      this.counts.attempted++;
      try {
        const write = this.target.insert(id, client);
        await conn.query(write.text, write.values);
        this.counts.acknowledged++;
        this.ackTimes.push(Date.now());
        this.ackIds.push(id);
        answered = true;
        delay = this.backoff[0];
      } catch (err) {
        this.counts.failed++;
        this.recordError(client, err);
        if (!driver.connectionBroken(err)) {
          answered = true;
          await backOff();
        } else if (answered) {
          await drop();
          next = Date.now();
        } else {
          await drop();
          await backOff();
        }
        continue;
      }
      next += this.interval;
      const wait = next - Date.now();
      if (wait > 0) await sleep(wait);
      else next = Date.now();
    }
    await drop();
  }

  /** Acknowledged ids missing from the server that answers on the endpoint now. */
  lostWrites(cfg: EndpointConfig = this.cfg): Promise<number[]> {
    // MySQL family: only Switchyard's own table (a user's load table is PostgreSQL-only for now).
    if (this.engine === 'mysql') return writeDriver('mysql').missing(cfg, WRITES_TABLE, this.ackIds);
    return writeDriver('postgres').missingBy(cfg, this.target.missingSql, this.ackIds);
  }
}

/** The longest gap between consecutive acknowledgements that overlaps [from, to] (ms), with where it was. */
export const longestAckGap = (
  ackTimes: number[],
  from: number,
  to: number,
): { ms: number; start: number; end: number } => {
  let best = { ms: 0, start: from, end: from };
  for (let i = 1; i < ackTimes.length; i++) {
    const a = ackTimes[i - 1] ?? 0;
    const b = ackTimes[i] ?? 0;
    if (b < from || a > to) continue;
    if (b - a > best.ms) best = { ms: b - a, start: a, end: b };
  }
  return best;
};
