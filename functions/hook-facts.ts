/** HookFacts: the run's facts a hook receives (green's and blue's endpoints and versions, release, execution id). */

import { type Gateways, rdsGateway } from '#aws/gateways';
import { type HookEndpoint, HookFactsInput, hookEnvironment } from '#domain/hooks';
import { taskHandler } from '#lib/task-handler';

export const makeHookFactsHandler = (gw: Pick<Gateways, 'rds'>) =>
  taskHandler(HookFactsInput, async ({ greenInstanceId, blueInstanceId, ...run }) => {
    const endpointOf = async (id: string | null): Promise<HookEndpoint | null> => {
      if (!id) return null;
      const instance = await gw.rds.describeInstance(id);
      // An instance the run names but RDS does not know is reported as such, not guessed.
      return {
        instanceId: id,
        host: instance?.endpoint?.address ?? null,
        port: instance?.endpoint?.port ?? null,
        engineVersion: instance?.engineVersion ?? 'unknown',
      };
    };
    const [green, blue] = await Promise.all([endpointOf(greenInstanceId), endpointOf(blueInstanceId)]);
    const facts = { ...run, green, blue };
    return { ...facts, environment: hookEnvironment(facts) };
  });

export const handler = makeHookFactsHandler({ rds: rdsGateway() });
