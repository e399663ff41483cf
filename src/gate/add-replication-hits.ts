/** The REPL layer (docs/gate.md, Replication): what a Blue/Green replication mode adds to a statement's hits. */
import type { Engine, Hit, Replication, RuleId } from './types.ts';

const BREAKS: Record<'logical' | 'binlog', ReadonlySet<RuleId>> = {
  logical: new Set(['G-RENAME-COLUMN', 'G-RENAME-TABLE', 'G-TYPE-CHANGE', 'G-DROP-COLUMN']),
  binlog: new Set(['G-RENAME-COLUMN', 'G-RENAME-TABLE', 'G-TYPE-CHANGE']),
};

const MODE_TEXT = {
  logical: 'PostgreSQL logical replication to green',
  binlog: 'MySQL binlog replication to green',
};

/** Adds G-BG-BLUE-DDL / G-BG-GREEN-DDL hits and escalates column position under binlog replication. */
export const addReplicationHits = (
  hits: Hit[],
  context: { engine: Engine; replication: Replication; firstDdlOfFile?: { ddlCount: number } },
): Hit[] => {
  const { engine, replication, firstDdlOfFile } = context;
  if (replication !== 'logical' && replication !== 'binlog') return hits;
  const out: Hit[] = hits.map((h) =>
    replication === 'binlog' && h.rule === 'G-COLUMN-POSITION'
      ? {
          ...h,
          detail: `${h.detail}; binlog replication to green breaks`,
          policy: { expand: 'error', contract: 'error' },
        }
      : h,
  );
  // One warning per file, on its first DDL statement, so a long file does not bury the other findings.
  if (replication === 'logical' && engine === 'postgres' && firstDdlOfFile) {
    const n = firstDdlOfFile.ddlCount;
    out.push({
      rule: 'G-BG-BLUE-DDL',
      detail: `this file runs ${n} DDL statement${n === 1 ? '' : 's'} (from this one on) on a database that uses logical replication for Blue/Green`,
    });
  }
  for (const h of hits) {
    const breaks =
      BREAKS[replication].has(h.rule) || (replication === 'logical' && h.volatileDefault === true);
    if (!breaks) continue;
    out.push({
      rule: 'G-BG-GREEN-DDL',
      detail: `${h.rule} breaks ${MODE_TEXT[replication]} (${h.detail})`,
      ...(h.uncertain ? { policy: { expand: 'approval', contract: 'approval' }, uncertain: true } : {}),
    });
  }
  return out;
};
