/** `switchyard approve <executionArn> [--reason …] [--by …]`: approve a pending switchover (IAM rights needed). */
import { runDecisionCommand } from '#approval/cli';

export const run = (argv: string[]): Promise<number> => runDecisionCommand('approved', argv);
