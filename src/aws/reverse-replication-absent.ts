/**
 * The reverse-replication gateway used until the engines' implementation is wired in (issue #15 item 1,
 * behind the contract in reverse-replication-gateway.ts): it reports the stream `absent`, so a fail-back
 * decision is refused at the catch-up check with that reason (writes unblocked, name unchanged) instead
 * of renaming onto an old blue that misses every write since the switch.
 */
import type { ReverseReplicationGateway } from './reverse-replication-gateway.ts';

const DETAIL =
  'no reverse replication is set up for this run (this build has no reverse-replication implementation wired in)';

export const absentReverseReplication = (clock: () => Date): ReverseReplicationGateway => ({
  prepare: async () => {
    throw new Error(DETAIL);
  },
  start: async () => {
    throw new Error(DETAIL);
  },
  status: async () => ({
    state: 'absent',
    lag: null,
    lagUnit: 'bytes',
    detail: DETAIL,
    checkedAt: clock().toISOString(),
  }),
  // Nothing to remove.
  stop: async () => undefined,
});
