/**
 * Data-plane inspection, engine-neutral: a rule looks at facts read from blue's catalog and names the
 * objects that make a Blue/Green deployment fail or lose data. Rules are keyed by engine and by
 * replication path; each engine has its own module (postgres.ts; binlog rules for MySQL/MariaDB go in
 * their own module and register in index.ts).
 */

export type InspectionEngine = 'postgres' | 'mysql' | 'mariadb';
export type ReplicationPath = 'physical' | 'logical' | 'binlog';
/** refuse: Preflight stops the run; warn: shown to approvers and in the report. */
export type Severity = 'refuse' | 'warn';

/** One object a rule found, schema-qualified, with the numbers that size the problem. */
export interface FoundObject {
  name: string;
  detail?: string;
  /** estimated rows (planner statistics) */
  rows?: number;
  bytes?: number;
  /** the statement that fixes this object, where one exists */
  sql?: string;
}

export interface InspectionRule<Facts> {
  id: string;
  title: string;
  /** The paths the rule applies to, and its severity on each. */
  severity: Partial<Record<ReplicationPath, Severity>>;
  /** Whether a person may accept a `refuse` finding with a waiver (a `warn` can always be waived). */
  waivable: boolean;
  why: string;
  fix: string;
  /** The AWS (or PostgreSQL) documentation page the rule comes from. */
  docs: string;
  find: (facts: Facts) => FoundObject[];
}

/** A person's acceptance of a finding, from the input's `waivers`. */
export interface Waiver {
  rule: string;
  reason: string;
  by: string;
}

export interface Finding {
  rule: string;
  title: string;
  severity: Severity;
  waivable: boolean;
  why: string;
  fix: string;
  docs: string;
  /** how many objects the rule found (the list below is capped) */
  count: number;
  objects: FoundObject[];
  waiver?: { reason: string; by: string };
}

/** Numbers about blue that are not problems in themselves but size the run. */
export interface InspectionSummary {
  serverVersion: string;
  databaseBytes: number;
  tables: number;
  sequences: number;
  connections: number;
  longestTransactionSeconds: number;
  databases: string[];
}

/** What lands in the report under `preflight.database`. */
export interface InspectionReport {
  engine: InspectionEngine;
  replication: ReplicationPath;
  database: string;
  endpoint: string;
  /** refuse: at least one refuse finding not waived; warn: findings, none refusing; pass: none */
  verdict: 'pass' | 'warn' | 'refuse';
  summary: InspectionSummary;
  findings: Finding[];
  /** every waiver of the input, and whether a finding used it */
  waivers: Array<Waiver & { used: boolean }>;
  durationMs: number;
}
