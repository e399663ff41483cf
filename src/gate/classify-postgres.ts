/** The Switchyard rules on the PostgreSQL AST: one small classifier per statement kind, plus transaction and timeout tracking. */
import type { AlterTableCmd, ColumnDef, Constraint, Node, PartitionCmd } from 'libpg-query';
import {
  names,
  nodeTag,
  type PgType,
  readType,
  relationName,
  showType,
  volatileCall,
} from './read-pg-ast.ts';
import { columnKey, type SchemaModel } from './schema-model.ts';
import type { PgStatement } from './split-postgres.ts';
import type { Hit } from './types.ts';

/** What the classifiers know about the run so far. */
export type PgContext = {
  schema: SchemaModel;
  inTransaction: boolean;
  /** A DDL statement ran in the current explicit transaction. */
  transactionDdl: boolean;
  /** An ACCESS EXCLUSIVE lock is held by the current explicit transaction. */
  exclusiveHeld: boolean;
  longTxReported: boolean;
  /** Constraints added NOT VALID in the current transaction. */
  notValidInTransaction: Set<string>;
  lockTimeout: boolean;
  statementTimeout: boolean;
  timeoutReported: boolean;
};

/** A fresh context for the start of a file; the schema model carries over between files of one run. */
export const startFile = (schema: SchemaModel): PgContext => ({
  schema,
  inTransaction: false,
  transactionDdl: false,
  exclusiveHeld: false,
  longTxReported: false,
  notValidInTransaction: new Set(),
  lockTimeout: false,
  statementTimeout: false,
  timeoutReported: false,
});

type Classifier = (node: Node, ctx: PgContext) => Hit[];

const NON_DDL = new Set([
  'SelectStmt',
  'InsertStmt',
  'UpdateStmt',
  'DeleteStmt',
  'MergeStmt',
  'VariableSetStmt',
  'VariableShowStmt',
  'TransactionStmt',
  'ExplainStmt',
  'CopyStmt',
  'LockStmt',
  'CallStmt',
]);

const DML = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

// Statements that wait for a table lock, so a missing lock_timeout lets them queue traffic behind them.
const LOCKING = new Set([
  'AlterTableStmt',
  'RenameStmt',
  'DropStmt',
  'TruncateStmt',
  'IndexStmt',
  'AlterEnumStmt',
  'AlterDomainStmt',
  'ClusterStmt',
  'VacuumStmt',
  'ReindexStmt',
  'CreateTrigStmt',
  'RuleStmt',
]);

const EXCLUSIVE = new Set([
  'AlterTableStmt',
  'RenameStmt',
  'DropStmt',
  'TruncateStmt',
  'ClusterStmt',
  'VacuumStmt',
]);

/** True for schema-changing statements (everything except queries, SET and transaction control). */
export const isPgDdl = (node: Node): boolean => !NON_DDL.has(nodeTag(node));

const hit = (rule: Hit['rule'], detail: string, extra: Omit<Hit, 'rule' | 'detail'> = {}): Hit => ({
  rule,
  detail,
  ...extra,
});

// ---------- ALTER TABLE ----------

const SERIAL = new Set(['serial', 'bigserial', 'smallserial', 'serial2', 'serial4', 'serial8']);

const constraintsOf = (def: ColumnDef): Constraint[] =>
  (def.constraints ?? []).flatMap((c) => ('Constraint' in c ? [c.Constraint] : []));

const addColumn = (table: string, def: ColumnDef): Hit[] => {
  const column = def.colname ?? '?';
  const type = readType(def.typeName);
  const constraints = constraintsOf(def);
  const has = (contype: Constraint['contype']): Constraint | undefined =>
    constraints.find((c) => c.contype === contype);
  const fallback = has('CONSTR_DEFAULT');
  const identity = has('CONSTR_IDENTITY');
  const generated = has('CONSTR_GENERATED');
  const hits: Hit[] = [];
  const where = `${table}.${column}`;
  if (SERIAL.has(type.name)) {
    hits.push(
      hit('G-ADD-DEFAULT-REWRITE', `adds ${type.name} column ${where} (nextval default rewrites the table)`, {
        volatileDefault: true,
      }),
    );
  } else if (identity) {
    hits.push(
      hit(
        'G-ADD-DEFAULT-REWRITE',
        `adds identity column ${where} (every row gets a sequence value: rewrite)`,
      ),
    );
  } else if (generated && generated.generated_kind === 's') {
    hits.push(
      hit(
        'G-ADD-DEFAULT-REWRITE',
        `adds GENERATED … STORED column ${where} (computed for every row: rewrite)`,
      ),
    );
  } else if (fallback) {
    const call = volatileCall(fallback.raw_expr);
    if (call) {
      hits.push(
        hit(
          'G-ADD-DEFAULT-REWRITE',
          `adds ${where} with default ${call}(), which is volatile or not known to be stable`,
          {
            volatileDefault: true,
          },
        ),
      );
    }
  }
  if (has('CONSTR_NOTNULL') && !fallback && !identity && !generated && !SERIAL.has(type.name)) {
    hits.push(hit('G-ADD-REQUIRED', `adds ${where} NOT NULL without a default`));
  }
  if (type.name === 'json') hits.push(hit('G-JSON', `adds json column ${where}`));
  const fk = has('CONSTR_FOREIGN');
  if (fk) hits.push(...addForeignKey(table, fk));
  if (has('CONSTR_UNIQUE')) {
    hits.push(
      hit('G-ADD-UNIQUE', `adds ${where} UNIQUE: the unique index is built under ACCESS EXCLUSIVE`, {
        policy: { expand: 'error', contract: 'error' },
      }),
    );
  }
  if (has('CONSTR_PRIMARY')) hits.push(hit('G-ADD-PK', `adds ${where} as PRIMARY KEY`));
  const check = has('CONSTR_CHECK');
  if (check) hits.push(...addCheck(table, check));
  return hits;
};

const addForeignKey = (table: string, c: Constraint): Hit[] => {
  const target = relationName(c.pktable);
  if (c.skip_validation) {
    return [
      hit(
        'G-ADD-FK',
        `adds foreign key ${c.conname ?? ''} ${table} → ${target} NOT VALID: no scan, but new writes are checked, so the old application may write orphans that are now rejected; VALIDATE it in a separate transaction`,
        { policy: { expand: 'warning', contract: 'allow' } },
      ),
    ];
  }
  return [hit('G-ADD-FK', `adds foreign key ${c.conname ?? ''} ${table} → ${target} with validation`)];
};

const addCheck = (table: string, c: Constraint): Hit[] => {
  if (c.is_enforced === false) return [];
  if (c.skip_validation) {
    return [
      hit(
        'G-ADD-CHECK',
        `adds CHECK ${c.conname ?? ''} on ${table} NOT VALID: new writes are checked, so the old application may write rows that are now rejected`,
        {
          policy: { expand: 'warning', contract: 'allow' },
        },
      ),
    ];
  }
  return [
    hit('G-ADD-CHECK', `adds CHECK ${c.conname ?? ''} on ${table} with validation (full scan under lock)`),
  ];
};

const addConstraint = (table: string, c: Constraint, ctx: PgContext): Hit[] => {
  switch (c.contype) {
    case 'CONSTR_FOREIGN':
      return addForeignKey(table, c);
    case 'CONSTR_CHECK':
      return addCheck(table, c);
    case 'CONSTR_UNIQUE':
      if (c.indexname) return [];
      return [
        hit(
          'G-ADD-UNIQUE',
          `adds UNIQUE constraint ${c.conname ?? ''} on ${table}: builds the index under ACCESS EXCLUSIVE`,
          {
            policy: { expand: 'error', contract: 'error' },
          },
        ),
      ];
    case 'CONSTR_PRIMARY':
      if (c.indexname) {
        return [
          hit(
            'G-ADD-PK',
            `adds PRIMARY KEY on ${table} USING INDEX ${c.indexname}: fast only if the columns are already NOT NULL`,
            {
              policy: { expand: 'warning', contract: 'warning' },
            },
          ),
        ];
      }
      return [
        hit(
          'G-ADD-PK',
          `adds PRIMARY KEY on ${table} (index built under ACCESS EXCLUSIVE, implicit SET NOT NULL)`,
        ),
      ];
    case 'CONSTR_EXCLUSION':
      return [hit('G-ADD-EXCLUSION', `adds exclusion constraint ${c.conname ?? ''} on ${table}`)];
    case 'CONSTR_NOTNULL':
      return setNotNull(table, names(c.keys)[0] ?? '?', ctx);
    default:
      return [];
  }
};

const setNotNull = (table: string, column: string, ctx: PgContext): Hit[] =>
  ctx.schema.notNullChecks.has(columnKey(table, column))
    ? []
    : [hit('G-SET-NOT-NULL', `sets NOT NULL on existing column ${table}.${column}`)];

// Types whose change can be binary compatible (widening), so an unknown old type needs a human to confirm.
const WIDENABLE = new Set(['text', 'varchar', 'numeric', 'varbit', 'inet', 'citext']);

/** 'safe' when PostgreSQL changes the type without a rewrite (strong_migrations' safe-change table). */
export const typeChangeSafety = (
  before: PgType | undefined,
  after: PgType,
): 'safe' | 'unsafe' | 'unknown' => {
  if (!before) return WIDENABLE.has(after.name) && !after.array ? 'unknown' : 'unsafe';
  if (before.array !== after.array) return 'unsafe';
  if (before.name === 'varchar' && after.name === 'text') return 'safe';
  if (before.name === 'text' && after.name === 'varchar' && after.mods.length === 0) return 'safe';
  if (before.name === 'cidr' && after.name === 'inet') return 'safe';
  if (before.name !== after.name) return 'unsafe';
  if (after.mods.length === 0) return 'safe';
  if (before.mods.length === 0) return 'unsafe';
  const [oldLength = 0, oldScale = 0] = before.mods;
  const [newLength = 0, newScale = 0] = after.mods;
  if (['varchar', 'varbit'].includes(after.name)) return newLength >= oldLength ? 'safe' : 'unsafe';
  if (after.name === 'numeric') return newLength >= oldLength && newScale === oldScale ? 'safe' : 'unsafe';
  return newLength === oldLength && newScale === oldScale ? 'safe' : 'unsafe';
};

const alterColumnType = (table: string, cmd: AlterTableCmd, ctx: PgContext): Hit[] => {
  const def = cmd.def && 'ColumnDef' in cmd.def ? cmd.def.ColumnDef : undefined;
  const column = cmd.name ?? '?';
  const after = readType(def?.typeName);
  const known = ctx.schema.columns.get(columnKey(table, column));
  const before = known ? { name: known.type, mods: known.mods, array: false } : undefined;
  const using = def?.raw_default !== undefined;
  const safety = using ? 'unsafe' : typeChangeSafety(before, after);
  const where = `${table}.${column}`;
  if (safety === 'safe') return [];
  if (safety === 'unknown') {
    return [
      hit(
        'G-TYPE-CHANGE',
        `changes the type of ${where} to ${showType(after)}; the old type is not in the linted files, so the gate cannot tell a binary-compatible widening from a rewrite`,
        {
          policy: { expand: 'approval', contract: 'approval' },
          uncertain: true,
        },
      ),
    ];
  }
  const from = before ? `${showType(before)} → ` : '';
  return [
    hit(
      'G-TYPE-CHANGE',
      `changes the type of ${where} (${from}${showType(after)})${using ? ' with USING' : ''}`,
    ),
  ];
};

const dropConstraint = (table: string, cmd: AlterTableCmd): Hit[] => [
  hit(
    'G-FK-DROP',
    `drops constraint ${cmd.name ?? '?'} on ${table} (a foreign key or other integrity rule the old application may rely on)`,
  ),
];

const detachPartition = (table: string, cmd: AlterTableCmd, ctx: PgContext): Hit[] => {
  const part: PartitionCmd | undefined =
    cmd.def && 'PartitionCmd' in cmd.def ? cmd.def.PartitionCmd : undefined;
  if (!part?.concurrent)
    return [
      hit(
        'G-MAINT-LOCK',
        `detaches partition ${relationName(part?.name)} from ${table} without CONCURRENTLY`,
      ),
    ];
  return ctx.inTransaction
    ? [hit('G-CONCURRENT-IN-TX', 'DETACH PARTITION … CONCURRENTLY inside a transaction block')]
    : [];
};

const ALTER_COMMANDS: Partial<Record<string, (table: string, cmd: AlterTableCmd, ctx: PgContext) => Hit[]>> =
  {
    AT_AddColumn: (table, cmd) =>
      cmd.def && 'ColumnDef' in cmd.def ? addColumn(table, cmd.def.ColumnDef) : [],
    AT_DropColumn: (table, cmd) => [hit('G-DROP-COLUMN', `drops column ${table}.${cmd.name ?? '?'}`)],
    AT_AlterColumnType: alterColumnType,
    AT_SetNotNull: (table, cmd, ctx) => setNotNull(table, cmd.name ?? '?', ctx),
    AT_DropNotNull: (table, cmd) => [hit('G-DROP-NOT-NULL', `drops NOT NULL on ${table}.${cmd.name ?? '?'}`)],
    AT_AddConstraint: (table, cmd, ctx) =>
      cmd.def && 'Constraint' in cmd.def ? addConstraint(table, cmd.def.Constraint, ctx) : [],
    AT_ValidateConstraint: (table, cmd, ctx) =>
      ctx.notValidInTransaction.has(cmd.name ?? '')
        ? [
            hit(
              'G-ADD-CHECK',
              `validates ${cmd.name ?? '?'} on ${table} in the same transaction that added it NOT VALID, so the ADD's lock is held through the scan`,
              {
                policy: { expand: 'error', contract: 'error' },
              },
            ),
          ]
        : [],
    AT_DropConstraint: dropConstraint,
    AT_DetachPartition: detachPartition,
  };

const alterTable: Classifier = (node, ctx) => {
  if (!('AlterTableStmt' in node)) return [];
  const stmt = node.AlterTableStmt;
  const table = relationName(stmt.relation);
  if (ctx.schema.createdTables.has(table)) return [];
  return (stmt.cmds ?? []).flatMap((c) => {
    if (!('AlterTableCmd' in c)) return [];
    const classify = ALTER_COMMANDS[c.AlterTableCmd.subtype ?? ''];
    return classify ? classify(table, c.AlterTableCmd, ctx) : [];
  });
};

// ---------- other statements ----------

const rename: Classifier = (node, ctx) => {
  if (!('RenameStmt' in node)) return [];
  const stmt = node.RenameStmt;
  const table = relationName(stmt.relation);
  if (stmt.relation && ctx.schema.createdTables.has(table)) return [];
  switch (stmt.renameType) {
    case 'OBJECT_COLUMN':
      return [hit('G-RENAME-COLUMN', `renames ${table}.${stmt.subname ?? '?'} to ${stmt.newname ?? '?'}`)];
    case 'OBJECT_TABLE':
    case 'OBJECT_VIEW':
    case 'OBJECT_MATVIEW':
    case 'OBJECT_FOREIGN_TABLE':
      if (ctx.schema.views.has(table)) return [];
      return [
        hit(
          'G-RENAME-TABLE',
          `renames ${table} to ${stmt.newname ?? '?'} and no view keeps the name ${table} alive`,
        ),
      ];
    case 'OBJECT_SCHEMA':
      return [hit('G-RENAME-OTHER', `renames schema ${stmt.subname ?? '?'} to ${stmt.newname ?? '?'}`)];
    default:
      return [];
  }
};

const alterEnum: Classifier = (node) => {
  if (!('AlterEnumStmt' in node)) return [];
  const stmt = node.AlterEnumStmt;
  const type = names(stmt.typeName).join('.');
  if (stmt.oldVal)
    return [hit('G-RENAME-OTHER', `renames enum value ${type}.'${stmt.oldVal}' to '${stmt.newVal ?? '?'}'`)];
  if (stmt.newVal && !stmt.newValNeighbor) {
    return [
      hit('G-ENUM', `adds value '${stmt.newVal}' to ${type} without BEFORE/AFTER`, {
        policy: { expand: 'warning', contract: 'warning' },
      }),
    ];
  }
  return [];
};

const DROPPABLE = new Set([
  'OBJECT_TABLE',
  'OBJECT_VIEW',
  'OBJECT_MATVIEW',
  'OBJECT_SCHEMA',
  'OBJECT_SEQUENCE',
  'OBJECT_TYPE',
  'OBJECT_DOMAIN',
  'OBJECT_FUNCTION',
  'OBJECT_PROCEDURE',
  'OBJECT_FOREIGN_TABLE',
]);

const objectName = (object: Node): string => {
  if ('List' in object) return names(object.List.items).join('.');
  if ('String' in object) return (object.String.sval ?? '?').toLowerCase();
  if ('TypeName' in object) return readType(object.TypeName).name;
  if ('ObjectWithArgs' in object) return names(object.ObjectWithArgs.objname).join('.');
  return '?';
};

const drop: Classifier = (node, ctx) => {
  if (!('DropStmt' in node)) return [];
  const stmt = node.DropStmt;
  const objects = (stmt.objects ?? []).map(objectName);
  const kind = (stmt.removeType ?? 'OBJECT').replace('OBJECT_', '').toLowerCase();
  if (stmt.removeType === 'OBJECT_INDEX') {
    if (!stmt.concurrent)
      return [hit('G-INDEX-BLOCKING', `drops index ${objects.join(', ')} without CONCURRENTLY`)];
    return ctx.inTransaction
      ? [hit('G-CONCURRENT-IN-TX', 'DROP INDEX CONCURRENTLY inside a transaction block')]
      : [];
  }
  if (!DROPPABLE.has(stmt.removeType ?? '')) return [];
  const existing = objects.filter((o) => !ctx.schema.createdTables.has(o.split('.').at(-1) ?? o));
  if (existing.length === 0) return [];
  const cascade = stmt.behavior === 'DROP_CASCADE' ? ' CASCADE (also drops dependent objects)' : '';
  return [hit('G-DROP-TABLE', `drops ${kind} ${existing.join(', ')}${cascade}`)];
};

const dropDatabase: Classifier = (node) =>
  'DropdbStmt' in node ? [hit('G-DROP-TABLE', `drops database ${node.DropdbStmt.dbname ?? '?'}`)] : [];

const truncate: Classifier = (node, ctx) => {
  if (!('TruncateStmt' in node)) return [];
  const stmt = node.TruncateStmt;
  const tables = (stmt.relations ?? []).flatMap((r) => ('RangeVar' in r ? [relationName(r.RangeVar)] : []));
  if (tables.every((t) => ctx.schema.createdTables.has(t))) return [];
  if (stmt.behavior === 'DROP_CASCADE') {
    return [
      hit(
        'G-TRUNCATE',
        `truncates ${tables.join(', ')} CASCADE, and with it every table that references them`,
        { policy: { expand: 'error', contract: 'error' } },
      ),
    ];
  }
  return [hit('G-TRUNCATE', `truncates ${tables.join(', ')}`)];
};

const createIndex: Classifier = (node, ctx) => {
  if (!('IndexStmt' in node)) return [];
  const stmt = node.IndexStmt;
  const table = relationName(stmt.relation);
  if (stmt.concurrent && ctx.inTransaction)
    return [hit('G-CONCURRENT-IN-TX', `CREATE INDEX CONCURRENTLY on ${table} inside a transaction block`)];
  if (ctx.schema.createdTables.has(table)) return [];
  const hits: Hit[] = [];
  if (!stmt.concurrent)
    hits.push(
      hit('G-INDEX-BLOCKING', `creates index ${stmt.idxname ?? ''} on ${table} without CONCURRENTLY`),
    );
  if (stmt.unique)
    hits.push(hit('G-ADD-UNIQUE', `creates unique index ${stmt.idxname ?? ''} on existing table ${table}`));
  return hits;
};

const reindex: Classifier = (node, ctx) => {
  if (!('ReindexStmt' in node)) return [];
  const concurrent = (node.ReindexStmt.params ?? []).some(
    (p) => 'DefElem' in p && p.DefElem.defname === 'concurrently',
  );
  if (!concurrent) return [hit('G-MAINT-LOCK', 'REINDEX without CONCURRENTLY')];
  return ctx.inTransaction
    ? [hit('G-CONCURRENT-IN-TX', 'REINDEX CONCURRENTLY inside a transaction block')]
    : [];
};

const vacuum: Classifier = (node) => {
  if (!('VacuumStmt' in node)) return [];
  const full = (node.VacuumStmt.options ?? []).some((o) => 'DefElem' in o && o.DefElem.defname === 'full');
  return full ? [hit('G-MAINT-LOCK', 'VACUUM FULL rewrites the table under ACCESS EXCLUSIVE')] : [];
};

const cluster: Classifier = (node) =>
  'ClusterStmt' in node
    ? [
        hit(
          'G-MAINT-LOCK',
          `CLUSTER ${relationName(node.ClusterStmt.relation)} rewrites the table under ACCESS EXCLUSIVE`,
        ),
      ]
    : [];

const doBlock: Classifier = (node) =>
  'DoStmt' in node ? [hit('G-RAW-SQL', 'DO block: procedural code the gate cannot inspect')] : [];

const alterDomain: Classifier = (node) => {
  if (!('AlterDomainStmt' in node)) return [];
  const stmt = node.AlterDomainStmt;
  const c = stmt.def && 'Constraint' in stmt.def ? stmt.def.Constraint : undefined;
  if (stmt.subtype !== 'C' || !c || c.skip_validation) return [];
  return [
    hit(
      'G-ADD-CHECK',
      `adds a constraint to domain ${names(stmt.typeName).join('.')}: every column of that domain is re-checked`,
    ),
  ];
};

const CLASSIFIERS: Partial<Record<string, Classifier>> = {
  AlterTableStmt: alterTable,
  RenameStmt: rename,
  AlterEnumStmt: alterEnum,
  DropStmt: drop,
  DropdbStmt: dropDatabase,
  TruncateStmt: truncate,
  IndexStmt: createIndex,
  ReindexStmt: reindex,
  VacuumStmt: vacuum,
  ClusterStmt: cluster,
  DoStmt: doBlock,
  AlterDomainStmt: alterDomain,
};

// ---------- file-level rules: timeouts and long transactions ----------

const targetsNewTable = (node: Node, ctx: PgContext): boolean => {
  const relation =
    'AlterTableStmt' in node
      ? node.AlterTableStmt.relation
      : 'IndexStmt' in node
        ? node.IndexStmt.relation
        : 'RenameStmt' in node
          ? node.RenameStmt.relation
          : undefined;
  return relation !== undefined && ctx.schema.createdTables.has(relationName(relation));
};

const timeouts = (node: Node, ctx: PgContext): Hit[] => {
  if (ctx.timeoutReported || !LOCKING.has(nodeTag(node)) || targetsNewTable(node, ctx)) return [];
  const missing = [
    ctx.lockTimeout ? '' : 'lock_timeout',
    ctx.statementTimeout ? '' : 'statement_timeout',
  ].filter(Boolean);
  if (missing.length === 0) return [];
  return [
    hit('G-TIMEOUTS', `the first locking statement of the file runs without SET ${missing.join(' / ')}`),
  ];
};

const longTransaction = (node: Node, ctx: PgContext): Hit[] => {
  if (!ctx.inTransaction || ctx.longTxReported) return [];
  const tag = nodeTag(node);
  if (DML.has(tag) && ctx.transactionDdl) {
    return [
      hit(
        'G-LONG-TX',
        `${tag.replace('Stmt', '').toUpperCase()} (a backfill) runs inside the DDL transaction, holding its locks for the whole backfill`,
        {
          policy: { expand: 'error', contract: 'error' },
        },
      ),
    ];
  }
  if (ctx.exclusiveHeld && isPgDdl(node) && tag !== 'TransactionStmt') {
    return [
      hit('G-LONG-TX', 'another statement runs after one that took ACCESS EXCLUSIVE in the same transaction'),
    ];
  }
  return [];
};

/** Rules that fired on one parsed statement, given what came before it. */
export const classifyPostgres = (stmt: PgStatement, ctx: PgContext): Hit[] => {
  if (!stmt.node)
    return [hit('G-RAW-SQL', `PostgreSQL's parser rejects the statement (${stmt.error ?? 'syntax error'})`)];
  const node = stmt.node;
  const own = CLASSIFIERS[nodeTag(node)]?.(node, ctx) ?? [];
  return [...own, ...timeouts(node, ctx), ...longTransaction(node, ctx)];
};

// ---------- context updates ----------

const SET_NAMES: Record<string, 'lockTimeout' | 'statementTimeout'> = {
  lock_timeout: 'lockTimeout',
  statement_timeout: 'statementTimeout',
};

const recordCreateTable = (schema: SchemaModel, node: Node): void => {
  if (!('CreateStmt' in node)) return;
  const table = relationName(node.CreateStmt.relation);
  schema.createdTables.add(table);
  for (const element of node.CreateStmt.tableElts ?? []) {
    if (!('ColumnDef' in element)) continue;
    recordColumn(schema, table, element.ColumnDef);
  }
};

const recordColumn = (schema: SchemaModel, table: string, def: ColumnDef): void => {
  const type = readType(def.typeName);
  const notNull = constraintsOf(def).some(
    (c) => c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_PRIMARY',
  );
  schema.columns.set(columnKey(table, def.colname ?? '?'), { type: type.name, mods: type.mods, notNull });
};

const notNullColumn = (c: Constraint): string | undefined => {
  const expr = c.raw_expr;
  if (!expr || !('NullTest' in expr) || expr.NullTest.nulltesttype !== 'IS_NOT_NULL') return undefined;
  const arg = expr.NullTest.arg;
  return arg && 'ColumnRef' in arg ? names(arg.ColumnRef.fields).at(-1) : undefined;
};

const recordAlterTable = (ctx: PgContext, node: Node): void => {
  if (!('AlterTableStmt' in node)) return;
  const table = relationName(node.AlterTableStmt.relation);
  for (const c of node.AlterTableStmt.cmds ?? []) {
    if (!('AlterTableCmd' in c)) continue;
    const cmd = c.AlterTableCmd;
    if (cmd.subtype === 'AT_AddColumn' && cmd.def && 'ColumnDef' in cmd.def)
      recordColumn(ctx.schema, table, cmd.def.ColumnDef);
    if (cmd.subtype === 'AT_AlterColumnType' && cmd.def && 'ColumnDef' in cmd.def) {
      const key = columnKey(table, cmd.name ?? '?');
      const type = readType(cmd.def.ColumnDef.typeName);
      const known = ctx.schema.columns.get(key);
      ctx.schema.columns.set(key, { type: type.name, mods: type.mods, notNull: known?.notNull ?? false });
    }
    if (cmd.subtype === 'AT_AddConstraint' && cmd.def && 'Constraint' in cmd.def) {
      const constraint = cmd.def.Constraint;
      const column = notNullColumn(constraint);
      if (ctx.inTransaction && constraint.skip_validation && constraint.conname)
        ctx.notValidInTransaction.add(constraint.conname);
      if (column && constraint.skip_validation && constraint.conname) {
        ctx.schema.pendingNotNullChecks.set(constraint.conname, columnKey(table, column));
      } else if (column) ctx.schema.notNullChecks.add(columnKey(table, column));
    }
    if (cmd.subtype === 'AT_ValidateConstraint') {
      const key = ctx.schema.pendingNotNullChecks.get(cmd.name ?? '');
      if (key) ctx.schema.notNullChecks.add(key);
    }
  }
};

/** Returns the context after the statement ran (transactions, timeouts, tables and columns it created). */
export const observePostgres = (stmt: PgStatement, ctx: PgContext, hits: Hit[]): PgContext => {
  const next: PgContext = {
    ...ctx,
    timeoutReported: ctx.timeoutReported || hits.some((h) => h.rule === 'G-TIMEOUTS'),
  };
  next.longTxReported = ctx.longTxReported || hits.some((h) => h.rule === 'G-LONG-TX');
  const node = stmt.node;
  if (!node) return next;
  const tag = nodeTag(node);
  if ('TransactionStmt' in node) {
    const kind = node.TransactionStmt.kind;
    if (kind === 'TRANS_STMT_BEGIN' || kind === 'TRANS_STMT_START') {
      return {
        ...next,
        inTransaction: true,
        transactionDdl: false,
        exclusiveHeld: false,
        longTxReported: false,
        notValidInTransaction: new Set(),
      };
    }
    if (kind === 'TRANS_STMT_COMMIT' || kind === 'TRANS_STMT_ROLLBACK') {
      return {
        ...next,
        inTransaction: false,
        transactionDdl: false,
        exclusiveHeld: false,
        notValidInTransaction: new Set(),
      };
    }
    return next;
  }
  if ('VariableSetStmt' in node) {
    const field = SET_NAMES[node.VariableSetStmt.name ?? ''];
    const value = JSON.stringify(node.VariableSetStmt.args ?? []);
    if (field)
      next[field] = node.VariableSetStmt.kind === 'VAR_SET_VALUE' && !/"(0|0s|0ms)"|"ival":\{\}/.test(value);
    return next;
  }
  recordCreateTable(next.schema, node);
  if ('ViewStmt' in node) next.schema.views.add(relationName(node.ViewStmt.view));
  recordAlterTable(next, node);
  if (next.inTransaction && isPgDdl(node)) {
    next.transactionDdl = true;
    if (EXCLUSIVE.has(tag) && !targetsNewTable(node, ctx)) next.exclusiveHeld = true;
  }
  return next;
};
