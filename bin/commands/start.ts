/** `switchyard start --input FILE [--state-machine ARN] [--name NAME]`: validate locally, then start an execution. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { validateExecutionInput } from '#domain/input';

export interface StartCommand {
  /** the command's name in its usage line, e.g. `switchyard start` */
  command: string;
  /** the environment variable that may name the state machine */
  machineEnv: string;
  /** what the input is, for the refusal: "execution input", "fleet document" */
  what: string;
  /** the problems of the document (none: valid) */
  problems: (document: unknown) => string[];
}

/** `--input FILE --state-machine ARN [--name NAME]`: validate the document locally, then StartExecution. */
export const validateAndStart = async (argv: string[], cmd: StartCommand): Promise<number> => {
  const { values } = parseArgs({
    args: argv,
    options: { input: { type: 'string' }, 'state-machine': { type: 'string' }, name: { type: 'string' } },
  });
  const machine = values['state-machine'] ?? process.env[cmd.machineEnv];
  if (!values.input || !machine) {
    console.error(
      `usage: ${cmd.command} --input FILE --state-machine ARN (or ${cmd.machineEnv}) [--name NAME]`,
    );
    return 2;
  }
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(values.input, 'utf8'));
  } catch (err) {
    console.error(`--input: cannot read ${values.input} as JSON: ${(err as Error).message}`);
    return 2;
  }
  const problems = cmd.problems(document);
  if (problems.length > 0) {
    console.error(
      `${values.input} is not a valid ${cmd.what}:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    return 1;
  }
  const out = await new SFNClient({}).send(
    new StartExecutionCommand({
      stateMachineArn: machine,
      name: values.name,
      input: JSON.stringify(document),
    }),
  );
  console.log(out.executionArn);
  return 0;
};

export const run = (argv: string[]): Promise<number> =>
  validateAndStart(argv, {
    command: 'switchyard start',
    machineEnv: 'SWITCHYARD_STATE_MACHINE_ARN',
    what: 'execution input',
    // The same validation Preflight runs, so a typo is caught before anything starts.
    problems: (document) => {
      const verdict = validateExecutionInput(document);
      return verdict.ok ? [] : verdict.problems;
    },
  });
