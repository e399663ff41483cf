import { describe, expect, it } from 'vitest';
import { toInstanceFacts } from '../../../src/aws/rds-gateway.ts';

describe('toInstanceFacts: green replication status (DBInstanceStatusInfo)', () => {
  it('keeps every StatusInfos entry with its Normal flag and message', () => {
    const facts = toInstanceFacts({
      DBInstanceIdentifier: 'orders-db-green-abc123',
      StatusInfos: [
        {
          StatusType: 'read replication',
          Normal: false,
          Status: 'error',
          Message: 'Replication degraded: DDL',
        },
      ],
    });
    expect(facts.statusInfos).toEqual([
      { type: 'read replication', status: 'error', normal: false, message: 'Replication degraded: DDL' },
    ]);
  });

  it('reads an absent StatusInfos (blue, or an older response) as none, and a missing Normal as normal', () => {
    expect(toInstanceFacts({ DBInstanceIdentifier: 'orders-db' }).statusInfos).toEqual([]);
    expect(
      toInstanceFacts({ StatusInfos: [{ StatusType: 'read replication', Status: 'replicating' }] })
        .statusInfos,
    ).toEqual([{ type: 'read replication', status: 'replicating', normal: true }]);
  });
});
