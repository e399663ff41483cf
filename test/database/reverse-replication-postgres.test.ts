/**
 * Where the reverse stream starts (docs/reverse-replication.md), proved on real servers of both majors, and the
 * PostgreSQL ReverseReplicationGateway driven through a switch: blue → green by logical replication
 * (the emulator's own setup, as a major-version Blue/Green builds it), prepare on green, the switch as
 * RDS does it (blue read-only, catch-up, sequences, blue → green replication dropped, green writable),
 * writes on the new primary, start, then the checks: exactly once, lag, a broken stream, stop.
 */
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setPgReadOnly } from '../../emulator/engines/postgres.ts';
import {
  dropLogical,
  type LogicalLink,
  setupLogical,
  syncSequences,
  waitLogicalCatchUp,
} from '../../emulator/pg/logical.ts';
import { PgServer } from '../../emulator/pg/server.ts';
import { ensureEmulatorTls } from '../../emulator/tls.ts';
import { freePort, waitFor } from '../../emulator/util.ts';
import { EXTRA_CA_ENV } from '../../src/aws/pg-connection.ts';
import type { ReverseReplicationPair } from '../../src/aws/reverse-replication-gateway.ts';
import { makePostgresReverseReplication } from '../../src/aws/reverse-replication-postgres.ts';
import { reverseStreamName } from '../../src/domain/reverse-replication.ts';
import { type GuardedDir, guardedTempDir } from '../support/guarded-dir.ts';

const PASSWORD = 'reverse-test-pw';
const PARAM = '/switchyard/test/reverse/password';
const gateway = makePostgresReverseReplication(async (name) => {
  if (name !== PARAM) throw new Error(`unexpected parameter ${name}`);
  return PASSWORD;
});

interface World {
  blue: PgServer;
  green: PgServer;
  links: LogicalLink[];
  pair: ReverseReplicationPair;
  /** the servers' folder, registered with the emulator's run watcher */
  guarded: GuardedDir;
}

const target = (s: PgServer) => ({
  host: '127.0.0.1',
  port: s.port,
  name: 'app',
  user: 'postgres',
  passwordParameter: PARAM,
});

const startServer = async (
  base: string,
  id: string,
  major: number,
  tls: ReturnType<typeof ensureEmulatorTls>,
) => {
  const s = new PgServer({
    id,
    dir: join(base, id),
    port: await freePort(),
    major,
    superuser: 'postgres',
    password: PASSWORD,
    tls,
  });
  await s.initdb();
  await s.start();
  return s;
};

/** Blue with data, green built from it by logical replication and left read-only: a logical Blue/Green before the switch. */
const buildWorld = async (blueMajor: number, greenMajor: number): Promise<World> => {
  const guarded = guardedTempDir('reverse');
  const base = guarded.dir;
  chmodSync(base, 0o755);
  const tls = ensureEmulatorTls(join(base, 'tls'));
  process.env[EXTRA_CA_ENV] = tls.caFile;
  const blue = await startServer(base, 'blue', blueMajor, tls);
  const green = await startServer(base, 'green', greenMajor, tls);
  await blue.query('CREATE DATABASE app');
  await blue.query(
    `CREATE TABLE orders (id bigserial PRIMARY KEY, note text NOT NULL, written_on text NOT NULL);
     INSERT INTO orders (note, written_on) SELECT 'initial ' || g, 'blue' FROM generate_series(1, 100) g;`,
    [],
    'app',
  );
  const links = await setupLogical(blue, green, `bg_${blueMajor}_${greenMajor}`, () => {});
  await setPgReadOnly(green, true);
  return {
    blue,
    green,
    links,
    guarded,
    pair: {
      newPrimary: target(green),
      oldBlue: target(blue),
      executionName: `exec-${blueMajor}-to-${greenMajor}:run/1`,
    },
  };
};

/** The switch as RDS does it on the logical path (and as the emulator's promote does). */
const switchOver = async (w: World): Promise<void> => {
  await setPgReadOnly(w.blue, true);
  const [pos] = await w.blue.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
  expect(await waitLogicalCatchUp(w.blue, w.links, pos?.lsn ?? '0/0', Date.now() + 30_000)).toBe(true);
  await syncSequences(w.blue, w.green, w.links);
  // RDS ends blue → green replication: the subscription on green (and its replication origin) goes.
  await dropLogical(w.blue, w.green, w.links);
  await setPgReadOnly(w.green, false);
};

const rows = async (s: PgServer) =>
  s.query<{ id: string; note: string; written_on: string }>(
    'SELECT id::text, note, written_on FROM orders ORDER BY id',
    [],
    'app',
  );

/** Inserts (one transaction each, as an application does), an update and a delete. */
const writeOn = async (s: PgServer, who: string, n: number, touch: { update: number; del: number }) => {
  for (let i = 0; i < n; i++)
    await s.query(`INSERT INTO orders (note, written_on) VALUES ($1, $2)`, [`${who} ${i}`, who], 'app');
  await s.query(
    `UPDATE orders SET note = note || ' updated on ' || $2 WHERE id = $1`,
    [touch.update, who],
    'app',
  );
  await s.query('DELETE FROM orders WHERE id = $1', [touch.del], 'app');
};

/** Waits (up to 20 s) until the stream reads replicating with lag 0. */
const replicatingWithoutLag = (pair: ReverseReplicationPair, what: string) =>
  waitFor(
    async () => {
      const s = await gateway.status(pair);
      return s.state === 'replicating' && s.lag === 0 ? s : undefined;
    },
    20_000,
    50,
    what,
  );

/** Sessions the reverse-replication gateway has open on a server. */
const ours = async (s: PgServer) =>
  (
    await s.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'switchyard-reverse-replication'`,
    )
  )[0]?.n;

const stopWorld = async (w: World | undefined) => {
  if (!w) return;
  delete process.env[EXTRA_CA_ENV];
  for (const s of [w.blue, w.green]) {
    await s.closePools();
    await s.stop();
  }
  w.guarded.release();
};

describe.each([
  [17, 18],
  [18, 17],
])('reverse replication, blue %i → green %i', (blueMajor, greenMajor) => {
  let w: World;
  beforeAll(async () => {
    w = await buildWorld(blueMajor, greenMajor);
  }, 120_000);
  afterAll(async () => {
    await stopWorld(w);
  });

  it('starts exactly at the switch: old blue gets every write made on the new primary once, and none of its own back', async () => {
    // Prepare: twice, as a Lambda retry would; the second call finds the same slot.
    const first = await gateway.prepare(w.pair);
    const again = await gateway.prepare(w.pair);
    expect(again.startPoint).toBe(first.startPoint);
    expect(first.startPoint).toMatch(/app@[0-9A-F]+\/[0-9A-F]+/);
    expect((await gateway.status(w.pair)).state).toBe('prepared');

    // Claim: a slot created on green before the switch decodes the changes green replays from blue.
    // A second, throw-away slot shows what the stream would carry with and without origin = none.
    const name = reverseStreamName(w.pair.executionName, 'app');
    await w.green.query(`SELECT pg_create_logical_replication_slot('control', 'pgoutput')`, [], 'app');

    // Blue keeps taking writes until the switch: 50 inserts, an update, a delete, all replayed on green.
    await writeOn(w.blue, 'blue', 50, { update: 5, del: 6 });
    await switchOver(w);
    // The application now writes on the new primary: 40 inserts, an update, a delete.
    await writeOn(w.green, 'green', 40, { update: 7, del: 8 });

    const inserts = async (origin: 'any' | 'none') => {
      const [r] = await w.green.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_logical_slot_peek_binary_changes('control', NULL, NULL,
           'proto_version', '1', 'publication_names', $1, 'origin', $2) WHERE get_byte(data, 0) = ascii('I')`,
        [name, origin],
        'app',
      );
      return r?.n;
    };
    expect(await inserts('any')).toBe(90); // blue's 50 replayed + green's 40: old blue would get its own rows twice
    expect(await inserts('none')).toBe(40); // only the new primary's own writes
    await w.green.query(`SELECT pg_drop_replication_slot('control')`, [], 'app');

    // Start: twice (idempotent), then old blue converges on the new primary, row for row.
    await gateway.start(w.pair);
    await gateway.start(w.pair);
    const expected = await rows(w.green);
    await waitFor(
      async () => JSON.stringify(await rows(w.blue)) === JSON.stringify(expected),
      30_000,
      100,
      'old blue to match the new primary',
    );
    expect(expected.filter((r) => r.written_on === 'green')).toHaveLength(40);
    expect(expected.find((r) => r.id === '7')?.note).toMatch(/updated on green/);
    expect(expected.find((r) => r.id === '8')).toBeUndefined();

    // Claim: old blue stays read-only to applications while its subscription applies.
    const app = new pg.Client({ ...w.blue.connOpts('app'), application_name: 'app', options: '' });
    await app.connect();
    try {
      await expect(app.query(`INSERT INTO orders (note, written_on) VALUES ('app', 'blue')`)).rejects.toThrow(
        /read-only transaction/,
      );
    } finally {
      await app.end();
    }

    const status = await replicatingWithoutLag(w.pair, 'the stream to report replicating with no lag');
    expect(status.lagUnit).toBe('bytes');
    expect(status.detail).toMatch(/2 database/); // app and postgres: every database is streamed
  }, 120_000);

  it('reports lag while old blue is behind', async () => {
    // Pause the apply on old blue, write on the new primary: the slot's confirmed position falls behind.
    const name = reverseStreamName(w.pair.executionName, 'app');
    await w.blue.query(`ALTER SUBSCRIPTION ${name} DISABLE`, [], 'app');
    await writeOn(w.green, 'green-lag', 20, { update: 9, del: 10 });
    const behind = await gateway.status(w.pair);
    expect(behind.state).toBe('broken'); // disabled is how a stopped stream shows
    expect(behind.detail).toMatch(/stopped on an apply error/);
    expect(behind.lag).toBeGreaterThan(0); // bytes of the new primary's WAL old blue has not confirmed
    await w.blue.query(`ALTER SUBSCRIPTION ${name} ENABLE`, [], 'app');
    const caught = await waitFor(
      async () => {
        const s = await gateway.status(w.pair);
        return s.state === 'replicating' && s.lag === 0 ? s : undefined;
      },
      20_000,
      100,
      'old blue to catch up',
    );
    expect(caught.lag).toBe(0);
    expect((await rows(w.blue)).filter((r) => r.written_on === 'green-lag')).toHaveLength(20);
  }, 60_000);

  it('reads a restarting apply worker as connecting, never broken, until it streams again', async () => {
    // Prepare: end old blue's apply worker, as a dropped connection would; PostgreSQL restarts it after
    // wal_retrieve_retry_interval (5 s), and the new primary's slot is idle meanwhile.
    const name = reverseStreamName(w.pair.executionName, 'app');
    await w.blue.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_subscription WHERE subname = $1 AND relid IS NULL',
      [name],
      'app',
    );
    // Act: read until it streams again, keeping every state seen.
    const seen: string[] = [];
    await waitFor(
      async () => {
        const s = await gateway.status(w.pair);
        seen.push(`${s.state}: ${s.detail}`);
        return s.state === 'replicating' ? s : undefined;
      },
      30_000,
      100,
      'the apply worker to stream again',
    );
    // Assess: the gap was seen, as "connecting", and never as broken.
    expect(seen.some((x) => /^prepared: .*connecting in app/.test(x))).toBe(true);
    expect(seen.filter((x) => x.startsWith('broken'))).toEqual([]);
  }, 60_000);

  it('reads the stream again and again over the sessions a status reader opened once, and closes them all', async () => {
    const name = reverseStreamName(w.pair.executionName, 'app');
    const reader = await gateway.openStatusReader(w.pair);
    try {
      // One session per database (app, postgres) on each side, whatever the number of reads.
      expect([await ours(w.green), await ours(w.blue)]).toEqual([2, 2]);
      await w.blue.query(`ALTER SUBSCRIPTION ${name} DISABLE`, [], 'app');
      await writeOn(w.green, 'green-reader', 5, { update: 11, del: 12 });
      const behind = await reader.read();
      expect(behind.state).toBe('broken');
      expect(behind.lag).toBeGreaterThan(0);
      await w.blue.query(`ALTER SUBSCRIPTION ${name} ENABLE`, [], 'app');
      let reads = 0;
      const caught = await waitFor(
        async () => {
          reads++;
          const s = await reader.read();
          return s.state === 'replicating' && s.lag === 0 ? s : undefined;
        },
        20_000,
        25,
        'old blue to catch up, read over the same sessions',
      );
      expect(caught.detail).toMatch(/2 database/);
      expect(reads).toBeGreaterThan(1);
      // A nudge is an empty commit on each side, even with both read-only to sessions (old blue since the
      // switch, the new primary as a fail-back's block leaves it): no row changes, and the stream settles.
      await writeOn(w.green, 'green-nudged', 3, { update: 13, del: 14 });
      await setPgReadOnly(w.green, true);
      try {
        const primaryRows = await rows(w.green);
        const settled = await waitFor(
          async () => {
            await reader.nudge();
            const s = await reader.read();
            return s.state === 'replicating' && s.lag === 0 ? s : undefined;
          },
          10_000,
          25,
          'the stream to settle after nudges',
        );
        expect(settled.lag).toBe(0);
        expect(await rows(w.green)).toEqual(primaryRows);
        expect(await rows(w.blue)).toEqual(primaryRows);
      } finally {
        await setPgReadOnly(w.green, false);
      }
      expect([await ours(w.green), await ours(w.blue)]).toEqual([2, 2]);
    } finally {
      await reader.close();
    }
    await waitFor(
      async () => (await ours(w.green)) === 0 && (await ours(w.blue)) === 0,
      5_000,
      25,
      'sessions closed',
    );
  }, 60_000);

  it('leaves no session open when one side of the reader cannot be reached', async () => {
    const unreachable = { ...w.pair, oldBlue: { ...w.pair.oldBlue, port: await freePort() } };
    await expect(gateway.openStatusReader(unreachable)).rejects.toThrow(/ECONNREFUSED/);
    const [open] = await w.green.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'switchyard-reverse-replication'`,
    );
    expect(open?.n).toBe(0);
  });

  it('connects a removal ahead without changing anything: closed unused, the stream still replicates', async () => {
    const removal = await gateway.openStop(w.pair);
    try {
      // Both sides connected (one session per database), as the hand-over has them while it reads sequences.
      await waitFor(
        async () => ((await ours(w.green)) === 2 && (await ours(w.blue)) === 2) || undefined,
        10_000,
        25,
        'the removal to connect',
      );
    } finally {
      await removal.close();
    }
    await waitFor(
      async () => ((await ours(w.green)) === 0 && (await ours(w.blue)) === 0) || undefined,
      5_000,
      25,
      'sessions closed',
    );
    const name = reverseStreamName(w.pair.executionName, 'app');
    expect(
      await w.blue.query('SELECT subname FROM pg_subscription WHERE subname = $1', [name], 'app'),
    ).toEqual([{ subname: name }]);
    await writeOn(w.green, 'green-after-unused-removal', 2, { update: 15, del: 16 });
    expect((await replicatingWithoutLag(w.pair, 'the stream to replicate on')).state).toBe('replicating');
    expect(await rows(w.blue)).toEqual(await rows(w.green));
  }, 60_000);

  it('shows a broken stream when old blue has a conflicting row, and stop removes everything on both sides', async () => {
    // A person wrote on old blue (a read-write session): the same key then arrives from the new primary.
    const c = await w.blue.client('app');
    let id: string | undefined;
    try {
      await c.query('SET default_transaction_read_only = off');
      id = (
        await c.query<{ id: string }>(
          `INSERT INTO orders (id, note, written_on) VALUES (100000, 'by hand', 'blue') RETURNING id::text`,
        )
      ).rows[0]?.id;
    } finally {
      await c.end();
    }
    expect(id).toBe('100000');
    await w.green.query(
      `INSERT INTO orders (id, note, written_on) VALUES (100000, 'conflict', 'green')`,
      [],
      'app',
    );
    const broken = await waitFor(
      async () => {
        const s = await gateway.status(w.pair);
        return s.state === 'broken' ? s : undefined;
      },
      30_000,
      100,
      'the conflict to break the stream',
    );
    expect(broken.detail).toMatch(/apply error \([1-9]\d* so far/);
    expect(broken.lag).toBeGreaterThanOrEqual(0);

    await gateway.stop(w.pair);
    await gateway.stop(w.pair); // idempotent
    const name = reverseStreamName(w.pair.executionName, 'app');
    expect(
      await w.blue.query('SELECT subname FROM pg_subscription WHERE subname = $1', [name], 'app'),
    ).toEqual([]);
    expect(await w.green.query('SELECT slot_name FROM pg_replication_slots', [], 'app')).toEqual([]);
    expect(await w.green.query('SELECT pubname FROM pg_publication', [], 'app')).toEqual([]);
    expect((await gateway.status(w.pair)).state).toBe('absent');
  }, 60_000);
});

/**
 * Why the physical path gets no reverse stream (docs/reverse-replication.md): green is a standby until the switch,
 * so its publication could only be created after the switch, and a publication created after the slot
 * does not cover the changes committed before it (the slot decodes with the catalog as it was then).
 */
describe.each([17, 18])('a publication created after the slot, PostgreSQL %i', (major) => {
  let guarded: GuardedDir | undefined;
  let server: PgServer;
  beforeAll(async () => {
    guarded = guardedTempDir('pub-late');
    const base = guarded.dir;
    chmodSync(base, 0o755);
    server = await startServer(base, 'late', major, ensureEmulatorTls(join(base, 'tls')));
  }, 60_000);
  afterAll(async () => {
    await server?.closePools();
    await server?.stop();
    guarded?.release();
  });

  it('does not carry the writes made between the slot and the publication', async () => {
    await server.query('CREATE TABLE t (id int PRIMARY KEY)');
    await server.query(`SELECT pg_create_logical_replication_slot('late', 'pgoutput')`);
    await server.query('INSERT INTO t VALUES (1)'); // a write right after the switch
    await server.query('CREATE PUBLICATION late FOR ALL TABLES');
    await server.query('INSERT INTO t VALUES (2)');
    const peek = server.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_logical_slot_peek_binary_changes('late', NULL, NULL,
         'proto_version', '1', 'publication_names', 'late') WHERE get_byte(data, 0) = ascii('I')`,
    );
    if (major < 18) {
      // PostgreSQL 17 stops decoding: the stream would be stuck, not lossless.
      await expect(peek).rejects.toThrow(/publication "late" does not exist/);
    } else {
      // PostgreSQL 18 skips the publication it cannot see yet: the first write is silently lost.
      expect((await peek)[0]?.n).toBe(1);
    }
  }, 30_000);
});
