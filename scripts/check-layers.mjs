#!/usr/bin/env node
/**
 * `npm run lint:layers`: the layering rules of .dependency-cruiser.cjs, plus what an import rule cannot
 * see: a pure module (src/domain, the pure src/approval files) reading `process`, `Date.now()`,
 * `new Date()` (the hidden clock) or `performance.now()`. Exits 1 and lists every violation.
 * dependency-cruiser 18's CLI refuses Node 20, so this drives its API, which runs on Node 20.
 * `--write-known` records today's violations as the known baseline (new ones still fail).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cruise } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import ts from 'typescript';

const ROOTS = ['functions', 'src', 'local', 'emulator', 'rehearsal', 'bench', 'bin', 'scripts'];
const KNOWN_FILE = '.dependency-cruiser-known-violations.json';

/** Import-level violations, by dependency-cruiser, in `baseDir` (known ones left out unless asked). */
export const importViolations = async (baseDir = process.cwd(), { includeKnown = false } = {}) => {
  const config = createRequire(import.meta.url)(resolve(baseDir, '.dependency-cruiser.cjs'));
  const knownPath = resolve(baseDir, KNOWN_FILE);
  const known = !includeKnown && existsSync(knownPath) ? JSON.parse(readFileSync(knownPath, 'utf8')) : [];
  const roots = ROOTS.filter((r) => existsSync(resolve(baseDir, r)));
  const tsConfigPath = resolve(baseDir, 'tsconfig.json');
  const result = await cruise(
    roots,
    {
      ...config.options,
      baseDir,
      ruleSet: { forbidden: config.forbidden },
      validate: true,
      knownViolations: known,
    },
    {},
    existsSync(tsConfigPath) ? { tsConfig: extractTSConfig(tsConfigPath) } : {},
  );
  const modules = result.output.modules;
  const violations = result.output.summary.violations.filter((v) => v.rule.severity !== 'ignore');
  // An import the resolver could not follow would slip past every rule: treat it as a violation.
  const unresolved = modules.flatMap((m) =>
    m.dependencies
      .filter((d) => d.couldNotResolve && /^[.#]/.test(d.module))
      .map((d) => ({ rule: { name: 'resolvable-imports' }, from: m.source, to: d.module })),
  );
  return { violations: [...violations, ...unresolved], raw: result.output.summary.violations };
};

const PURE =
  /^src\/domain\/|^src\/approval\/(contracts|decide|links|slack-signature|messages|pages|http|errors|config|log)\.ts$/;

/** `process`, the clock and the timer in one pure module's source: [{ line, what }]. */
export const impurities = (fileName, source) => {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const found = [];
  const at = (node, what) =>
    found.push({ line: file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1, what });
  const visit = (node) => {
    if (ts.isIdentifier(node) && node.text === 'process' && !ts.isPropertyAccessExpression(node.parent))
      at(node, 'reads process (environment or process state): pass the value in');
    if (
      ts.isIdentifier(node) &&
      node.text === 'process' &&
      ts.isPropertyAccessExpression(node.parent) &&
      node.parent.expression === node
    )
      at(node, `reads process.${node.parent.name.text}: pass the value in`);
    if (
      ts.isNewExpression(node) &&
      node.expression.getText(file) === 'Date' &&
      (node.arguments ?? []).length === 0
    )
      at(node, 'new Date() reads the clock: take `now` as a parameter');
    if (ts.isCallExpression(node) && ['Date.now', 'performance.now'].includes(node.expression.getText(file)))
      at(node, `${node.expression.getText(file)}() reads the clock: take \`now\` as a parameter`);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
};

/** Every pure module's impurities in `baseDir`. */
export const pureModuleViolations = (modules, baseDir = process.cwd()) =>
  modules
    .filter((m) => PURE.test(m) && m.endsWith('.ts'))
    .flatMap((m) => impurities(m, readFileSync(resolve(baseDir, m), 'utf8')).map((f) => ({ file: m, ...f })));

const main = async () => {
  const writeKnown = process.argv.includes('--write-known');
  const { violations, raw } = await importViolations(process.cwd(), { includeKnown: writeKnown });
  if (writeKnown) {
    const known = raw.map(({ type, from, to, rule, cycle }) => ({
      type,
      from,
      to,
      rule,
      ...(cycle ? { cycle } : {}),
    }));
    writeFileSync(KNOWN_FILE, `${JSON.stringify(known, null, 2)}\n`);
    console.log(`${known.length} known violation(s) written to ${KNOWN_FILE}`);
    return 0;
  }
  const files = ts.sys.readDirectory('src', ['.ts']).map((f) => relative(process.cwd(), f));
  const impure = pureModuleViolations(files);
  for (const v of violations)
    console.error(
      `✗ ${v.rule.name}: ${v.from} → ${v.cycle ? v.cycle.map((c) => c.name ?? c).join(' → ') : v.to}`,
    );
  for (const v of impure) console.error(`✗ pure-module: ${v.file}:${v.line} ${v.what}`);
  const total = violations.length + impure.length;
  console.log(total === 0 ? 'layers: no violations' : `layers: ${total} violation(s)`);
  return total === 0 ? 0 : 1;
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = await main();
