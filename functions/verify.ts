/** Verify: the original name is served by green, healthy, smoke queries pass, no alarm fires. */

import { databaseGateway, type Gateways, metricsGateway, rdsGateway, systemClock } from '#aws/gateways';
import { VerifyInput } from '#domain/contracts';
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
      readOnly,
    });
    return { ...verdict, smoke, readOnly: readOnly ?? null, checkedAt: gw.clock().toISOString() };
  });

export const handler = makeVerifyHandler({
  rds: rdsGateway(),
  metrics: metricsGateway(),
  database: databaseGateway(),
  clock: systemClock,
});
