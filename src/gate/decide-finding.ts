/** Turns a classifier hit into a finding, or nothing, under the rule's phase policy. */
import { getRule } from './rules.ts';
import type { Finding, Hit, Phase, Statement } from './types.ts';

const MAX_STATEMENT = 240;

/** One-line statement text for reports, shortened when long. */
export const shortStatement = (text: string): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_STATEMENT ? `${flat.slice(0, MAX_STATEMENT - 1)}…` : flat;
};

/** The finding for a hit in this phase; undefined when the phase allows it. */
export const decideFinding = (stmt: Statement, hit: Hit, phase: Phase): Finding | undefined => {
  const rule = getRule(hit.rule);
  const level = hit.policy?.[phase] ?? rule.policy[phase];
  if (level === 'allow') return undefined;
  return {
    rule: rule.id,
    severity: level,
    classes: [...rule.classes],
    file: stmt.file,
    line: stmt.line,
    statement: shortStatement(stmt.text),
    why: `${capitalize(hit.detail)}. ${rule.why}`,
    recipe: rule.recipe,
    source: 'switchyard',
  };
};

const capitalize = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
