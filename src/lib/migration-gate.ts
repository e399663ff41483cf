/**
 * The expand/contract gate as Preflight sees it. The gate itself lives in src/gate (libpg-query on
 * the AST; squawk is off inside Lambda, where its binary is absent).
 */
export type GateVerdict = 'pass' | 'warn' | 'fail' | 'none';

export interface GateFinding {
  rule: string;
  severity: 'error' | 'warning' | 'approval';
  classes: string[];
  file: string;
  line: number;
  statement: string;
  why: string;
  recipe: string;
}

export interface GateSummary {
  verdict: GateVerdict;
  summary: string;
  statements: string[];
  findings: GateFinding[];
}

export interface GateRunner {
  lint(req: {
    engine: 'postgres' | 'mysql';
    phase: 'expand' | 'contract';
    sources: Array<{ name: string; sql: string }>;
    replication: 'physical' | 'logical';
  }): Promise<{ verdict: 'pass' | 'warn' | 'fail'; findings: GateFinding[]; summary: string }>;
  contractWindow(
    openWindows: Array<{ instanceId: string; retainUntil: string }>,
    now: Date,
  ): { allowed: boolean; until?: string; message: string };
}

export const NO_MIGRATIONS: GateSummary = {
  verdict: 'none',
  summary: 'no migrations in this release',
  statements: [],
  findings: [],
};
