/** Verify: the original name is served by green, healthy, smoke queries pass, no alarm fires. */

import { databaseGateway, type Gateways, metricsGateway, rdsGateway, systemClock } from '#aws/gateways';
import { oldBlueSessionsProblem } from '#domain/client-thresholds';
import { VerifyInput } from '#domain/contracts';
import { assertIsError } from '#domain/errors';
import { isPostgres } from '#domain/postgres-target';
import { describeShortfalls, type SequenceShortfall, sequenceShortfalls } from '#domain/sequences';
import { judgeVerification } from '#domain/verify';
import { readOnlyStates } from '#lib/read-only-check';
import { taskHandler } from '#lib/task-handler';

export const makeVerifyHandler = (gw: Pick<Gateways, 'rds' | 'metrics' | 'database' | 'clock'>) =>
  taskHandler(VerifyInput, async (input) => {
    const [deployment, primary, oldBlue, alarms] = await Promise.all([
      gw.rds.describeDeployment(input.deploymentId),
      gw.rds.describeInstance(input.sourceId),
      input.oldBlueId ? gw.rds.describeInstance(input.oldBlueId) : Promise.resolve(undefined),
      gw.metrics.alarmStates(input.alarmNames),
    ]);
    const smoke =
      input.database && input.smokeSql.length > 0
        ? await gw.database.runSmoke(input.database, input.smokeSql)
        : [];
    // Sequences on the new primary (the original name now serves green): check, do not trust the sync.
    let shortfalls: SequenceShortfall[] = [];
    let sequenceProblems: string[] = [];
    if (input.database && isPostgres(input.database)) {
      try {
        shortfalls = sequenceShortfalls(await gw.database.readOwnedSequences(input.database));
        sequenceProblems = describeShortfalls(shortfalls);
      } catch (err) {
        sequenceProblems = [`cannot check sequences on the new primary: ${assertIsError(err).message}`];
      }
    }
    // Sessions still on old blue (read-only now): reported for the bake, so stragglers are seen, and
    // over clients.maxOldBlueSessions they fail verification.
    let oldBlueSessions: number | null = null;
    if (input.database && isPostgres(input.database) && oldBlue?.endpoint) {
      const target = { ...input.database, host: oldBlue.endpoint.address, port: oldBlue.endpoint.port };
      oldBlueSessions = await gw.database
        .readClients(target)
        .then((c) => c.connections)
        .catch(() => null);
    }
    // MySQL/MariaDB only: old blue must refuse writes, the new primary must take them.
    const readOnly = await readOnlyStates(gw.database, input.database, oldBlue);
    const verdict = judgeVerification({
      deployment,
      primary,
      expectedResourceId: input.expectedResourceId,
      oldBlue,
      alarms: alarms.found,
      missingAlarms: alarms.missing,
      smoke,
      sequenceProblems,
      clientProblems: [oldBlueSessionsProblem(input.clients, oldBlueSessions)].filter(
        (p): p is string => p !== null,
      ),
      readOnly,
    });
    return {
      ...verdict,
      smoke,
      sequences: shortfalls,
      oldBlueSessions,
      readOnly: readOnly ?? null,
      checkedAt: gw.clock().toISOString(),
    };
  });

export const handler = makeVerifyHandler({
  rds: rdsGateway(),
  metrics: metricsGateway(),
  database: databaseGateway(),
  clock: systemClock,
});
