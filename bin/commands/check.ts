/**
 * `switchyard check --input FILE`: Preflight's checks, standalone and read-only, against any
 * reachable database: the input document, the control plane (DescribeDBInstances, parameters, other
 * deployments), the migrations gate and the data-plane inspection of blue. It runs the Preflight
 * handler itself, which creates nothing; the inspection reads blue in a READ ONLY transaction.
 */

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Gateways } from '#aws/gateways';
import type { InspectionGateway, InspectionTarget } from '#aws/inspection-gateway';
import { PreflightRefusedError } from '#domain/errors';
import { validateExecutionInput } from '#domain/input';
import type { InspectionReport } from '#domain/inspection/index';
import { type CheckFormat, type CheckResult, formatCheck } from '#lib/check-report';
import type { GateRunner } from '#lib/migration-gate';

const USAGE = `usage: switchyard check --input FILE [options]

Runs every check Preflight runs, without starting anything: the input document, the source instance
and its parameters (RDS API), the migrations gate, and the inspection of blue's database (tables
without a primary key, large objects, unlogged tables, materialized views, extensions, publications,
subscriptions and slots, replication capacity, read-only overrides, sequences, open transactions).
It creates and changes nothing: the database is read in a READ ONLY transaction.

  --input FILE               the execution input document (JSON)
  --format text|json|github  output (default text; github prints ::error/::warning annotations)
  --host HOST, --port PORT   reach blue here instead of its RDS endpoint (an SSH tunnel, a proxy)
  -h, --help                 this text

The RDS and SSM calls go where the AWS SDK sends them (AWS_ENDPOINT_URL_RDS / _SSM for the emulator).
The password is read from database.passwordParameter (SSM), or from PGPASSWORD when it is set.

Exit codes: 0 nothing refuses (warnings allowed), 1 Preflight would refuse, 2 usage or input error.`;

const FORMATS = ['text', 'json', 'github'] as const;

interface Options {
  input?: string;
  format: CheckFormat;
  host?: string;
  port?: number;
  help: boolean;
}

export class CheckUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckUsageError';
  }
}

export const parseCheckArgs = (argv: string[]): Options => {
  const options: Options = { format: 'text', help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '-h' || arg === '--help') {
      options.help = true;
      continue;
    }
    const [flag = '', inline] = arg.startsWith('--') ? arg.slice(2).split(/=(.*)/s, 2) : [arg];
    if (!arg.startsWith('--')) throw new CheckUsageError(`unexpected argument '${arg}'`);
    const value = inline ?? argv[++i];
    if (value === undefined || value === '') throw new CheckUsageError(`--${flag} needs a value`);
    if (flag === 'input') options.input = value;
    else if (flag === 'host') options.host = value;
    else if (flag === 'port') {
      const port = Number(value);
      if (!Number.isInteger(port) || port < 1 || port > 65535)
        throw new CheckUsageError(`--port must be a TCP port (1-65535), got '${value}'`);
      options.port = port;
    } else if (flag === 'format') {
      if (!(FORMATS as readonly string[]).includes(value))
        throw new CheckUsageError(`--format must be one of ${FORMATS.join(', ')} (got '${value}')`);
      options.format = value as CheckFormat;
    } else throw new CheckUsageError(`unknown option --${flag}`);
  }
  if (!options.help && !options.input) throw new CheckUsageError('--input FILE is required');
  return options;
};

/** The inspection gateway, reaching blue through --host/--port when given, with PGPASSWORD when set. */
const checkInspection = async (options: Options, env: NodeJS.ProcessEnv): Promise<InspectionGateway> => {
  const { makeInspectionGateway } = await import('#aws/inspection-gateway');
  const { makeParameterReader } = await import('#aws/parameters');
  const password = env.PGPASSWORD;
  const reader = password ? async () => password : makeParameterReader(undefined, 0);
  const inner = makeInspectionGateway(reader);
  if (options.host === undefined && options.port === undefined) return inner;
  const through = async <T>(target: InspectionTarget, read: (t: InspectionTarget) => Promise<T>) => {
    const host = options.host ?? target.host;
    const port = options.port ?? target.port;
    try {
      return await read({ ...target, host, port });
    } catch (error) {
      // Say where the connection really went: the refusal names blue's RDS endpoint.
      if (error instanceof Error) error.message += ` (through --host/--port ${host}:${port})`;
      throw error;
    }
  };
  return {
    inspectPostgres: (target) => through(target, (t) => inner.inspectPostgres(t)),
    inspectMysql: (target, engine) => through(target, (t) => inner.inspectMysql(t, engine)),
  };
};

export interface CheckDeps {
  gateways?: Pick<Gateways, 'rds' | 'database' | 'inspection' | 'clock'>;
  gate?: GateRunner;
  env?: NodeJS.ProcessEnv;
}

/** Runs the checks and returns the exit code (printing the report); exported for the tests. */
export const run = async (argv: string[], deps: CheckDeps = {}): Promise<number> => {
  // The pinned SDK's once-per-process Node 22 notice is not news in a check report.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let options: Options;
  try {
    options = parseCheckArgs(argv);
  } catch (error) {
    if (error instanceof CheckUsageError) {
      console.error(`switchyard check: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  const file = options.input ?? '';
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    console.error(`switchyard check: cannot read ${file} as JSON: ${why}`);
    return 2;
  }
  const verdict = validateExecutionInput(raw);
  if (!verdict.ok) {
    console.error(
      `switchyard check: ${file} is not a valid input document: ${verdict.problems.length} problem(s):\n${verdict.problems.map((p) => `- ${p}`).join('\n')}`,
    );
    return 2;
  }
  const env = deps.env ?? process.env;
  // Imported here, after the environment above is set: the SDK reads it when it loads.
  const { databaseGateway, rdsGateway, systemClock } = await import('#aws/gateways');
  const { makePreflightHandler } = await import('../../functions/preflight.ts');
  const { defaultGateRunner } = await import('#lib/default-gate');
  const gateways = deps.gateways ?? {
    rds: rdsGateway(),
    database: databaseGateway(),
    inspection: await checkInspection(options, env),
    clock: systemClock,
  };
  // Hooks: what this deployment declares (SWITCHYARD_DECLARED_HOOKS, else switchyard.hooks.yml read as
  // serverless.yml would), so check refuses exactly the hooks Preflight in AWS would refuse.
  const { parseDeclaredHooks } = await import('#lib/declared-hooks');
  const declaredHooks = parseDeclaredHooks(
    env.SWITCHYARD_DECLARED_HOOKS ??
      (createRequire(import.meta.url)('../../infra/hooks.cjs') as { declared: () => string }).declared(),
  );
  const preflight = makePreflightHandler(gateways, deps.gate ?? defaultGateRunner, declaredHooks);
  const source = verdict.input.source.dbInstanceIdentifier;
  let result: CheckResult;
  try {
    const out = (await preflight(
      { input: raw, executionId: `arn:aws:states:::execution:switchyard-check:${source}` },
      {} as never,
    )) as { database: InspectionReport | null; plan: { replication: string } };
    result = {
      source,
      verdict: 'passed',
      problems: [],
      database: out.database,
      replication: out.plan.replication,
    };
  } catch (error) {
    if (!(error instanceof PreflightRefusedError)) {
      console.error(`switchyard check: could not run the checks: ${(error as Error).message}`);
      return 2;
    }
    result = {
      source,
      verdict: 'refused',
      problems: error.problems,
      database: error.inspection ?? null,
      replication: error.inspection?.replication ?? null,
    };
  }
  console.log(formatCheck(result, options.format));
  return result.verdict === 'refused' ? 1 : 0;
};
