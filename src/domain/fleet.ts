/**
 * A fleet: many databases through the same Blue/Green change, in waves. The fleet document, its
 * validation (every database's input checked by the single-database schema before anything runs),
 * the wave plan, the child execution names and the failure threshold: pure decisions, no AWS.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { validateExecutionInput } from './input.ts';
import { TAGS } from './names.ts';

const RDS_IDENTIFIER = /^[a-zA-Z](?:-?[a-zA-Z0-9]+)*$/;
/** the approval gate's approvers: an e-mail address or `slack:<user id>` (src/approval/contracts.ts) */
const APPROVER = /^(?:[^\s@]+@[^\s@]+\.[^\s@]+|slack:[UW][A-Z0-9]{2,20})$/;

/**
 * Inline Map iterations write their history into the fleet execution (25,000 events at most) and run at
 * most 40 at a time (Step Functions developer guide, "Using Map state in Inline mode"). A database costs
 * the fleet about 12 history events (iteration start/end, PrepareChild's 5, RunChild's 5, the result
 * Pass); waves above this size run as a Distributed Map, whose child workflow executions keep their own
 * histories and run up to 10,000 at once (same guide, "Distributed mode").
 */
export const INLINE_MAP_MAX_ITEMS = 40;
/** Inline Map's own concurrency limit (same guide). */
export const INLINE_MAP_MAX_CONCURRENCY = 40;

const Overrides = z.record(z.string(), z.unknown());

const DatabaseEntry = z.union([
  z.string().regex(RDS_IDENTIFIER, 'must be an RDS DB instance identifier'),
  z.strictObject({
    id: z.string().regex(RDS_IDENTIFIER, 'must be an RDS DB instance identifier'),
    overrides: Overrides.optional(),
  }),
]);

export const FleetDocument = z
  .strictObject({
    /** the databases by DB instance identifier, each optionally with its own overrides */
    databases: z.array(DatabaseEntry).min(1).optional(),
    /** or every DB instance carrying all these tags (resolved once, when the fleet starts) */
    tagQuery: z
      .strictObject({
        tags: z.record(z.string().min(1), z.string()).refine((t) => Object.keys(t).length > 0),
      })
      .optional(),
    /** overrides by DB instance identifier, for databases found by tagQuery */
    overrides: z.record(z.string(), Overrides).optional(),
    /** the single-database input document shared by every database, without `source` */
    template: z.record(z.string(), z.unknown()),
    canary: z
      .strictObject({
        count: z.number().int().min(0).default(1),
        bakeMinutes: z
          .number()
          .min(0)
          .max(7 * 24 * 60)
          .default(30),
      })
      .prefault({}),
    waves: z.union([
      z.strictObject({ size: z.number().int().min(1) }),
      z.strictObject({ percent: z.number().gt(0).max(100) }),
    ]),
    maxConcurrency: z.number().int().min(1).max(1000).default(10),
    toleratedFailureCount: z.number().int().min(0).optional(),
    toleratedFailurePercent: z.number().min(0).max(100).optional(),
    approval: z
      .union([
        z.literal('perDatabase'),
        z.literal('none'),
        z.strictObject({
          approvers: z
            .array(
              z
                .string()
                .regex(APPROVER, 'must be an e-mail address or a Slack user id written "slack:U0123ABCD"'),
            )
            .min(1),
          timeoutMinutes: z
            .number()
            .positive()
            .max(365 * 24 * 60)
            .default(1440),
        }),
      ])
      .default('none'),
  })
  .superRefine((doc, ctx) => {
    if (!doc.databases === !doc.tagQuery)
      ctx.addIssue({
        code: 'custom',
        path: ['databases'],
        message: 'give either databases or tagQuery (one of them)',
      });
    if (doc.toleratedFailureCount !== undefined && doc.toleratedFailurePercent !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['toleratedFailurePercent'],
        message: 'give toleratedFailureCount or toleratedFailurePercent, not both',
      });
    if (doc.overrides && doc.databases)
      ctx.addIssue({
        code: 'custom',
        path: ['overrides'],
        message: 'with a databases list, put overrides on each entry (databases[i].overrides)',
      });
    if ('source' in doc.template)
      ctx.addIssue({
        code: 'custom',
        path: ['template', 'source'],
        message: 'remove it: each database is the source of its own run',
      });
  });
export type FleetDocument = z.output<typeof FleetDocument>;

export type FleetVerdict<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** Parses the fleet document alone (before any tag query); every problem names its field. */
export const parseFleetDocument = (raw: unknown): FleetVerdict<FleetDocument> => {
  const parsed = FleetDocument.safeParse(raw);
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((i) => {
      const where = i.path
        .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
        .join('')
        .replace(/^\./, '');
      return `${where || 'fleet'}: ${i.message}`;
    }),
  };
};

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep merge: objects merge key by key, anything else (arrays included) in `over` replaces `base`. */
export const deepMerge = (base: unknown, over: unknown): unknown => {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
};

export interface FleetMember {
  id: string;
  overrides: Record<string, unknown>;
}

/** The databases of a document that lists them (a tag query's are passed in once resolved). */
export const listedMembers = (doc: FleetDocument): FleetMember[] =>
  (doc.databases ?? []).map((d) =>
    typeof d === 'string' ? { id: d, overrides: {} } : { id: d.id, overrides: d.overrides ?? {} },
  );

/** The members a tag query found, with the document's overrides by id. */
export const taggedMembers = (doc: FleetDocument, ids: string[]): FleetMember[] =>
  [...ids].sort().map((id) => ({ id, overrides: doc.overrides?.[id] ?? {} }));

/**
 * One database's input: template, then its overrides, then the source. With a per-wave (or no) fleet
 * approval the child does not ask again; with `perDatabase` it asks like a single run.
 */
export const childInput = (doc: FleetDocument, member: FleetMember): Record<string, unknown> => {
  const merged = deepMerge(doc.template, member.overrides) as Record<string, unknown>;
  const approval =
    doc.approval === 'perDatabase'
      ? merged.approval
      : { ...(isPlainObject(merged.approval) ? merged.approval : {}), required: false };
  return { ...merged, approval, source: { dbInstanceIdentifier: member.id } };
};

/**
 * Every database's input validated by the single-database schema. One bad database refuses the whole
 * fleet, and each problem names it: `databases[2] (billing-db).lag.maxSeconds: …`.
 */
export const validateMembers = (doc: FleetDocument, members: FleetMember[]): string[] => {
  const problems: string[] = [];
  const seen = new Set<string>();
  members.forEach((m, i) => {
    if (seen.has(m.id)) problems.push(`databases[${i}] (${m.id}): listed twice; list each database once`);
    seen.add(m.id);
    if (isPlainObject(m.overrides) && 'source' in m.overrides)
      problems.push(`databases[${i}] (${m.id}).overrides.source: remove it; the database's id is its source`);
    const verdict = validateExecutionInput(childInput(doc, m));
    if (!verdict.ok) problems.push(...verdict.problems.map((p) => `databases[${i}] (${m.id}).${p}`));
  });
  if (members.length === 0)
    problems.push('databases: the fleet has no database (the tag query matched nothing)');
  return problems;
};

export interface Wave {
  index: number;
  kind: 'canary' | 'wave';
  ids: string[];
}

/**
 * The waves: the canary (its count, at most the fleet) first, then the rest in order by `size`, or by
 * `percent` of the whole fleet (rounded up, at least one database per wave).
 */
export const planWaves = (
  ids: string[],
  canaryCount: number,
  waves: { size: number } | { percent: number },
): Wave[] => {
  const plan: Wave[] = [];
  const canary = ids.slice(0, Math.min(canaryCount, ids.length));
  if (canary.length > 0) plan.push({ index: 0, kind: 'canary', ids: canary });
  const size = 'size' in waves ? waves.size : Math.max(1, Math.ceil((ids.length * waves.percent) / 100));
  for (let at = canary.length; at < ids.length; at += size)
    plan.push({ index: plan.length, kind: 'wave', ids: ids.slice(at, at + size) });
  return plan;
};

const shortHash = (text: string, length = 8): string =>
  createHash('sha256').update(text).digest('hex').slice(0, length);

/**
 * The child execution's name: the same for the same fleet execution and database (a retried
 * StartExecution finds the running child instead of starting a second), at most 80 characters of
 * [A-Za-z0-9-_] (StartExecution's name rules), readable first, unique by the hash.
 */
export const childExecutionName = (fleetExecutionName: string, dbId: string): string => {
  const clean = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, '-');
  const hash = shortHash(`${fleetExecutionName}/${dbId}`);
  return `${clean(fleetExecutionName).slice(0, 30)}-${clean(dbId).slice(0, 40)}-${hash}`;
};

export interface Thresholds {
  toleratedFailureCount: number | null;
  toleratedFailurePercent: number | null;
}

export const thresholdsOf = (doc: FleetDocument): Thresholds => ({
  toleratedFailureCount: doc.toleratedFailureCount ?? (doc.toleratedFailurePercent === undefined ? 0 : null),
  toleratedFailurePercent: doc.toleratedFailurePercent ?? null,
});

/**
 * Whether the failures so far stop further waves. A percentage is of the databases that have run so
 * far (a failed canary of one is 100 %), like a Map's ToleratedFailurePercentage over processed items;
 * exceeding the tolerance stops, reaching it does not. With neither set, no failure is tolerated.
 */
export const thresholdExceeded = (t: Thresholds, failed: number, ran: number): string | null => {
  if (t.toleratedFailureCount !== null && failed > t.toleratedFailureCount)
    return `${failed} failed, more than the ${t.toleratedFailureCount} tolerated (toleratedFailureCount)`;
  if (t.toleratedFailurePercent !== null && ran > 0 && (failed * 100) / ran > t.toleratedFailurePercent)
    return `${failed} of ${ran} failed (${Math.round((failed * 1000) / ran) / 10} %), more than the ${t.toleratedFailurePercent} % tolerated (toleratedFailurePercent)`;
  return null;
};

/** What one Map iteration returns: the child's name and how it ended (no outputs: they stay small). */
export const ChildResult = z.object({
  id: z.string(),
  /** null when the child never started (PrepareChild failed) */
  childName: z.string().nullable(),
  status: z.enum(['SUCCEEDED', 'FAILED']),
  executionArn: z.string().nullable(),
  error: z.string().nullable(),
});
export type ChildResult = z.infer<typeof ChildResult>;

export interface WaveCounts {
  index: number;
  kind: 'canary' | 'wave';
  planned: number;
  succeeded: number;
  failed: number;
  failedIds: string[];
}

export interface FleetProgress {
  decision: 'next' | 'stop' | 'done';
  /** the wave to run next (decision `next`) */
  wave: NextWave | null;
  /** seconds to bake before the next wave (after the canary) */
  bakeSeconds: number;
  totals: { planned: number; ran: number; succeeded: number; failed: number; notStarted: number };
  waves: WaveCounts[];
  /** why the fleet stopped (decision `stop`) */
  reason: string | null;
}

export interface NextWave {
  index: number;
  kind: 'canary' | 'wave';
  ids: string[];
  maxConcurrency: number;
  distributed: boolean;
  approval: boolean;
  of: number;
}

export interface FleetPlan {
  ids: string[];
  waves: Wave[];
  thresholds: Thresholds;
  maxConcurrency: number;
  canaryBakeSeconds: number;
  approval: 'perWave' | 'perDatabase' | 'none';
  resolvedBy: 'list' | 'tagQuery';
  tagQuery: Record<string, string> | null;
}

export const nextWave = (plan: FleetPlan, index: number): NextWave => {
  const wave = plan.waves[index]!;
  const distributed = wave.ids.length > INLINE_MAP_MAX_ITEMS;
  return {
    index,
    kind: wave.kind,
    ids: wave.ids,
    maxConcurrency: distributed
      ? plan.maxConcurrency
      : Math.min(plan.maxConcurrency, INLINE_MAP_MAX_CONCURRENCY),
    distributed,
    approval: plan.approval === 'perWave',
    of: plan.waves.length,
  };
};

export const startProgress = (plan: FleetPlan): FleetProgress => ({
  decision: plan.waves.length > 0 ? 'next' : 'done',
  wave: plan.waves.length > 0 ? nextWave(plan, 0) : null,
  bakeSeconds: 0,
  totals: { planned: plan.ids.length, ran: 0, succeeded: 0, failed: 0, notStarted: plan.ids.length },
  waves: [],
  reason: null,
});

/** After a wave: its counts, the totals, and whether the next wave runs, the fleet stops, or it is done. */
export const tallyWave = (
  plan: FleetPlan,
  progress: FleetProgress,
  results: ChildResult[],
): FleetProgress => {
  const wave = progress.wave;
  if (!wave) throw new Error('tallyWave: no wave was running');
  const failedIds = results.filter((r) => r.status !== 'SUCCEEDED').map((r) => r.id);
  const counts: WaveCounts = {
    index: wave.index,
    kind: wave.kind,
    planned: wave.ids.length,
    succeeded: results.length - failedIds.length,
    failed: failedIds.length,
    failedIds,
  };
  const ran = progress.totals.ran + results.length;
  const failed = progress.totals.failed + failedIds.length;
  const totals = {
    planned: plan.ids.length,
    ran,
    succeeded: ran - failed,
    failed,
    notStarted: plan.ids.length - ran,
  };
  const waves = [...progress.waves, counts];
  const exceeded = thresholdExceeded(plan.thresholds, failed, ran);
  const last = wave.index + 1 >= plan.waves.length;
  if (exceeded)
    return {
      decision: 'stop',
      wave: null,
      bakeSeconds: 0,
      totals,
      waves,
      reason: `${exceeded}; ${totals.notStarted} not started`,
    };
  if (last) return { decision: 'done', wave: null, bakeSeconds: 0, totals, waves, reason: null };
  return {
    decision: 'next',
    wave: nextWave(plan, wave.index + 1),
    bakeSeconds: wave.kind === 'canary' ? plan.canaryBakeSeconds : 0,
    totals,
    waves,
    reason: null,
  };
};

/** The plan from a valid document and its members (the tag query already resolved and frozen). */
export const planFleet = (
  doc: FleetDocument,
  members: FleetMember[],
): FleetVerdict<{ plan: FleetPlan; progress: FleetProgress }> => {
  const problems = validateMembers(doc, members);
  if (problems.length > 0) return { ok: false, problems };
  const ids = members.map((m) => m.id);
  const plan: FleetPlan = {
    ids,
    waves: planWaves(ids, doc.canary.count, doc.waves),
    thresholds: thresholdsOf(doc),
    maxConcurrency: doc.maxConcurrency,
    canaryBakeSeconds: Math.round(doc.canary.bakeMinutes * 60),
    approval: typeof doc.approval === 'string' ? doc.approval : 'perWave',
    resolvedBy: doc.tagQuery ? 'tagQuery' : 'list',
    tagQuery: doc.tagQuery?.tags ?? null,
  };
  return { ok: true, value: { plan, progress: startProgress(plan) } };
};

/** Instances a tag query selects: every tag matches, and none is a Switchyard green or old blue. */
export const matchesTagQuery = (
  instance: { id: string; tags: Record<string, string> },
  tags: Record<string, string>,
): boolean => Object.entries(tags).every(([k, v]) => instance.tags[k] === v) && !(TAGS.role in instance.tags);
