/** The approval domain stays pure: no AWS SDK, no environment, no hidden clock (style.md, decision 3). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const PURE = [
  'contracts',
  'decide',
  'links',
  'slack-signature',
  'messages',
  'pages',
  'http',
  'errors',
  'config',
  'log',
];
const read = (name: string) =>
  readFileSync(new URL(`../../src/approval/${name}.ts`, import.meta.url), 'utf8');

describe('src/approval layering', () => {
  it.each(PURE)('%s.ts imports no SDK or gateway, reads no environment and no clock', (name) => {
    const source = read(name);
    expect(source).not.toMatch(/from '@aws-sdk|from '#aws\//);
    expect(source).not.toMatch(/process\.env/);
    expect(source).not.toMatch(/Date\.now\(|new Date\(\)/);
  });

  it('service.ts reaches gateways only through injected ports (type imports)', () => {
    const source = read('service');
    expect(source).not.toMatch(/from '@aws-sdk/);
    for (const line of source.split('\n').filter((l) => l.includes("from '#aws/")))
      expect(line).toMatch(/^import type /);
  });
});
