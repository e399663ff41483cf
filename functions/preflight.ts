/** Preflight: refuse early, with every problem at once, or return the plan the rest of the run follows. */

import { type Gateways, rdsGateway, systemClock } from '#aws/gateways';
import { PreflightInput } from '#domain/contracts';
import { PreflightRefusedError } from '#domain/errors';
import { type ExecutionInput, validateExecutionInput } from '#domain/input';
import { TAGS } from '#domain/names';
import { buildPlan, type Plan } from '#domain/plan';
import { preflightFindings } from '#domain/preflight';
import { defaultGateRunner } from '#lib/default-gate';
import { type GateRunner, type GateSummary, NO_MIGRATIONS } from '#lib/migration-gate';
import { taskHandler } from '#lib/task-handler';

const PREFLIGHT_PARAMETERS = [
  'rds.logical_replication',
  'max_replication_slots',
  'max_wal_senders',
  'max_worker_processes',
];

const refuse = (sourceId: string, problems: string[]): never => {
  throw new PreflightRefusedError(
    `Preflight refused ${sourceId}: ${problems.length} problem(s):\n${problems.map((p) => `- ${p}`).join('\n')}`,
    problems,
  );
};

/** Lints the release's migrations; contract ones also need the previous rollback window closed. */
const lintMigrations = async (
  input: ExecutionInput,
  plan: Plan,
  gw: Pick<Gateways, 'rds' | 'clock'>,
  gate: GateRunner,
): Promise<{ summary: GateSummary; problems: string[]; warnings: string[] }> => {
  const migrations = input.migrations;
  if (!migrations || migrations.expand.length + migrations.contract.length === 0) {
    return { summary: NO_MIGRATIONS, problems: [], warnings: [] };
  }
  const problems: string[] = [];
  const warnings: string[] = [];
  const findings: GateSummary['findings'] = [];
  const phases = [
    { phase: 'expand' as const, sql: migrations.expand },
    { phase: 'contract' as const, sql: migrations.contract },
  ].filter((p) => p.sql.length > 0);
  let verdict: 'pass' | 'warn' | 'fail' = 'pass';
  const summaries: string[] = [];
  for (const { phase, sql } of phases) {
    const report = await gate.lint({
      engine: migrations.engine,
      phase,
      sources: sql.map((text, i) => ({ name: `migrations.${phase}[${i}]`, sql: text })),
      replication: plan.replication,
    });
    findings.push(...report.findings);
    summaries.push(`${phase}: ${report.summary}`);
    if (report.verdict === 'fail') verdict = 'fail';
    else if (report.verdict === 'warn' && verdict === 'pass') verdict = 'warn';
    // With logical replication the gate itself warns that DDL on blue degrades replication (G-BG-BLUE-DDL).
    for (const f of report.findings) {
      const line = findingLine(f);
      if (f.severity === 'warning') warnings.push(line);
      else problems.push(line);
    }
  }
  if (migrations.contract.length > 0) {
    const now = gw.clock();
    const open = (await gw.rds.listInstances())
      .filter((i) => i.tags[TAGS.retainUntil] && i.tags['switchyard:source'] === plan.sourceId)
      .map((i) => ({ instanceId: i.id, retainUntil: i.tags[TAGS.retainUntil]! }));
    const decision = gate.contractWindow(open, now);
    if (!decision.allowed) problems.push(`migrations.contract: ${decision.message}`);
  }
  const statements = phases.flatMap((p) => p.sql);
  return { summary: { verdict, summary: summaries.join('; '), statements, findings }, problems, warnings };
};

/** Lints `migrations` from a document that failed validation, as far as its shape allows. */
const lintRawMigrations = async (raw: unknown, gate: GateRunner): Promise<string[]> => {
  const migrations = (raw as { migrations?: Record<string, unknown> } | null)?.migrations;
  if (!migrations || typeof migrations !== 'object') return [];
  const engine = migrations.engine === 'mysql' ? 'mysql' : 'postgres';
  const problems: string[] = [];
  for (const phase of ['expand', 'contract'] as const) {
    const sql = migrations[phase];
    if (!Array.isArray(sql) || sql.length === 0 || !sql.every((s) => typeof s === 'string' && s.length > 0))
      continue;
    const report = await gate.lint({
      engine,
      phase,
      sources: sql.map((text, i) => ({ name: `migrations.${phase}[${i}]`, sql: text })),
      replication: 'physical',
    });
    problems.push(...report.findings.filter((f) => f.severity !== 'warning').map(findingLine));
  }
  return problems;
};

const findingLine = (f: GateSummary['findings'][number]): string =>
  `${f.file}:${f.line} ${f.rule} [${f.classes.join(', ')}] ${f.why} Recipe: ${f.recipe}`;

export const makePreflightHandler = (gw: Pick<Gateways, 'rds' | 'clock'>, gate: GateRunner) =>
  taskHandler(PreflightInput, async ({ input: raw, executionId }) => {
    const verdict = validateExecutionInput(raw);
    if (!verdict.ok) {
      // Every problem at once: the migrations are linted even when the document around them is invalid.
      const migrationProblems = await lintRawMigrations(raw, gate);
      return refuse('the input document', [...verdict.problems, ...migrationProblems]);
    }
    const input = verdict.input;
    const sourceId = input.source.dbInstanceIdentifier;

    const instance = await gw.rds.describeInstance(sourceId);
    // Not an instance: say so precisely if it is an Aurora cluster.
    const clusterEngine = instance ? undefined : await gw.rds.describeClusterEngine(sourceId);
    const blueGroup = instance?.parameterGroups[0]?.name;
    const [blueParameters, validUpgradeTargets, targetParameterGroupExists, existingDeployments] = instance
      ? await Promise.all([
          blueGroup ? gw.rds.describeParameters(blueGroup, PREFLIGHT_PARAMETERS) : Promise.resolve({}),
          gw.rds.validUpgradeTargets(instance.engine, instance.engineVersion),
          input.target.dbParameterGroupName
            ? gw.rds.parameterGroupExists(input.target.dbParameterGroupName)
            : true,
          gw.rds.deploymentsForSource(instance.arn),
        ])
      : [{}, [], true, []];
    const problems = preflightFindings(input, {
      instance,
      clusterEngine,
      blueParameters,
      validUpgradeTargets,
      targetParameterGroupExists,
      existingDeployments,
    }).map((f) => f.problem);
    if (!instance) return refuse(sourceId, problems);

    const plan = buildPlan(input, instance, executionId, gw.clock());
    const migrations = await lintMigrations(input, plan, gw, gate);
    problems.push(...migrations.problems);
    if (problems.length > 0) return refuse(sourceId, problems);

    return {
      plan,
      source: {
        arn: instance.arn,
        engineVersion: instance.engineVersion,
        instanceClass: instance.instanceClass,
        parameterGroup: blueGroup ?? null,
        database:
          input.database && instance.endpoint
            ? { host: instance.endpoint.address, port: instance.endpoint.port, ...input.database }
            : null,
      },
      migrations: migrations.summary,
      warnings: migrations.warnings,
    };
  });

export const handler = makePreflightHandler({ rds: rdsGateway(), clock: systemClock }, defaultGateRunner);
