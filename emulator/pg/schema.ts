/**
 * Rebuilds a database's schema as DDL from pg_catalog, because the npm binaries ship no pg_dump
 * (PostgreSQL manual, logical replication restrictions: DDL is not replicated). Covers schemas, extensions, enums, domains,
 * sequences, functions, tables (identity, serial, generated, defaults, partitions, unlogged), constraints,
 * indexes, replica identity, views, materialized views and triggers. Data is left to logical replication.
 */
import { ident, literal } from '../util.ts';
import type { PgServer } from './server.ts';

const USER_NS = `n.nspname NOT IN ('pg_catalog','information_schema','pg_toast') AND n.nspname NOT LIKE 'pg_temp_%' AND n.nspname NOT LIKE 'pg_toast_temp_%'`;
/** Objects that belong to an extension are created by CREATE EXTENSION. */
const notExt = (classTable: string, oidExpr: string): string =>
  `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '${classTable}'::regclass AND d.objid = ${oidExpr} AND d.deptype = 'e')`;

type Row = Record<string, unknown>;
const s = (v: unknown): string => String(v ?? '');
const q = (schema: unknown, name: unknown): string => `${ident(s(schema))}.${ident(s(name))}`;

/**
 * When a statement can run on a logical-replication subscriber (emulator/pg/logical.ts):
 * - `pre`: before the subscription (objects the COPY needs, and nothing that makes it slower: no index);
 * - `identity`: the replica identity (primary key or REPLICA IDENTITY USING INDEX) of `table`, built as
 *   soon as that table's COPY is done, because applying an UPDATE/DELETE on the subscriber needs it;
 * - `post`: once every table is ready: other unique/exclusion constraints, indexes, foreign keys, views.
 */
export type SchemaPhase = 'pre' | 'identity' | 'post';
export interface SchemaStatement {
  sql: string;
  phase: SchemaPhase;
  /** The (quoted, schema-qualified) table an `identity` statement belongs to. */
  table?: string;
}

/** The schema as DDL in dependency order (the fingerprint of blue's schema is made of these). */
export const generateSchema = async (server: PgServer, db: string): Promise<string[]> =>
  (await generateSchemaPhased(server, db)).map((x) => x.sql);

export const generateSchemaPhased = async (server: PgServer, db: string): Promise<SchemaStatement[]> => {
  const run = <R extends Row>(sql: string) => server.query<R>(sql, [], db);
  const stmts: SchemaStatement[] = [];
  const out = {
    push: (sql: string, phase: SchemaPhase = 'pre', table?: string) =>
      stmts.push(table ? { sql, phase, table } : { sql, phase }),
  };

  for (const r of await run(
    `SELECT nspname FROM pg_namespace n WHERE ${USER_NS} AND nspname <> 'public' AND ${notExt('pg_namespace', 'n.oid')} ORDER BY oid`,
  ))
    out.push(`CREATE SCHEMA IF NOT EXISTS ${ident(s(r.nspname))}`);

  for (const r of await run(
    `SELECT e.extname, n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql' ORDER BY e.oid`,
  ))
    out.push(`CREATE EXTENSION IF NOT EXISTS ${ident(s(r.extname))} WITH SCHEMA ${ident(s(r.nspname))}`);

  for (const r of await run(
    `SELECT n.nspname, t.typname, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid
      WHERE ${USER_NS} AND ${notExt('pg_type', 't.oid')} GROUP BY n.nspname, t.typname, t.oid ORDER BY t.oid`,
  ))
    out.push(
      `CREATE TYPE ${q(r.nspname, r.typname)} AS ENUM (${(r.labels as string[]).map(literal).join(', ')})`,
    );

  for (const r of await run(
    `SELECT n.nspname, t.typname, format_type(t.typbasetype, t.typtypmod) AS base, t.typnotnull, t.typdefault,
            (SELECT string_agg(' CONSTRAINT ' || quote_ident(c.conname) || ' ' || pg_get_constraintdef(c.oid), '' ORDER BY c.oid) FROM pg_constraint c WHERE c.contypid = t.oid AND c.contype = 'c') AS checks
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE t.typtype = 'd' AND ${USER_NS} AND ${notExt('pg_type', 't.oid')} ORDER BY t.oid`,
  ))
    out.push(
      `CREATE DOMAIN ${q(r.nspname, r.typname)} AS ${s(r.base)}${r.typdefault ? ` DEFAULT ${s(r.typdefault)}` : ''}${r.typnotnull ? ' NOT NULL' : ''}${s(r.checks)}`,
    );

  // Sequences that are not identity sequences (identity ones come with their column).
  const seqs = await run(
    `SELECT n.nspname, c.relname, format_type(sq.seqtypid, NULL) AS typ, sq.seqincrement, sq.seqmin, sq.seqmax, sq.seqstart, sq.seqcache, sq.seqcycle,
            (SELECT quote_ident(tn.nspname) || '.' || quote_ident(tc.relname) || '.' || quote_ident(a.attname)
               FROM pg_depend d JOIN pg_class tc ON tc.oid = d.refobjid JOIN pg_namespace tn ON tn.oid = tc.relnamespace
               JOIN pg_attribute a ON a.attrelid = tc.oid AND a.attnum = d.refobjsubid
              WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'a' LIMIT 1) AS owned_by
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_sequence sq ON sq.seqrelid = c.oid
      WHERE c.relkind = 'S' AND ${USER_NS} AND ${notExt('pg_class', 'c.oid')}
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'i')
      ORDER BY c.oid`,
  );
  for (const r of seqs)
    out.push(
      `CREATE SEQUENCE ${q(r.nspname, r.relname)} AS ${s(r.typ)} INCREMENT ${s(r.seqincrement)} MINVALUE ${s(r.seqmin)} MAXVALUE ${s(r.seqmax)} START ${s(r.seqstart)} CACHE ${s(r.seqcache)}${r.seqcycle ? ' CYCLE' : ''}`,
    );

  // Functions before tables (a default or CHECK may call one), except those whose signature names a
  // table's row type (`RETURNS SETOF customer`): they need the table, and follow it as in pg_dump's order.
  const functions = await run(
    `SELECT pg_get_functiondef(p.oid) AS def,
            EXISTS (SELECT 1 FROM pg_type t JOIN pg_class c ON c.oid = t.typrelid
                     WHERE c.relkind IN ('r','p')
                       AND (t.oid = p.prorettype OR t.oid = ANY(p.proargtypes::oid[]) OR t.oid = ANY(coalesce(p.proallargtypes, '{}')))) AS rowtype
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE ${USER_NS} AND p.prokind IN ('f','p') AND ${notExt('pg_proc', 'p.oid')} ORDER BY p.oid`,
  );
  for (const r of functions) if (!r.rowtype) out.push(s(r.def));
  // Ordinary aggregates (pg_dump's CREATE AGGREGATE, reduced to the state, final and combine functions).
  for (const r of await run(
    `SELECT format('CREATE AGGREGATE %I.%I(%s) (SFUNC = %s, STYPE = %s%s%s%s)', n.nspname, p.proname,
                   pg_get_function_identity_arguments(p.oid), a.aggtransfn::regprocedure::regproc, format_type(a.aggtranstype, NULL),
                   CASE WHEN a.aggfinalfn <> 0 THEN ', FINALFUNC = ' || a.aggfinalfn::regproc::text ELSE '' END,
                   CASE WHEN a.aggcombinefn <> 0 THEN ', COMBINEFUNC = ' || a.aggcombinefn::regproc::text ELSE '' END,
                   CASE WHEN a.agginitval IS NOT NULL THEN ', INITCOND = ' || quote_literal(a.agginitval) ELSE '' END) AS def
       FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE ${USER_NS} AND a.aggkind = 'n' AND ${notExt('pg_proc', 'p.oid')} ORDER BY p.oid`,
  ))
    out.push(s(r.def));

  // Tables: plain and partitioned, parents before partitions (oid order, then partition bounds).
  const tables = await run(
    `SELECT c.oid, n.nspname, c.relname, c.relkind, c.relpersistence, c.relispartition, c.relreplident,
            CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partkey,
            CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS bound,
            (SELECT quote_ident(pn.nspname) || '.' || quote_ident(pc.relname) FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE i.inhrelid = c.oid LIMIT 1) AS parent
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r','p') AND ${USER_NS} AND ${notExt('pg_class', 'c.oid')}
      ORDER BY c.relispartition, c.oid`,
  );
  for (const t of tables) {
    const name = q(t.nspname, t.relname);
    if (t.relispartition) {
      out.push(
        `CREATE TABLE ${name} PARTITION OF ${s(t.parent)} ${s(t.bound)}${t.partkey ? ` PARTITION BY ${s(t.partkey)}` : ''}`,
      );
      continue;
    }
    const cols = await run<Row>(
      `SELECT a.attname, format_type(a.atttypid, a.atttypmod) AS typ, a.attnotnull, a.attidentity, a.attgenerated,
              pg_get_expr(d.adbin, d.adrelid) AS def,
              CASE WHEN a.attcollation <> t.typcollation AND a.attcollation <> 0 THEN (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname) FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation) END AS coll
         FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = ${Number(t.oid)} AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    );
    const colDefs = cols.map((c) => {
      let d = `${ident(s(c.attname))} ${s(c.typ)}`;
      if (c.coll) d += ` COLLATE ${s(c.coll)}`;
      if (c.attidentity === 'a') d += ' GENERATED ALWAYS AS IDENTITY';
      else if (c.attidentity === 'd') d += ' GENERATED BY DEFAULT AS IDENTITY';
      else if (c.attgenerated === 's') d += ` GENERATED ALWAYS AS (${s(c.def)}) STORED`;
      else if (c.attgenerated === 'v') d += ` GENERATED ALWAYS AS (${s(c.def)}) VIRTUAL`;
      else if (c.def !== null && c.def !== undefined) d += ` DEFAULT ${s(c.def)}`;
      if (c.attnotnull) d += ' NOT NULL';
      return d;
    });
    out.push(
      `CREATE ${t.relpersistence === 'u' ? 'UNLOGGED ' : ''}TABLE ${name} (${colDefs.join(', ')})${t.partkey ? ` PARTITION BY ${s(t.partkey)}` : ''}`,
    );
  }

  for (const r of functions) if (r.rowtype) out.push(s(r.def));

  const tableOids = tables.map((t) => Number(t.oid));
  const inTables = tableOids.length ? `(${tableOids.join(',')})` : '(0)';
  // Primary keys, unique, check and exclusion constraints declared on the table itself. Check
  // constraints need no index and stay with the tables; the others wait for the data (see SchemaPhase).
  for (const r of await run(
    `SELECT n.nspname, c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid) AS def,
            COALESCE((SELECT i.indisreplident FROM pg_index i WHERE i.indexrelid = k.conindid), false) AS replident
       FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE k.conrelid IN ${inTables} AND k.contype IN ('p','u','c','x') AND k.conislocal AND k.conparentid = 0 ORDER BY k.contype = 'c', k.oid`,
  )) {
    const table = q(r.nspname, r.relname);
    const phase: SchemaPhase =
      r.contype === 'c' ? 'pre' : r.contype === 'p' || r.replident ? 'identity' : 'post';
    out.push(`ALTER TABLE ${table} ADD CONSTRAINT ${ident(s(r.conname))} ${s(r.def)}`, phase, table);
  }

  for (const r of await run(
    `SELECT pg_get_indexdef(i.indexrelid) AS def, i.indisreplident, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS tbl
       FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE i.indrelid IN ${inTables} AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.contype IN ('p','u','x'))
        AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid) ORDER BY i.indexrelid`,
  ))
    out.push(s(r.def), r.indisreplident ? 'identity' : 'post', s(r.tbl));

  for (const t of tables) {
    const name = q(t.nspname, t.relname);
    if (t.relreplident === 'f') out.push(`ALTER TABLE ${name} REPLICA IDENTITY FULL`);
    if (t.relreplident === 'i') {
      const [ix] = await run(
        `SELECT quote_ident(c.relname) AS idx FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = ${Number(t.oid)} AND i.indisreplident`,
      );
      if (ix) out.push(`ALTER TABLE ${name} REPLICA IDENTITY USING INDEX ${s(ix.idx)}`, 'identity', name);
    }
  }

  for (const r of seqs)
    if (r.owned_by) out.push(`ALTER SEQUENCE ${q(r.nspname, r.relname)} OWNED BY ${s(r.owned_by)}`);

  for (const r of await run(
    `SELECT n.nspname, c.relname, k.conname, pg_get_constraintdef(k.oid) AS def FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE k.conrelid IN ${inTables} AND k.contype = 'f' AND k.conislocal AND k.conparentid = 0 ORDER BY k.oid`,
  ))
    out.push(
      `ALTER TABLE ${q(r.nspname, r.relname)} ADD CONSTRAINT ${ident(s(r.conname))} ${s(r.def)}`,
      'post',
    );

  for (const r of await run(
    `SELECT n.nspname, c.relname, c.relkind, pg_get_viewdef(c.oid) AS def FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('v','m') AND ${USER_NS} AND ${notExt('pg_class', 'c.oid')} ORDER BY c.oid`,
  )) {
    const def = s(r.def).trim().replace(/;$/, '');
    // After the constraints: a view may rely on a primary key (GROUP BY functional dependency).
    out.push(
      r.relkind === 'm'
        ? `CREATE MATERIALIZED VIEW ${q(r.nspname, r.relname)} AS ${def} WITH NO DATA`
        : `CREATE VIEW ${q(r.nspname, r.relname)} AS ${def}`,
      'post',
    );
  }

  for (const r of await run(
    `SELECT pg_get_triggerdef(t.oid) AS def FROM pg_trigger t WHERE t.tgrelid IN ${inTables} AND NOT t.tgisinternal AND t.tgparentid = 0 ORDER BY t.oid`,
  ))
    out.push(s(r.def));

  return stmts;
};

/** Roles other than the bootstrap superuser, with their password verifiers (SCRAM hashes copy as-is). */
export const generateRoles = async (server: PgServer): Promise<string[]> => {
  const rows = await server.query<Row>(
    `SELECT rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication, rolbypassrls, rolpassword
       FROM pg_authid WHERE rolname !~ '^pg_' AND oid <> 10 ORDER BY oid`,
  );
  return rows.map((r) => {
    const attrs = [
      r.rolsuper ? 'SUPERUSER' : 'NOSUPERUSER',
      r.rolinherit ? 'INHERIT' : 'NOINHERIT',
      r.rolcreaterole ? 'CREATEROLE' : 'NOCREATEROLE',
      r.rolcreatedb ? 'CREATEDB' : 'NOCREATEDB',
      r.rolcanlogin ? 'LOGIN' : 'NOLOGIN',
      r.rolreplication ? 'REPLICATION' : 'NOREPLICATION',
      r.rolbypassrls ? 'BYPASSRLS' : 'NOBYPASSRLS',
    ];
    if (r.rolpassword) attrs.push(`PASSWORD ${literal(s(r.rolpassword))}`);
    return `CREATE ROLE ${ident(s(r.rolname))} ${attrs.join(' ')}`;
  });
};
