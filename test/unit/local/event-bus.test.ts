/** The local EventBridge bus: serverless.yml's relay rule, matched as EventBridge would. */
import { describe, expect, it } from 'vitest';
import { LocalEventBus, matchesPattern, rulePatternsFor } from '../../../local/event-bus.ts';

const rds = (eventId: string, tags?: Record<string, string>) => ({
  source: 'aws.rds',
  'detail-type': 'RDS Blue Green Deployment Event',
  detail: { EventID: eventId, SourceIdentifier: 'bgd-1', ...(tags ? { Tags: tags } : {}) },
});

describe('the relay rule of serverless.yml', () => {
  const [pattern] = rulePatternsFor('relayRdsEvent');

  it.each([
    ['0244 of a Switchyard deployment', rds('RDS-EVENT-0244', { 'switchyard:execution': 'arn:x' }), true],
    ['0249 of a Switchyard deployment', rds('RDS-EVENT-0249', { 'switchyard:execution': 'arn:x' }), true],
    ['0307 (sequence sync)', rds('RDS-EVENT-0307', { 'switchyard:execution': 'arn:x' }), false],
    ['0244 of someone else’s deployment', rds('RDS-EVENT-0244', { team: 'a' }), false],
    ['0244 without tags', rds('RDS-EVENT-0244'), false],
    ['a DB instance event', { ...rds('RDS-EVENT-0244'), 'detail-type': 'RDS DB Instance Event' }, false],
  ])('%s → %s', (_label, event, expected) => {
    expect(matchesPattern(pattern, event)).toBe(expected);
  });

  it('delivers matching events to the bound target and records failures without throwing', async () => {
    const seen: string[] = [];
    const bus = new LocalEventBus().bind('relayRdsEvent', async (e) => {
      const id = (e as { detail: { EventID: string } }).detail.EventID;
      seen.push(id);
      if (id === 'RDS-EVENT-0245') throw new Error('boom');
      return 'ok';
    });
    await bus.publish(rds('RDS-EVENT-0244', { 'switchyard:execution': 'arn:x' }));
    await bus.publish(rds('RDS-EVENT-0307', { 'switchyard:execution': 'arn:x' }));
    await bus.publish(rds('RDS-EVENT-0245', { 'switchyard:execution': 'arn:x' }));
    await bus.idle();
    expect(seen).toEqual(['RDS-EVENT-0244', 'RDS-EVENT-0245']);
    expect(bus.deliveries.map((d) => [d.eventId, d.result ?? d.error])).toEqual([
      ['RDS-EVENT-0244', 'ok'],
      ['RDS-EVENT-0245', 'Error: boom'],
    ]);
  });

  it('refuses to bind a function serverless.yml routes no events to', () => {
    expect(() => new LocalEventBus().bind('checkGreen', async () => null)).toThrow(/no eventBridge rule/);
  });
});
