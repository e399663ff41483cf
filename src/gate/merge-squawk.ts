/** Merges squawk's findings into the Switchyard report: same statement + same concern → one finding. */
import { getRule } from './rules.ts';
import type { SquawkViolation } from './run-squawk.ts';
import { sameConcern, squawkRule } from './squawk-rules.ts';
import type { Finding, Hit, MigrationSource, Statement } from './types.ts';

/** A classified statement: its own hits (after the replication layer), allowed or not. */
export type AnalysedStatement = { stmt: Statement; hits: Hit[]; isDdl: boolean };

const offsetOf = (sql: string, line: number, column: number): number => {
  let offset = 0;
  for (let l = 0; l < line; l++) {
    const nl = sql.indexOf('\n', offset);
    if (nl < 0) return sql.length;
    offset = nl + 1;
  }
  return offset + column;
};

const statementAt = (statements: AnalysedStatement[], offset: number): AnalysedStatement | undefined =>
  statements.filter((s) => s.stmt.start <= offset).at(-1) ?? statements[0];

/** Own findings annotated with the squawk rules that agree, plus squawk's findings that add something. */
export const mergeSquawk = (input: {
  sources: MigrationSource[];
  analysed: AnalysedStatement[][];
  violations: SquawkViolation[][];
  own: Finding[];
}): Finding[] => {
  const agreements = new Map<string, Set<string>>();
  const extra: Finding[] = [];
  const seenFileRules = new Set<string>();
  input.sources.forEach((source, i) => {
    const statements = input.analysed[i] ?? [];
    const fileHasTimeoutHit = statements.some((s) => s.hits.some((h) => h.rule === 'G-TIMEOUTS'));
    for (const v of input.violations[i] ?? []) {
      const mapping = squawkRule(v.rule_name);
      const at = statementAt(statements, offsetOf(source.sql, v.line, v.column));
      const line = at?.stmt.line ?? v.line + 1;
      if (mapping.gate === 'G-TIMEOUTS') {
        if (fileHasTimeoutHit) {
          const first = statements.find((s) => s.hits.some((h) => h.rule === 'G-TIMEOUTS'));
          agree(agreements, `${source.name}:${first?.stmt.line}:G-TIMEOUTS`, v.rule_name);
          continue;
        }
        if (seenFileRules.has(`${i}:${v.rule_name}`)) continue;
        seenFileRules.add(`${i}:${v.rule_name}`);
      }
      if (mapping.gate && at) {
        const related = sameConcern(mapping.gate);
        const match = at.hits.find((h) => related.includes(h.rule));
        if (match) {
          agree(agreements, `${source.name}:${line}:${match.rule}`, v.rule_name);
          continue;
        }
      }
      const help = v.help ? ` ${v.help}` : '';
      const note = mapping.gate
        ? ` Switchyard's ${mapping.gate} did not fire on this statement (its AST analysis found the safe form or a case squawk does not distinguish), so squawk's finding is reported as a ${mapping.severity}.`
        : '';
      extra.push({
        rule: `squawk:${v.rule_name}`,
        severity: mapping.severity,
        classes: [...mapping.classes],
        file: source.name,
        line,
        statement: at?.stmt.text.replace(/\s+/g, ' ').slice(0, 240) ?? '',
        why: `${v.message}${help}${note}`,
        recipe: mapping.gate ? getRule(mapping.gate).recipe : `See https://squawkhq.com/docs/${v.rule_name}`,
        source: 'squawk',
      });
    }
  });
  const own = input.own.map((f) => {
    const rules = agreements.get(`${f.file}:${f.line}:${f.rule}`);
    return rules ? { ...f, why: `${f.why} (squawk ${[...rules].join(', ')} agrees.)` } : f;
  });
  return [...own, ...extra];
};

const agree = (agreements: Map<string, Set<string>>, key: string, rule: string): void => {
  const rules = agreements.get(key) ?? new Set<string>();
  rules.add(rule);
  agreements.set(key, rules);
};
