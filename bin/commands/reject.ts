/** `switchyard reject <executionArn> --reason … [--by …]`: reject a pending switchover (IAM rights needed). */
import { runDecisionCommand } from '#approval/cli';

export const run = (argv: string[]): Promise<number> => runDecisionCommand('rejected', argv);
