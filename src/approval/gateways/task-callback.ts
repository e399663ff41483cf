/**
 * Ends the `.waitForTaskToken` wait: SendTaskSuccess on approve, SendTaskFailure `ApprovalRejected` on
 * reject. The late-callback errors become `ExecutionMovedOnError`; no error message is ever passed on,
 * because some of them quote the token.
 */
import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { sfnClient } from '#aws/clients';
import { APPROVAL_REJECTED, type ApprovalOutput, type RejectionCause } from '../contracts.ts';
import { ExecutionMovedOnError } from '../errors.ts';
import type { FailBackDecisionOutput } from '../fail-back.ts';

/** Errors meaning Step Functions no longer waits for this token. */
const MOVED_ON = new Set(['TaskDoesNotExist', 'InvalidToken', 'TaskTimedOut']);

export interface TaskCallback {
  approve(taskToken: string, output: ApprovalOutput): Promise<void>;
  reject(taskToken: string, cause: RejectionCause): Promise<void>;
}

const movedOnOrRethrow = (err: unknown): never => {
  const name = err instanceof Error ? err.name : 'UnknownError';
  if (MOVED_ON.has(name)) throw new ExecutionMovedOnError(name);
  // Re-throw a token-free error: SDK messages for bad tokens may echo the token.
  const clean = new Error(`Step Functions call failed (${name})`);
  clean.name = name;
  throw clean;
};

export const makeTaskCallback = (client: Pick<SFNClient, 'send'> = sfnClient()): TaskCallback => ({
  async approve(taskToken, output) {
    try {
      await client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
    } catch (err) {
      movedOnOrRethrow(err);
    }
  },
  async reject(taskToken, cause) {
    try {
      await client.send(
        new SendTaskFailureCommand({ taskToken, error: APPROVAL_REJECTED, cause: JSON.stringify(cause) }),
      );
    } catch (err) {
      movedOnOrRethrow(err);
    }
  },
});

/** The rollback window's SendTaskSuccess: the decision to fail back (lands at `$.failBackDecision`). */
export const makeFailBackCallback = (
  client: Pick<SFNClient, 'send'> = sfnClient(),
): { failBack(taskToken: string, output: FailBackDecisionOutput): Promise<void> } => ({
  async failBack(taskToken, output) {
    try {
      await client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
    } catch (err) {
      movedOnOrRethrow(err);
    }
  },
});
