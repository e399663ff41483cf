/** Step Functions reads the backstop and `switchyard status` make: DescribeExecution, GetExecutionHistory. */
import { DescribeExecutionCommand, GetExecutionHistoryCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { callAws, unlessNotFound } from './errors.ts';

export interface ExecutionSummary {
  executionArn: string;
  stateMachineArn: string;
  status: string;
  /** set for FAILED, TIMED_OUT and ABORTED (when StopExecution gave one) */
  error: string | null;
  cause: string | null;
  /** JSON text; AWS returns it only for SUCCEEDED */
  output: string | null;
  input: string | null;
  startDate: string | null;
  stopDate: string | null;
}

export interface ExecutionTrail {
  /** states entered, oldest first */
  statesEntered: string[];
  /** the input of the last state entered: the report as far as the run got (null when not recorded) */
  lastStateInput: string | null;
}

export interface SfnReader {
  describeExecution(executionArn: string): Promise<ExecutionSummary | undefined>;
  trail(executionArn: string): Promise<ExecutionTrail>;
}

const iso = (d: Date | undefined): string | null => (d ? d.toISOString() : null);

export const makeSfnReader = (sfn: SFNClient): SfnReader => ({
  async describeExecution(executionArn) {
    return unlessNotFound('ExecutionDoesNotExist', async () => {
      const out = await callAws('DescribeExecution', () =>
        sfn.send(new DescribeExecutionCommand({ executionArn })),
      );
      return {
        executionArn,
        stateMachineArn: out.stateMachineArn ?? '',
        status: out.status ?? 'UNKNOWN',
        error: out.error ?? null,
        cause: out.cause ?? null,
        output: out.output ?? null,
        input: out.input ?? null,
        startDate: iso(out.startDate),
        stopDate: iso(out.stopDate),
      };
    });
  },

  async trail(executionArn) {
    const statesEntered: string[] = [];
    let lastStateInput: string | null = null;
    let nextToken: string | undefined;
    do {
      const out = await callAws('GetExecutionHistory', () =>
        sfn.send(
          new GetExecutionHistoryCommand({
            executionArn,
            maxResults: 1000,
            nextToken,
            includeExecutionData: true,
          }),
        ),
      );
      for (const event of out.events ?? []) {
        const entered = event.stateEnteredEventDetails;
        if (entered?.name) {
          statesEntered.push(entered.name);
          lastStateInput = entered.input ?? null;
        }
      }
      nextToken = out.nextToken;
    } while (nextToken);
    return { statesEntered, lastStateInput };
  },
});
