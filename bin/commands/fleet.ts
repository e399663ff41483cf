/**
 * `switchyard fleet start --input FILE [--state-machine ARN] [--name NAME]`: validate the fleet document
 * (and every listed database's input) locally, then start the fleet machine.
 * `switchyard fleet status <fleetExecutionArn> [--blue-green ARN] [--json]`: the fleet report, per wave
 * and per database, reading the fleet execution and each child (DescribeExecution).
 */
import { parseArgs } from 'node:util';
import { SFNClient } from '@aws-sdk/client-sfn';
import { makeSfnReader, type SfnReader } from '#aws/sfn-gateway';
import { childExecutionName, listedMembers, parseFleetDocument, planFleet } from '#domain/fleet';
import { buildFleetReport, type ChildExecution, formatFleetReport } from '#domain/fleet-report';
import { validateAndStart } from './start.ts';

const parseJson = (text: string | null): Record<string, unknown> | null => {
  if (!text) return null;
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
};

/** Problems of a fleet document before it starts (a tag query's databases are checked at PlanFleet). */
export const fleetDocumentProblems = (document: unknown): string[] => {
  const parsed = parseFleetDocument(document);
  if (!parsed.ok) return parsed.problems;
  if (parsed.value.tagQuery) return [];
  const planned = planFleet(parsed.value, listedMembers(parsed.value));
  return planned.ok ? [] : planned.problems;
};

const start = (argv: string[]): Promise<number> =>
  validateAndStart(argv, {
    command: 'switchyard fleet start',
    machineEnv: 'SWITCHYARD_FLEET_STATE_MACHINE_ARN',
    what: 'fleet document',
    problems: fleetDocumentProblems,
  });

/** The fleet report of a fleet execution, its children found by their derived names. */
export const fleetStatus = async (reader: SfnReader, fleetArn: string, blueGreenArn: string) => {
  const fleet = await reader.describeExecution(fleetArn);
  if (!fleet) return null;
  const state =
    parseJson(fleet.output) ??
    parseJson((await reader.trail(fleetArn)).lastStateInput) ??
    ({} as Record<string, unknown>);
  const plan = (state.fleetPlan as { plan?: { ids?: string[] } } | undefined)?.plan;
  const fleetName = fleetArn.slice(fleetArn.lastIndexOf(':') + 1);
  const childPrefix = `${blueGreenArn.replace(':stateMachine:', ':execution:')}:`;
  const children: Record<string, ChildExecution> = {};
  for (const id of plan?.ids ?? []) {
    const name = childExecutionName(fleetName, id);
    const child = await reader.describeExecution(`${childPrefix}${name}`);
    if (!child) continue;
    children[name] = { ...child, report: parseJson(child.output) };
  }
  return buildFleetReport({
    fleetExecutionArn: fleetArn,
    status: fleet.status,
    error: fleet.error,
    cause: fleet.cause,
    state,
    children,
  });
};

const status = async (argv: string[]): Promise<number> => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'blue-green': { type: 'string' }, json: { type: 'boolean' } },
  });
  const fleetArn = positionals[0];
  const blueGreen = values['blue-green'] ?? process.env.SWITCHYARD_STATE_MACHINE_ARN;
  if (!fleetArn || !blueGreen) {
    console.error(
      'usage: switchyard fleet status <fleetExecutionArn> --blue-green ARN (or SWITCHYARD_STATE_MACHINE_ARN) [--json]',
    );
    return 2;
  }
  const report = await fleetStatus(makeSfnReader(new SFNClient({})), fleetArn, blueGreen);
  if (!report) {
    console.error(`no execution ${fleetArn} (wrong ARN, or its history has expired)`);
    return 2;
  }
  console.log(values.json ? JSON.stringify(report, null, 2) : formatFleetReport(report));
  return ['FAILED', 'TIMED_OUT', 'ABORTED'].includes(report.status) ? 1 : 0;
};

export const run = async (argv: string[]): Promise<number> => {
  const [sub, ...rest] = argv;
  if (sub === 'start') return start(rest);
  if (sub === 'status') return status(rest);
  console.error('usage: switchyard fleet start|status …');
  return 2;
};
