/** Public types of the expand/contract migration gate. */

export type Engine = 'postgres' | 'mysql';
export type Phase = 'expand' | 'contract';
export type Replication = 'physical' | 'logical' | 'binlog' | 'none';
export type Severity = 'error' | 'warning' | 'approval';
/** The gate's failure classes (docs/gate.md). */
export type FailureClass = 'BC-OLD' | 'BC-NEW' | 'LOCK' | 'DATA' | 'DESTR' | 'REPL' | 'HYG';

export type MigrationSource = { name: string; sql: string };

export type LintInput = {
  engine: Engine;
  phase: Phase;
  sources: MigrationSource[];
  replication?: Replication;
  /** 'auto': use squawk when its binary is found (PostgreSQL only); 'off': the Switchyard classifier alone. */
  squawk?: 'auto' | 'off';
  /**
   * The current schema (e.g. `pg_dump --schema-only`, or migrations already applied): read only for column
   * types, nullability and enum values, so type changes and enum edits can be judged precisely. Never linted.
   */
  schema?: MigrationSource[];
};

export type Finding = {
  /** G-DROP-COLUMN, … or squawk:<rule>. */
  rule: string;
  /** 'approval' needs explicit human approval and counts as a failure unless approved. */
  severity: Severity;
  classes: FailureClass[];
  file: string;
  /** 1-based line of the statement start within the file. */
  line: number;
  statement: string;
  why: string;
  recipe: string;
  source: 'switchyard' | 'squawk';
};

export type GateReport = {
  engine: Engine;
  phase: Phase;
  verdict: 'pass' | 'warn' | 'fail';
  findings: Finding[];
  statements: number;
  squawk: 'used' | 'unavailable' | 'off';
  /** One line, e.g. "1 error, 2 warnings in 3 statements". */
  summary: string;
};

export type ReportFormat = 'text' | 'json' | 'github';

/** One statement of a migration file, located by file, 1-based line and character offsets. */
export type Statement = {
  file: string;
  line: number;
  start: number;
  end: number;
  text: string;
};

/** What a classifier reports: a rule that fired on a statement, with statement-specific detail. */
export type Hit = {
  rule: RuleId;
  detail: string;
  /** Overrides the rule's phase policy for this occurrence (e.g. the NOT VALID form of a constraint). */
  policy?: Partial<PhasePolicy>;
  /** The statement adds a volatile default (breaks PostgreSQL logical replication). */
  volatileDefault?: boolean;
  /** The gate cannot tell whether the change is safe; derived replication findings need approval, not an error. */
  uncertain?: boolean;
};

export type PolicyLevel = Severity | 'allow';
export type PhasePolicy = { expand: PolicyLevel; contract: PolicyLevel };

export type RuleId =
  | 'G-DROP-TABLE'
  | 'G-DROP-COLUMN'
  | 'G-RENAME-COLUMN'
  | 'G-RENAME-TABLE'
  | 'G-RENAME-OTHER'
  | 'G-TYPE-CHANGE'
  | 'G-ADD-REQUIRED'
  | 'G-ADD-DEFAULT-REWRITE'
  | 'G-SET-NOT-NULL'
  | 'G-DROP-NOT-NULL'
  | 'G-ADD-FK'
  | 'G-ADD-CHECK'
  | 'G-ADD-UNIQUE'
  | 'G-ADD-PK'
  | 'G-ADD-EXCLUSION'
  | 'G-INDEX-BLOCKING'
  | 'G-CONCURRENT-IN-TX'
  | 'G-MAINT-LOCK'
  | 'G-TIMEOUTS'
  | 'G-LONG-TX'
  | 'G-ENUM'
  | 'G-JSON'
  | 'G-COLUMN-POSITION'
  | 'G-FK-DROP'
  | 'G-TRUNCATE'
  | 'G-RAW-SQL'
  | 'G-BG-BLUE-DDL'
  | 'G-BG-GREEN-DDL';

export type Rule = {
  id: RuleId;
  title: string;
  classes: FailureClass[];
  engines: Engine[];
  policy: PhasePolicy;
  why: string;
  recipe: string;
};
