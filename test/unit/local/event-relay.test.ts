/**
 * The relay and the arming over the real event-wait store (the emulator's DynamoDB, in process) and a
 * CallbackRegistry standing in for Step Functions: duplicates, stale tokens, unrelated deployments,
 * and the event that arrives before the wait is armed.
 */
import { describe, expect, it } from 'vitest';
import { makeEventWaitStore } from '#aws/event-wait-store';
import { armWait, type EventWaitDeps, relayEvent } from '#lib/rds-event-relay';
import { CallbackRegistry } from '../../../local/callbacks.ts';
import { inProcessDynamoDb, LOCAL_EVENT_WAITS_TABLE, registryTokens } from '../../../local/event-waits.ts';

const EXEC = 'arn:aws:states:us-east-1:123456789012:execution:sm:run-1';
const event = (
  eventId: string,
  date: string,
  tags: Record<string, string> = { 'switchyard:execution': EXEC },
) => ({
  source: 'aws.rds',
  'detail-type': 'RDS Blue Green Deployment Event',
  detail: { SourceIdentifier: 'bgd-1', EventID: eventId, Date: date, Message: eventId, Tags: tags },
});
const setup = () => {
  const callbacks = new CallbackRegistry();
  const deps: EventWaitDeps = {
    waits: makeEventWaitStore(LOCAL_EVENT_WAITS_TABLE, inProcessDynamoDb()),
    tokens: registryTokens(callbacks),
    clock: () => new Date('2026-11-22T10:00:00Z'),
  };
  const park = async (
    token: string,
    since = '2026-11-22T10:00:00.000Z',
    wait: 'green' | 'switchover' = 'green',
  ) => {
    const settled = callbacks.wait(token);
    const armed = await armWait(deps, {
      executionArn: EXEC,
      deploymentId: 'bgd-1',
      wait,
      taskToken: token,
      since,
    });
    return { settled, armed };
  };
  return { callbacks, deps, park };
};

describe('relayEvent and armWait', () => {
  it('wakes the armed wait once; the duplicate finds no token', async () => {
    // Prepare
    const { deps, park, callbacks } = setup();
    const { settled } = await park('tok-1');
    // Act
    const first = await relayEvent(deps, event('RDS-EVENT-0244', '2026-11-22T10:05:00.000Z'));
    const duplicate = await relayEvent(deps, event('RDS-EVENT-0244', '2026-11-22T10:05:00.000Z'));
    // Assess
    expect(first).toMatchObject({ action: 'woke', via: 'relay', eventId: 'RDS-EVENT-0244' });
    await expect(settled).resolves.toMatchObject({ wokenBy: 'event', eventId: 'RDS-EVENT-0244' });
    expect(duplicate).toMatchObject({
      action: 'ignored',
      reason: expect.stringMatching(/already woken|no wait armed|predates/),
    });
    expect(callbacks.settled).toHaveLength(1);
  });

  it('treats a token whose wait timed out into its fallback poll as moved on', async () => {
    const { deps, park, callbacks } = setup();
    await park('tok-1');
    callbacks.forget('tok-1'); // the runner (or AWS) timed the Task out
    const outcome = await relayEvent(deps, event('RDS-EVENT-0244', '2026-11-22T10:05:00.000Z'));
    expect(outcome).toMatchObject({ action: 'ignored', reason: expect.stringMatching(/timed out/) });
  });

  it('ignores deployments without the Switchyard tag, other events, and events older than the last check', async () => {
    const { deps, park, callbacks } = setup();
    await park('tok-1', '2026-11-22T10:00:00.000Z');
    const untagged = await relayEvent(
      deps,
      event('RDS-EVENT-0244', '2026-11-22T10:05:00.000Z', { team: 'a' }),
    );
    const otherRun = await relayEvent(
      deps,
      event('RDS-EVENT-0244', '2026-11-22T10:05:00.000Z', { 'switchyard:execution': `${EXEC}-x` }),
    );
    const wrongKind = await relayEvent(deps, event('RDS-EVENT-0248', '2026-11-22T10:05:00.000Z'));
    const stale = await relayEvent(deps, event('RDS-EVENT-0244', '2026-11-22T09:59:00.000Z'));
    expect([untagged, otherRun, wrongKind, stale].map((o) => o.action)).toEqual([
      'ignored',
      'ignored',
      'ignored',
      'ignored',
    ]);
    expect(callbacks.pending()).toEqual(['tok-1']);
  });

  it('wakes a wait armed after its event arrived (the Describe/arm race), and only a wait it ends', async () => {
    const { deps, park } = setup();
    // The event comes between the last Describe (10:00) and the arming.
    expect(await relayEvent(deps, event('RDS-EVENT-0248', '2026-11-22T10:00:01.000Z'))).toMatchObject({
      action: 'ignored',
      reason: expect.stringMatching(/no wait armed/),
    });
    const green = await park('tok-green', '2026-11-22T10:00:00.000Z', 'green');
    expect(green.armed).toMatchObject({
      action: 'ignored',
      reason: expect.stringMatching(/does not end the green/),
    });
    const switchover = await park('tok-switch', '2026-11-22T10:00:00.000Z', 'switchover');
    expect(switchover.armed).toMatchObject({ action: 'woke', via: 'arm' });
    await expect(switchover.settled).resolves.toMatchObject({ eventId: 'RDS-EVENT-0248' });
  });

  it('lets a newer wait replace an older token: an event wakes only the newest', async () => {
    const { deps, park, callbacks } = setup();
    await park('tok-old', '2026-11-22T10:00:00.000Z');
    const newer = await park('tok-new', '2026-11-22T10:15:00.000Z');
    await relayEvent(deps, event('RDS-EVENT-0244', '2026-11-22T10:20:00.000Z'));
    await expect(newer.settled).resolves.toMatchObject({ eventId: 'RDS-EVENT-0244' });
    expect(callbacks.settled.map((s) => s.token)).toEqual(['tok-new']);
  });
});
