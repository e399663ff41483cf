import { describe, expect, it } from 'vitest';
import { lintMigrations, RULES } from '#gate/index';
import { loadCorpus } from './load-corpus.ts';

const corpus = loadCorpus();

describe('gate corpus', () => {
  it.each(corpus.map((c) => [c.id, c] as const))(
    '%s gives the expected verdict and rules',
    async (_id, c) => {
      // Prepare
      const input = {
        engine: c.engine,
        phase: c.phase,
        replication: c.replication,
        squawk: 'off' as const,
        schema: c.schema,
        sources: [{ name: c.id, sql: c.sql }],
      };

      // Act
      const report = await lintMigrations(input);

      // Assess
      const rules = [...new Set(report.findings.map((f) => f.rule))].sort();
      expect({ verdict: report.verdict, rules }).toEqual({ verdict: c.expect, rules: c.rules });
    },
  );
});

describe('gate corpus coverage', () => {
  it('holds at least 60 snippets, 15 of them MySQL, in both phases', () => {
    // Prepare
    const mysql = corpus.filter((c) => c.engine === 'mysql');

    // Act
    const phases = new Set(corpus.map((c) => `${c.engine}:${c.phase}`));

    // Assess
    expect(corpus.length).toBeGreaterThanOrEqual(60);
    expect(mysql.length).toBeGreaterThanOrEqual(15);
    expect([...phases].sort()).toEqual([
      'mysql:contract',
      'mysql:expand',
      'postgres:contract',
      'postgres:expand',
    ]);
  });

  it.each(RULES.flatMap((rule) => rule.engines.map((engine) => [rule.id, engine] as const)))(
    '%s has a firing and a non-firing %s case',
    (id, engine) => {
      // Prepare
      const cases = corpus.filter((c) => c.engine === engine);

      // Act
      const firing = cases.filter((c) => c.rules.includes(id));
      const nonFiring = cases.filter((c) => c.covers.includes(id) && !c.rules.includes(id));

      // Assess
      expect(
        firing.map((c) => c.id),
        `${id} never fires on ${engine}`,
      ).not.toEqual([]);
      expect(
        nonFiring.map((c) => c.id),
        `${id} has no safe ${engine} case`,
      ).not.toEqual([]);
    },
  );
});
