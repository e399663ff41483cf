/** Renders a gate report as text for people, JSON for tools, or GitHub Actions annotations. */
import type { Finding, GateReport, ReportFormat } from './types.ts';

const SEVERITY_ORDER = { error: 0, approval: 1, warning: 2 } as const;

const label = (f: Finding): string => (f.severity === 'approval' ? 'needs approval' : f.severity);

const textFinding = (f: Finding): string =>
  [
    `${label(f).toUpperCase()} ${f.rule} [${f.classes.join(', ')}] ${f.file}:${f.line}`,
    `  statement: ${f.statement}`,
    `  why:       ${f.why}`,
    `  recipe:    ${f.recipe}`,
  ].join('\n');

const text = (report: GateReport): string => {
  const head = `switchyard lint (${report.engine}, ${report.phase} phase): ${report.verdict.toUpperCase()}: ${report.summary}`;
  const findings = [...report.findings].sort(
    (a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity],
  );
  return [head, ...findings.map(textFinding)].join('\n\n');
};

// GitHub workflow commands: data escapes %, CR, LF; properties also escape ':' and ','.
const escapeData = (s: string): string => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string): string => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

const github = (report: GateReport): string => {
  const lines = report.findings.map((f) => {
    const command = f.severity === 'warning' ? 'warning' : 'error';
    const title = escapeProperty(
      `${f.rule} (${f.classes.join(' ')})${f.severity === 'approval' ? ' needs approval' : ''}`,
    );
    const body = escapeData(`${f.why}\nRecipe: ${f.recipe}`);
    return `::${command} file=${escapeProperty(f.file)},line=${f.line},title=${title}::${body}`;
  });
  return [
    ...lines,
    `::notice title=switchyard lint::${escapeData(`${report.verdict.toUpperCase()}: ${report.summary}`)}`,
  ].join('\n');
};

/** The report in the requested format. */
export const formatReport = (report: GateReport, format: ReportFormat): string => {
  if (format === 'json') return JSON.stringify(report, null, 2);
  if (format === 'github') return github(report);
  return text(report);
};
