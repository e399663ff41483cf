/** Preflight's gate: the Switchyard AST rules, without squawk (no binary inside Lambda). */
import { contractWindowDecision, lintMigrations } from '#gate/index';
import type { GateRunner } from './migration-gate.ts';

export const defaultGateRunner: GateRunner = {
  async lint(req) {
    const report = await lintMigrations({ ...req, squawk: 'off' });
    return { verdict: report.verdict, findings: report.findings, summary: report.summary };
  },
  contractWindow: (openWindows, now) => contractWindowDecision(openWindows, now),
};
