/** Reads, right before each fail-back step, where the run's two instances are (by resource id). Reads only. */
import type { DatabaseTarget } from '#aws/database-gateway';
import type { Gateways } from '#aws/gateways';
import type { ReverseReplicationPair } from '#aws/reverse-replication-gateway';
import { toInstanceView } from '#domain/deletion';
import { FailBackRefusedError } from '#domain/errors';
import type { InstanceFacts } from '#domain/facts';
import type { FailBackClaim, FailBackEvidence } from '#domain/fail-back';

export interface FailBackInstances {
  evidence: FailBackEvidence;
  newPrimary?: InstanceFacts | undefined;
  oldBlue?: InstanceFacts | undefined;
}

export const readFailBackInstances = async (
  gw: Pick<Gateways, 'rds'>,
  claim: FailBackClaim,
): Promise<FailBackInstances> => {
  const [newPrimary, oldBlue, production] = await Promise.all([
    gw.rds.describeInstanceByResourceId(claim.newPrimaryResourceId),
    gw.rds.describeInstanceByResourceId(claim.oldBlueResourceId),
    gw.rds.describeInstance(claim.sourceId),
  ]);
  return {
    newPrimary,
    oldBlue,
    evidence: {
      newPrimary: toInstanceView(newPrimary),
      oldBlue: toInstanceView(oldBlue),
      production: toInstanceView(production),
    },
  };
};

/** The database on one instance: the run's credentials at that instance's own endpoint (names move, servers do not). */
export const targetOn = (
  database: DatabaseTarget | null,
  instance: InstanceFacts | undefined,
  role: string,
): DatabaseTarget => {
  if (!database)
    throw new FailBackRefusedError(
      'the input has no database block (name, user, passwordParameter): a fail-back must block writes and check old blue; add it to the input of the next run',
    );
  if (!instance?.endpoint) throw new FailBackRefusedError(`the ${role} has no endpoint to connect to`);
  return { ...database, host: instance.endpoint.address, port: instance.endpoint.port };
};

/** Both sides of the reverse stream, resolved by resource id. */
export const reversePair = async (
  gw: Pick<Gateways, 'rds'>,
  claim: FailBackClaim,
  database: DatabaseTarget | null,
): Promise<ReverseReplicationPair & { instances: FailBackInstances }> => {
  const instances = await readFailBackInstances(gw, claim);
  return {
    newPrimary: targetOn(database, instances.newPrimary, 'new primary'),
    oldBlue: targetOn(database, instances.oldBlue, 'old blue'),
    executionName: claim.executionId.slice(claim.executionId.lastIndexOf(':') + 1),
    instances,
  };
};
