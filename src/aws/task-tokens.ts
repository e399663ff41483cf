/**
 * SendTaskSuccess for event waits. A token Step Functions no longer waits for (the wait timed out into
 * its fallback poll, the run ended) answers TaskTimedOut, TaskDoesNotExist or InvalidToken: that is the
 * expected fate of a late event, reported as `moved-on`, never thrown. No SDK message is passed on,
 * since some quote the token.
 */
import { SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { sfnClient } from './clients.ts';

const MOVED_ON = new Set(['TaskDoesNotExist', 'InvalidToken', 'TaskTimedOut']);

export interface TaskTokens {
  succeed(taskToken: string, output: unknown): Promise<'sent' | 'moved-on'>;
}

export const makeTaskTokens = (client: Pick<SFNClient, 'send'> = sfnClient()): TaskTokens => ({
  async succeed(taskToken, output) {
    try {
      await client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
      return 'sent';
    } catch (err) {
      const name = err instanceof Error ? err.name : 'UnknownError';
      if (MOVED_ON.has(name)) return 'moved-on';
      const clean = new Error(`SendTaskSuccess failed (${name})`);
      clean.name = name;
      throw clean;
    }
  },
});
