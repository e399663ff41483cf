/**
 * The major-version upgrade path: PostgreSQL 17 → 18 by logical replication (schema copied from the
 * catalog, publication/subscription, sequences synchronised at switchover), on real servers of both majors.
 */
import { CloudWatchClient, GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import {
  BlueGreenDeploymentNotFoundFault,
  CreateBlueGreenDeploymentCommand,
  DeleteBlueGreenDeploymentCommand,
  DescribeBlueGreenDeploymentsCommand,
  DescribeDBInstancesCommand,
  type RDSClient,
  SwitchoverBlueGreenDeploymentCommand,
} from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator/index.ts';
import { query, rdsClient, stopAndCheck, unretriedAt, Writer, waitUntil } from './helpers.ts';

let emu: Emulator;
let rds: RDSClient;
const arn = (id: string) => `arn:aws:rds:us-east-1:123456789012:db:${id}`;

beforeAll(async () => {
  emu = await startEmulator({ seedRows: 300, delays: { taskMs: 200 } });
  rds = rdsClient(emu);
  // More schema than the seed: identity, enum, FK, unique, view, function + trigger.
  await query(
    emu.connectionConfig('orders-db'),
    `CREATE TYPE item_kind AS ENUM ('book', 'toy');
     CREATE TABLE items (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY, order_id bigint NOT NULL REFERENCES orders(id), sku text UNIQUE, kind item_kind NOT NULL DEFAULT 'book');
     CREATE VIEW order_totals AS SELECT customer_id, sum(amount_cents) AS total FROM orders GROUP BY customer_id;
     CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.sku := lower(NEW.sku); RETURN NEW; END $$;
     CREATE TRIGGER items_touch BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION touch();
     INSERT INTO items (order_id, sku) SELECT id, 'SKU-' || id FROM orders WHERE id <= 50;`,
  );
});
afterAll(async () => {
  await stopAndCheck(emu);
});

const describeDep = async (id: string) =>
  (await rds.send(new DescribeBlueGreenDeploymentsCommand({ BlueGreenDeploymentIdentifier: id })))
    .BlueGreenDeployments?.[0];
const waitStatus = (id: string, status: string) =>
  waitUntil(`${id} ${status}`, async () => {
    const d = await describeDep(id);
    if (d?.Status === 'INVALID_CONFIGURATION' || d?.Status === 'SWITCHOVER_FAILED')
      throw new Error(`${d.Status}: ${d.StatusDetails}`);
    return d?.Status === status ? d : undefined;
  });

describe('logical Blue/Green lifecycle (17 → 18)', () => {
  it('upgrades orders-db to PostgreSQL 18 with sequences synchronised and no acknowledged write lost', async () => {
    const writer = new Writer(() => emu.connectionConfig('orders-db')).start();
    const c = await rds.send(
      new CreateBlueGreenDeploymentCommand({
        BlueGreenDeploymentName: 'orders-pg18',
        Source: arn('orders-db'),
        TargetEngineVersion: '18',
        TargetDBParameterGroupName: 'orders-pg18',
      }),
    );
    const id = c.BlueGreenDeployment?.BlueGreenDeploymentIdentifier as string;
    expect(c.BlueGreenDeployment?.Tasks?.map((t) => t.Name)).toEqual([
      'CREATING_READ_REPLICA_OF_SOURCE',
      'DB_ENGINE_VERSION_UPGRADE',
      'CONFIGURE_BACKUPS',
    ]);
    await query(
      emu.connectionConfig('orders-db'),
      "INSERT INTO orders (customer_id, status, amount_cents) SELECT 2, 'during', 1 FROM generate_series(1, 40)",
    );
    const ready = await waitStatus(id, 'AVAILABLE');
    const greenId = ready.Target?.split(':db:')[1] as string;
    const green = (await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: greenId })))
      .DBInstances?.[0];
    expect(green?.EngineVersion).toMatch(/^18\./);
    expect(green?.DBParameterGroups?.[0]?.DBParameterGroupName).toBe('orders-pg18');

    const greenCfg = emu.connectionConfig(greenId);
    expect((await query<{ v: string }>(greenCfg, 'SHOW server_version'))[0]).toEqual({
      server_version: green?.EngineVersion,
    });
    // Green is read-only for clients (default_transaction_read_only), but replication applies.
    await expect(
      query(greenCfg, "INSERT INTO orders (customer_id, status, amount_cents) VALUES (3, 'x', 1)"),
    ).rejects.toThrow(/read-only/);
    await waitUntil(
      'during rows on green',
      async () =>
        Number(
          (
            await query<{ n: string }>(greenCfg, "SELECT count(*) AS n FROM orders WHERE status = 'during'")
          )[0]?.n,
        ) === 40,
    );
    expect((await query<{ n: string }>(greenCfg, 'SELECT count(*) AS n FROM items'))[0]?.n).toBe('50');
    expect((await query<{ n: string }>(greenCfg, 'SELECT count(*) AS n FROM order_totals'))[0]?.n).not.toBe(
      '0',
    );

    // OldestReplicationSlotLag (bytes) on blue, computed from pg_replication_slots.
    const cw = new CloudWatchClient(unretriedAt(emu));
    const now = new Date();
    const stat = await cw.send(
      new GetMetricStatisticsCommand({
        Namespace: 'AWS/RDS',
        MetricName: 'OldestReplicationSlotLag',
        Dimensions: [{ Name: 'DBInstanceIdentifier', Value: 'orders-db' }],
        StartTime: new Date(now.getTime() - 300_000),
        EndTime: now,
        Period: 60,
        Statistics: ['Maximum'],
      }),
    );
    expect(stat.Datapoints?.[0]?.Unit).toBe('Bytes');
    expect(stat.Datapoints?.[0]?.Maximum).toBeGreaterThanOrEqual(0);

    await rds.send(
      new SwitchoverBlueGreenDeploymentCommand({ BlueGreenDeploymentIdentifier: id, SwitchoverTimeout: 120 }),
    );
    const done = await waitStatus(id, 'SWITCHOVER_COMPLETED');
    expect(done.Source).toBe(arn('orders-db-old1'));
    await new Promise((r) => setTimeout(r, 300));
    await writer.stop();

    const primary = emu.connectionConfig('orders-db');
    expect(
      (await query<{ server_version: string }>(primary, 'SHOW server_version'))[0]?.server_version,
    ).toMatch(/^18\./);
    const present = await query(primary, 'SELECT id FROM orders WHERE id = ANY($1::bigint[])', [
      writer.acked,
    ]);
    expect(writer.acked.length).toBeGreaterThan(20);
    expect(present.length).toBe(writer.acked.length);
    // Sequences were synchronised: new rows get ids past every id blue handed out.
    const maxAcked = Math.max(...writer.acked.map(Number));
    const [next] = await query<{ id: string }>(
      primary,
      "INSERT INTO orders (customer_id, status, amount_cents) VALUES (9, 'after', 1) RETURNING id",
    );
    expect(Number(next?.id)).toBeGreaterThan(maxAcked);
    const [item] = await query<{ sku: string; id: number }>(
      primary,
      "INSERT INTO items (order_id, sku, kind) VALUES (1, 'NEW-SKU', 'toy') RETURNING sku, id",
    );
    expect(item).toEqual({ sku: 'new-sku', id: 51 });

    const old = emu.connectionConfig('orders-db-old1');
    expect((await query<{ server_version: string }>(old, 'SHOW server_version'))[0]?.server_version).toMatch(
      /^17\./,
    );
    await expect(
      query(old, "INSERT INTO orders (customer_id, status, amount_cents) VALUES (5, 'x', 1)"),
    ).rejects.toThrow(/read-only/);
    // Replication is gone: no slot or publication left on old blue, no subscription on the new primary.
    expect(await query(old, 'SELECT slot_name FROM pg_replication_slots')).toEqual([]);
    expect(await query(old, 'SELECT pubname FROM pg_publication')).toEqual([]);
    expect(await query(primary, 'SELECT subname FROM pg_subscription')).toEqual([]);

    const ids = emu
      .events()
      .filter((e) => e.detail.SourceIdentifier === id)
      .map((e) => e.detail.EventID);
    expect(ids).toEqual([
      'RDS-EVENT-0244',
      'RDS-EVENT-0247',
      'RDS-EVENT-0250',
      'RDS-EVENT-0307',
      'RDS-EVENT-0308',
      'RDS-EVENT-0251',
      'RDS-EVENT-0248',
    ]);

    await rds.send(new DeleteBlueGreenDeploymentCommand({ BlueGreenDeploymentIdentifier: id }));
    await waitUntil(
      'deployment gone',
      async () => (await describeDep(id).catch((e: Error) => e)) instanceof BlueGreenDeploymentNotFoundFault,
    );
  });
});
