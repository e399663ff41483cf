/** PrepareApproval: the facts approvers need, a smoke test of green, and the decision deadline. */

import { databaseGateway, ddlGuardGateway, type Gateways, rdsGateway, systemClock } from '#aws/gateways';
import { PrepareApprovalInput } from '#domain/contracts';
import { assertIsError, SmokeTestFailedError, SwitchoverTimeoutTooShortError } from '#domain/errors';
import { approvalMaintenance } from '#domain/green-maintenance';
import { approvalInspection } from '#domain/inspection/index';
import { addSeconds } from '#domain/plan';
import { isPostgres } from '#domain/postgres-target';
import { estimateSwitchover, refuseTimeout } from '#domain/switchover-estimate';
import { approvalValidation } from '#domain/validation/index';
import { taskHandler } from '#lib/task-handler';

export const makePrepareApprovalHandler = (gw: Pick<Gateways, 'rds' | 'database' | 'ddlGuard' | 'clock'>) =>
  taskHandler(PrepareApprovalInput, async (input) => {
    const { plan, source, target } = input;
    const green = await gw.rds.describeInstance(input.greenInstanceId);
    // Green is read-only before the switch, so only reading smoke queries make sense here.
    const smoke =
      input.database && green?.endpoint && input.smokeSql.length > 0
        ? await gw.database.runSmoke(
            { ...input.database, host: green.endpoint.address, port: green.endpoint.port },
            input.smokeSql,
          )
        : [];
    const failed = smoke.filter((s) => !s.ok);
    if (failed.length > 0) {
      throw new SmokeTestFailedError(
        `green smoke queries failed: ${failed.map((f) => `${f.sql}: ${f.error}`).join('; ')}`,
      );
    }
    // What the DDL guard saw on blue since green was created; unreadable is said, not fatal.
    const guard = input.ddlGuard;
    let seen: { logged: number | null; schemaChanged: boolean | null; note?: string } = {
      logged: null,
      schemaChanged: null,
    };
    if (input.database && guard.mode !== 'off') {
      try {
        const o = await gw.ddlGuard.observe(input.database, input.executionId);
        seen = o
          ? { logged: o.logged, schemaChanged: o.schemaChanged }
          : { ...seen, note: 'guard not found on blue' };
      } catch (err) {
        seen = { ...seen, note: `cannot read the guard on blue: ${assertIsError(err).message}` };
      }
    }
    // Clients on blue and the switchover estimate; unreadable clients are said, and estimated as none.
    let clients: {
      connections: number | null;
      longestTransactionSeconds: number | null;
      rdsTools: boolean | null;
      note?: string;
    } = { connections: null, longestTransactionSeconds: null, rdsTools: null };
    let sequences = 0;
    if (input.database && !isPostgres(input.database))
      clients = { ...clients, note: 'not read: the clients check is PostgreSQL-only' };
    else if (input.database) {
      try {
        const c = await gw.database.readClients(input.database);
        clients = {
          connections: c.connections,
          longestTransactionSeconds: c.longestTransactionSeconds,
          rdsTools: c.rdsTools,
        };
        sequences = c.sequences;
      } catch (err) {
        clients = { ...clients, note: `cannot read clients on blue: ${assertIsError(err).message}` };
      }
    }
    const estimate = estimateSwitchover({
      replication: plan.replication,
      sequences,
      connections: clients.connections ?? 0,
      longestTransactionSeconds: clients.longestTransactionSeconds,
      lagValues: (input.lag.samples ?? [{ value: input.lag.value }]).map((s) => s.value),
      lagUnit: input.lag.unit,
    });
    const configured = plan.switchover?.timeoutSeconds ?? null;
    const refusal = configured === null ? null : refuseTimeout(configured, estimate);
    if (refusal) throw new SwitchoverTimeoutTooShortError(refusal);
    return {
      approvers: plan.approval.approvers,
      expiresAt: addSeconds(gw.clock(), plan.approval.timeoutSeconds),
      request: {
        database: plan.sourceId,
        deploymentId: input.deploymentId,
        greenInstanceId: input.greenInstanceId,
        engine: plan.engine,
        current: {
          engineVersion: plan.currentEngineVersion,
          dbParameterGroupName: source.parameterGroup ?? undefined,
          dbInstanceClass: source.instanceClass,
        },
        target: {
          engineVersion: plan.targetEngineVersion,
          dbParameterGroupName: target.dbParameterGroupName,
          dbInstanceClass: target.dbInstanceClass,
        },
        replication: plan.replication,
        lag: { value: input.lag.value ?? -1, unit: input.lag.unit, metric: input.lag.metric },
        window: plan.window,
        migrations: input.migrations,
        ddlGuard: { mode: guard.mode, freeze: guard.freeze, warnings: guard.warnings, ...seen },
        ...(input.inspection ? { inspection: approvalInspection(input.inspection) } : {}),
        clients,
        switchoverEstimate: { ...estimate, configuredTimeoutSeconds: configured },
        ...(input.validation ? { validation: approvalValidation(input.validation) } : {}),
        ...(input.greenMaintenance ? { greenMaintenance: approvalMaintenance(input.greenMaintenance) } : {}),
      },
      smoke,
    };
  });

export const handler = makePrepareApprovalHandler({
  rds: rdsGateway(),
  database: databaseGateway(),
  ddlGuard: ddlGuardGateway(),
  clock: systemClock,
});
