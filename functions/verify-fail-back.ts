/** VerifyAfterFailBack: the production name is old blue again, writable, on old blue's version, smoke queries pass, no alarm fires. */
import {
  databaseGateway,
  failBackDatabaseGateway,
  type Gateways,
  metricsGateway,
  rdsGateway,
  systemClock,
} from '#aws/gateways';
import { judgeFailBack } from '#domain/fail-back';
import { VerifyFailBackInput } from '#domain/fail-back-contracts';
import { readFailBackInstances, targetOn } from '#lib/fail-back-instances';
import { taskHandler } from '#lib/task-handler';

export const makeVerifyFailBackHandler = (
  gw: Pick<Gateways, 'rds' | 'database' | 'failBackDatabase' | 'metrics' | 'clock'>,
) =>
  taskHandler(
    VerifyFailBackInput,
    async ({ database, failedName, engineVersion, alarmNames, smokeSql, ...claim }) => {
      const [instances, production, alarms] = await Promise.all([
        readFailBackInstances(gw, claim),
        gw.rds.describeInstance(claim.sourceId),
        gw.metrics.alarmStates(alarmNames),
      ]);
      let writable: boolean | null = null;
      let writableError: string | undefined;
      let smoke: Array<{ sql: string; ok: boolean; error?: string; ms: number }> = [];
      try {
        const target = targetOn(database, production, 'production name');
        writable = await gw.failBackDatabase.isWritable(target);
        smoke = smokeSql.length > 0 ? await gw.database.runSmoke(target, smokeSql) : [];
      } catch (err) {
        writableError = (err as Error).message;
      }
      const verdict = judgeFailBack({
        claim,
        failedName,
        engineVersion,
        production: production && {
          ...instances.evidence.production!,
          engineVersion: production.engineVersion,
        },
        failed: instances.evidence.newPrimary?.id === failedName ? instances.evidence.newPrimary : undefined,
        writable,
        writableError,
        smoke,
        alarms: alarms.found,
        missingAlarms: alarms.missing,
      });
      return { ...verdict, writable, smoke, checkedAt: gw.clock().toISOString() };
    },
  );

export const handler = makeVerifyFailBackHandler({
  rds: rdsGateway(),
  database: databaseGateway(),
  failBackDatabase: failBackDatabaseGateway(),
  metrics: metricsGateway(),
  clock: systemClock,
});
