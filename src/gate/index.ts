/** The expand/contract migration gate: library API used by `switchyard lint` and the pipeline's Preflight. */

export { approveFindings } from './approve-findings.ts';
export { type ContractWindowDecision, contractWindowDecision, type OpenWindow } from './contract-window.ts';
export { formatReport } from './format-report.ts';
export { lintMigrations } from './lint-migrations.ts';
export { RULES } from './rules.ts';
export { SquawkFailedError } from './run-squawk.ts';
export { SQUAWK_RULES } from './squawk-rules.ts';
export type {
  Engine,
  FailureClass,
  Finding,
  GateReport,
  LintInput,
  MigrationSource,
  Phase,
  Replication,
  ReportFormat,
  Rule,
  RuleId,
  Severity,
} from './types.ts';
