/**
 * The AWS Query protocol as RDS, SNS and CloudWatch (for the AWS CLI) speak it:
 * form-encoded requests in, XML out (the AWS Query protocol, as the botocore RDS model and AWS SDK v3's query serializer define it).
 */
import { iso } from '../util.ts';

/** An error answered in the Query error format; `code` is the wire code (not always the SDK class name). */
export class QueryError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'QueryError';
  }
  get type(): 'Sender' | 'Receiver' {
    return this.status >= 500 ? 'Receiver' : 'Sender';
  }
}

export const invalidParameter = (message: string): QueryError =>
  new QueryError('InvalidParameterValue', message, 400);

/** A tree built from the flat `A.B.1.C=v` keys of a Query request. */
type Node = { value?: string; children: Map<string, Node> };

const newNode = (): Node => ({ children: new Map() });

/** Typed access to the members of a Query request (or of one structure inside it). */
export class Params {
  private constructor(private readonly node: Node) {}

  static fromForm(body: string): Params {
    const root = newNode();
    for (const [key, value] of new URLSearchParams(body)) {
      let cur = root;
      for (const part of key.split('.')) {
        let next = cur.children.get(part);
        if (!next) {
          next = newNode();
          cur.children.set(part, next);
        }
        cur = next;
      }
      cur.value = value;
    }
    return new Params(root);
  }

  has(name: string): boolean {
    return this.node.children.has(name);
  }

  str(name: string): string | undefined {
    const v = this.node.children.get(name)?.value;
    return v === undefined || v === '' ? (v === '' ? '' : undefined) : v;
  }

  req(name: string): string {
    const v = this.str(name);
    if (v === undefined || v === '')
      throw new QueryError('MissingParameter', `The request must contain the parameter ${name}`);
    return v;
  }

  int(name: string): number | undefined {
    const v = this.str(name);
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n)) throw invalidParameter(`Invalid value ${v} for ${name}: must be an integer`);
    return n;
  }

  num(name: string): number | undefined {
    const v = this.str(name);
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (Number.isNaN(n)) throw invalidParameter(`Invalid value ${v} for ${name}`);
    return n;
  }

  bool(name: string): boolean | undefined {
    const v = this.str(name);
    if (v === undefined || v === '') return undefined;
    if (v.toLowerCase() === 'true') return true;
    if (v.toLowerCase() === 'false') return false;
    throw invalidParameter(`Invalid boolean value ${v} for ${name}`);
  }

  date(name: string): Date | undefined {
    const v = this.str(name);
    if (v === undefined || v === '') return undefined;
    const d = /^\d+(\.\d+)?$/.test(v) ? new Date(Number(v) * 1000) : new Date(v);
    if (Number.isNaN(d.getTime())) throw invalidParameter(`Invalid timestamp ${v} for ${name}`);
    return d;
  }

  struct(name: string): Params | undefined {
    const n = this.node.children.get(name);
    return n ? new Params(n) : undefined;
  }

  /**
   * Items of a list member. The wire form is `<name>.<member name>.<i>`; the member name comes from the
   * model (`Filter`, `Tag`, `member`, …) and is accepted whatever it is. `Name=` (empty) is an empty list.
   */
  list(name: string): Params[] {
    const n = this.node.children.get(name);
    if (!n) return [];
    const items: Array<[number, Node]> = [];
    for (const [k, child] of n.children) {
      if (/^\d+$/.test(k)) {
        items.push([Number(k), child]); // flattened lists
        continue;
      }
      for (const [i, item] of child.children) if (/^\d+$/.test(i)) items.push([Number(i), item]);
    }
    return items.sort((a, b) => a[0] - b[0]).map(([, node]) => new Params(node));
  }

  strList(name: string): string[] {
    return this.list(name).map((p) => p.node.value ?? '');
  }

  /** The item's own scalar value (for lists of strings). */
  get value(): string | undefined {
    return this.node.value;
  }

  /** `Filters.Filter.N.Name/Values.Value.M`; `Filters=` means no filters. */
  filters(): Array<{ name: string; values: string[] }> {
    return this.list('Filters').map((f) => {
      const name = f.str('Name');
      if (!name) throw invalidParameter('Filter name must be specified');
      return { name, values: f.strList('Values') };
    });
  }

  tags(name = 'Tags'): Tag[] {
    return this.list(name).map((t) => ({ Key: t.str('Key') ?? '', Value: t.str('Value') ?? '' }));
  }
}

export interface Tag {
  Key: string;
  Value: string;
}

/** A list in the XML output, with the element name of its items (`member`, `Tag`, `DBInstance`, …). */
export class XList {
  constructor(
    readonly member: string,
    readonly items: readonly XValue[],
  ) {}
}

export type XValue = string | number | boolean | Date | null | undefined | XList | XObject;
export interface XObject {
  [key: string]: XValue;
}

export const xlist = (member: string, items: readonly XValue[]): XList => new XList(member, items);

const escapeXml = (s: string): string =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');

/** Serializes one element. `undefined`/`null` members are left out; empty lists give `<Name/>`. */
export const toXml = (name: string, v: XValue): string => {
  if (v === undefined || v === null) return '';
  if (v instanceof XList) {
    if (v.items.length === 0) return `<${name}/>`;
    return `<${name}>${v.items.map((i) => toXml(v.member, i)).join('')}</${name}>`;
  }
  if (v instanceof Date) return `<${name}>${iso(v)}</${name}>`;
  if (typeof v === 'object') {
    let inner = '';
    for (const [k, child] of Object.entries(v)) inner += toXml(k, child);
    return `<${name}>${inner}</${name}>`;
  }
  return `<${name}>${escapeXml(String(v))}</${name}>`;
};

export const tagList = (tags: readonly Tag[]): XList =>
  xlist(
    'Tag',
    tags.map((t) => ({ Key: t.Key, Value: t.Value })),
  );

/** `<Op>Response xmlns=…><Op>Result>…</Op>Result><ResponseMetadata>…` */
export const querySuccess = (
  xmlns: string,
  op: string,
  result: XObject | undefined,
  reqId: string,
): string => {
  const res = result === undefined ? '' : toXml(`${op}Result`, result);
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${op}Response xmlns="${xmlns}">${res}<ResponseMetadata><RequestId>${reqId}</RequestId></ResponseMetadata></${op}Response>`;
};

export const queryError = (xmlns: string, err: QueryError, reqId: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${xmlns}"><Error><Type>${err.type}</Type><Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.message)}</Message></Error><RequestId>${reqId}</RequestId></ErrorResponse>`;

/** Marker/MaxRecords pagination with RDS's 20–100 bound. Markers are opaque offsets. */
export const paginate = <T>(items: readonly T[], p: Params, limits = { min: 20, max: 100, def: 100 }) => {
  const max = p.int('MaxRecords') ?? limits.def;
  if (max < limits.min || max > limits.max)
    throw invalidParameter(
      `Invalid value ${max} for MaxRecords. Must be between ${limits.min} and ${limits.max}`,
    );
  let offset = 0;
  const marker = p.str('Marker');
  if (marker) {
    const decoded = Number(Buffer.from(marker, 'base64url').toString('utf8').replace(/^o:/, ''));
    if (!Number.isInteger(decoded) || decoded < 0) throw invalidParameter(`Invalid marker: ${marker}`);
    offset = decoded;
  }
  const page = items.slice(offset, offset + max);
  const next =
    offset + max < items.length ? Buffer.from(`o:${offset + max}`).toString('base64url') : undefined;
  return { page, marker: next };
};
