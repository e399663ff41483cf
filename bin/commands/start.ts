/** `switchyard start --input FILE [--state-machine ARN] [--name NAME]`: validate locally, then start an execution. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { validateExecutionInput } from '#domain/input';

export const run = async (argv: string[]): Promise<number> => {
  const { values } = parseArgs({
    args: argv,
    options: { input: { type: 'string' }, 'state-machine': { type: 'string' }, name: { type: 'string' } },
  });
  const machine = values['state-machine'] ?? process.env.SWITCHYARD_STATE_MACHINE_ARN;
  if (!values.input || !machine) {
    console.error(
      'usage: switchyard start --input FILE --state-machine ARN (or SWITCHYARD_STATE_MACHINE_ARN) [--name NAME]',
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
  // The same validation Preflight runs, so a typo is caught before anything starts.
  const verdict = validateExecutionInput(document);
  if (!verdict.ok) {
    console.error(
      `${values.input} is not a valid execution input:\n${verdict.problems.map((p) => `  - ${p}`).join('\n')}`,
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
