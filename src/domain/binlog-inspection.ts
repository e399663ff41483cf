/**
 * Data-plane rules for RDS for MySQL and MariaDB (binlog replication to green): the facts Preflight
 * reads from blue's information_schema, and the rule table over them. They register in the data-plane
 * inspection table (inspection/binlog.ts → inspection/index.ts) under `mysql` and `mariadb`, which
 * evaluates them, applies waivers and reports them under `preflight.database`.
 */

const UG = 'https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide';
const BEST_PRACTICES = `${UG}/blue-green-deployments-best-practices.html`;
const CONSIDERATIONS = `${UG}/blue-green-deployments-considerations.html`;

/** A base table of a user schema (mysql, sys, information_schema, performance_schema excluded). */
export interface MysqlTable {
  schema: string;
  name: string;
  engine: string;
  hasPrimaryKey: boolean;
  /** a UNIQUE index (other than the primary key) whose columns are all NOT NULL: as good as one for row lookup */
  hasUniqueNotNullKey: boolean;
  /** information_schema estimate */
  rows: number | null;
  bytes: number;
}

export interface BinlogCatalogFacts {
  serverVersion: string;
  tables: MysqlTable[];
  /** events with STATUS ENABLED (scheduled jobs) */
  enabledEvents: Array<{ schema: string; name: string }>;
}

export interface BinlogFoundObject {
  name: string;
  detail?: string;
  rows?: number;
  bytes?: number;
  sql?: string;
}

export interface BinlogInspectionRule {
  id: string;
  title: string;
  severity: { binlog: 'refuse' | 'warn' };
  waivable: boolean;
  why: string;
  fix: string;
  docs: string;
  find: (facts: BinlogCatalogFacts) => BinlogFoundObject[];
}

const quote = (name: string): string => `\`${name.replace(/`/g, '``')}\``;
const display = (t: { schema: string; name: string }): string => `${t.schema}.${t.name}`;
const sized = (t: MysqlTable) => ({ ...(t.rows === null ? {} : { rows: t.rows }), bytes: t.bytes });

export const BINLOG_INSPECTION_RULES: BinlogInspectionRule[] = [
  {
    id: 'B-NON-TRANSACTIONAL',
    title: 'Tables on a non-transactional storage engine',
    severity: { binlog: 'warn' },
    waivable: true,
    why: 'RDS advises against storage engines that are not transactional, such as MyISAM, for binlog replication to green: a crash or a stopped statement leaves blue and green different, and only InnoDB is crash-safe on RDS.',
    fix: 'Convert each table to InnoDB before the deployment (ALTER TABLE … ENGINE=InnoDB rebuilds it).',
    docs: BEST_PRACTICES,
    find: (facts) =>
      facts.tables
        .filter((t) => t.engine.toLowerCase() !== 'innodb')
        .map((t) => ({
          name: display(t),
          detail: `engine ${t.engine}`,
          ...sized(t),
          sql: `ALTER TABLE ${quote(t.schema)}.${quote(t.name)} ENGINE=InnoDB;`,
        })),
  },
  {
    id: 'B-NO-PRIMARY-KEY',
    title: 'Tables without a primary key',
    severity: { binlog: 'warn' },
    waivable: true,
    // MySQL reference manual, "Replication and row searches" (replica_rows_search_algorithms): without a
    // primary or unique NOT NULL key, each row event is applied by scanning the table on the replica.
    why: 'With row-based binlog replication, green finds each updated or deleted row by its primary key; without one it scans the whole table for every row changed, so green falls behind on busy tables and the switchover waits on replica lag.',
    fix: 'Add a primary key (or a UNIQUE key on NOT NULL columns) before the deployment, in a migration of its own.',
    docs: `${BEST_PRACTICES}#blue-green-deployments-best-practices-mysql`,
    find: (facts) =>
      facts.tables
        .filter((t) => t.engine.toLowerCase() === 'innodb' && !t.hasPrimaryKey && !t.hasUniqueNotNullKey)
        .map((t) => ({ name: display(t), detail: 'no primary key or unique NOT NULL key', ...sized(t) })),
  },
  {
    id: 'B-ENABLED-EVENTS',
    title: 'Scheduled events that stop at the switchover',
    severity: { binlog: 'warn' },
    waivable: true,
    why: "The Event Scheduler must be off on green, so after the switchover none of blue's events run on the new primary until someone turns it on; the scheduled jobs stop silently.",
    fix: "Plan it: after the switchover set event_scheduler=ON in the new primary's parameter group, and re-enable events replicated as disabled (ALTER EVENT … ENABLE).",
    docs: CONSIDERATIONS,
    find: (facts) =>
      facts.enabledEvents.map((e) => ({
        name: display(e),
        sql: `ALTER EVENT ${quote(e.schema)}.${quote(e.name)} ENABLE;`,
      })),
  },
];
