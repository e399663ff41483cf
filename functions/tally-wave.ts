/** TallyWave: count the wave's children, and decide: the next wave, stop (threshold exceeded), or done. */
import { systemClock } from '#aws/gateways';
import { ContractViolationError } from '#domain/errors';
import { type FleetPlan, type FleetProgress, parseFleetDocument, tallyWave } from '#domain/fleet';
import { TallyWaveInput, withApproval } from '#domain/fleet-tasks';
import { taskHandler } from '#lib/task-handler';

export const makeTallyWaveHandler = (clock: () => Date) =>
  taskHandler(TallyWaveInput, async ({ document, executionId, plan, progress, results }) => {
    const parsed = parseFleetDocument(document);
    if (!parsed.ok) throw new ContractViolationError(`TallyWave: ${parsed.problems.join('; ')}`);
    const next = tallyWave(plan as unknown as FleetPlan, progress as unknown as FleetProgress, results);
    const name = executionId.slice(executionId.lastIndexOf(':') + 1);
    return withApproval(parsed.value, next, name, clock());
  });

export const handler = makeTallyWaveHandler(systemClock);
