/** After a verified fail-back: which Blue/Green object may go (only the object, only this run's, never a held one). */
import { describe, expect, it } from 'vitest';
import type { DeploymentFacts } from '#domain/facts';
import { decideFailBackDeployment } from '#domain/fail-back-deployment';

const RUN = 'arn:aws:states:us-east-1:123456789012:execution:sm:run-1';
const deployment = (over: Partial<DeploymentFacts> = {}): DeploymentFacts => ({
  id: 'bgd-1',
  name: 'switchyard-orders-db',
  source: 'arn:aws:rds:us-east-1:123456789012:db:orders-db',
  status: 'SWITCHOVER_COMPLETED',
  tasks: [],
  switchoverDetails: [],
  tags: { 'switchyard:execution': RUN },
  ...over,
});

describe('decideFailBackDeployment', () => {
  it("deletes this run's completed switchover", () => {
    expect(decideFailBackDeployment(deployment(), RUN)).toEqual({ action: 'delete' });
  });

  it.each<[string, DeploymentFacts | undefined, RegExp]>([
    ['already gone', undefined, /^already gone$/],
    [
      'held',
      deployment({ tags: { 'switchyard:execution': RUN, 'switchyard:hold': 'ops' } }),
      /held \(switchyard:hold=ops\)/,
    ],
    ['another run', deployment({ tags: { 'switchyard:execution': 'other' } }), /not this run's: .*"other"/],
    ['untagged', deployment({ tags: {} }), /not this run's: switchyard:execution is absent/],
    ['not switched', deployment({ status: 'AVAILABLE' }), /status AVAILABLE, not a completed switchover/],
  ])('keeps it when %s, saying why', (_name, d, reason) => {
    const decision = decideFailBackDeployment(d, RUN);
    expect(decision.action).toBe('keep');
    expect(decision.action === 'keep' && decision.reason).toMatch(reason);
  });
});
