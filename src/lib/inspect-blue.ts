/**
 * Preflight's data-plane step: connect to blue with the `database` block, read its catalog, run the
 * engine's rules for the replication path. Returns the report and the problems that refuse the run,
 * each naming the field or object and the fix. Reads only.
 */
import type { InspectionGateway } from '#aws/inspection-gateway';
import { ParameterNotFoundError } from '#aws/parameters';
import type { InstanceFacts } from '#domain/facts';
import type { ExecutionInput } from '#domain/input';
import {
  evaluateInspection,
  type InspectionReport,
  isInspectedEngine,
  refusalProblems,
} from '#domain/inspection/index';
import type { Replication } from '#domain/plan';

export interface BlueInspection {
  /** null when the engine has no rules yet or blue could not be inspected */
  report: InspectionReport | null;
  problems: string[];
}

export const inspectBlue = async (
  input: ExecutionInput,
  instance: InstanceFacts,
  replication: Replication,
  gateway: InspectionGateway,
): Promise<BlueInspection> => {
  const engine = instance.engine;
  if (!isInspectedEngine(engine)) return { report: null, problems: [] };
  if (!input.database) {
    const hazards =
      engine === 'postgres'
        ? 'tables without a primary key, large objects, unlogged tables, extensions, replication slots'
        : 'tables without a primary key, non-transactional tables, enabled events';
    return {
      report: null,
      problems: [
        `database: is required: Preflight inspects ${instance.id}'s schema for Blue/Green hazards (${hazards}) before anything is created; give name, user and passwordParameter`,
      ],
    };
  }
  if (!instance.endpoint) {
    return {
      report: null,
      problems: [
        `${instance.id}: has no endpoint yet, so its schema cannot be inspected; wait until it is available`,
      ],
    };
  }
  const where = `${input.database.user}@${instance.endpoint.address}:${instance.endpoint.port}/${input.database.name}`;
  try {
    const target = { ...input.database, host: instance.endpoint.address, port: instance.endpoint.port };
    const common = { replication, waivers: input.waivers, database: input.database.name, endpoint: where };
    // Each engine reads its own catalog; the table and the verdict are shared.
    const report =
      engine === 'postgres'
        ? await gateway.inspectPostgres(target).then((i) => evaluateInspection({ ...common, engine, ...i }))
        : await gateway
            .inspectMysql(target, engine)
            .then((i) => evaluateInspection({ ...common, engine, ...i }));
    return { report, problems: refusalProblems(report) };
  } catch (error) {
    if (error instanceof ParameterNotFoundError) {
      return {
        report: null,
        problems: [
          `database.passwordParameter: SSM parameter ${error.parameter} not found or empty; put the password of ${input.database.user} there (SecureString)`,
        ],
      };
    }
    return {
      report: null,
      problems: [
        `database: cannot inspect ${where}: ${(error as Error).message}; Preflight must reach blue (network path, security group) over verified TLS (a certificate from the Amazon RDS CAs, or one added with SWITCHYARD_DB_EXTRA_CA_FILE) with the user and the password in database.passwordParameter`,
      ],
    };
  }
};
