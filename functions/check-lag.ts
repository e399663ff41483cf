/**
 * CheckLag: read the replication-lag metric that fits the replication type and count stable samples;
 * and, as the replication-window guard, read green's health and blue's DDL guard, so a degraded
 * deployment or DDL on blue leaves the lag loop at once instead of waiting out the lag deadline.
 */

import type { z } from 'zod';
import {
  databaseGateway,
  ddlGuardGateway,
  type Gateways,
  metricsGateway,
  rdsGateway,
  systemClock,
} from '#aws/gateways';
import { type ClientReading, holdsBeforeSwitch, judgeClientsBeforeSwitch } from '#domain/client-thresholds';
import { CheckLagInput } from '#domain/contracts';
import { assertIsError } from '#domain/errors';
import { appendSample, judgeLag } from '#domain/lag';
import { isPostgres } from '#domain/postgres-target';
import { judgeReplicationWindow } from '#domain/replication-window';
import { taskHandler } from '#lib/task-handler';

type CheckLagGateways = Pick<Gateways, 'metrics' | 'clock' | 'rds' | 'ddlGuard' | 'database'>;

const readClients = async (
  gw: CheckLagGateways,
  database: z.infer<typeof CheckLagInput>['database'],
): Promise<ClientReading> => {
  if (!database) return { error: 'no database in the input' };
  if (!isPostgres(database)) return { error: 'the clients query is PostgreSQL-only' };
  try {
    const c = await gw.database.readClients(database);
    return { connections: c.connections, longestTransactionSeconds: c.longestTransactionSeconds };
  } catch (err) {
    return { error: assertIsError(err).message };
  }
};

export const makeCheckLagHandler = (gw: CheckLagGateways) =>
  taskHandler(
    CheckLagInput,
    async ({
      lag,
      sourceId,
      greenInstanceId,
      consecutiveOk,
      samples,
      executionId,
      database,
      deploymentId,
      clients: thresholds,
    }) => {
      // Physical: ReplicaLag (s) on green. Logical: OldestReplicationSlotLag (bytes) on blue's slot.
      const instanceId = lag.readOn === 'green' ? greenInstanceId : sourceId;
      const now = gw.clock();
      const checkedAt = now.toISOString();
      const value = await gw.metrics.latestRdsMetric(lag.metric, instanceId, now);
      const green = await gw.rds.describeInstance(greenInstanceId);
      // RDS's own report of a green that cannot follow blue ("Replication degraded", StatusInfos error).
      const deployment = deploymentId ? await gw.rds.describeDeployment(deploymentId) : undefined;
      const replica = green?.statusInfos?.find((i) => i.type === 'read replication');
      // A guard that cannot be read fails this Task (Retry, then Catch → Compensate): unknown is not healthy.
      const observation =
        database && executionId && isPostgres(database)
          ? await gw.ddlGuard.observe(database, executionId)
          : null;
      const window = judgeReplicationWindow(
        observation,
        {
          greenStatus: green?.status ?? 'not found',
          deploymentStatusDetails: deployment?.statusDetails ?? null,
          greenReplication: replica ?? null,
        },
        checkedAt,
      );
      const judgement = judgeLag(value, lag.threshold, consecutiveOk, lag.stableSamples);
      // RecheckLag only: clients on blue over clients.* hold the switch (client-thresholds.ts).
      const clients = judgeClientsBeforeSwitch(
        thresholds,
        holdsBeforeSwitch(thresholds) ? await readClients(gw, database) : null,
      );
      return {
        value,
        unit: lag.unit,
        metric: lag.metric,
        instanceId,
        threshold: lag.threshold,
        ...judgement,
        // Never converged on a broken window, whatever the lag says.
        converged: judgement.converged && window.healthy,
        withinThreshold: judgement.withinThreshold && window.healthy && !clients.held,
        clients,
        window,
        samples: appendSample(samples, { value, at: checkedAt }),
        checkedAt,
      };
    },
  );

export const handler = makeCheckLagHandler({
  metrics: metricsGateway(),
  clock: systemClock,
  rds: rdsGateway(),
  ddlGuard: ddlGuardGateway(),
  database: databaseGateway(),
});
