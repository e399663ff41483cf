/** `switchyard status <executionArn>`: the execution's status and, once ended, its audit report. */
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';

export const run = async (argv: string[]): Promise<number> => {
  const [executionArn] = argv;
  if (!executionArn) {
    console.error('usage: switchyard status <executionArn>');
    return 2;
  }
  const out = await new SFNClient({}).send(new DescribeExecutionCommand({ executionArn }));
  console.log(
    `${out.name}: ${out.status} (started ${out.startDate?.toISOString()}${out.stopDate ? `, stopped ${out.stopDate.toISOString()}` : ''})`,
  );
  if (out.error) console.log(`error: ${out.error}\ncause: ${out.cause ?? ''}`);
  if (out.output) console.log(JSON.stringify(JSON.parse(out.output), null, 2));
  return out.status === 'FAILED' || out.status === 'TIMED_OUT' || out.status === 'ABORTED' ? 1 : 0;
};
