/** `switchyard fail-back <executionArn> [--yes] [--reason …] [--by …]`: fail back during the rollback window (IAM rights needed). */
import { runFailBackCommand } from '#approval/fail-back-cli';

export const run = (argv: string[]): Promise<number> => runFailBackCommand(argv);
