/**
 * PrepareChild (one per database, inside the wave's Map): the database's input (template + its
 * overrides, validated at PlanFleet) and its child execution name, derived from the fleet execution and
 * the database so a retried StartExecution finds the same child.
 */
import { ContractViolationError } from '#domain/errors';
import { childExecutionName, childInput, listedMembers, parseFleetDocument } from '#domain/fleet';
import { PrepareChildInput } from '#domain/fleet-tasks';
import { taskHandler } from '#lib/task-handler';

export const makePrepareChildHandler = () =>
  taskHandler(PrepareChildInput, async ({ document, id, executionName }) => {
    const parsed = parseFleetDocument(document);
    if (!parsed.ok) throw new ContractViolationError(`PrepareChild: ${parsed.problems.join('; ')}`);
    const doc = parsed.value;
    const listed = listedMembers(doc).find((m) => m.id === id);
    const member = listed ?? { id, overrides: doc.overrides?.[id] ?? {} };
    return { id, name: childExecutionName(executionName, id), input: childInput(doc, member) };
  });

export const handler = makePrepareChildHandler();
