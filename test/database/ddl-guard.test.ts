/**
 * The DDL guard on a real PostgreSQL server: DDL logged (also by an unprivileged application role),
 * refused with guards.ddlFreeze, seen by the fingerprint, and gone after release, also on a server made
 * read-only like old blue after a switch.
 */
import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { makeDdlGuardGateway } from '#aws/ddl-guard-gateway';
import { planGuard } from '#domain/ddl-guard';
import { readTestParameter, startTestDatabase, type TestDatabase } from './support.ts';

let db: TestDatabase;
let admin: pg.Client;
const guard = makeDdlGuardGateway(readTestParameter);
const EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:sm:run-1';

/** The application: owns its tables, no superuser, cannot write to schema switchyard. */
const appClient = async (): Promise<pg.Client> => {
  const { default: pgModule } = await import('pg');
  const c = new pgModule.Client({
    host: '127.0.0.1',
    port: db.port,
    user: 'app',
    password: 'app-pw',
    database: 'postgres',
    ssl: db.ssl,
  });
  await c.connect();
  return c;
};

const eventTriggers = async (): Promise<string[]> =>
  (await admin.query(`SELECT evtname FROM pg_event_trigger ORDER BY evtname`)).rows.map((r) => r.evtname);

beforeAll(async () => {
  db = await startTestDatabase('ddl-guard');
  admin = await db.client();
  await admin.query(`CREATE ROLE app LOGIN PASSWORD 'app-pw'; GRANT CREATE ON SCHEMA public TO app`);
});

afterAll(async () => {
  await admin?.end().catch(() => undefined);
  await db?.stop();
});

beforeEach(async () => {
  for (const name of await eventTriggers()) await admin.query(`DROP EVENT TRIGGER ${name}`);
  await admin.query(`DROP SCHEMA IF EXISTS switchyard CASCADE; DROP TABLE IF EXISTS app_a, app_b, orders`);
  await admin.query(`CREATE TABLE orders (id bigint PRIMARY KEY); ALTER TABLE orders OWNER TO app`);
});

describe('DDL guard on real PostgreSQL', () => {
  it("logs the application role's DDL and lets it through in detect mode", async () => {
    // Prepare
    await guard.install(db.database, EXECUTION, planGuard('physical', false, true));
    const app = await appClient();
    // Act
    await app.query('CREATE TABLE app_a (id int PRIMARY KEY)');
    await app.query('ALTER TABLE orders ADD COLUMN note text');
    await app.end();
    // Assess
    const seen = await guard.observe(db.database, EXECUTION);
    expect(seen?.logged).toBe(2);
    expect(seen?.schemaChanged).toBe(true);
    expect(seen?.entries.map((e) => `${e.commandTag} ${e.user}`).sort()).toEqual([
      'ALTER TABLE app',
      'CREATE TABLE app',
    ]);
    expect(seen?.entries.find((e) => e.commandTag === 'ALTER TABLE')?.objects).toEqual(['public.orders']);
    expect(await eventTriggers()).toEqual(['switchyard_ddl_log']);
  });

  it('re-installing the guard (a rebuilt green) counts only DDL after it, for both modes', async () => {
    for (const replication of ['physical', 'logical'] as const) {
      // Prepare: DDL seen by the first install
      await guard.install(db.database, EXECUTION, planGuard(replication, false, true));
      await admin.query(`CREATE TABLE app_a (id int PRIMARY KEY)`);
      const before = await guard.observe(db.database, EXECUTION);
      expect(before?.schemaChanged).toBe(true);
      // Act: re-armed, as ReinstallDdlGuard does before the new green is created
      await guard.install(db.database, EXECUTION, planGuard(replication, false, true));
      const rearmed = await guard.observe(db.database, EXECUTION);
      await admin.query(`CREATE TABLE app_b (id int PRIMARY KEY)`);
      const after = await guard.observe(db.database, EXECUTION);
      // Assess
      expect(rearmed).toMatchObject({ logged: 0, schemaChanged: false });
      expect(after?.schemaChanged).toBe(true);
      expect(after?.logged).toBe(replication === 'physical' ? 1 : 0);
      if (replication === 'physical') expect(after?.entries[0]?.objects).toContain('public.app_b');
      await guard.release(db.database, EXECUTION);
      await admin.query(`DROP TABLE app_a, app_b`);
    }
  });

  it('refuses DDL with guards.ddlFreeze, and allows it again once released', async () => {
    await guard.install(db.database, EXECUTION, planGuard('physical', true, true));
    const app = await appClient();
    try {
      await expect(app.query('ALTER TABLE orders ADD COLUMN note text')).rejects.toThrow(
        /DDL is frozen on this database during a Blue\/Green deployment; ALTER TABLE refused/,
      );
      // Data changes are not DDL: production writes go on.
      await app.query('INSERT INTO orders VALUES (1)');
      const released = await guard.release(db.database, EXECUTION);
      expect(released.released).toBe(true);
      expect(await eventTriggers()).toEqual([]);
      await app.query('ALTER TABLE orders ADD COLUMN note text');
    } finally {
      await app.end();
    }
    const fns = await admin.query(
      `SELECT proname FROM pg_proc WHERE pronamespace = 'switchyard'::regnamespace`,
    );
    expect(fns.rows).toEqual([]);
  });

  it('installs no event trigger on the logical path and still sees DDL by fingerprint', async () => {
    await guard.install(db.database, EXECUTION, planGuard('logical', true, true));
    expect(await eventTriggers()).toEqual([]);
    expect((await guard.observe(db.database, EXECUTION))?.schemaChanged).toBe(false);
    // Data changes do not move the fingerprint…
    await admin.query('INSERT INTO orders VALUES (2)');
    expect((await guard.observe(db.database, EXECUTION))?.schemaChanged).toBe(false);
    // …DDL and large objects do.
    await admin.query(`SELECT lo_create(0)`);
    const seen = await guard.observe(db.database, EXECUTION);
    expect(seen).toMatchObject({ logged: 0, schemaChanged: true, changes: ['+ lo 1', '- lo 0'] });
    // The baseline names what changed, schema-qualified, as the lag loop reports it.
    await admin.query('ALTER TABLE orders ADD COLUMN note text');
    const changes = (await guard.observe(db.database, EXECUTION))?.changes ?? [];
    expect(changes.filter((c) => c.startsWith('+ r public.orders '))).toHaveLength(1);
    expect(changes.find((c) => c.startsWith('+ r public.orders '))).toContain('note text');
    expect(changes.filter((c) => c.startsWith('- r public.orders '))).toHaveLength(1);
  });

  it('is idempotent: installing twice leaves one set of triggers and logs nothing of its own', async () => {
    await guard.install(db.database, EXECUTION, planGuard('physical', true, true));
    await guard.install(db.database, EXECUTION, planGuard('physical', true, true));
    expect(await eventTriggers()).toEqual(['switchyard_ddl_freeze', 'switchyard_ddl_log']);
    expect((await guard.observe(db.database, EXECUTION))?.logged).toBe(0);
  });

  it('releases on a server made read-only like old blue after the switch', async () => {
    await guard.install(db.database, EXECUTION, planGuard('physical', false, true));
    await admin.query(`ALTER SYSTEM SET default_transaction_read_only = on`);
    await admin.query(`SELECT pg_reload_conf()`);
    try {
      const app = await appClient();
      await expect(app.query('INSERT INTO orders VALUES (9)')).rejects.toThrow(/read-only transaction/);
      await app.end();
      const released = await guard.release(db.database, EXECUTION);
      expect(released).toMatchObject({
        released: true,
        detail: 'removed event triggers switchyard_ddl_log; guard marked released',
      });
      expect(await eventTriggers()).toEqual([]);
    } finally {
      await admin.query(`ALTER SYSTEM RESET default_transaction_read_only`);
      await admin.query(`SELECT pg_reload_conf()`);
    }
  });

  it('leaves a guard installed by another execution in place', async () => {
    await guard.install(db.database, 'another-execution', planGuard('physical', false, true));
    const released = await guard.release(db.database, EXECUTION);
    expect(released).toMatchObject({ released: false });
    expect(released.detail).toContain('another-execution');
    expect(await eventTriggers()).toEqual(['switchyard_ddl_log']);
  });

  it("refuses to touch an event trigger with its name that is not Switchyard's", async () => {
    await admin.query(
      `CREATE FUNCTION public.mine() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$`,
    );
    await admin.query(
      `CREATE EVENT TRIGGER switchyard_ddl_log ON ddl_command_end EXECUTE FUNCTION public.mine()`,
    );
    try {
      await expect(guard.install(db.database, EXECUTION, planGuard('physical', false, true))).rejects.toThrow(
        /not Switchyard's/,
      );
      expect(await eventTriggers()).toEqual(['switchyard_ddl_log']);
    } finally {
      await admin.query(`DROP EVENT TRIGGER switchyard_ddl_log; DROP FUNCTION public.mine()`);
    }
  });
});
