/**
 * `switchyard fail-back <executionArn>` for operators with IAM rights on the approval table and Step
 * Functions: finds the execution's rollback window, refuses clearly when it is not in one, shows what
 * the fail-back will do, and (with --yes) sends the decision through the same code as the signed link
 * and the Slack button, with channel `cli`. The operator's IAM identity is the authority; `--by` names them.
 */
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { type CliIo, forOperators, localAddress } from './cli.ts';
import { type Env, readApprovalConfig } from './config.ts';
import {
  ApprovalUnavailableError,
  ApproverNotAllowedError,
  ExecutionMovedOnError,
  MissingEnvironmentVariableError,
} from './errors.ts';
import {
  FailBackAlreadyDecidedError,
  failBackSteps,
  RollbackWindowClosedError,
  RollbackWindowNotFoundError,
} from './fail-back.ts';
import { decideFailBack, type FailBackDeps } from './fail-back-service.ts';
import { errorName } from './log.ts';

export enum FailBackExitCode {
  /** decided (with --yes), or the preview was shown (without) */
  Done = 0,
  Failed = 1,
  Usage = 2,
  NotInRollbackWindow = 3,
  AlreadyDecided = 4,
  WindowEnded = 5,
  ExecutionMovedOn = 6,
  TryAgain = 7,
}

const USAGE = 'usage: switchyard fail-back <executionArn> [--yes] [--reason <text>] [--by <name>]';

export type FailBackDepsFactory = (env: Env) => Promise<FailBackDeps>;

export const defaultFailBackDepsFactory: FailBackDepsFactory = async (env) => {
  const { buildFailBackDeps } = await import('./wiring.ts');
  const config = readApprovalConfig(env, {});
  return forOperators(buildFailBackDeps(config), config.topicArn);
};

const OPTIONS = {
  yes: { type: 'boolean' },
  reason: { type: 'string' },
  by: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const runFailBackCommand = async (
  argv: string[],
  options: { env?: Env; deps?: FailBackDepsFactory; io?: CliIo } = {},
): Promise<number> => {
  const io = options.io ?? { out: (l) => console.log(l), err: (l) => console.error(l) };
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true }>
  >;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  } catch (err) {
    io.err(`switchyard: ${(err as Error).message}\n${USAGE}`);
    return FailBackExitCode.Usage;
  }
  if (parsed.values.help) {
    io.out(USAGE);
    return FailBackExitCode.Done;
  }
  const [executionArn, ...extra] = parsed.positionals;
  if (!executionArn?.startsWith('arn:') || extra.length > 0) {
    io.err(`switchyard: give exactly one execution ARN.\n${USAGE}`);
    return FailBackExitCode.Usage;
  }
  try {
    const deps = await (options.deps ?? defaultFailBackDepsFactory)(options.env ?? process.env);
    const record = await deps.store.findByExecution(executionArn);
    if (!record) throw new RollbackWindowNotFoundError();
    if (record.status === 'moved-on') throw new ExecutionMovedOnError('recorded');
    if (record.status === 'decided') throw new FailBackAlreadyDecidedError(record.decided);
    if (deps.now().getTime() >= Date.parse(record.expiresAt))
      throw new RollbackWindowClosedError(`it ended at ${record.expiresAt}; old blue is being cleaned up`);
    const s = record.summary;
    io.out(
      [
        `${s.sourceId} is in its rollback window until ${record.expiresAt} (old blue ${s.oldBlueId}, version ${s.oldEngineVersion}).`,
        'A fail-back will:',
        ...failBackSteps(s).map((step, i) => `  ${i + 1}. ${step}`),
      ].join('\n'),
    );
    if (!parsed.values.yes) {
      io.out('Nothing was sent. Run again with --yes to fail back.');
      return FailBackExitCode.Done;
    }
    const operator = parsed.values.by?.trim() || userInfo().username;
    const { facts } = await decideFailBack(
      deps,
      record.windowId,
      { channel: 'cli', operator },
      { sourceIp: localAddress(), reason: parsed.values.reason },
    );
    io.out(
      `Fail-back of ${s.sourceId} sent as ${facts.by} at ${facts.at}. The execution now runs it; follow it with: switchyard status ${executionArn}`,
    );
    return FailBackExitCode.Done;
  } catch (err) {
    if (err instanceof MissingEnvironmentVariableError) {
      io.err(`switchyard: ${err.message}.`);
      return FailBackExitCode.Usage;
    }
    const codes: Array<[new (...a: never[]) => Error, FailBackExitCode]> = [
      [RollbackWindowNotFoundError, FailBackExitCode.NotInRollbackWindow],
      [FailBackAlreadyDecidedError, FailBackExitCode.AlreadyDecided],
      [RollbackWindowClosedError, FailBackExitCode.WindowEnded],
      [ExecutionMovedOnError, FailBackExitCode.ExecutionMovedOn],
      [ApprovalUnavailableError, FailBackExitCode.TryAgain],
      [ApproverNotAllowedError, FailBackExitCode.Failed],
    ];
    for (const [cls, code] of codes)
      if (err instanceof cls) {
        const text =
          err instanceof RollbackWindowNotFoundError
            ? `${executionArn} is not in its rollback window: no window was opened for it (it has not switched and been verified yet, it is not a Switchyard execution, or its window record expired)`
            : err instanceof ExecutionMovedOnError
              ? `${executionArn} is no longer in its rollback window (its window ended, it was stopped, or it already failed back)`
              : err.message;
        io.err(`switchyard: ${text}. Nothing was sent.`);
        return code;
      }
    // Names only: SDK messages about tokens may quote them.
    io.err(`switchyard: the fail-back could not be sent (${errorName(err)}).`);
    return FailBackExitCode.Failed;
  }
};
