/** Preflight: refuse early, with every problem at once, or return the plan the rest of the run follows. */

import { databaseGateway, type Gateways, inspectionGateway, rdsGateway, systemClock } from '#aws/gateways';
import { binlogWarnings } from '#domain/binlog-preflight';
import { PreflightInput } from '#domain/contracts';
import { migrationDialectOf } from '#domain/engine';
import { PreflightRefusedError } from '#domain/errors';
import { type DeclaredHooks, planHooks, undeclaredHookProblems } from '#domain/hooks';
import { type ExecutionInput, validateExecutionInput } from '#domain/input';
import { type InspectionReport, warningLines } from '#domain/inspection/index';
import { buildPlan, type Plan } from '#domain/plan';
import { openRollbackWindows, preflightFindings } from '#domain/preflight';
import { decideReverseReplication } from '#domain/reverse-eligibility';
import { readExternalReplica } from '#lib/binlog-blue';
import { declaredHooksFromEnv } from '#lib/declared-hooks';
import { defaultGateRunner } from '#lib/default-gate';
import { inspectBlue } from '#lib/inspect-blue';
import {
  checkMigrations,
  type GateRunner,
  type MigrationCheck,
  readRawMigrations,
} from '#lib/migration-gate';
import { taskHandler } from '#lib/task-handler';

const PREFLIGHT_PARAMETERS = [
  'rds.logical_replication',
  'max_replication_slots',
  'max_wal_senders',
  'max_worker_processes',
  // MySQL/MariaDB (binlog-preflight.ts)
  'binlog_format',
  'event_scheduler',
];

const refuse = (sourceId: string, problems: string[], inspection?: InspectionReport | null): never => {
  const warnings = inspection ? warningLines(inspection) : [];
  const also = warnings.length
    ? `\nAlso found (warnings, not a refusal on their own):\n${warnings.map((w) => `- ${w}`).join('\n')}`
    : '';
  const error = new PreflightRefusedError(
    `Preflight refused ${sourceId}: ${problems.length} problem(s):\n${problems.map((p) => `- ${p}`).join('\n')}${also}`,
    problems,
  );
  if (inspection) error.inspection = inspection;
  throw error;
};

/** Gate verdict for the release's migrations; contract ones also need the last rollback window closed. */
const checkReleaseMigrations = async (
  input: ExecutionInput,
  plan: Plan,
  gw: Pick<Gateways, 'rds' | 'clock'>,
  gate: GateRunner,
): Promise<MigrationCheck> => {
  // Statements in another engine's dialect are refused by preflightFindings (migrations.engine); the
  // gate would only add parse errors on top, so it does not run on them.
  const dialectMatches = !input.migrations || input.migrations.engine === migrationDialectOf(plan.engine);
  const check = await checkMigrations(gate, dialectMatches ? input.migrations : undefined, plan.replication);
  if (input.migrations && input.migrations.contract.length > 0) {
    const open = openRollbackWindows(await gw.rds.listInstances(), plan.sourceId);
    const decision = gate.contractWindow(open, gw.clock());
    if (!decision.allowed) check.problems.push(`migrations.contract: ${decision.message}`);
  }
  return check;
};

export const makePreflightHandler = (
  gw: Pick<Gateways, 'rds' | 'database' | 'inspection' | 'clock'>,
  gate: GateRunner,
  // Hooks run with the state machine's IAM, granted at deploy time for the declared targets only.
  declaredHooks: DeclaredHooks = declaredHooksFromEnv(),
) =>
  taskHandler(PreflightInput, async ({ input: raw, executionId }) => {
    const verdict = validateExecutionInput(raw);
    if (!verdict.ok) {
      // Every problem at once: the migrations are linted even when the document around them is invalid.
      const migrations = await checkMigrations(gate, readRawMigrations(raw), 'physical');
      return refuse('the input document', [...verdict.problems, ...migrations.problems]);
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
    // Green's group is the one named for it, else blue's (read above): the binlog checks read it, and
    // reverse replication on PostgreSQL needs rds.logical_replication=1 there.
    const targetGroup = input.target.dbParameterGroupName;
    const greenParameters =
      instance && targetGroup && targetParameterGroupExists
        ? await gw.rds.describeParameters(targetGroup, PREFLIGHT_PARAMETERS)
        : blueParameters;
    const externalReplica = instance ? await readExternalReplica(input, instance, gw.database) : undefined;
    const problems = preflightFindings(input, {
      instance,
      clusterEngine,
      blueParameters,
      validUpgradeTargets,
      targetParameterGroupExists,
      existingDeployments,
      greenParameters,
      externalReplica,
    }).map((f) => f.problem);
    problems.push(...undeclaredHookProblems(planHooks(input.hooks), declaredHooks));
    if (!instance) return refuse(sourceId, problems);

    const built = buildPlan(input, instance, executionId, gw.clock());
    const reverse = decideReverseReplication({
      requested: input.failBack.enabled,
      engine: built.engine,
      replication: built.replication,
      currentEngineVersion: instance.engineVersion,
      targetEngineVersion: built.targetEngineVersion,
      greenParameters,
      greenParameterGroup: targetGroup ?? blueGroup ?? 'default',
      blueParameterGroup: blueGroup ?? 'default',
      hasDatabase: input.database !== undefined,
    });
    if (reverse.problem) problems.push(reverse.problem);
    const plan = { ...built, reverse: reverse.decision };
    const migrations = await checkReleaseMigrations(input, plan, gw, gate);
    problems.push(...migrations.problems);
    // The data plane: blue's schema, extensions and replication settings, read-only.
    const inspection = await inspectBlue(input, instance, plan.replication, gw.inspection);
    problems.push(...inspection.problems);
    if (problems.length > 0) return refuse(sourceId, problems, inspection.report);

    const engineWarnings = externalReplica ? binlogWarnings({ instance, externalReplica }) : [];
    return {
      plan,
      source: {
        arn: instance.arn,
        engine: plan.engine,
        engineVersion: instance.engineVersion,
        instanceClass: instance.instanceClass,
        parameterGroup: blueGroup ?? null,
        database:
          input.database && instance.endpoint
            ? {
                host: instance.endpoint.address,
                port: instance.endpoint.port,
                ...input.database,
                engine: plan.engine,
              }
            : null,
      },
      migrations: migrations.summary,
      warnings: [...migrations.warnings, ...engineWarnings],
      database: inspection.report,
    };
  });

export const handler = makePreflightHandler(
  { rds: rdsGateway(), database: databaseGateway(), inspection: inspectionGateway(), clock: systemClock },
  defaultGateRunner,
);
