/** InstallDdlGuard: watch (and with guards.ddlFreeze refuse) DDL on blue from before CreateGreen until the switch. */

import { ddlGuardGateway, type Gateways } from '#aws/gateways';
import { InstallDdlGuardInput } from '#domain/contracts';
import { planGuard } from '#domain/ddl-guard';
import { ExecutionInput } from '#domain/input';
import { taskHandler } from '#lib/task-handler';

export const makeInstallDdlGuardHandler = (gw: Pick<Gateways, 'ddlGuard'>) =>
  taskHandler(InstallDdlGuardInput, async ({ input, executionId, database, replication }) => {
    const guards = ExecutionInput.shape.guards.parse((input as { guards?: unknown })?.guards);
    const plan = planGuard(replication, guards.ddlFreeze, database !== null);
    const installed =
      database && plan.mode !== 'off' ? await gw.ddlGuard.install(database, executionId, plan) : null;
    return {
      mode: plan.mode,
      freeze: plan.freeze,
      warnings: plan.warnings,
      database: database?.name ?? null,
      triggers: installed?.triggers ?? [],
    };
  });

export const handler = makeInstallDdlGuardHandler({ ddlGuard: ddlGuardGateway() });
