/**
 * The two halves of an event wait, over injected gateways (the Lambdas in functions/ bind the real ones):
 * - `armWait`: the waiting Task stores its token; if an event for this wait arrived before (between
 *   the last Describe and now), it wakes itself at once instead of sleeping until the fallback poll;
 * - `relayEvent`: EventBridge delivers an RDS Blue/Green event; the token armed by the execution named in
 *   the deployment's tag is taken (once) and the execution woken.
 * Duplicates, late events for a wait that already moved on, and deployments that are not Switchyard's
 * are ignored with a reason, never thrown: EventBridge would retry a failed invocation for nothing.
 */
import { dynamoDbClient } from '#aws/clients';
import { type EventWaitStore, makeEventWaitStore } from '#aws/event-wait-store';
import { requireEnv, systemClock } from '#aws/gateways';
import { makeTaskTokens, type TaskTokens } from '#aws/task-tokens';
import { type ArmedWait, decideWake, parseRdsEvent, type WakeOutput } from '#domain/rds-events';

export interface EventWaitDeps {
  waits: EventWaitStore;
  tokens: TaskTokens;
  clock: () => Date;
}

/** The real gateways, built on first use (EVENT_WAITS_TABLE is read then, so its absence names itself). */
export const defaultEventWaitDeps = (): EventWaitDeps => {
  let built: Omit<EventWaitDeps, 'clock'> | undefined;
  const get = () =>
    (built ??= {
      waits: makeEventWaitStore(requireEnv('EVENT_WAITS_TABLE'), dynamoDbClient()),
      tokens: makeTaskTokens(),
    });
  return {
    get waits() {
      return get().waits;
    },
    get tokens() {
      return get().tokens;
    },
    clock: systemClock,
  };
};

export type RelayOutcome =
  | { action: 'woke'; executionArn: string; eventId: string; via: 'relay' | 'arm' }
  | { action: 'ignored'; reason: string; eventId?: string };

const epochSeconds = (d: Date): number => Math.floor(d.getTime() / 1000);

/** Takes the token (exactly one caller wins) and sends it the wake-up. */
const wake = async (
  deps: EventWaitDeps,
  armed: ArmedWait,
  output: WakeOutput,
  via: 'relay' | 'arm',
): Promise<RelayOutcome> => {
  if (!(await deps.waits.take(armed.executionArn, armed.taskToken)))
    return {
      action: 'ignored',
      reason: 'the wait was already woken (duplicate event)',
      eventId: output.eventId,
    };
  const sent = await deps.tokens.succeed(armed.taskToken, output);
  if (sent === 'moved-on')
    return {
      action: 'ignored',
      reason: 'the wait had already timed out into its fallback poll',
      eventId: output.eventId,
    };
  return { action: 'woke', executionArn: armed.executionArn, eventId: output.eventId, via };
};

export const relayEvent = async (deps: EventWaitDeps, envelope: unknown): Promise<RelayOutcome> => {
  const parsed = parseRdsEvent(envelope);
  if (!parsed.ok) return { action: 'ignored', reason: parsed.reason };
  const { event } = parsed;
  // Recorded first: a wait armed a moment from now reads it back (the Describe/arm race).
  await deps.waits.record(event, epochSeconds(deps.clock()));
  const armed = await deps.waits.peek(event.executionArn);
  const decision = decideWake(event, armed);
  if (decision.action === 'ignore' || !armed)
    return {
      action: 'ignored',
      reason: decision.action === 'ignore' ? decision.reason : '',
      eventId: event.eventId,
    };
  return wake(deps, armed, decision.output, 'relay');
};

export const armWait = async (deps: EventWaitDeps, wait: ArmedWait): Promise<RelayOutcome> => {
  const earlier = await deps.waits.arm(wait, epochSeconds(deps.clock()));
  if (!earlier) return { action: 'ignored', reason: 'no event seen yet: waiting' };
  const decision = decideWake(earlier, wait);
  if (decision.action === 'ignore')
    return { action: 'ignored', reason: decision.reason, eventId: earlier.eventId };
  return wake(deps, wait, decision.output, 'arm');
};
