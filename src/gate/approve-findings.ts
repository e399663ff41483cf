/** Applies explicit human approval to 'approval' findings and recomputes the verdict. */
import { summarize } from './lint-migrations.ts';
import type { GateReport } from './types.ts';

/** Approval-needed findings of the named rules become warnings that say who approved them; errors stay errors. */
export const approveFindings = (report: GateReport, rules: string[], by: string): GateReport => {
  const approved = new Set(rules);
  const findings = report.findings.map((f) =>
    f.severity === 'approval' && approved.has(f.rule)
      ? { ...f, severity: 'warning' as const, why: `${by}: ${f.why}` }
      : f,
  );
  const failing = findings.some((f) => f.severity === 'error' || f.severity === 'approval');
  return {
    ...report,
    findings,
    verdict: failing ? 'fail' : findings.length > 0 ? 'warn' : 'pass',
    summary: summarize(findings, report.statements, report.squawk, report.engine),
  };
};
