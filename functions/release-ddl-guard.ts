/**
 * ReleaseDdlGuard: after the switch (old blue, and the new primary, which inherits the guard on the
 * physical path) or after a rollback (blue), remove the guard and report the DDL it saw. A database
 * that cannot be reached is reported, not thrown: the run goes on and the notification says so.
 */

import { ddlGuardGateway, type Gateways, rdsGateway } from '#aws/gateways';
import { ReleaseDdlGuardInput } from '#domain/contracts';
import { describeObservation, type GuardObservation } from '#domain/ddl-guard';
import { assertIsError } from '#domain/errors';
import { taskHandler } from '#lib/task-handler';

export const makeReleaseDdlGuardHandler = (gw: Pick<Gateways, 'ddlGuard' | 'rds'>) =>
  taskHandler(ReleaseDdlGuardInput, async ({ executionId, database, instanceIds }) => {
    const ids = instanceIds.filter((id): id is string => Boolean(id));
    const results: Array<{ instanceId: string; released: boolean; detail: string }> = [];
    // The first instance is the side that was blue while green existed: its log is the one that matters.
    let observation: GuardObservation | null = null;
    for (const [i, instanceId] of ids.entries()) {
      if (!database) {
        results.push({ instanceId, released: true, detail: 'no guard (no database block)' });
        continue;
      }
      if (database.engine === 'mysql' || database.engine === 'mariadb') {
        results.push({ instanceId, released: true, detail: 'no guard (MySQL/MariaDB: none is installed)' });
        continue;
      }
      try {
        const instance = await gw.rds.describeInstance(instanceId);
        if (!instance?.endpoint) {
          results.push({ instanceId, released: false, detail: 'instance or its endpoint not found' });
          continue;
        }
        const target = { ...database, host: instance.endpoint.address, port: instance.endpoint.port };
        const released = await gw.ddlGuard.release(target, executionId);
        if (i === 0) observation = released.observation;
        results.push({ instanceId, released: released.released, detail: released.detail });
      } catch (err) {
        results.push({ instanceId, released: false, detail: assertIsError(err).message });
      }
    }
    return {
      allReleased: results.every((r) => r.released),
      instances: results,
      observation,
      summary: describeObservation(observation),
    };
  });

export const handler = makeReleaseDdlGuardHandler({
  ddlGuard: ddlGuardGateway(),
  rds: rdsGateway(),
});
