/**
 * Event-driven waits: which RDS Blue/Green event wakes which wait, how an EventBridge envelope is read,
 * and what the relay does with it. Pure: no SDK, no clock.
 *
 * An event only wakes the execution; the Describe that follows (CheckGreen, CheckSwitchover,
 * CheckCompensation) decides. RDS emits events best effort, "might be out of sequence or missing"
 * (RDS User Guide, "Monitoring Amazon RDS events"), so no event is trusted as a verdict: a late 0245
 * must not fail a run whose deployment is AVAILABLE, and a dropped 0244 is caught by the fallback poll
 * (the wait's TimeoutSeconds).
 */
import { TAGS } from './names.ts';

/** The waits that can be woken by an RDS event. */
export type WaitKind = 'green' | 'switchover' | 'compensation';

/**
 * Event IDs (RDS User Guide, "Blue/green deployment events") that end each wait:
 * 0244 tasks completed, 0245 creation failed, 0246 deployment deleted, 0248 switchover completed,
 * 0249 switchover canceled.
 */
export const WAKING_EVENTS: Readonly<Record<WaitKind, readonly string[]>> = {
  green: ['RDS-EVENT-0244', 'RDS-EVENT-0245', 'RDS-EVENT-0246'],
  switchover: ['RDS-EVENT-0248', 'RDS-EVENT-0249', 'RDS-EVENT-0246'],
  compensation: ['RDS-EVENT-0246'],
};

/** Every event ID the EventBridge rule lets through (serverless.yml's pattern lists exactly these). */
export const RELAYED_EVENT_IDS: readonly string[] = [...new Set(Object.values(WAKING_EVENTS).flat())].sort();

export const BLUE_GREEN_DETAIL_TYPE = 'RDS Blue Green Deployment Event';

/** The tag CreateGreen puts on the deployment. */
export const EXECUTION_TAG = TAGS.execution;

export const eventWakes = (eventId: string, wait: WaitKind): boolean => WAKING_EVENTS[wait].includes(eventId);

/** What the relay needs from an RDS Blue/Green event. */
export interface RdsEventFacts {
  eventId: string;
  deploymentId: string;
  /** the `switchyard:execution` tag the deployment carried when RDS sent the event */
  executionArn: string;
  /** when RDS says it happened (detail.Date) */
  date: string;
  message: string;
}

export type ParsedEvent = { ok: true; event: RdsEventFacts } | { ok: false; reason: string };

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/**
 * Reads an EventBridge envelope (`source: aws.rds`, detail-type "RDS Blue Green Deployment Event";
 * detail.SourceIdentifier is the bgd- id, detail.Tags the deployment's tags). Anything else is ignored
 * with a reason, never thrown: an unrelated event must not make the relay fail and be retried.
 */
export const parseRdsEvent = (envelope: unknown): ParsedEvent => {
  const e = (envelope ?? {}) as Record<string, unknown>;
  if (e.source !== 'aws.rds' || e['detail-type'] !== BLUE_GREEN_DETAIL_TYPE)
    return { ok: false, reason: `not an RDS Blue/Green deployment event (${String(e['detail-type'])})` };
  const detail = (e.detail ?? {}) as Record<string, unknown>;
  const eventId = str(detail.EventID);
  const deploymentId = str(detail.SourceIdentifier);
  if (!eventId || !deploymentId) return { ok: false, reason: 'event without EventID or SourceIdentifier' };
  const tags = (detail.Tags ?? {}) as Record<string, unknown>;
  const executionArn = str(tags[EXECUTION_TAG]);
  if (!executionArn)
    return {
      ok: false,
      reason: `deployment ${deploymentId} has no ${EXECUTION_TAG} tag: not a Switchyard run`,
    };
  return {
    ok: true,
    event: {
      eventId,
      deploymentId,
      executionArn,
      date: str(detail.Date) ?? str(e.time) ?? '',
      message: str(detail.Message) ?? '',
    },
  };
};

/** A wait the execution has armed: its task token, stored under the execution. */
export interface ArmedWait {
  executionArn: string;
  deploymentId: string;
  wait: WaitKind;
  taskToken: string;
  /** the last Describe before the wait (its checkedAt): events dated before it were already seen */
  since: string;
}

/** The output the waiting Task receives (its ResultPath), whether the relay or the arming woke it. */
export interface WakeOutput {
  wokenBy: 'event';
  eventId: string;
  deploymentId: string;
  date: string;
  message: string;
}

export type RelayDecision = { action: 'wake'; output: WakeOutput } | { action: 'ignore'; reason: string };

const newer = (date: string, since: string): boolean => {
  const d = Date.parse(date);
  const s = Date.parse(since);
  // An undated event cannot be proven stale: waking costs one Describe, missing it a fallback poll.
  return Number.isNaN(d) || Number.isNaN(s) || d >= s;
};

/**
 * Whether an event wakes an armed wait: same execution (the tag), same deployment (a retried run or a
 * person's second deployment tagged alike must not wake it), an event that ends this kind of wait, and
 * not older than the Describe that started the wait.
 */
export const decideWake = (event: RdsEventFacts, armed: ArmedWait | undefined): RelayDecision => {
  if (!armed) return { action: 'ignore', reason: `no wait armed for ${event.executionArn}` };
  if (armed.executionArn !== event.executionArn)
    return { action: 'ignore', reason: 'the armed wait belongs to another execution' };
  if (armed.deploymentId !== event.deploymentId)
    return {
      action: 'ignore',
      reason: `event for ${event.deploymentId}, but the execution waits on ${armed.deploymentId}`,
    };
  if (!eventWakes(event.eventId, armed.wait))
    return { action: 'ignore', reason: `${event.eventId} does not end the ${armed.wait} wait` };
  if (!newer(event.date, armed.since))
    return {
      action: 'ignore',
      reason: `${event.eventId} of ${event.date} predates the last check (${armed.since})`,
    };
  return {
    action: 'wake',
    output: {
      wokenBy: 'event',
      eventId: event.eventId,
      deploymentId: event.deploymentId,
      date: event.date,
      message: event.message,
    },
  };
};

/**
 * The fallback poll of an event wait: events are best effort, so the wait times out and Describes
 * anyway. Fifteen polls' worth of the loop's own poll interval, at most 15 minutes (and never shorter
 * than one poll), so it scales with the short polls of a rehearsal.
 */
export const FALLBACK_POLLS = 15;
export const FALLBACK_CAP_SECONDS = 900;
export const fallbackSeconds = (pollSeconds: number, capSeconds = FALLBACK_CAP_SECONDS): number =>
  Math.max(pollSeconds, Math.min(pollSeconds * FALLBACK_POLLS, capSeconds));
