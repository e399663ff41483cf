/** `switchyard <command> [...]`: each command lives in bin/commands/<command>.ts and exports `run(argv)`. */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const COMMANDS: Record<string, string> = {
  rehearse: 'Run a whole Blue/Green deployment locally: emulator, state machine, live writes, approval.',
  emulator: 'Start the local RDS Blue/Green emulator on real PostgreSQL.',
  lint: 'Check SQL migrations against the expand/contract gate.',
  check: "Run Preflight's checks read-only: input, source, migrations, and blue's database.",
  start: 'Start an execution of the deployed state machine with an input document.',
  status: 'Show the state and audit report of an execution.',
  fleet: 'Start a fleet of databases in waves (fleet start), or show its report (fleet status).',
  approve: 'Approve a pending switchover (operators with IAM rights).',
  reject: 'Reject a pending switchover (operators with IAM rights).',
  'fail-back': 'Fail back to old blue during the rollback window (operators with IAM rights).',
  hold: 'Stop every deletion of a run (tags its instances and deployment switchyard:hold).',
  reconcile: 'Run the backstop: clean up or page for ended executions (one, or --all).',
  bench: 'Run the benchmarks and print their medians.',
  diagram: 'Regenerate statemachine/blue-green.md from the ASL file.',
};

export type CommandModule = { run: (argv: string[]) => Promise<number> };

const usage = (): string =>
  [
    'usage: switchyard <command> [options]',
    '',
    ...Object.entries(COMMANDS).map(([n, d]) => `  ${n.padEnd(9)} ${d}`),
  ].join('\n');

/** Dispatches to the command module; returns the process exit code. */
export const main = async (argv: string[]): Promise<number> => {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const file = fileURLToPath(new URL(`./commands/${name}.ts`, import.meta.url));
  if (!(name in COMMANDS) || !existsSync(file)) {
    console.error(`switchyard: unknown command '${name}'.\n\n${usage()}`);
    return 2;
  }
  const command = (await import(file)) as CommandModule;
  return command.run(rest);
};
