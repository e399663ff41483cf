/**
 * `switchyard approve|reject <executionArn>` for operators with IAM rights on the approval table and
 * Step Functions: finds the execution's pending approval and decides it through the same code as the
 * links and buttons, with channel `cli`. The operator's IAM identity is the authority; `--by` names them.
 */
import { networkInterfaces, userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { type Env, readApprovalConfig } from './config.ts';
import type { Decision } from './contracts.ts';
import {
  ApprovalAlreadyDecidedError,
  type ApprovalError,
  ApprovalExpiredError,
  ApprovalNotFoundError,
  ApprovalUnavailableError,
  ExecutionMovedOnError,
  MissingEnvironmentVariableError,
} from './errors.ts';
import type { Notifier } from './gateways/notifier.ts';
import { errorName, type Logger, makeLogger } from './log.ts';
import { type ApprovalDeps, decide } from './service.ts';

/** Exit codes of `switchyard approve|reject`. */
export enum DecisionExitCode {
  Decided = 0,
  Failed = 1,
  Usage = 2,
  NoPendingApproval = 3,
  AlreadyDecided = 4,
  Expired = 5,
  ExecutionMovedOn = 6,
  TryAgain = 7,
}

const EXIT_FOR: Array<[new (...a: never[]) => ApprovalError, DecisionExitCode]> = [
  [ApprovalNotFoundError, DecisionExitCode.NoPendingApproval],
  [ApprovalAlreadyDecidedError, DecisionExitCode.AlreadyDecided],
  [ApprovalExpiredError, DecisionExitCode.Expired],
  [ExecutionMovedOnError, DecisionExitCode.ExecutionMovedOn],
  [ApprovalUnavailableError, DecisionExitCode.TryAgain],
];

const usage = (decision: Decision): string =>
  decision === 'approved'
    ? 'usage: switchyard approve <executionArn> [--reason <text>] [--by <name>]'
    : 'usage: switchyard reject <executionArn> --reason <text> [--by <name>]';

/** The operator's address as the audit's source: the first external IPv4 address, else loopback. */
export const localAddress = (): string =>
  Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address ?? '127.0.0.1';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Builds the deps from the environment: APPROVAL_TABLE required; NOTIFY_TOPIC_ARN for the audit notification. */
export type DepsFactory = (env: Env) => Promise<ApprovalDeps>;

/**
 * The deps a command-line decision runs with: operators read text, not JSON logs (warnings and errors
 * on stderr, info lines dropped); without NOTIFY_TOPIC_ARN the decision is recorded without an audit
 * notification, and the operator is told so.
 */
export const forOperators = <D extends { log: Logger; notifier: Notifier }>(
  deps: D,
  topicArn: string | undefined,
): D => {
  const log = makeLogger({ log: () => undefined, warn: console.error, error: console.error });
  if (!topicArn) {
    console.error(
      'switchyard: NOTIFY_TOPIC_ARN is not set; the decision is recorded without an audit notification.',
    );
    return { ...deps, log, notifier: { publish: async () => undefined } };
  }
  return { ...deps, log };
};

export const defaultDepsFactory: DepsFactory = async (env) => {
  const { buildApprovalDeps } = await import('./wiring.ts');
  const config = readApprovalConfig(env, {});
  return forOperators(buildApprovalDeps(config), config.topicArn);
};

const OPTIONS = {
  reason: { type: 'string' },
  by: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Parsed arguments, or the parse error's message. */
const parseCommandLine = (argv: string[]) => {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  } catch (err) {
    return (err as Error).message;
  }
};

/** Runs `approve` or `reject`; returns the exit code. */
export const runDecisionCommand = async (
  decision: Decision,
  argv: string[],
  options: { env?: Env; deps?: DepsFactory; io?: CliIo } = {},
): Promise<number> => {
  const io = options.io ?? { out: (l) => console.log(l), err: (l) => console.error(l) };
  const parsed = parseCommandLine(argv);
  if (typeof parsed === 'string') {
    io.err(`switchyard: ${parsed}\n${usage(decision)}`);
    return DecisionExitCode.Usage;
  }
  if (parsed.values.help) {
    io.out(usage(decision));
    return DecisionExitCode.Decided;
  }
  const [executionArn, ...extra] = parsed.positionals;
  const reason = parsed.values.reason?.trim();
  if (!executionArn?.startsWith('arn:') || extra.length > 0) {
    io.err(`switchyard: give exactly one execution ARN.\n${usage(decision)}`);
    return DecisionExitCode.Usage;
  }
  if (decision === 'rejected' && !reason) {
    io.err(`switchyard: a rejection needs --reason.\n${usage(decision)}`);
    return DecisionExitCode.Usage;
  }

  try {
    const deps = await (options.deps ?? defaultDepsFactory)(options.env ?? process.env);
    const record = await deps.store.findByExecution(executionArn);
    if (!record) throw new ApprovalNotFoundError();
    const operator = parsed.values.by?.trim() || userInfo().username;
    const { facts } = await decide(
      deps,
      record.approvalId,
      { channel: 'cli', operator, decision },
      { sourceIp: localAddress(), reason },
    );
    io.out(
      `${decision === 'approved' ? 'Approved' : 'Rejected'} ${record.request.database} (${executionArn}) as ${facts.by} at ${facts.at}` +
        (facts.reason ? `: ${facts.reason}` : '.'),
    );
    return DecisionExitCode.Decided;
  } catch (err) {
    if (err instanceof MissingEnvironmentVariableError) {
      io.err(`switchyard: ${err.message}.`);
      return DecisionExitCode.Usage;
    }
    if (err instanceof ApprovalNotFoundError) {
      io.err(`switchyard: no approval is pending for ${executionArn}.`);
      return DecisionExitCode.NoPendingApproval;
    }
    for (const [cls, code] of EXIT_FOR) {
      if (err instanceof cls) {
        io.err(`switchyard: ${err.message}.`);
        return code;
      }
    }
    // Names only: SDK messages about tokens may quote them.
    io.err(`switchyard: the decision failed (${errorName(err)}).`);
    return DecisionExitCode.Failed;
  }
};
