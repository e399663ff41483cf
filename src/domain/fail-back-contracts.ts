/**
 * Task inputs of the fail-back branch (the ASL builds exactly these with `Parameters`). Every step
 * carries the claim recorded by the run, so each handler re-proves the instances by resource id.
 */
import { z } from 'zod';
import { DatabaseRefSchema, isoTime } from './contracts.ts';

/** What the run proved: the production name, green's (new primary's) and old blue's ids. */
export const FailBackClaimSchema = z.object({
  executionId: z.string().min(1),
  sourceId: z.string().min(1),
  newPrimaryResourceId: z.string().min(1),
  oldBlueId: z.string().min(1),
  oldBlueResourceId: z.string().min(1),
});

const WithDatabase = FailBackClaimSchema.extend({ database: DatabaseRefSchema });

export const BlockWritesInput = WithDatabase.extend({
  catchUpDeadlineSeconds: z.number().int().positive(),
});

export const CheckReverseCatchUpInput = WithDatabase.extend({ deadline: isoTime });

/** The compensation of every step after writes were blocked: also reports what is left of the window. */
export const UndoWriteBlockInput = WithDatabase.extend({ retainUntil: isoTime });

/** MeasureRollbackWindow: old blue's retain-until, the window's end. */
export const MeasureRollbackWindowInput = z.object({ retainUntil: isoTime });

/** HandOverToOldBlue: on MySQL/MariaDB old blue reboots, waited for at most the rename deadline. */
export const HandOverToOldBlueInput = WithDatabase.extend({ pollSeconds: z.number().int().positive() });

/** CheckOldBlueWritable: one read; the ASL compares checkedAt with the deadline HandOverToOldBlue set. */
export const CheckOldBlueWritableInput = WithDatabase.extend({ deadline: isoTime });

export const RenameForFailBackInput = FailBackClaimSchema.extend({
  failedName: z.string().min(1),
  step: z.enum(['new-primary-aside', 'old-blue-to-production', 'undo-new-primary-aside']),
  /** the rename loop's poll: its fixed deadline is shortened to a bounded number of polls */
  pollSeconds: z.number().int().positive(),
});

export const CheckRenameInput = z.object({
  resourceId: z.string().min(1),
  name: z.string().min(1),
});

export const VerifyFailBackInput = WithDatabase.extend({
  failedName: z.string().min(1),
  /** old blue's engine version, read at Preflight (blue's) */
  engineVersion: z.string().min(1),
  alarmNames: z.array(z.string()),
  smokeSql: z.array(z.string()),
});

/** DeleteDeploymentAfterFailBack: the run's Blue/Green object, removed once the fail-back is verified. */
export const DeleteDeploymentAfterFailBackInput = z.object({
  executionId: z.string().min(1),
  deploymentId: z.string().min(1),
});
