/** Contracts of the event-wait Lambdas (the ASL ↔ TypeScript boundary), beside contracts.ts. */
import { z } from 'zod';

/** AwaitRdsEvent: the `.waitForTaskToken` Task's Payload. */
export const AwaitRdsEventInput = z.object({
  taskToken: z.string().min(1).max(1024),
  executionId: z.string().min(1),
  deploymentId: z.string().min(1),
  wait: z.enum(['green', 'switchover', 'compensation']),
  /** checkedAt of the Describe that decided to wait */
  since: z.string().min(1),
});
export type AwaitRdsEventInput = z.output<typeof AwaitRdsEventInput>;

/** The relay's input: any EventBridge envelope (what is not an RDS Blue/Green event is ignored). */
export const RelayRdsEventInput = z.record(z.string(), z.unknown());
