/** The Switchyard gate rules (docs/gate.md, Rules) as data: classes, engines, phase policy, why, recipe. */
import type { Rule, RuleId } from './types.ts';

const BOTH = ['postgres', 'mysql'] as const;

export const RULES: readonly Rule[] = [
  {
    id: 'G-DROP-TABLE',
    title: 'Drop of a table, view, schema, database or other object the application uses',
    classes: ['BC-OLD', 'DESTR'],
    engines: [...BOTH],
    policy: { expand: 'error', contract: 'warning' },
    why: 'The old application still queries the object, so it fails as soon as the object is gone, and the data cannot be brought back by an application rollback.',
    recipe:
      'Expand: ship an application release that no longer uses the object. Contract (a later release, after the rollback window): drop it, after a pre-check that it is unused or empty (e.g. assert NOT EXISTS (SELECT 1 FROM t)).',
  },
  {
    id: 'G-DROP-COLUMN',
    title: 'Drop of a column',
    classes: ['BC-OLD', 'DESTR'],
    engines: [...BOTH],
    policy: { expand: 'error', contract: 'warning' },
    why: 'The old application (ORMs select explicit column lists or cache the columns) errors as soon as the column is gone, and the data is lost for good.',
    recipe:
      'Expand: ship an application release that ignores the column (e.g. Rails ignored_columns) and stops writing it. Contract (a later release, after the rollback window): drop the column, with a pre-check such as NOT EXISTS (SELECT 1 FROM t WHERE c IS NOT NULL) if the data must be gone.',
  },
  {
    id: 'G-RENAME-COLUMN',
    title: 'Rename of a column',
    classes: ['BC-OLD', 'BC-NEW', 'REPL'],
    engines: [...BOTH],
    policy: { expand: 'error', contract: 'approval' },
    why: 'The old application uses the old name and the new application the new one, so no single schema serves both; renames also break Blue/Green replication.',
    recipe:
      'Expand: add the new column, write both (dual write or a sync trigger), backfill in batches, move reads to the new column. Contract (a later release): drop the old column. Or serve the old name through a view.',
  },
  {
    id: 'G-RENAME-TABLE',
    title: 'Rename of a table or view',
    classes: ['BC-OLD', 'BC-NEW', 'REPL'],
    engines: [...BOTH],
    policy: { expand: 'error', contract: 'approval' },
    why: 'The application version that still uses the old name fails; renames also break Blue/Green replication.',
    recipe:
      'Expand: rename and, in the same migration, create a view with the old name (CREATE VIEW old AS SELECT * FROM new) so both versions work; drop the view in a contract release. Or create the new table, sync it, and drop the old one in contract.',
  },
  {
    id: 'G-RENAME-OTHER',
    title: 'Rename of a schema or an enum value',
    classes: ['BC-OLD'],
    engines: ['postgres'],
    policy: { expand: 'error', contract: 'approval' },
    why: 'The old application still refers to the old schema name or writes the old enum value, and gets errors.',
    recipe:
      'Expand: add the new schema or enum value and migrate readers and writers to it. Contract: remove the old one.',
  },
  {
    id: 'G-TYPE-CHANGE',
    title: 'Column type change that is not binary compatible',
    classes: ['LOCK', 'BC-OLD', 'DATA', 'REPL'],
    engines: [...BOTH],
    policy: { expand: 'error', contract: 'approval' },
    why: 'The table is rewritten under an ACCESS EXCLUSIVE lock (MySQL: table copy, no concurrent DML), existing values may not convert, the old application may not handle the new type, and a type change breaks Blue/Green replication.',
    recipe:
      'Expand: add a new column with the new type, keep it in sync (trigger or dual write) and backfill it in batches; move the application to it. Contract: drop the old column. Binary-compatible changes (varchar widening, varchar to text, numeric precision increase; MySQL varchar growth within the same length-byte class) are allowed.',
  },
  {
    id: 'G-ADD-REQUIRED',
    title: 'New NOT NULL column without a default',
    classes: ['DATA', 'BC-OLD'],
    engines: [...BOTH],
    policy: { expand: 'error', contract: 'error' },
    why: 'PostgreSQL: fails on a table that has rows. MySQL: existing rows are silently filled with the zero value of the type. In both, the old application INSERTs without the column and fails.',
    recipe:
      'Expand: add the column nullable, or NOT NULL with a non-volatile database DEFAULT. Backfill in batches. Contract: tighten with SET NOT NULL once every writer sets the value.',
  },
  {
    id: 'G-ADD-DEFAULT-REWRITE',
    title: 'New column whose default rewrites the table',
    classes: ['LOCK', 'REPL'],
    engines: [...BOTH],
    policy: { expand: 'error', contract: 'error' },
    why: 'A volatile default (random(), gen_random_uuid(), clock_timestamp(), nextval), a serial or identity column, a STORED generated column or a MySQL expression default / AUTO_INCREMENT column rewrites every row while writes (PostgreSQL: reads too) are blocked; a volatile default also breaks logical replication.',
    recipe:
      'Add the column without a default (or with a constant default), then SET DEFAULT in a separate statement, and backfill existing rows in batches outside the DDL transaction.',
  },
  {
    id: 'G-SET-NOT-NULL',
    title: 'NOT NULL added to an existing column',
    classes: ['LOCK', 'DATA', 'BC-OLD'],
    engines: [...BOTH],
    policy: { expand: 'error', contract: 'warning' },
    why: 'The table is scanned under an ACCESS EXCLUSIVE lock (MySQL: rebuilt), it fails if any row is NULL, and the old application may still write NULL.',
    recipe:
      'Contract only, once every writer sets the value. PostgreSQL: ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT c (separate transaction); then SET NOT NULL (PG 12+ skips the scan) and drop the check.',
  },
  {
    id: 'G-DROP-NOT-NULL',
    title: 'NOT NULL removed from a column',
    classes: ['BC-OLD'],
    engines: [...BOTH],
    policy: { expand: 'warning', contract: 'warning' },
    why: 'The new application may write NULLs that readers in the old application do not expect. (MySQL: a MODIFY that omits NOT NULL silently makes the column nullable.)',
    recipe:
      'Allowed in expand only if the old code tolerates NULL in this column; otherwise ship the reader change first.',
  },
  {
    id: 'G-ADD-FK',
    title: 'Foreign key added with validation',
    classes: ['LOCK', 'DATA', 'BC-OLD'],
    engines: [...BOTH],
    policy: { expand: 'error', contract: 'error' },
    why: 'Validating the key scans the table while SHARE ROW EXCLUSIVE locks block writes on both tables (MySQL: blocks writes); it fails on existing orphans, and the old application may write orphans that are now rejected.',
    recipe:
      'PostgreSQL: ADD CONSTRAINT … FOREIGN KEY … NOT VALID, then VALIDATE CONSTRAINT in a separate transaction (or a later release). MySQL: only with foreign_key_checks=0 when the data is known to be clean, preferably in contract.',
  },
  {
    id: 'G-ADD-CHECK',
    title: 'CHECK constraint added with validation',
    classes: ['LOCK', 'DATA', 'BC-OLD'],
    engines: [...BOTH],
    policy: { expand: 'error', contract: 'error' },
    why: 'Validation scans the table under a lock that blocks writes (PostgreSQL: reads too), fails on existing violating rows, and the old application may write rows that are now rejected.',
    recipe:
      'PostgreSQL: ADD CONSTRAINT … CHECK (…) NOT VALID, then VALIDATE CONSTRAINT in a separate transaction. MySQL: add it NOT ENFORCED, or in a contract release with a pre-check for violating rows.',
  },
  {
    id: 'G-ADD-UNIQUE',
    title: 'Unique constraint or unique index',
    classes: ['LOCK', 'DATA', 'BC-OLD'],
    engines: [...BOTH],
    policy: { expand: 'approval', contract: 'warning' },
    why: 'It fails on existing duplicates, and the old application may insert duplicates that are now rejected; ADD CONSTRAINT … UNIQUE builds the index under ACCESS EXCLUSIVE.',
    recipe:
      'PostgreSQL: CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT … UNIQUE USING INDEX. Treat it as contract unless the application already guarantees uniqueness; pre-check for duplicates (GROUP BY … HAVING count(*) > 1).',
  },
  {
    id: 'G-ADD-PK',
    title: 'Primary key added',
    classes: ['LOCK'],
    engines: [...BOTH],
    policy: { expand: 'error', contract: 'error' },
    why: 'PostgreSQL builds the index under ACCESS EXCLUSIVE and implicitly sets NOT NULL (a full scan); MySQL rebuilds the table.',
    recipe:
      'PostgreSQL: make the columns NOT NULL first (check-constraint recipe), CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT … PRIMARY KEY USING INDEX. MySQL: ALGORITHM=INPLACE, LOCK=NONE in a quiet window.',
  },
  {
    id: 'G-ADD-EXCLUSION',
    title: 'Exclusion constraint',
    classes: ['LOCK'],
    engines: ['postgres'],
    policy: { expand: 'approval', contract: 'approval' },
    why: 'An exclusion constraint is built under ACCESS EXCLUSIVE and there is no online form.',
    recipe:
      'Needs explicit approval and a maintenance window; consider enforcing the rule in the application instead.',
  },
  {
    id: 'G-INDEX-BLOCKING',
    title: 'Index built or dropped in a blocking way',
    classes: ['LOCK'],
    engines: [...BOTH],
    policy: { expand: 'error', contract: 'error' },
    why: 'PostgreSQL: CREATE INDEX without CONCURRENTLY blocks writes for the whole build, DROP INDEX without CONCURRENTLY blocks everything. MySQL: ALGORITHM=COPY or LOCK=SHARED/EXCLUSIVE blocks writes.',
    recipe:
      'PostgreSQL: CREATE INDEX CONCURRENTLY / DROP INDEX CONCURRENTLY, outside a transaction. MySQL: omit ALGORITHM/LOCK (online by default) or use ALGORITHM=INPLACE, LOCK=NONE.',
  },
  {
    id: 'G-CONCURRENT-IN-TX',
    title: 'CONCURRENTLY inside a transaction',
    classes: ['LOCK'],
    engines: ['postgres'],
    policy: { expand: 'error', contract: 'error' },
    why: 'PostgreSQL refuses CREATE/DROP INDEX CONCURRENTLY (and REINDEX CONCURRENTLY) inside a transaction block, so the migration fails at run time.',
    recipe: 'Put the concurrent statement in its own file that the runner executes outside a transaction.',
  },
  {
    id: 'G-MAINT-LOCK',
    title: 'Maintenance command that takes ACCESS EXCLUSIVE',
    classes: ['LOCK'],
    engines: ['postgres'],
    policy: { expand: 'error', contract: 'error' },
    why: 'REINDEX, VACUUM FULL, CLUSTER and DETACH PARTITION without their concurrent form lock the table for their whole run.',
    recipe:
      'Use REINDEX … CONCURRENTLY, DETACH PARTITION … CONCURRENTLY, pg_repack (or PG 19 REPACK CONCURRENTLY) instead of VACUUM FULL / CLUSTER.',
  },
  {
    id: 'G-TIMEOUTS',
    title: 'DDL without a lock or statement timeout',
    classes: ['LOCK'],
    engines: [...BOTH],
    policy: { expand: 'warning', contract: 'warning' },
    why: 'A DDL statement waiting for its lock queues every later query on the table behind it; without a timeout that queue can grow for minutes.',
    recipe:
      "Switchyard's ApplyMigrations (PostgreSQL) runs every migration in a session with lock_timeout (migrations.lockTimeoutSeconds, default 5 s) and statement_timeout (migrations.statementTimeoutSeconds, default 300 s) and retries lock timeouts migrations.lockRetries times (default 5). Set them in the file (SET lock_timeout …; SET statement_timeout …, or for MySQL, which the pipeline does not apply, SET SESSION lock_wait_timeout / max_execution_time) so they also hold wherever else it runs.",
  },
  {
    id: 'G-LONG-TX',
    title: 'Lock held across a long transaction',
    classes: ['LOCK'],
    engines: ['postgres'],
    policy: { expand: 'warning', contract: 'warning' },
    why: 'A lock taken by DDL is held until COMMIT, so every later statement in the same transaction (and above all a backfill) extends the time reads and writes are blocked.',
    recipe:
      'One DDL per transaction; run backfills in batches outside the DDL transaction (migrate step), throttled.',
  },
  {
    id: 'G-ENUM',
    title: 'Enum change other than an explicit append',
    classes: ['BC-OLD', 'LOCK', 'DATA'],
    engines: [...BOTH],
    policy: { expand: 'error', contract: 'warning' },
    why: 'PostgreSQL: ADD VALUE without BEFORE/AFTER leaves the sort position implicit, and ordering drives < comparisons. MySQL: removing, reordering or inserting enum/set values (or crossing a size class) copies the table and may fail on existing data.',
    recipe:
      'Expand: append new values at the end only (PostgreSQL: state the position with AFTER the last value). Contract: remove values once no row and no writer uses them.',
  },
  {
    id: 'G-JSON',
    title: 'New json column',
    classes: ['BC-OLD'],
    engines: ['postgres'],
    policy: { expand: 'error', contract: 'warning' },
    why: 'json has no equality operator, so existing SELECT DISTINCT / UNION / GROUP BY queries over the table start failing.',
    recipe: 'Use jsonb.',
  },
  {
    id: 'G-COLUMN-POSITION',
    title: 'Column added or moved with FIRST/AFTER',
    classes: ['REPL'],
    engines: ['mysql'],
    policy: { expand: 'warning', contract: 'warning' },
    why: 'Binlog replication to the Blue/Green green environment maps columns by position; a column that is not at the end breaks replication.',
    recipe: 'Add columns at the end of the table only (no FIRST/AFTER); column order is cosmetic.',
  },
  {
    id: 'G-FK-DROP',
    title: 'Foreign key (or other integrity constraint) dropped',
    classes: ['BC-OLD'],
    engines: [...BOTH],
    policy: { expand: 'warning', contract: 'warning' },
    why: 'The new application may now create orphans or values that the old application assumes impossible.',
    recipe:
      'Make sure the old application tolerates rows that violate the dropped constraint, or drop it in contract.',
  },
  {
    id: 'G-TRUNCATE',
    title: 'TRUNCATE',
    classes: ['DESTR'],
    engines: [...BOTH],
    policy: { expand: 'error', contract: 'warning' },
    why: 'TRUNCATE deletes every row (with CASCADE, every row of every table that references it) and cannot be undone by an application rollback.',
    recipe:
      'Never TRUNCATE … CASCADE in a migration. Delete data in a contract release, in batches, after a backup or final snapshot.',
  },
  {
    id: 'G-RAW-SQL',
    title: 'Unparseable or raw SQL',
    classes: ['HYG'],
    engines: [...BOTH],
    policy: { expand: 'approval', contract: 'approval' },
    why: 'The gate cannot see what the statement does (syntax the parser rejects, or a DO block / procedural code), so it cannot prove it is safe.',
    recipe:
      'Rewrite it as plain DDL the gate understands, or have a human review it and approve it explicitly (switchyard lint --approve-raw).',
  },
  {
    id: 'G-BG-BLUE-DDL',
    title: 'DDL on blue during a logical-replication Blue/Green window',
    classes: ['REPL'],
    engines: ['postgres'],
    policy: { expand: 'warning', contract: 'warning' },
    why: 'While a PostgreSQL logical-replication Blue/Green deployment exists, any DDL on blue puts replication in "Replication degraded", blocks switchover and forces delete-and-recreate.',
    recipe:
      "Let the pipeline apply it: ApplyMigrations runs the release's migrations on blue BEFORE CreateGreen, and the DDL guard then watches blue until the switchover completes (physical path: an event trigger logs DDL and, with guards.ddlFreeze, refuses it; logical path: a catalog fingerprint detects it, since RDS wants no event trigger during a major version upgrade). Do not run this migration by hand while a Blue/Green deployment exists.",
  },
  {
    id: 'G-BG-GREEN-DDL',
    title: 'DDL that breaks Blue/Green replication',
    classes: ['REPL'],
    engines: [...BOTH],
    policy: { expand: 'error', contract: 'error' },
    why: 'Replication to green is not replication-compatible with this change: logical replication breaks on rename, type change, dropped column or volatile default; binlog replication breaks on column position, rename or type change.',
    recipe:
      'Only additive, replication-compatible DDL (new nullable columns at the end, new tables, concurrent indexes) during a Blue/Green window; run everything else as expand/contract outside the window (after switchover).',
  },
];

const BY_ID = new Map<RuleId, Rule>(RULES.map((rule) => [rule.id, rule]));

/** Returns the rule with this id; the id set is closed, so a miss is a programming error. */
export const getRule = (id: RuleId): Rule => {
  const rule = BY_ID.get(id);
  if (!rule) throw new Error(`unknown gate rule ${id}`);
  return rule;
};
