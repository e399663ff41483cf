/** How squawk's rules map onto the gate (docs/gate.md, squawk): the G-* rule they duplicate, or their own class and severity. */
import type { FailureClass, RuleId, Severity } from './types.ts';

export type SquawkRule = {
  /** The Switchyard rule that covers the same concern; its finding wins when both fire on a statement. */
  gate?: RuleId;
  classes: FailureClass[];
  /** Severity when squawk alone reports it (no Switchyard hit on the statement for the same concern). */
  severity: Severity;
};

const covered = (gate: RuleId, classes: FailureClass[]): SquawkRule => ({
  gate,
  classes,
  severity: 'warning',
});
const hygiene: SquawkRule = { classes: ['HYG'], severity: 'warning' };

export const SQUAWK_RULES: Readonly<Record<string, SquawkRule>> = {
  'adding-field-with-default': covered('G-ADD-DEFAULT-REWRITE', ['LOCK']),
  'adding-foreign-key-constraint': covered('G-ADD-FK', ['LOCK', 'DATA']),
  'adding-not-nullable-field': covered('G-SET-NOT-NULL', ['LOCK', 'DATA', 'BC-OLD']),
  'adding-required-field': covered('G-ADD-REQUIRED', ['DATA', 'BC-OLD']),
  'adding-serial-primary-key-field': covered('G-ADD-PK', ['LOCK']),
  'ban-alter-domain-with-add-constraint': covered('G-ADD-CHECK', ['LOCK']),
  'ban-char-field': hygiene,
  'ban-concurrent-index-creation-in-transaction': covered('G-CONCURRENT-IN-TX', ['LOCK']),
  'ban-create-domain-with-constraint': { classes: ['LOCK'], severity: 'warning' },
  'ban-drop-column': covered('G-DROP-COLUMN', ['BC-OLD', 'DESTR']),
  'ban-drop-database': covered('G-DROP-TABLE', ['BC-OLD', 'DESTR']),
  'ban-drop-not-null': covered('G-DROP-NOT-NULL', ['BC-OLD']),
  'ban-drop-table': covered('G-DROP-TABLE', ['BC-OLD', 'DESTR']),
  // A duplicate assignment is a run-time error and an uncommitted BEGIN applies nothing: both fail the migration.
  'ban-duplicate-column-assignments': { classes: ['HYG'], severity: 'error' },
  'ban-truncate-cascade': covered('G-TRUNCATE', ['DESTR']),
  'ban-uncommitted-transaction': { classes: ['HYG'], severity: 'error' },
  'changing-column-type': covered('G-TYPE-CHANGE', ['LOCK', 'BC-OLD']),
  'constraint-missing-not-valid': covered('G-ADD-CHECK', ['LOCK', 'DATA']),
  'disallowed-unique-constraint': covered('G-ADD-UNIQUE', ['LOCK', 'DATA']),
  'identifier-too-long': hygiene,
  'prefer-bigint-over-int': hygiene,
  'prefer-bigint-over-smallint': hygiene,
  'prefer-identity': hygiene,
  'prefer-repack': covered('G-MAINT-LOCK', ['LOCK']),
  'prefer-robust-stmts': hygiene,
  'prefer-text-field': hygiene,
  'prefer-timestamptz': hygiene,
  'prefer-timestamp-tz': hygiene,
  'renaming-column': covered('G-RENAME-COLUMN', ['BC-OLD', 'BC-NEW']),
  'renaming-table': covered('G-RENAME-TABLE', ['BC-OLD', 'BC-NEW']),
  'require-concurrent-index-creation': covered('G-INDEX-BLOCKING', ['LOCK']),
  'require-concurrent-index-deletion': covered('G-INDEX-BLOCKING', ['LOCK']),
  'require-concurrent-partition-detach': covered('G-MAINT-LOCK', ['LOCK']),
  'require-concurrent-reindex': covered('G-MAINT-LOCK', ['LOCK']),
  'require-enum-value-ordering': covered('G-ENUM', ['BC-OLD']),
  'require-lock-timeout': covered('G-TIMEOUTS', ['LOCK']),
  'require-statement-timeout': covered('G-TIMEOUTS', ['LOCK']),
  'require-timeout-settings': covered('G-TIMEOUTS', ['LOCK']),
  'require-table-schema': hygiene,
  'transaction-nesting': hygiene,
  'syntax-error': { gate: 'G-RAW-SQL', classes: ['HYG'], severity: 'approval' },
};

// Constraint rules overlap: squawk's constraint-missing-not-valid also fires for FKs and unique constraints.
const RELATED: Partial<Record<RuleId, RuleId[]>> = {
  'G-ADD-CHECK': ['G-ADD-CHECK', 'G-ADD-FK', 'G-ADD-UNIQUE', 'G-ADD-PK'],
  'G-ADD-UNIQUE': ['G-ADD-UNIQUE', 'G-ADD-PK'],
  'G-ADD-PK': ['G-ADD-PK', 'G-ADD-UNIQUE'],
  'G-ENUM': ['G-ENUM', 'G-RENAME-OTHER'],
};

/** Switchyard rules whose hit on a statement makes a squawk finding of this gate rule a duplicate. */
export const sameConcern = (gate: RuleId): RuleId[] => RELATED[gate] ?? [gate];

/** The mapping for a squawk rule; rules squawk adds after 2.66.0 default to hygiene warnings. */
export const squawkRule = (name: string): SquawkRule => SQUAWK_RULES[name] ?? hygiene;
