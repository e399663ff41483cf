/** `switchyard diagram`: writes statemachine/blue-green.md, a Mermaid picture generated from the ASL file. */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readRawDefinition } from '../../local/definition.ts';

export const DIAGRAM_PATH = fileURLToPath(new URL('../../statemachine/blue-green.md', import.meta.url));

type State = {
  Type: string;
  Next?: string;
  Default?: string;
  End?: boolean;
  Comment?: string;
  Choices?: Array<ChoiceRule & { Next: string }>;
  Catch?: Array<{ ErrorEquals: string[]; Next: string }>;
};

interface ChoiceRule {
  Variable?: string;
  StringEquals?: string;
  BooleanEquals?: boolean;
  NumericLessThanPath?: string;
  NumericGreaterThanEquals?: number;
  And?: ChoiceRule[];
}

const label = (choice: ChoiceRule): string => {
  if (choice.And) return choice.And.map(label).join(' and ');
  const field = choice.Variable?.split('.').pop() ?? '';
  if (choice.StringEquals !== undefined) return `${field} = ${choice.StringEquals}`;
  if (choice.BooleanEquals !== undefined) return `${field} = ${choice.BooleanEquals}`;
  if (choice.NumericLessThanPath !== undefined)
    return `${field} < ${choice.NumericLessThanPath.split('.').slice(-2).join('.')}`;
  if (choice.NumericGreaterThanEquals !== undefined) return `${field} ≥ ${choice.NumericGreaterThanEquals}`;
  return 'deadline passed';
};

/** Mermaid flowchart of every state and transition (Catch edges dotted). */
export const renderDiagram = (): string => {
  const states = readRawDefinition().States as Record<string, State>;
  const lines = ['flowchart TD'];
  for (const [name, s] of Object.entries(states)) {
    const shape =
      s.Type === 'Choice'
        ? `{${name}}`
        : s.Type === 'Wait'
          ? `([${name}])`
          : s.Type === 'Fail' || s.Type === 'Succeed'
            ? `[[${name}]]`
            : `[${name}]`;
    lines.push(`  ${name}${shape}`);
  }
  for (const [name, s] of Object.entries(states)) {
    if (s.Next) lines.push(`  ${name} --> ${s.Next}`);
    for (const c of s.Choices ?? []) lines.push(`  ${name} -- "${label(c)}" --> ${c.Next}`);
    if (s.Default) lines.push(`  ${name} -- otherwise --> ${s.Default}`);
    const caught = new Map<string, string[]>();
    for (const c of s.Catch ?? []) caught.set(c.Next, [...(caught.get(c.Next) ?? []), ...c.ErrorEquals]);
    for (const [next, errors] of caught) lines.push(`  ${name} -. "${errors.join(', ')}" .-> ${next}`);
  }
  const table = Object.entries(states).map(([name, s]) => `| ${name} | ${s.Type} | ${s.Comment ?? ''} |`);
  return [
    '# The Blue/Green state machine',
    '',
    'Generated from `blue-green.asl.yaml` by `npm run diagram`; a test fails when it is out of date.',
    'Solid arrows are transitions, dotted arrows are `Catch` routes.',
    '',
    '```mermaid',
    ...lines,
    '```',
    '',
    '| state | type | why it exists |',
    '|---|---|---|',
    ...table,
    '',
  ].join('\n');
};

export const run = async (argv: string[]): Promise<number> => {
  const text = renderDiagram();
  if (argv.includes('--check')) {
    const current = readFileSync(DIAGRAM_PATH, 'utf8');
    if (current !== text) {
      console.error('statemachine/blue-green.md is out of date; run `npm run diagram`.');
      return 1;
    }
    return 0;
  }
  writeFileSync(DIAGRAM_PATH, text);
  console.log(`wrote ${DIAGRAM_PATH}`);
  return 0;
};
