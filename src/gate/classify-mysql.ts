/** The Switchyard rules on the MySQL AST (node-sql-parser): column position, ALGORITHM/LOCK, enum changes, binlog-breaking DDL. */
import { columnKey, type KnownColumn, type SchemaModel } from './schema-model.ts';
import type { MyAst, MyStatement } from './split-mysql.ts';
import type { Hit } from './types.ts';

/** What the classifiers know about the run so far. */
export type MyContext = {
  schema: SchemaModel;
  lockWaitTimeout: boolean;
  timeoutReported: boolean;
  foreignKeyChecksOff: boolean;
};

/** A fresh context for the start of a file; the schema model carries over between files of one run. */
export const startMysqlFile = (schema: SchemaModel): MyContext => ({
  schema,
  lockWaitTimeout: false,
  timeoutReported: false,
  foreignKeyChecksOff: false,
});

// ---------- loose AST readers ----------

const field = (value: unknown, key: string): unknown =>
  value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const lower = (value: unknown): string => (text(value) ?? '').toLowerCase();

const tableName = (ref: unknown): string => lower(field(Array.isArray(ref) ? ref[0] : ref, 'table')) || '?';
const columnName = (ref: unknown): string => lower(field(ref, 'column')) || '?';

/** A column definition as written in CREATE TABLE / ADD / MODIFY / CHANGE. */
type MyColumn = KnownColumn & {
  name: string;
  defaultExpr: unknown;
  autoIncrement: boolean;
  storedGenerated: boolean;
  position?: string;
  unique: boolean;
  primaryKey: boolean;
};

const readColumn = (item: unknown): MyColumn => {
  const definition = field(item, 'definition');
  const values = list(field(field(definition, 'expr'), 'value')).map((v) => String(field(v, 'value')));
  const type = lower(field(definition, 'dataType'));
  const mods = [field(definition, 'length'), field(definition, 'scale')].filter(
    (m): m is number => typeof m === 'number',
  );
  const primaryKey = Boolean(field(item, 'primary_key'));
  const suffix = field(item, 'suffix');
  const position = text(field(suffix, 'keyword'));
  return {
    name: columnName(field(item, 'column')),
    type,
    mods,
    notNull: lower(field(field(item, 'nullable'), 'type')) === 'not null' || primaryKey,
    ...(type === 'enum' || type === 'set' ? { values } : {}),
    defaultExpr: field(field(item, 'default_val'), 'value'),
    autoIncrement: Boolean(field(item, 'auto_increment')),
    storedGenerated: lower(field(field(item, 'generated'), 'storage_type')) === 'stored',
    ...(position ? { position: position.toUpperCase() } : {}),
    unique: Boolean(field(item, 'unique')),
    primaryKey,
  };
};

const CONSTANT_DEFAULT_TYPES = new Set([
  'number',
  'single_quote_string',
  'double_quote_string',
  'bool',
  'null',
  'string',
  'hex_string',
  'bit_string',
]);
// Non-parenthesized temporal defaults are part of the column definition, not expression defaults.
const TEMPORAL_DEFAULTS = new Set(['current_timestamp', 'now', 'localtime', 'localtimestamp']);

const isExpressionDefault = (expr: unknown): boolean => {
  if (expr === undefined || expr === null) return false;
  if (CONSTANT_DEFAULT_TYPES.has(lower(field(expr, 'type')))) return false;
  if (field(expr, 'parentheses') === true) return true;
  const fn = lower(field(list(field(field(expr, 'name'), 'name'))[0], 'value'));
  return !TEMPORAL_DEFAULTS.has(fn);
};

const showColumnType = (c: Pick<KnownColumn, 'type' | 'mods' | 'values'>): string =>
  c.values
    ? `${c.type}(${c.values.map((v) => `'${v}'`).join(',')})`
    : `${c.type}${c.mods.length ? `(${c.mods.join(',')})` : ''}`;

const hit = (rule: Hit['rule'], detail: string, extra: Omit<Hit, 'rule' | 'detail'> = {}): Hit => ({
  rule,
  detail,
  ...extra,
});

// ---------- column changes ----------

const addColumn = (table: string, item: unknown): Hit[] => {
  const c = readColumn(item);
  const where = `${table}.${c.name}`;
  const hits: Hit[] = [];
  if (c.autoIncrement) hits.push(hit('G-ADD-DEFAULT-REWRITE', `adds AUTO_INCREMENT column ${where}`));
  else if (c.storedGenerated)
    hits.push(hit('G-ADD-DEFAULT-REWRITE', `adds STORED generated column ${where}`));
  else if (isExpressionDefault(c.defaultExpr))
    hits.push(hit('G-ADD-DEFAULT-REWRITE', `adds ${where} with an expression default`));
  if (c.notNull && c.defaultExpr === undefined && !c.autoIncrement && !c.storedGenerated) {
    hits.push(
      hit(
        'G-ADD-REQUIRED',
        `adds ${where} NOT NULL without a default (existing rows silently get the zero value)`,
        { policy: { contract: 'warning' } },
      ),
    );
  }
  if (c.position)
    hits.push(
      hit(
        'G-COLUMN-POSITION',
        `adds ${where} ${c.position}${c.position === 'AFTER' ? ' another column' : ''}, not at the end`,
      ),
    );
  if (c.unique) hits.push(hit('G-ADD-UNIQUE', `adds ${where} UNIQUE`));
  if (c.primaryKey)
    hits.push(
      hit('G-ADD-PK', `adds ${where} as PRIMARY KEY`, { policy: { expand: 'warning', contract: 'warning' } }),
    );
  return hits;
};

const ENUM_LIMIT: Record<string, number[]> = { enum: [255, 65535], set: [8, 16, 24, 32, 64] };

const sizeClass = (type: string, count: number): number =>
  (ENUM_LIMIT[type] ?? []).findIndex((limit) => count <= limit);

const enumChange = (where: string, before: KnownColumn | undefined, after: MyColumn): Hit[] => {
  const values = after.values ?? [];
  if (!before?.values) {
    return [
      hit(
        'G-ENUM',
        `redefines ${after.type} ${where} as ${showColumnType(after)}; its previous values are not in the linted files, so the gate cannot tell an append from a removal or reorder`,
        {
          policy: { expand: 'approval', contract: 'approval' },
          uncertain: true,
        },
      ),
    ];
  }
  const old = before.values;
  const appendOnly = old.every((v, i) => values[i] === v);
  if (appendOnly && sizeClass(after.type, old.length) === sizeClass(after.type, values.length)) return [];
  const removed = old.filter((v) => !values.includes(v));
  const change =
    removed.length > 0
      ? `removes ${removed.map((v) => `'${v}'`).join(', ')}`
      : appendOnly
        ? 'crosses a storage size class'
        : 'reorders or inserts values not at the end';
  return [
    hit(
      'G-ENUM',
      `${after.type} ${where} ${change} (${showColumnType(before)} → ${showColumnType(after)}): table copy`,
    ),
  ];
};

/** 'same' when MODIFY restates the type, 'safe' for in-place varchar growth within one length-byte class (utf8mb4). */
export const mysqlTypeChange = (
  before: KnownColumn,
  after: Pick<KnownColumn, 'type' | 'mods'>,
): 'same' | 'safe' | 'unsafe' => {
  if (before.type !== after.type) return 'unsafe';
  const [oldLength = 0, oldScale = 0] = before.mods;
  const [newLength = 0, newScale = 0] = after.mods;
  if (oldLength === newLength && oldScale === newScale) return 'same';
  if (after.type === 'varchar' || after.type === 'varbinary') {
    if (newLength < oldLength) return 'unsafe';
    return (oldLength <= 63 && newLength <= 63) || oldLength > 63 ? 'safe' : 'unsafe';
  }
  return 'unsafe';
};

const redefineColumn = (table: string, oldName: string, item: unknown, ctx: MyContext): Hit[] => {
  const after = readColumn(item);
  const where = `${table}.${oldName}`;
  const before = ctx.schema.columns.get(columnKey(table, oldName));
  const hits: Hit[] = [];
  if (after.position) hits.push(hit('G-COLUMN-POSITION', `moves ${where} with ${after.position}`));
  if (after.values) return [...hits, ...enumChange(where, before, after)];
  if (!before) {
    return [
      ...hits,
      hit(
        'G-TYPE-CHANGE',
        `redefines ${where} as ${showColumnType(after)}${after.notNull ? ' NOT NULL' : ''}; its previous definition is not in the linted files, so the gate cannot prove the type and nullability are unchanged`,
        {
          policy: { expand: 'approval', contract: 'approval' },
          uncertain: true,
        },
      ),
    ];
  }
  const change = mysqlTypeChange(before, after);
  if (change === 'unsafe')
    hits.push(
      hit(
        'G-TYPE-CHANGE',
        `changes ${where} from ${showColumnType(before)} to ${showColumnType(after)} (table copy, no concurrent DML)`,
      ),
    );
  if (!before.notNull && after.notNull) hits.push(hit('G-SET-NOT-NULL', `makes ${where} NOT NULL`));
  if (before.notNull && !after.notNull)
    hits.push(hit('G-DROP-NOT-NULL', `redefines ${where} without NOT NULL, so it becomes nullable`));
  return hits;
};

const addConstraint = (table: string, item: unknown, ctx: MyContext, stmt: MyStatement): Hit[] => {
  const definition = field(item, 'create_definitions');
  const kind = lower(field(definition, 'constraint_type'));
  const name = text(field(definition, 'constraint')) ?? text(field(definition, 'index')) ?? '';
  if (kind === 'foreign key') {
    if (ctx.foreignKeyChecksOff) {
      return [
        hit(
          'G-ADD-FK',
          `adds foreign key ${name} on ${table} with foreign_key_checks=0: in place, but existing orphans are not detected`,
          { policy: { expand: 'warning', contract: 'warning' } },
        ),
      ];
    }
    return [
      hit('G-ADD-FK', `adds foreign key ${name} on ${table} (table copy with foreign_key_checks=1)`, {
        policy: { contract: 'warning' },
      }),
    ];
  }
  if (kind === 'check') {
    return stmt.notEnforced
      ? []
      : [
          hit(
            'G-ADD-CHECK',
            `adds CHECK ${name} on ${table} (enforced: every row is checked, writes blocked)`,
            { policy: { contract: 'warning' } },
          ),
        ];
  }
  if (kind.startsWith('unique')) return [hit('G-ADD-UNIQUE', `adds unique key ${name} on ${table}`)];
  if (kind === 'primary key')
    return [
      hit('G-ADD-PK', `adds PRIMARY KEY on ${table} (table rebuild)`, {
        policy: { expand: 'warning', contract: 'warning' },
      }),
    ];
  return [];
};

const algorithmOrLock = (table: string, item: unknown): Hit[] => {
  const algorithm = lower(field(item, 'algorithm'));
  const lock = lower(field(item, 'lock'));
  if (algorithm === 'copy') return [hit('G-INDEX-BLOCKING', `ALTER TABLE ${table} with ALGORITHM=COPY`)];
  if (lock === 'shared' || lock === 'exclusive')
    return [hit('G-INDEX-BLOCKING', `ALTER TABLE ${table} with LOCK=${lock.toUpperCase()}`)];
  return [];
};

const alterItem = (table: string, item: unknown, ctx: MyContext, stmt: MyStatement): Hit[] => {
  const action = lower(field(item, 'action'));
  const resource = lower(field(item, 'resource'));
  if (resource === 'algorithm' || resource === 'lock') return algorithmOrLock(table, item);
  if (action === 'add' && resource === 'column') return addColumn(table, item);
  if (action === 'add' && resource === 'constraint') return addConstraint(table, item, ctx, stmt);
  if (action === 'add' && resource === 'index' && lower(field(item, 'keyword')).startsWith('unique')) {
    return [hit('G-ADD-UNIQUE', `adds unique index ${text(field(item, 'index')) ?? ''} on ${table}`)];
  }
  if (action === 'drop' && resource === 'column')
    return [hit('G-DROP-COLUMN', `drops column ${table}.${columnName(field(item, 'column'))}`)];
  if (action === 'drop' && (lower(field(item, 'keyword')) === 'foreign key' || resource === 'constraint')) {
    const name = text(field(item, 'key')) ?? text(field(item, 'constraint')) ?? '?';
    return [hit('G-FK-DROP', `drops ${lower(field(item, 'keyword'))} ${name} on ${table}`)];
  }
  if (action === 'modify') return redefineColumn(table, columnName(field(item, 'column')), item, ctx);
  if (action === 'change') {
    const from = columnName(field(item, 'old_column'));
    const to = columnName(field(item, 'column'));
    const renamed =
      from !== to ? [hit('G-RENAME-COLUMN', `CHANGE COLUMN renames ${table}.${from} to ${to}`)] : [];
    return [...renamed, ...redefineColumn(table, from, item, ctx)];
  }
  if (action === 'rename' && resource === 'column') {
    return [
      hit(
        'G-RENAME-COLUMN',
        `renames ${table}.${columnName(field(item, 'old_column'))} to ${columnName(field(item, 'column'))}`,
      ),
    ];
  }
  if (action === 'rename' && resource === 'table')
    return renameTable(table, lower(field(item, 'table')), ctx);
  return [];
};

const renameTable = (from: string, to: string, ctx: MyContext): Hit[] =>
  ctx.schema.views.has(from) || ctx.schema.createdTables.has(from)
    ? []
    : [hit('G-RENAME-TABLE', `renames ${from} to ${to} and no view keeps the name ${from} alive`)];

// ---------- statements ----------

type Classifier = (ast: MyAst, ctx: MyContext, stmt: MyStatement) => Hit[];

const alter: Classifier = (ast, ctx, stmt) => {
  const table = tableName(ast.table);
  if (ctx.schema.createdTables.has(table)) return [];
  return list(ast.expr).flatMap((item) => alterItem(table, item, ctx, stmt));
};

const create: Classifier = (ast, ctx) => {
  if (lower(ast.keyword) !== 'index') return [];
  const table = tableName(ast.table);
  const hits = algorithmOrLock(table, {
    algorithm: field(ast.algorithm_option, 'algorithm'),
    lock: field(ast.lock_option, 'lock'),
  });
  if (lower(ast.index_type) === 'unique' && !ctx.schema.createdTables.has(table)) {
    hits.push(
      hit('G-ADD-UNIQUE', `creates unique index ${text(ast.index) ?? ''} on existing table ${table}`),
    );
  }
  return hits;
};

const DROPPED = new Set(['table', 'view', 'database', 'schema']);

const drop: Classifier = (ast, ctx) => {
  const kind = lower(ast.keyword);
  if (!DROPPED.has(kind)) return [];
  const objects = Array.isArray(ast.name) ? ast.name.map((n) => lower(field(n, 'table'))) : [lower(ast.name)];
  const existing = objects.filter((o) => !ctx.schema.createdTables.has(o));
  return existing.length > 0 ? [hit('G-DROP-TABLE', `drops ${kind} ${existing.join(', ')}`)] : [];
};

const truncate: Classifier = (ast, ctx) => {
  const tables = list(ast.name)
    .map((n) => lower(field(n, 'table')))
    .filter((t) => !ctx.schema.createdTables.has(t));
  return tables.length > 0 ? [hit('G-TRUNCATE', `truncates ${tables.join(', ')}`)] : [];
};

const rename: Classifier = (ast, ctx) =>
  list(ast.table).flatMap((pair) => renameTable(tableName(list(pair)[0]), tableName(list(pair)[1]), ctx));

const CLASSIFIERS: Partial<Record<string, Classifier>> = { alter, create, drop, truncate, rename };

const LOCKING = new Set(['alter', 'drop', 'truncate', 'rename']);

// node-sql-parser lacks ALTER COLUMN … SET/DROP DEFAULT; both are metadata-only, so they need no approval.
const METADATA_ONLY =
  /^ALTER\s+TABLE\s+\S+\s+ALTER\s+(COLUMN\s+)?\S+\s+(SET\s+DEFAULT\s+[^;]+|DROP\s+DEFAULT)$/i;

const timeouts = (ast: MyAst, ctx: MyContext): Hit[] => {
  const type = lower(ast.type);
  const locking = LOCKING.has(type) || (type === 'create' && lower(ast.keyword) === 'index');
  if (ctx.timeoutReported || ctx.lockWaitTimeout || !locking) return [];
  const table = tableName(ast.table);
  if (ctx.schema.createdTables.has(table)) return [];
  return [hit('G-TIMEOUTS', 'the first locking statement of the file runs without SET lock_wait_timeout')];
};

/** Rules that fired on one statement, given what came before it. */
export const classifyMysql = (stmt: MyStatement, ctx: MyContext): Hit[] => {
  if (!stmt.ast) {
    if (METADATA_ONLY.test(stmt.text)) return [];
    return [hit('G-RAW-SQL', `the MySQL parser rejects the statement (${stmt.error ?? 'syntax error'})`)];
  }
  const own = CLASSIFIERS[lower(stmt.ast.type)]?.(stmt.ast, ctx, stmt) ?? [];
  return [...own, ...timeouts(stmt.ast, ctx)];
};

/** True for schema-changing statements. */
export const isMysqlDdl = (stmt: MyStatement): boolean =>
  !stmt.ast ||
  !['select', 'insert', 'update', 'delete', 'replace', 'set', 'transaction', 'use', 'show'].includes(
    lower(stmt.ast.type),
  );

// ---------- context updates ----------

const recordColumn = (schema: SchemaModel, table: string, item: unknown, name?: string): void => {
  const c = readColumn(item);
  schema.columns.set(columnKey(table, name ?? c.name), {
    type: c.type,
    mods: c.mods,
    notNull: c.notNull,
    ...(c.values ? { values: c.values } : {}),
  });
};

const SET_FIELDS: Record<string, (ctx: MyContext, value: unknown) => void> = {
  lock_wait_timeout: (ctx, value) => {
    ctx.lockWaitTimeout = Number(field(value, 'value')) > 0;
  },
  foreign_key_checks: (ctx, value) => {
    ctx.foreignKeyChecksOff = String(field(value, 'value')) === '0' || field(value, 'value') === false;
  },
};

/** Returns the context after the statement ran (timeouts, session flags, tables and columns it created). */
export const observeMysql = (stmt: MyStatement, ctx: MyContext, hits: Hit[]): MyContext => {
  const next: MyContext = {
    ...ctx,
    timeoutReported: ctx.timeoutReported || hits.some((h) => h.rule === 'G-TIMEOUTS'),
  };
  const ast = stmt.ast;
  if (!ast) return next;
  const type = lower(ast.type);
  if (type === 'set') {
    for (const assign of list(ast.expr))
      SET_FIELDS[lower(field(field(assign, 'left'), 'name'))]?.(next, field(assign, 'right'));
  }
  if (type === 'create' && lower(ast.keyword) === 'table') {
    const table = tableName(ast.table);
    next.schema.createdTables.add(table);
    for (const item of list(ast.create_definitions))
      if (lower(field(item, 'resource')) === 'column') recordColumn(next.schema, table, item);
  }
  if (type === 'create' && lower(ast.keyword) === 'view')
    next.schema.views.add(lower(field(ast.view, 'view')));
  if (type === 'alter') {
    const table = tableName(ast.table);
    for (const item of list(ast.expr)) {
      const action = lower(field(item, 'action'));
      if (lower(field(item, 'resource')) !== 'column') continue;
      if (action === 'add' || action === 'modify') recordColumn(next.schema, table, item);
      if (action === 'change') recordColumn(next.schema, table, item);
    }
  }
  return next;
};
