/**
 * In-memory DynamoDB (awsJson1_0, `x-amz-target: DynamoDB_20120810.<Op>`) for the local emulator and
 * tests. Implements what Switchyard uses, with DynamoDB's semantics:
 * - CreateTable, DescribeTable, DeleteTable, ListTables, UpdateTimeToLive, DescribeTimeToLive;
 * - PutItem, GetItem, UpdateItem (upsert), DeleteItem;
 * - ConditionExpression: comparisons (= <> < <= > >=), BETWEEN, IN, AND / OR / NOT, parentheses,
 *   attribute_exists, attribute_not_exists, attribute_type, begins_with, contains, size;
 * - UpdateExpression: SET (with + / -, if_not_exists, list_append), REMOVE, ADD (numbers, sets), DELETE (sets);
 * - reserved words refused as bare attribute names, as DynamoDB does;
 * - ExpressionAttributeNames / Values, ReturnValues NONE | ALL_OLD | ALL_NEW | UPDATED_OLD | UPDATED_NEW;
 * - errors as the SDK maps them: ConditionalCheckFailedException, ResourceNotFoundException,
 *   ResourceInUseException, ValidationException (HTTP 400, `__type` with the service namespace).
 * TTL is recorded but items are not expired (DynamoDB itself deletes expired items only eventually).
 */
import { type JsonService, JsonServiceError } from './json-service.ts';

export type AttributeValue =
  | { S: string }
  | { N: string }
  | { B: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { L: AttributeValue[] }
  | { M: Record<string, AttributeValue> }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] };
type Item = Record<string, AttributeValue>;

interface KeyElement {
  AttributeName: string;
  KeyType: 'HASH' | 'RANGE';
}

interface Table {
  name: string;
  keySchema: KeyElement[];
  attributeDefinitions: Array<{ AttributeName: string; AttributeType: string }>;
  billingMode: string;
  createdAt: number;
  ttl: { AttributeName: string; Enabled: boolean } | undefined;
  items: Map<string, Item>;
}

const NS = 'com.amazonaws.dynamodb.v20120810#';
const fail = (type: string, message: string): never => {
  throw new JsonServiceError(`${NS}${type}`, message, 400);
};
const validation = (message: string): never => fail('ValidationException', message);

const clone = <T>(v: T): T => structuredClone(v);

// ---------------------------------------------------------------- values

const typeOf = (v: AttributeValue): string => Object.keys(v)[0] ?? '';

/** Byte-order comparison (what DynamoDB uses for S and B): compare the hex spellings. */
const compareHex = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const compareBytes = (a: string, b: string): number =>
  compareHex(Buffer.from(a, 'utf8').toString('hex'), Buffer.from(b, 'utf8').toString('hex'));

const equal = (a: AttributeValue | undefined, b: AttributeValue | undefined): boolean => {
  if (!a || !b) return false;
  const ta = typeOf(a);
  if (ta !== typeOf(b)) return false;
  if ('N' in a && 'N' in b) return Number(a.N) === Number(b.N);
  if ('SS' in a && 'SS' in b) return a.SS.length === b.SS.length && a.SS.every((x) => b.SS.includes(x));
  if ('NS' in a && 'NS' in b) {
    const nb = b.NS.map(Number);
    return a.NS.length === b.NS.length && a.NS.every((x) => nb.includes(Number(x)));
  }
  if ('BS' in a && 'BS' in b) return a.BS.length === b.BS.length && a.BS.every((x) => b.BS.includes(x));
  if ('L' in a && 'L' in b) return a.L.length === b.L.length && a.L.every((x, i) => equal(x, b.L[i]));
  if ('M' in a && 'M' in b) {
    const ka = Object.keys(a.M);
    return ka.length === Object.keys(b.M).length && ka.every((k) => equal(a.M[k], b.M[k]));
  }
  return JSON.stringify(a) === JSON.stringify(b);
};

/** Ordering for <, <=, >, >=, BETWEEN: only S, N and B compare; anything else is "not comparable". */
const order = (a: AttributeValue | undefined, b: AttributeValue | undefined): number | undefined => {
  if (!a || !b) return undefined;
  if ('N' in a && 'N' in b) return Number(a.N) - Number(b.N);
  if ('S' in a && 'S' in b) return compareBytes(a.S, b.S);
  if ('B' in a && 'B' in b)
    return compareHex(Buffer.from(a.B, 'base64').toString('hex'), Buffer.from(b.B, 'base64').toString('hex'));
  return undefined;
};

const sizeOf = (v: AttributeValue | undefined): AttributeValue | undefined => {
  if (!v) return undefined;
  if ('S' in v) return { N: String(Buffer.byteLength(v.S, 'utf8')) };
  if ('B' in v) return { N: String(Buffer.from(v.B, 'base64').length) };
  if ('L' in v) return { N: String(v.L.length) };
  if ('M' in v) return { N: String(Object.keys(v.M).length) };
  if ('SS' in v) return { N: String(v.SS.length) };
  if ('NS' in v) return { N: String(v.NS.length) };
  if ('BS' in v) return { N: String(v.BS.length) };
  return undefined;
};

// ---------------------------------------------------------------- expressions: tokens

type Token = { kind: 'name' | 'placeholder' | 'value' | 'number' | 'punct'; text: string };

const tokenize = (src: string): Token[] => {
  const tokens: Token[] = [];
  const re =
    /\s*(?:(<>|<=|>=|[=<>(),.[\]+-])|(#[A-Za-z0-9_]+)|(:[A-Za-z0-9_]+)|([0-9]+)|([A-Za-z_][A-Za-z0-9_]*))/y;
  let pos = 0;
  while (pos < src.length) {
    if (/^\s*$/.test(src.slice(pos))) break;
    re.lastIndex = pos;
    const m = re.exec(src);
    if (!m) validation(`Invalid expression: syntax error near "${src.slice(pos, pos + 12)}"`);
    pos = re.lastIndex;
    if (m?.[1]) tokens.push({ kind: 'punct', text: m[1] });
    else if (m?.[2]) tokens.push({ kind: 'placeholder', text: m[2] });
    else if (m?.[3]) tokens.push({ kind: 'value', text: m[3] });
    else if (m?.[4]) tokens.push({ kind: 'number', text: m[4] });
    else if (m?.[5]) tokens.push({ kind: 'name', text: m[5] });
  }
  return tokens;
};

/**
 * DynamoDB's reserved words: a bare attribute name in an expression must not be one of them (AWS answers
 * ValidationException; use an ExpressionAttributeNames placeholder). Checked here so local runs catch it.
 */
const RESERVED = new Set(
  [
    'ABORT ABSOLUTE ACTION ADD AFTER AGENT AGGREGATE ALL ALLOCATE ALTER ANALYZE AND ANY ARCHIVE ARE ARRAY',
    'AS ASC ASCII ASENSITIVE ASSERTION ASYMMETRIC AT ATOMIC ATTACH ATTRIBUTE AUTH AUTHORIZATION AUTHORIZE',
    'AUTO AVG BACK BACKUP BASE BATCH BEFORE BEGIN BETWEEN BIGINT BINARY BIT BLOB BLOCK BOOLEAN BOTH',
    'BREADTH BUCKET BULK BY BYTE CALL CALLED CALLING CAPACITY CASCADE CASCADED CASE CAST CATALOG CHAR',
    'CHARACTER CHECK CLASS CLOB CLOSE CLUSTER CLUSTERED CLUSTERING CLUSTERS COALESCE COLLATE COLLATION',
    'COLLECTION COLUMN COLUMNS COMBINE COMMENT COMMIT COMPACT COMPILE COMPRESS CONDITION CONFLICT CONNECT',
    'CONNECTION CONSISTENCY CONSISTENT CONSTRAINT CONSTRAINTS CONSTRUCTOR CONSUMED CONTINUE CONVERT COPY',
    'CORRESPONDING COUNT COUNTER CREATE CROSS CUBE CURRENT CURSOR CYCLE DATA DATABASE DATE DATETIME DAY',
    'DEALLOCATE DEC DECIMAL DECLARE DEFAULT DEFERRABLE DEFERRED DEFINE DEFINED DEFINITION DELETE',
    'DELIMITED DEPTH DEREF DESC DESCRIBE DESCRIPTOR DETACH DETERMINISTIC DIAGNOSTICS DIRECTORIES DISABLE',
    'DISCONNECT DISTINCT DISTRIBUTE DO DOMAIN DOUBLE DROP DUMP DURATION DYNAMIC EACH ELEMENT ELSE ELSEIF',
    'EMPTY ENABLE END EQUAL EQUALS ERROR ESCAPE ESCAPED EVAL EVALUATE EXCEEDED EXCEPT EXCEPTION',
    'EXCEPTIONS EXCLUSIVE EXEC EXECUTE EXISTS EXIT EXPLAIN EXPLODE EXPORT EXPRESSION EXTENDED EXTERNAL',
    'EXTRACT FAIL FALSE FAMILY FETCH FIELDS FILE FILTER FILTERING FINAL FINISH FIRST FIXED FLATTERN FLOAT',
    'FOR FORCE FOREIGN FORMAT FORWARD FOUND FREE FROM FULL FUNCTION FUNCTIONS GENERAL GENERATE GET GLOB',
    'GLOBAL GO GOTO GRANT GREATER GROUP GROUPING HANDLER HASH HAVE HAVING HEAP HIDDEN HOLD HOUR',
    'IDENTIFIED IDENTITY IF IGNORE IMMEDIATE IMPORT IN INCLUDING INCLUSIVE INCREMENT INCREMENTAL INDEX',
    'INDEXED INDEXES INDICATOR INFINITE INITIALLY INLINE INNER INNTER INOUT INPUT INSENSITIVE INSERT',
    'INSTEAD INT INTEGER INTERSECT INTERVAL INTO INVALIDATE IS ISOLATION ITEM ITEMS ITERATE JOIN KEY KEYS',
    'LAG LANGUAGE LARGE LAST LATERAL LEAD LEADING LEAVE LEFT LENGTH LESS LEVEL LIKE LIMIT LIMITED LINES',
    'LIST LOAD LOCAL LOCALTIME LOCALTIMESTAMP LOCATION LOCATOR LOCK LOCKS LOG LOGED LONG LOOP LOWER MAP',
    'MATCH MATERIALIZED MAX MAXLEN MEMBER MERGE METHOD METRICS MIN MINUS MINUTE MISSING MOD MODE MODIFIES',
    'MODIFY MODULE MONTH MULTI MULTISET NAME NAMES NATIONAL NATURAL NCHAR NCLOB NEW NEXT NO NONE NOT NULL',
    'NULLIF NUMBER NUMERIC OBJECT OF OFFLINE OFFSET OLD ON ONLINE ONLY OPAQUE OPEN OPERATOR OPTION OR',
    'ORDER ORDINALITY OTHER OTHERS OUT OUTER OUTPUT OVER OVERLAPS OVERRIDE OWNER PAD PARALLEL PARAMETER',
    'PARAMETERS PARTIAL PARTITION PARTITIONED PARTITIONS PATH PERCENT PERCENTILE PERMISSION PERMISSIONS',
    'PIPE PIPELINED PLAN POOL POSITION PRECISION PREPARE PRESERVE PRIMARY PRIOR PRIVATE PRIVILEGES',
    'PROCEDURE PROCESSED PROJECT PROJECTION PROPERTY PROVISIONING PUBLIC PUT QUERY QUIT QUORUM RAISE',
    'RANDOM RANGE RANK RAW READ READS REAL REBUILD RECORD RECURSIVE REDUCE REF REFERENCE REFERENCES',
    'REFERENCING REGEXP REGION REINDEX RELATIVE RELEASE REMAINDER RENAME REPEAT REPLACE REQUEST RESET',
    'RESIGNAL RESOURCE RESPONSE RESTORE RESTRICT RESULT RETURN RETURNING RETURNS REVERSE REVOKE RIGHT',
    'ROLE ROLES ROLLBACK ROLLUP ROUTINE ROW ROWS RULE RULES SAMPLE SATISFIES SAVE SAVEPOINT SCAN SCHEMA',
    'SCOPE SCROLL SEARCH SECOND SECTION SEGMENT SEGMENTS SELECT SELF SEMI SENSITIVE SEPARATE SEQUENCE',
    'SERIALIZABLE SESSION SET SETS SHARD SHARE SHARED SHORT SHOW SIGNAL SIMILAR SIZE SKEWED SMALLINT',
    'SNAPSHOT SOME SOURCE SPACE SPACES SPARSE SPECIFIC SPECIFICTYPE SPLIT SQL SQLCODE SQLERROR',
    'SQLEXCEPTION SQLSTATE SQLWARNING START STATE STATIC STATUS STORAGE STORE STORED STREAM STRING STRUCT',
    'STYLE SUB SUBMULTISET SUBPARTITION SUBSTRING SUBTYPE SUM SUPER SYMMETRIC SYNONYM SYSTEM TABLE',
    'TABLESAMPLE TEMP TEMPORARY TERMINATED TEXT THAN THEN THROUGHPUT TIME TIMESTAMP TIMEZONE TINYINT TO',
    'TOKEN TOTAL TOUCH TRAILING TRANSACTION TRANSFORM TRANSLATE TRANSLATION TREAT TRIGGER TRIM TRUE',
    'TRUNCATE TTL TUPLE TYPE UNDER UNDO UNION UNIQUE UNIT UNKNOWN UNLOGGED UNNEST UNPROCESSED UNSIGNED',
    'UNTIL UPDATE UPPER URL USAGE USE USER USERS USING UUID VACUUM VALUE VALUED VALUES VARCHAR VARIABLE',
    'VARIANCE VARINT VARYING VIEW VIEWS VIRTUAL VOID WAIT WHEN WHENEVER WHERE WHILE WINDOW WITH WITHIN',
    'WITHOUT WORK WRAPPED WRITE YEAR ZONE',
  ]
    .join(' ')
    .split(' '),
);

type PathPart = string | number;

interface Ctx {
  names: Record<string, string>;
  values: Record<string, AttributeValue>;
  usedNames: Set<string>;
  usedValues: Set<string>;
}

class Parser {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly ctx: Ctx,
  ) {}

  peek(offset = 0): Token | undefined {
    return this.tokens[this.i + offset];
  }
  done(): boolean {
    return this.i >= this.tokens.length;
  }
  next(): Token {
    const t = this.tokens[this.i++];
    if (!t) return validation('Invalid expression: unexpected end of expression');
    return t;
  }
  isKeyword(word: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t?.kind === 'name' && t.text.toUpperCase() === word;
  }
  isPunct(p: string): boolean {
    const t = this.peek();
    return t?.kind === 'punct' && t.text === p;
  }
  expect(p: string): void {
    const t = this.next();
    if (t.kind !== 'punct' || t.text !== p)
      validation(`Invalid expression: expected "${p}", found "${t.text}"`);
  }

  path(): PathPart[] {
    const parts: PathPart[] = [this.pathName()];
    for (;;) {
      if (this.isPunct('.')) {
        this.next();
        parts.push(this.pathName());
      } else if (this.isPunct('[')) {
        this.next();
        const n = this.next();
        if (n.kind !== 'number') validation('Invalid expression: list index must be a number');
        parts.push(Number(n.text));
        this.expect(']');
      } else return parts;
    }
  }
  private pathName(): string {
    const t = this.next();
    if (t.kind === 'placeholder') {
      const name = this.ctx.names[t.text];
      if (name === undefined)
        validation(`Value provided in ExpressionAttributeNames unused or undefined: ${t.text}`);
      this.ctx.usedNames.add(t.text);
      return name as string;
    }
    if (t.kind === 'name') {
      if (RESERVED.has(t.text.toUpperCase())) {
        validation(`Invalid expression: Attribute name is a reserved keyword; reserved keyword: ${t.text}`);
      }
      return t.text;
    }
    return validation(`Invalid expression: expected an attribute name, found "${t.text}"`);
  }
  valueRef(): AttributeValue {
    const t = this.next();
    const v = this.ctx.values[t.text];
    if (v === undefined)
      validation(`An expression attribute value used in expression is not defined: ${t.text}`);
    this.ctx.usedValues.add(t.text);
    return v as AttributeValue;
  }
}

// ---------------------------------------------------------------- expressions: paths on items

const getPath = (item: Item, path: PathPart[]): AttributeValue | undefined => {
  let cur: AttributeValue | undefined = item[path[0] as string];
  for (const part of path.slice(1)) {
    if (!cur) return undefined;
    if (typeof part === 'number') cur = 'L' in cur ? cur.L[part] : undefined;
    else cur = 'M' in cur ? cur.M[part] : undefined;
  }
  return cur;
};

const setPath = (item: Item, path: PathPart[], value: AttributeValue): void => {
  if (path.length === 1) {
    item[path[0] as string] = value;
    return;
  }
  const parent = getPath(item, path.slice(0, -1));
  const last = path[path.length - 1] as PathPart;
  if (parent && typeof last === 'number' && 'L' in parent) {
    if (last >= parent.L.length) parent.L.push(value);
    else parent.L[last] = value;
  } else if (parent && typeof last === 'string' && 'M' in parent) parent.M[last] = value;
  else validation('The document path provided in the update expression is invalid for update');
};

const removePath = (item: Item, path: PathPart[]): void => {
  if (path.length === 1) {
    delete item[path[0] as string];
    return;
  }
  const parent = getPath(item, path.slice(0, -1));
  const last = path[path.length - 1] as PathPart;
  if (parent && typeof last === 'number' && 'L' in parent) parent.L.splice(last, 1);
  else if (parent && typeof last === 'string' && 'M' in parent) delete parent.M[last];
};

// ---------------------------------------------------------------- condition expressions

type Operand = (item: Item) => AttributeValue | undefined;

const parseOperand = (p: Parser): Operand => {
  const t = p.peek();
  if (t?.kind === 'value') {
    const v = p.valueRef();
    return () => v;
  }
  if (t?.kind === 'name' && t.text === 'size' && p.peek(1)?.text === '(') {
    p.next();
    p.expect('(');
    const path = p.path();
    p.expect(')');
    return (item) => sizeOf(getPath(item, path));
  }
  const path = p.path();
  return (item) => getPath(item, path);
};

type Condition = (item: Item) => boolean;

const COMPARATORS: Record<string, (a: AttributeValue | undefined, b: AttributeValue | undefined) => boolean> =
  {
    '=': (a, b) => equal(a, b),
    '<>': (a, b) => !!a && !!b && !equal(a, b),
    '<': (a, b) => (order(a, b) ?? Number.NaN) < 0,
    '<=': (a, b) => (order(a, b) ?? Number.NaN) <= 0,
    '>': (a, b) => (order(a, b) ?? Number.NaN) > 0,
    '>=': (a, b) => (order(a, b) ?? Number.NaN) >= 0,
  };

const parsePrimary = (p: Parser): Condition => {
  if (p.isPunct('(')) {
    p.next();
    const c = parseOr(p);
    p.expect(')');
    return c;
  }
  const t = p.peek();
  const fn = t?.kind === 'name' && p.peek(1)?.text === '(' ? t.text : undefined;
  if (fn && fn !== 'size') {
    p.next();
    p.expect('(');
    const path = p.path();
    let arg: Operand | undefined;
    if (p.isPunct(',')) {
      p.next();
      arg = parseOperand(p);
    }
    p.expect(')');
    switch (fn) {
      case 'attribute_exists':
        return (item) => getPath(item, path) !== undefined;
      case 'attribute_not_exists':
        return (item) => getPath(item, path) === undefined;
      case 'attribute_type':
        return (item) => {
          const v = getPath(item, path);
          const want = arg?.(item);
          return !!v && !!want && 'S' in want && typeOf(v) === want.S;
        };
      case 'begins_with':
        return (item) => {
          const v = getPath(item, path);
          const prefix = arg?.(item);
          return !!v && !!prefix && 'S' in v && 'S' in prefix && v.S.startsWith(prefix.S);
        };
      case 'contains':
        return (item) => {
          const v = getPath(item, path);
          const needle = arg?.(item);
          if (!v || !needle) return false;
          if ('S' in v && 'S' in needle) return v.S.includes(needle.S);
          if ('SS' in v && 'S' in needle) return v.SS.includes(needle.S);
          if ('NS' in v && 'N' in needle) return v.NS.some((n) => Number(n) === Number(needle.N));
          if ('L' in v) return v.L.some((x) => equal(x, needle));
          return false;
        };
      default:
        return validation(`Invalid function name; function: ${fn}`);
    }
  }
  const left = parseOperand(p);
  if (p.isKeyword('BETWEEN')) {
    p.next();
    const lo = parseOperand(p);
    if (!p.isKeyword('AND')) validation('Invalid expression: BETWEEN needs AND');
    p.next();
    const hi = parseOperand(p);
    return (item) => {
      const v = left(item);
      return (order(v, lo(item)) ?? Number.NaN) >= 0 && (order(v, hi(item)) ?? Number.NaN) <= 0;
    };
  }
  if (p.isKeyword('IN')) {
    p.next();
    p.expect('(');
    const options = [parseOperand(p)];
    while (p.isPunct(',')) {
      p.next();
      options.push(parseOperand(p));
    }
    p.expect(')');
    return (item) => options.some((o) => equal(left(item), o(item)));
  }
  const op = p.next();
  const compare = op.kind === 'punct' ? COMPARATORS[op.text] : undefined;
  if (!compare) return validation(`Invalid expression: unexpected "${op.text}"`);
  const right = parseOperand(p);
  return (item) => compare(left(item), right(item));
};

const parseNot = (p: Parser): Condition => {
  if (p.isKeyword('NOT')) {
    p.next();
    const c = parseNot(p);
    return (item) => !c(item);
  }
  return parsePrimary(p);
};

const parseAnd = (p: Parser): Condition => {
  let c = parseNot(p);
  while (p.isKeyword('AND')) {
    p.next();
    const left = c;
    const right = parseNot(p);
    c = (item) => left(item) && right(item);
  }
  return c;
};

function parseOr(p: Parser): Condition {
  let c = parseAnd(p);
  while (p.isKeyword('OR')) {
    p.next();
    const left = c;
    const right = parseAnd(p);
    c = (item) => left(item) || right(item);
  }
  return c;
}

const parseCondition = (src: string, ctx: Ctx): Condition => {
  const p = new Parser(tokenize(src), ctx);
  const c = parseOr(p);
  if (!p.done()) validation(`Invalid ConditionExpression: unexpected "${p.peek()?.text}"`);
  return c;
};

// ---------------------------------------------------------------- update expressions

type UpdateAction = { paths: PathPart[]; apply: (item: Item, old: Item) => void };

const arith = (
  a: AttributeValue | undefined,
  b: AttributeValue | undefined,
  sign: 1 | -1,
): AttributeValue => {
  if (!a || !b || !('N' in a) || !('N' in b)) {
    return validation('An operand in the update expression has an incorrect data type');
  }
  return { N: String(Number(a.N) + sign * Number(b.N)) };
};

const parseSetOperand = (p: Parser): Operand => {
  const t = p.peek();
  if (
    t?.kind === 'name' &&
    (t.text === 'if_not_exists' || t.text === 'list_append') &&
    p.peek(1)?.text === '('
  ) {
    p.next();
    p.expect('(');
    if (t.text === 'if_not_exists') {
      const path = p.path();
      p.expect(',');
      const fallback = parseSetOperand(p);
      p.expect(')');
      return (item) => getPath(item, path) ?? fallback(item);
    }
    const a = parseSetOperand(p);
    p.expect(',');
    const b = parseSetOperand(p);
    p.expect(')');
    return (item) => {
      const la = a(item);
      const lb = b(item);
      if (!la || !lb || !('L' in la) || !('L' in lb)) return validation('list_append needs two lists');
      return { L: [...clone(la.L), ...clone(lb.L)] };
    };
  }
  return parseOperand(p);
};

const parseSetValue = (p: Parser): Operand => {
  const left = parseSetOperand(p);
  if (p.isPunct('+') || p.isPunct('-')) {
    const sign = p.next().text === '+' ? 1 : -1;
    const right = parseSetOperand(p);
    return (item) => arith(left(item), right(item), sign);
  }
  return left;
};

const SECTIONS = ['SET', 'REMOVE', 'ADD', 'DELETE'];

const parseUpdate = (src: string, ctx: Ctx): UpdateAction[] => {
  const p = new Parser(tokenize(src), ctx);
  const actions: UpdateAction[] = [];
  const seen = new Set<string>();
  while (!p.done()) {
    const section = p.next().text.toUpperCase();
    if (!SECTIONS.includes(section) || seen.has(section)) {
      validation(`Invalid UpdateExpression: unexpected "${section}"`);
    }
    seen.add(section);
    do {
      if (p.isPunct(',')) p.next();
      const path = p.path();
      if (section === 'SET') {
        p.expect('=');
        const value = parseSetValue(p);
        // Operands read the item as it was before the update, as DynamoDB does.
        actions.push({
          paths: path,
          apply: (item, old) =>
            setPath(
              item,
              path,
              clone(
                value(old) ??
                  validation(
                    'The provided expression refers to an attribute that does not exist in the item',
                  ),
              ),
            ),
        });
      } else if (section === 'REMOVE') {
        actions.push({ paths: path, apply: (item) => removePath(item, path) });
      } else {
        const operand = parseOperand(p);
        actions.push({
          paths: path,
          apply: (item, old) => {
            const cur = getPath(item, path);
            const v = operand(old);
            if (!v) return;
            if (section === 'ADD' && 'N' in v) setPath(item, path, cur ? arith(cur, v, 1) : v);
            else if ('SS' in v || 'NS' in v || 'BS' in v) {
              const key = typeOf(v) as 'SS' | 'NS' | 'BS';
              const vs = (v as Record<string, string[]>)[key] ?? [];
              const have = cur ? ((cur as Record<string, string[]>)[key] ?? []) : [];
              const next =
                section === 'ADD' ? [...new Set([...have, ...vs])] : have.filter((x) => !vs.includes(x));
              if (next.length === 0) removePath(item, path);
              else setPath(item, path, { [key]: next } as AttributeValue);
            } else validation(`${section} supports only numbers and sets`);
          },
        });
      }
    } while (p.isPunct(','));
  }
  return actions;
};

// ---------------------------------------------------------------- the service

interface ExprInput {
  ConditionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, AttributeValue>;
}

const context = (req: ExprInput): Ctx => ({
  names: req.ExpressionAttributeNames ?? {},
  values: req.ExpressionAttributeValues ?? {},
  usedNames: new Set(),
  usedValues: new Set(),
});

const checkAllUsed = (ctx: Ctx): void => {
  const unusedName = Object.keys(ctx.names).find((n) => !ctx.usedNames.has(n));
  if (unusedName)
    validation(`Value provided in ExpressionAttributeNames unused in expressions: keys: {${unusedName}}`);
  const unusedValue = Object.keys(ctx.values).find((v) => !ctx.usedValues.has(v));
  if (unusedValue)
    validation(`Value provided in ExpressionAttributeValues unused in expressions: keys: {${unusedValue}}`);
};

const checkCondition = (req: ExprInput, ctx: Ctx, current: Item | undefined): void => {
  if (!req.ConditionExpression) return;
  const condition = parseCondition(req.ConditionExpression, ctx);
  if (!condition(current ?? {})) fail('ConditionalCheckFailedException', 'The conditional request failed');
};

export interface DynamoDbServiceOptions {
  /** Tables that exist from the start (key attributes are strings). */
  tables?: Array<{ name: string; hashKey: string; rangeKey?: string }>;
}

/** A handle on the in-memory state, for tests and the emulator's inspection endpoints. */
export interface DynamoDbService extends JsonService {
  /** A copy of every item of a table. */
  items(tableName: string): Item[];
}

export const createDynamoDbService = (options: DynamoDbServiceOptions = {}): DynamoDbService => {
  const tables = new Map<string, Table>();

  const addTable = (
    name: string,
    keySchema: KeyElement[],
    defs: Table['attributeDefinitions'],
    billingMode: string,
  ) => {
    if (tables.has(name)) fail('ResourceInUseException', `Table already exists: ${name}`);
    const table: Table = {
      name,
      keySchema,
      attributeDefinitions: defs,
      billingMode,
      createdAt: Date.now() / 1000,
      ttl: undefined,
      items: new Map(),
    };
    tables.set(name, table);
    return table;
  };

  for (const t of options.tables ?? []) {
    const keySchema: KeyElement[] = [{ AttributeName: t.hashKey, KeyType: 'HASH' }];
    if (t.rangeKey) keySchema.push({ AttributeName: t.rangeKey, KeyType: 'RANGE' });
    addTable(
      t.name,
      keySchema,
      keySchema.map((k) => ({ AttributeName: k.AttributeName, AttributeType: 'S' })),
      'PAY_PER_REQUEST',
    );
  }

  const table = (name: unknown): Table => {
    const t = typeof name === 'string' ? tables.get(name) : undefined;
    if (!t) return fail('ResourceNotFoundException', 'Requested resource not found');
    return t;
  };

  const keyOf = (t: Table, item: Item | undefined): string => {
    if (!item) return validation('The provided key element does not match the schema');
    const parts = t.keySchema.map((k) => {
      const v = item[k.AttributeName];
      if (!v || !('S' in v || 'N' in v || 'B' in v)) {
        return validation('One or more parameter values were invalid: Missing the key attribute in the item');
      }
      return JSON.stringify(v);
    });
    return parts.join('|');
  };

  const keyOnly = (t: Table, key: Item | undefined): Item => {
    const names = t.keySchema.map((k) => k.AttributeName);
    if (!key || Object.keys(key).length !== names.length || names.some((n) => !(n in key))) {
      validation('The provided key element does not match the schema');
    }
    return clone(key as Item);
  };

  const describe = (t: Table) => ({
    TableName: t.name,
    TableArn: `arn:aws:dynamodb:us-east-1:000000000000:table/${t.name}`,
    TableStatus: 'ACTIVE',
    KeySchema: t.keySchema,
    AttributeDefinitions: t.attributeDefinitions,
    BillingModeSummary: { BillingMode: t.billingMode },
    CreationDateTime: t.createdAt,
    ItemCount: t.items.size,
  });

  const pick = (item: Item, paths: PathPart[][]): Item => {
    const out: Item = {};
    for (const p of paths) {
      const top = p[0] as string;
      if (item[top] !== undefined) out[top] = clone(item[top]);
    }
    return out;
  };

  const ops: Record<string, (body: Record<string, unknown>) => unknown> = {
    CreateTable(body) {
      const t = addTable(
        String(body.TableName),
        (body.KeySchema as KeyElement[]) ?? [],
        (body.AttributeDefinitions as Table['attributeDefinitions']) ?? [],
        String(body.BillingMode ?? 'PROVISIONED'),
      );
      return { TableDescription: { ...describe(t), TableStatus: 'ACTIVE' } };
    },
    DescribeTable: (body) => ({ Table: describe(table(body.TableName)) }),
    DeleteTable(body) {
      const t = table(body.TableName);
      tables.delete(t.name);
      return { TableDescription: { ...describe(t), TableStatus: 'DELETING' } };
    },
    ListTables: () => ({ TableNames: [...tables.keys()].sort() }),
    UpdateTimeToLive(body) {
      const t = table(body.TableName);
      const spec = body.TimeToLiveSpecification as { AttributeName: string; Enabled: boolean };
      t.ttl = spec;
      return { TimeToLiveSpecification: spec };
    },
    DescribeTimeToLive(body) {
      const t = table(body.TableName);
      return {
        TimeToLiveDescription: t.ttl?.Enabled
          ? { TimeToLiveStatus: 'ENABLED', AttributeName: t.ttl.AttributeName }
          : { TimeToLiveStatus: 'DISABLED' },
      };
    },
    PutItem(body) {
      const t = table(body.TableName);
      const item = clone(body.Item as Item);
      const k = keyOf(t, item);
      const old = t.items.get(k);
      const ctx = context(body as ExprInput);
      checkCondition(body as ExprInput, ctx, old);
      checkAllUsed(ctx);
      t.items.set(k, item);
      return body.ReturnValues === 'ALL_OLD' && old ? { Attributes: clone(old) } : {};
    },
    GetItem(body) {
      const t = table(body.TableName);
      const item = t.items.get(keyOf(t, keyOnly(t, body.Key as Item)));
      if (!item) return {};
      if (typeof body.ProjectionExpression === 'string') {
        const ctx = context({
          ExpressionAttributeNames: body.ExpressionAttributeNames as Record<string, string>,
        });
        const p = new Parser(tokenize(body.ProjectionExpression), ctx);
        const paths = [p.path()];
        while (p.isPunct(',')) {
          p.next();
          paths.push(p.path());
        }
        return { Item: pick(item, paths) };
      }
      return { Item: clone(item) };
    },
    UpdateItem(body) {
      const t = table(body.TableName);
      const key = keyOnly(t, body.Key as Item);
      const k = keyOf(t, key);
      const old = t.items.get(k);
      const ctx = context(body as ExprInput);
      checkCondition(body as ExprInput, ctx, old);
      const actions =
        typeof body.UpdateExpression === 'string' ? parseUpdate(body.UpdateExpression, ctx) : [];
      checkAllUsed(ctx);
      const keyNames = t.keySchema.map((x) => x.AttributeName);
      if (actions.some((a) => keyNames.includes(a.paths[0] as string))) {
        validation(
          'One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key',
        );
      }
      const before = old ? clone(old) : { ...key };
      const next = clone(before);
      for (const a of actions) a.apply(next, before);
      t.items.set(k, next);
      const touched = actions.map((a) => a.paths);
      switch (body.ReturnValues) {
        case 'ALL_OLD':
          return old ? { Attributes: clone(old) } : {};
        case 'ALL_NEW':
          return { Attributes: clone(next) };
        case 'UPDATED_OLD':
          return old ? { Attributes: pick(old, touched) } : {};
        case 'UPDATED_NEW':
          return { Attributes: pick(next, touched) };
        default:
          return {};
      }
    },
    DeleteItem(body) {
      const t = table(body.TableName);
      const k = keyOf(t, keyOnly(t, body.Key as Item));
      const old = t.items.get(k);
      const ctx = context(body as ExprInput);
      checkCondition(body as ExprInput, ctx, old);
      checkAllUsed(ctx);
      t.items.delete(k);
      return body.ReturnValues === 'ALL_OLD' && old ? { Attributes: clone(old) } : {};
    },
  };

  return {
    targetPrefix: 'DynamoDB_20120810',
    contentType: 'application/x-amz-json-1.0',
    async handle(req) {
      const op = ops[req.operation];
      if (!op) {
        throw new JsonServiceError(
          `${NS}UnknownOperationException`,
          `Operation ${req.operation} is not supported by the emulator`,
        );
      }
      return { body: op(req.body) };
    },
    items: (name) => [...table(name).items.values()].map(clone),
  };
};
