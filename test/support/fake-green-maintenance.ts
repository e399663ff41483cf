/**
 * A scripted green for MaintainGreen in the path tests: `tables` tables public.t1…tN and the given
 * materialized views. `failOn` makes ANALYZE (or REFRESH) of that relation fail as the server would;
 * `skip` makes ANALYZE skip a table with PostgreSQL's privilege warning. Every statement is logged.
 */
import type { GreenMaintenanceGateway, GreenMatView, GreenTable } from '#aws/green-maintenance-gateway';

export interface GreenMaintenanceScript {
  tables?: number;
  views?: Array<{ name: string; populated?: boolean; uniqueIndex?: boolean }>;
  failOn?: string;
  skip?: string;
  /** milliseconds the world's clock moves per ANALYZE (drives the time budget) */
  analyzeMs?: number;
}

export const makeFakeGreenMaintenance = (
  script: GreenMaintenanceScript = {},
  log: string[] = [],
  advance: (ms: number) => void = () => undefined,
): GreenMaintenanceGateway => {
  const tables: GreenTable[] = Array.from({ length: script.tables ?? 3 }, (_, i) => ({
    oid: 16_400 + i,
    schema: 'public',
    relation: `t${i + 1}`,
    name: `public.t${i + 1}`,
  }));
  const views: GreenMatView[] = (script.views ?? []).map((v, i) => {
    const [schema = 'public', relation = v.name] = v.name.split('.');
    return {
      oid: 16_300 + i,
      schema,
      relation,
      name: v.name,
      populated: v.populated ?? true,
      uniqueIndex: v.uniqueIndex ?? false,
    };
  });
  return {
    open: async (target, green, writable) => {
      log.push(`open ${green.host} ${target.name} ${writable ? 'writable' : 'read-only'}`);
      return {
        tables: async () => tables,
        views: async () => views,
        analyze: async (table) => {
          advance(script.analyzeMs ?? 0);
          if (table.name === script.failOn) throw new Error(`relation "${table.relation}" does not exist`);
          log.push(`ANALYZE ${table.name}`);
          return {
            warnings:
              table.name === script.skip
                ? [`permission denied to analyze "${table.relation}", skipping it`]
                : [],
          };
        },
        refresh: async (view, mode) => {
          if (view.name === script.failOn)
            throw new Error(`must be owner of materialized view ${view.relation}`);
          log.push(`REFRESH ${mode} ${view.name}`);
        },
        close: async () => undefined,
      };
    },
  };
};
