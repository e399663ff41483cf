/** Task inputs and outputs of the reverse stream's states (PrepareReverseReplication, StartReverseReplication, EndReverseReplication). */
import { z } from 'zod';
import { DatabaseRefSchema, isoTime } from './contracts.ts';

const ReverseDecisionSchema = z.object({ enabled: z.boolean(), reason: z.string() });

/** Before the switch: green (its own instance) will be the new primary, the source is old blue to be. */
export const PrepareReverseReplicationInput = z.object({
  executionId: z.string().min(1),
  reverse: ReverseDecisionSchema,
  sourceId: z.string().min(1),
  greenInstanceId: z.string().min(1),
  database: DatabaseRefSchema,
});

/**
 * After the switch: both instances by resource id (names move at the switch and at a fail-back; resource
 * ids do not), so the stream is always set up and removed between the two servers this run recorded.
 */
export const StartReverseReplicationInput = z.object({
  executionId: z.string().min(1),
  reverse: ReverseDecisionSchema,
  newPrimaryResourceId: z.string().min(1),
  oldBlueResourceId: z.string().nullable(),
  database: DatabaseRefSchema,
});

export const PrepareReverseReplicationOutput = z.looseObject({
  enabled: z.boolean(),
  startPoint: z.string().nullable(),
  detail: z.string(),
  checkedAt: isoTime,
});

export const ReverseStatusOutput = z.looseObject({
  enabled: z.boolean(),
  state: z.enum(['absent', 'prepared', 'replicating', 'broken']),
  lag: z.number().nullable(),
  lagUnit: z.enum(['bytes', 'transactions']),
  detail: z.string(),
  checkedAt: isoTime,
});

export const EndReverseReplicationOutput = z.looseObject({
  ended: z.boolean(),
  detail: z.string(),
  checkedAt: isoTime,
});
