/**
 * PlanFleet: validate the fleet document and every database's input (one bad database refuses the
 * whole fleet, naming it), resolve a tag query once with DescribeDBInstances (its TagList; frozen into
 * the execution from here on), and plan the waves. Nothing is created.
 */
import { type Gateways, rdsGateway, systemClock } from '#aws/gateways';
import { FleetRefusedError } from '#domain/errors';
import {
  type FleetMember,
  listedMembers,
  matchesTagQuery,
  parseFleetDocument,
  planFleet,
  taggedMembers,
} from '#domain/fleet';
import { PlanFleetInput, withApproval } from '#domain/fleet-tasks';
import { taskHandler } from '#lib/task-handler';

const refuse = (problems: string[]): never => {
  throw new FleetRefusedError(`The fleet was refused; nothing ran:\n${problems.join('\n')}`, problems);
};

export const makePlanFleetHandler = (gw: Pick<Gateways, 'rds' | 'clock'>) =>
  taskHandler(PlanFleetInput, async ({ document, executionName }) => {
    const parsed = parseFleetDocument(document);
    if (!parsed.ok) return refuse(parsed.problems);
    const doc = parsed.value;
    let members: FleetMember[] = listedMembers(doc);
    if (doc.tagQuery) {
      const tags = doc.tagQuery.tags;
      const found = (await gw.rds.listInstances()).filter((i) => matchesTagQuery(i, tags)).map((i) => i.id);
      members = taggedMembers(doc, found);
      const unknown = Object.keys(doc.overrides ?? {}).filter((id) => !found.includes(id));
      if (unknown.length > 0)
        refuse(
          unknown.map(
            (id) => `overrides.${id}: the tag query did not find this database; remove it or tag it`,
          ),
        );
    }
    const planned = planFleet(doc, members);
    if (!planned.ok) return refuse(planned.problems);
    const { plan, progress } = planned.value;
    return { plan, progress: withApproval(doc, progress, executionName, gw.clock()) };
  });

export const handler = makePlanFleetHandler({ rds: rdsGateway(), clock: systemClock });
