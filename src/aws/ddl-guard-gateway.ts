/**
 * The DDL guard's objects on a database, all in schema `switchyard`:
 * - `ddl_guard`: one row (which execution installed it, how, blue's catalog fingerprint at install);
 * - `ddl_baseline`: blue's schema at install, one line per object, so a changed fingerprint names what changed;
 * - `ddl_log`: one row per DDL command seen by the `switchyard_ddl_log` event trigger (ddl_command_end);
 * - `switchyard_ddl_freeze` (ddl_command_start), only with guards.ddlFreeze: raises, so the DDL is refused.
 * Both tables have a primary key (uuid, no sequence), so they replicate to green like any other table.
 * Event triggers do not fire for commands on event triggers, so installing and removing them logs nothing.
 */
import type pg from 'pg';
import type { DdlLogEntry, GuardObservation, GuardPlan } from '#domain/ddl-guard';
import type { MigrationTarget } from './migrations-gateway.ts';
import type { ParameterReader } from './parameters.ts';
import { connectPostgres, type PgEndpoint } from './pg-connection.ts';

const TRIGGERS = ['switchyard_ddl_log', 'switchyard_ddl_freeze'];

const SCHEMA_DDL = `
CREATE SCHEMA IF NOT EXISTS switchyard;
CREATE TABLE IF NOT EXISTS switchyard.ddl_guard (
  id integer PRIMARY KEY CHECK (id = 1),
  execution_id text NOT NULL,
  mode text NOT NULL,
  refuse_ddl boolean NOT NULL,
  fingerprint text NOT NULL,
  installed_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  released_at timestamptz
);
CREATE TABLE IF NOT EXISTS switchyard.ddl_log (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  execution_id text NOT NULL,
  logged_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  command_tag text NOT NULL,
  objects text[] NOT NULL DEFAULT '{}',
  username text NOT NULL DEFAULT session_user,
  application_name text,
  statement text
);
CREATE TABLE IF NOT EXISTS switchyard.ddl_baseline (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  line text NOT NULL
)`;

// SECURITY DEFINER: the application's DDL is logged even though its role cannot write to switchyard.
const FUNCTIONS_DDL = `
CREATE OR REPLACE FUNCTION switchyard.log_ddl() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  guard_execution text;
  touched text[];
BEGIN
  SELECT execution_id INTO guard_execution FROM switchyard.ddl_guard WHERE id = 1 AND released_at IS NULL;
  IF guard_execution IS NULL THEN RETURN; END IF;
  SELECT coalesce(array_agg(coalesce(object_identity, object_type)), '{}') INTO touched
    FROM pg_event_trigger_ddl_commands();
  INSERT INTO switchyard.ddl_log (execution_id, command_tag, objects, application_name, statement)
  VALUES (guard_execution, tg_tag, touched, current_setting('application_name', true), left(current_query(), 2000));
END
$fn$;
CREATE OR REPLACE FUNCTION switchyard.freeze_ddl() RETURNS event_trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $fn$
DECLARE
  guard_execution text;
BEGIN
  SELECT execution_id INTO guard_execution FROM switchyard.ddl_guard WHERE id = 1 AND released_at IS NULL AND refuse_ddl;
  IF guard_execution IS NULL THEN RETURN; END IF;
  RAISE EXCEPTION 'Switchyard: DDL is frozen on this database during a Blue/Green deployment; % refused', tg_tag
    USING ERRCODE = 'object_not_in_prerequisite_state',
          DETAIL = format('execution %s set guards.ddlFreeze', guard_execution),
          HINT = 'Run it after the switchover completes, or through the pipeline as a migration of the next release.';
END
$fn$`;

/** Blue's user schema as one line per object: relations and columns, constraints, functions, types, large objects. */
const SCHEMA_LINES_SQL = `
WITH ns AS (
  SELECT oid FROM pg_namespace
   WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
     AND nspname NOT LIKE 'pg_temp_%' AND nspname NOT LIKE 'pg_toast_temp_%'
)
SELECT x AS line FROM (
  SELECT 'r ' || c.oid::regclass::text || ' ' || c.relkind::text || ' ' || c.relpersistence::text || ' ' ||
         coalesce((SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) ||
                                     CASE WHEN a.attnotnull THEN ' not null' ELSE '' END, ', ' ORDER BY a.attnum)
                     FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), '') AS x
    FROM pg_class c WHERE c.relnamespace IN (SELECT oid FROM ns)
  UNION ALL
  SELECT 'k ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
    FROM pg_constraint WHERE connamespace IN (SELECT oid FROM ns)
  UNION ALL
  SELECT 'f ' || p.oid::regprocedure::text || ' ' || md5(coalesce(p.prosrc, ''))
    FROM pg_proc p WHERE p.pronamespace IN (SELECT oid FROM ns)
  UNION ALL
  SELECT 't ' || t.oid::regtype::text || ' ' ||
         coalesce((SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid), '')
    FROM pg_type t WHERE t.typnamespace IN (SELECT oid FROM ns) AND t.typtype IN ('e', 'd', 'c')
  UNION ALL
  SELECT 'lo ' || count(*)::text FROM pg_largeobject_metadata
) s`;

/** A digest of the schema lines; the lines themselves are kept in switchyard.ddl_baseline to name what changed. */
const FINGERPRINT_SQL = `SELECT md5(coalesce(string_agg(line, E'\\n' ORDER BY line), '')) AS fingerprint FROM (${SCHEMA_LINES_SQL}) l`;

export interface InstallResult {
  fingerprint: string;
  triggers: string[];
}

export interface ReleaseResult {
  /** false when the guard belongs to another execution (left in place) */
  released: boolean;
  detail: string;
  observation: GuardObservation | null;
}

export interface DdlGuardGateway {
  install(target: MigrationTarget, executionId: string, plan: GuardPlan): Promise<InstallResult>;
  /** What the guard saw for this execution (the lag loop and approval can read it; issue 14 builds on it). */
  observe(target: MigrationTarget, executionId: string): Promise<GuardObservation | null>;
  release(target: MigrationTarget, executionId: string): Promise<ReleaseResult>;
}

/** Our trigger names that call a function outside schema switchyard are not ours: never touched. */
const ownTriggers = async (client: pg.Client): Promise<string[]> => {
  const res = await client.query(
    `SELECT e.evtname, n.nspname FROM pg_event_trigger e
       JOIN pg_proc p ON p.oid = e.evtfoid JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE e.evtname = ANY($1)`,
    [TRIGGERS],
  );
  const foreign = res.rows.filter((r) => r.nspname !== 'switchyard').map((r) => r.evtname);
  if (foreign.length > 0)
    throw new Error(
      `event trigger(s) ${foreign.join(', ')} exist but are not Switchyard's; rename them or drop them by hand`,
    );
  return res.rows.map((r) => r.evtname as string);
};

const observeWith = async (client: pg.Client, executionId: string): Promise<GuardObservation | null> => {
  const guard = await client.query(
    `SELECT fingerprint FROM switchyard.ddl_guard WHERE id = 1 AND execution_id = $1`,
    [executionId],
  );
  if (guard.rows.length === 0) return null;
  const [count, rows, now] = [
    // Since the guard was (re)installed: a rebuilt green (green.recreateOnDegraded) re-arms it.
    await client.query(
      `SELECT count(*)::int AS n FROM switchyard.ddl_log
        WHERE execution_id = $1 AND logged_at >= (SELECT installed_at FROM switchyard.ddl_guard WHERE id = 1)`,
      [executionId],
    ),
    await client.query(
      `SELECT logged_at, command_tag, objects, username, statement FROM switchyard.ddl_log
        WHERE execution_id = $1 AND logged_at >= (SELECT installed_at FROM switchyard.ddl_guard WHERE id = 1)
        ORDER BY logged_at DESC LIMIT 20`,
      [executionId],
    ),
    await client.query(FINGERPRINT_SQL),
  ];
  const changes = (await hasBaseline(client))
    ? (
        await client.query(
          `WITH now_lines AS (${SCHEMA_LINES_SQL}), base AS (SELECT line FROM switchyard.ddl_baseline)
           (SELECT '+ ' || line AS change FROM now_lines EXCEPT SELECT '+ ' || line FROM base)
           UNION ALL
           (SELECT '- ' || line FROM base EXCEPT SELECT '- ' || line FROM now_lines)
           ORDER BY 1 LIMIT 20`,
        )
      ).rows.map((r) => String(r.change).slice(0, 300))
    : [];
  const entries: DdlLogEntry[] = rows.rows.map((r) => ({
    at: new Date(r.logged_at).toISOString(),
    commandTag: r.command_tag,
    objects: r.objects,
    user: r.username,
    statement: String(r.statement ?? '').slice(0, 200),
  }));
  return {
    logged: count.rows[0].n,
    entries,
    schemaChanged: now.rows[0].fingerprint !== guard.rows[0].fingerprint,
    changes,
  };
};

const hasBaseline = async (client: pg.Client): Promise<boolean> =>
  (await client.query(`SELECT to_regclass('switchyard.ddl_baseline') IS NOT NULL AS present`)).rows[0]
    .present;

const hasGuardTables = async (client: pg.Client): Promise<boolean> =>
  (await client.query(`SELECT to_regclass('switchyard.ddl_guard') IS NOT NULL AS present`)).rows[0].present;

export const makeDdlGuardGateway = (
  readParameter: ParameterReader,
  connect: (
    endpoint: PgEndpoint,
    options: { applicationName: string },
  ) => Promise<pg.Client> = connectPostgres,
): DdlGuardGateway => {
  const withClient = async <T>(target: MigrationTarget, work: (c: pg.Client) => Promise<T>): Promise<T> => {
    const password = await readParameter(target.passwordParameter);
    const client = await connect(
      { host: target.host, port: target.port, database: target.name, user: target.user, password },
      { applicationName: 'switchyard-ddl-guard' },
    );
    client.on('error', () => undefined);
    try {
      // regclass/regtype print schema-qualified only outside the search path: public.orders, not orders.
      await client.query('SET search_path = pg_catalog, pg_temp');
      return await work(client);
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  return {
    install: (target, executionId, plan) =>
      withClient(target, async (client) => {
        await client.query('BEGIN');
        try {
          // Drop our triggers first: a retry would otherwise log (or refuse) its own CREATE OR REPLACE.
          for (const name of await ownTriggers(client)) await client.query(`DROP EVENT TRIGGER ${name}`);
          await client.query(SCHEMA_DDL);
          const triggers: string[] = [];
          if (plan.mode === 'event-trigger') {
            await client.query(FUNCTIONS_DDL);
            await client.query(
              `CREATE EVENT TRIGGER switchyard_ddl_log ON ddl_command_end EXECUTE FUNCTION switchyard.log_ddl()`,
            );
            triggers.push('switchyard_ddl_log');
            if (plan.freeze) {
              await client.query(
                `CREATE EVENT TRIGGER switchyard_ddl_freeze ON ddl_command_start EXECUTE FUNCTION switchyard.freeze_ddl()`,
              );
              triggers.push('switchyard_ddl_freeze');
            }
          }
          // Taken last, so the guard's own objects are part of the baseline.
          await client.query('DELETE FROM switchyard.ddl_baseline');
          await client.query(
            `INSERT INTO switchyard.ddl_baseline (line) SELECT line FROM (${SCHEMA_LINES_SQL}) l`,
          );
          const fingerprint = (await client.query(FINGERPRINT_SQL)).rows[0].fingerprint as string;
          await client.query(
            `INSERT INTO switchyard.ddl_guard (id, execution_id, mode, refuse_ddl, fingerprint)
             VALUES (1, $1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET execution_id = $1, mode = $2, refuse_ddl = $3, fingerprint = $4,
               installed_at = clock_timestamp(), released_at = NULL`,
            [executionId, plan.mode, plan.freeze, fingerprint],
          );
          await client.query('COMMIT');
          return { fingerprint, triggers };
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
      }),
    observe: (target, executionId) =>
      withClient(target, async (client) =>
        (await hasGuardTables(client)) ? observeWith(client, executionId) : null,
      ),
    release: (target, executionId) =>
      withClient(target, async (client) => {
        // Old blue is read-only after the switch (default_transaction_read_only); this session may write.
        await client.query('SET default_transaction_read_only = off');
        if (!(await hasGuardTables(client)))
          return { released: true, detail: 'no guard installed', observation: null };
        await client.query('BEGIN');
        try {
          const owner = await client.query(
            `SELECT execution_id FROM switchyard.ddl_guard WHERE id = 1 FOR UPDATE`,
          );
          const installedBy = owner.rows[0]?.execution_id as string | undefined;
          if (installedBy && installedBy !== executionId) {
            await client.query('ROLLBACK');
            return {
              released: false,
              detail: `the guard belongs to execution ${installedBy}; left in place`,
              observation: null,
            };
          }
          const observation = await observeWith(client, executionId);
          const dropped = await ownTriggers(client);
          for (const name of dropped) await client.query(`DROP EVENT TRIGGER ${name}`);
          await client.query('DROP FUNCTION IF EXISTS switchyard.log_ddl(), switchyard.freeze_ddl()');
          await client.query(`UPDATE switchyard.ddl_guard SET released_at = clock_timestamp() WHERE id = 1`);
          await client.query('COMMIT');
          const what = dropped.length ? `event triggers ${dropped.join(', ')}` : 'no event trigger';
          return { released: true, detail: `removed ${what}; guard marked released`, observation };
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
      }),
  };
};
