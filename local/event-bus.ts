/**
 * A local EventBridge bus: envelopes published to it are matched against the rules serverless.yml
 * declares (`functions.<key>.events[].eventBridge.pattern`, the same text AWS gets) and delivered to the
 * bound handler. The emulator publishes its RDS events here (`emulator.onEvent`), the path tests' fake
 * world does too; deliveries are kept so tests and the rehearsal can show what woke what, and when.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { SERVERLESS_PATH } from './definition.ts';

export type EventPattern = Record<string, unknown>;

/**
 * The subset of EventBridge pattern matching serverless.yml uses: a field's array lists the accepted
 * values (any one matches), an object descends, `{ exists: true|false }` tests presence (EventBridge
 * user guide, "Event patterns": content filtering, exists matching).
 */
export const matchesPattern = (pattern: unknown, value: unknown): boolean => {
  if (Array.isArray(pattern))
    return pattern.some((accepted) => {
      if (accepted && typeof accepted === 'object' && 'exists' in accepted)
        return (accepted as { exists: boolean }).exists === (value !== undefined);
      return Array.isArray(value) ? value.includes(accepted) : value === accepted;
    });
  if (pattern && typeof pattern === 'object') {
    const record = (value ?? {}) as Record<string, unknown>;
    return Object.entries(pattern).every(([k, sub]) => {
      // An exists:false filter matches an absent field; anything else needs the object to be there.
      if (value === undefined || value === null || typeof value !== 'object')
        return Array.isArray(sub) && matchesPattern(sub, undefined);
      return matchesPattern(sub, record[k]);
    });
  }
  return pattern === value;
};

/** The EventBridge patterns serverless.yml routes to a function. */
export const rulePatternsFor = (functionKey: string): EventPattern[] => {
  const doc = parse(readFileSync(SERVERLESS_PATH, 'utf8'), { logLevel: 'error' }) as {
    functions: Record<string, { events?: Array<{ eventBridge?: { pattern?: EventPattern } }> }>;
  };
  const events = doc.functions[functionKey]?.events ?? [];
  return events.flatMap((e) => (e.eventBridge?.pattern ? [e.eventBridge.pattern] : []));
};

export interface Delivery {
  functionKey: string;
  eventId: string | undefined;
  /** when the bus received it and when the target returned (ms since epoch) */
  publishedAt: number;
  doneAt: number;
  result?: unknown;
  error?: string;
}

type Target = (event: unknown) => Promise<unknown>;

export class LocalEventBus {
  readonly deliveries: Delivery[] = [];
  private readonly rules: Array<{ functionKey: string; pattern: EventPattern; target: Target }> = [];
  private readonly inFlight = new Set<Promise<void>>();

  /** Routes events matching the function's serverless.yml rules to `target` (its handler). */
  bind(functionKey: string, target: Target): this {
    const patterns = rulePatternsFor(functionKey);
    if (patterns.length === 0) throw new Error(`serverless.yml has no eventBridge rule for ${functionKey}`);
    for (const pattern of patterns) this.rules.push({ functionKey, pattern, target });
    return this;
  }

  /** Delivers to every matching target; resolves when they have returned. Target errors are recorded, not thrown. */
  publish(event: unknown): Promise<void> {
    const publishedAt = Date.now();
    const eventId = (event as { detail?: { EventID?: string } } | undefined)?.detail?.EventID;
    const runs = this.rules
      .filter((r) => matchesPattern(r.pattern, event))
      .map(async (r) => {
        const delivery: Delivery = { functionKey: r.functionKey, eventId, publishedAt, doneAt: 0 };
        try {
          delivery.result = await r.target(structuredClone(event));
        } catch (err) {
          delivery.error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
        }
        delivery.doneAt = Date.now();
        this.deliveries.push(delivery);
      });
    const all = Promise.all(runs).then(() => undefined);
    this.inFlight.add(all);
    void all.finally(() => this.inFlight.delete(all));
    return all;
  }

  /** Waits for deliveries still running (before a test asserts, or the rehearsal stops). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }
}
