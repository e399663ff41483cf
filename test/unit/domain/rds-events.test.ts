/** Which RDS event wakes which wait, and why everything else is ignored (src/domain/rds-events.ts). */
import { describe, expect, it } from 'vitest';
import {
  type ArmedWait,
  decideWake,
  fallbackSeconds,
  parseRdsEvent,
  type RdsEventFacts,
  RELAYED_EVENT_IDS,
} from '#domain/rds-events';

const EXEC = 'arn:aws:states:us-east-1:123456789012:execution:sm:run-1';
const envelope = (over: Record<string, unknown> = {}, detail: Record<string, unknown> = {}) => ({
  version: '0',
  source: 'aws.rds',
  'detail-type': 'RDS Blue Green Deployment Event',
  time: '2026-11-22T10:00:00Z',
  detail: {
    SourceIdentifier: 'bgd-1',
    EventID: 'RDS-EVENT-0244',
    Date: '2026-11-22T10:00:00.100Z',
    Message: 'Blue/green deployment tasks completed.',
    Tags: { 'switchyard:execution': EXEC },
    ...detail,
  },
  ...over,
});
const armed = (over: Partial<ArmedWait> = {}): ArmedWait => ({
  executionArn: EXEC,
  deploymentId: 'bgd-1',
  wait: 'green',
  taskToken: 'tok-1',
  since: '2026-11-22T09:59:00.000Z',
  ...over,
});
const facts = (over: Partial<RdsEventFacts> = {}): RdsEventFacts => ({
  eventId: 'RDS-EVENT-0244',
  deploymentId: 'bgd-1',
  executionArn: EXEC,
  date: '2026-11-22T10:00:00.100Z',
  message: 'm',
  ...over,
});

describe('parseRdsEvent', () => {
  it('reads the event id, the deployment and the execution tag', () => {
    expect(parseRdsEvent(envelope())).toEqual({
      ok: true,
      event: {
        eventId: 'RDS-EVENT-0244',
        deploymentId: 'bgd-1',
        executionArn: EXEC,
        date: '2026-11-22T10:00:00.100Z',
        message: 'Blue/green deployment tasks completed.',
      },
    });
  });

  it.each([
    ['another detail-type', envelope({ 'detail-type': 'RDS DB Instance Event' }), /not an RDS Blue\/Green/],
    ['another source', envelope({ source: 'aws.states' }), /not an RDS Blue\/Green/],
    ['no EventID', envelope({}, { EventID: undefined }), /without EventID/],
    [
      'a deployment Switchyard did not create',
      envelope({}, { Tags: { team: 'x' } }),
      /no switchyard:execution tag/,
    ],
    ['no tags at all', envelope({}, { Tags: undefined }), /not a Switchyard run/],
    ['not an object', null, /not an RDS Blue\/Green/],
  ])('ignores %s', (_label, input, reason) => {
    const parsed = parseRdsEvent(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });
});

describe('decideWake', () => {
  it.each([
    ['green: tasks completed', 'green', 'RDS-EVENT-0244', 'wake'],
    ['green: creation failed', 'green', 'RDS-EVENT-0245', 'wake'],
    ['green: deployment deleted', 'green', 'RDS-EVENT-0246', 'wake'],
    ['green: a switchover event', 'green', 'RDS-EVENT-0248', 'ignore'],
    ['switchover: completed', 'switchover', 'RDS-EVENT-0248', 'wake'],
    ['switchover: canceled', 'switchover', 'RDS-EVENT-0249', 'wake'],
    ['switchover: a late 0244', 'switchover', 'RDS-EVENT-0244', 'ignore'],
    ['switchover: sequence sync', 'switchover', 'RDS-EVENT-0307', 'ignore'],
    ['compensation: deleted', 'compensation', 'RDS-EVENT-0246', 'wake'],
  ] as const)('%s → %s', (_label, wait, eventId, action) => {
    expect(decideWake(facts({ eventId }), armed({ wait })).action).toBe(action);
  });

  it('wakes with what the Task receives', () => {
    expect(decideWake(facts(), armed())).toEqual({
      action: 'wake',
      output: {
        wokenBy: 'event',
        eventId: 'RDS-EVENT-0244',
        deploymentId: 'bgd-1',
        date: '2026-11-22T10:00:00.100Z',
        message: 'm',
      },
    });
  });

  it.each([
    ['nothing armed', facts(), undefined, /no wait armed/],
    [
      'another deployment (a second one tagged alike)',
      facts({ deploymentId: 'bgd-2' }),
      armed(),
      /waits on bgd-1/,
    ],
    ['another execution', facts(), armed({ executionArn: `${EXEC}-other` }), /another execution/],
    ['an event older than the last check', facts({ date: '2026-11-22T09:58:59.000Z' }), armed(), /predates/],
  ])('ignores %s', (_label, event, wait, reason) => {
    const decision = decideWake(event, wait);
    expect(decision.action).toBe('ignore');
    if (decision.action === 'ignore') expect(decision.reason).toMatch(reason);
  });

  it('wakes on an event dated exactly at the last check, or undated (a Describe is cheaper than a lost event)', () => {
    expect(decideWake(facts({ date: '2026-11-22T09:59:00.000Z' }), armed()).action).toBe('wake');
    expect(decideWake(facts({ date: '' }), armed()).action).toBe('wake');
  });
});

describe('fallbackSeconds and the relayed events', () => {
  it.each([
    [60, 900, 900],
    [1, 900, 15],
    [2, 900, 30],
    [5, 60, 60],
    [1, 60, 15],
    [3600, 900, 3600],
  ])('polls every %i s (cap %i) → a fallback every %i s', (poll, cap, expected) => {
    expect(fallbackSeconds(poll, cap)).toBe(expected);
  });

  it('relays exactly the events that end a wait', () => {
    expect(RELAYED_EVENT_IDS).toEqual([
      'RDS-EVENT-0244',
      'RDS-EVENT-0245',
      'RDS-EVENT-0246',
      'RDS-EVENT-0248',
      'RDS-EVENT-0249',
    ]);
  });
});
