/**
 * Switchyard's layering (README, Layout), checked by `npm run lint:layers`:
 * - src/domain and the pure src/approval modules import no SDK, no gateway, no Node process module;
 * - nothing deployed (functions/, src/) reaches the local tooling (local/, emulator/, rehearsal/, bench/);
 * - no import circle.
 * What an import rule cannot see (`process.env`, `Date.now()`, `new Date()` in the domain) is checked by
 * scripts/check-pure-modules.ts, run by the same script.
 * Known violations are listed in .dependency-cruiser-known-violations.json (`--ignore-known`); new ones fail.
 */
const PURE =
  '^src/domain/|^src/approval/(contracts|decide|links|slack-signature|messages|pages|http|errors|config|log)\\.ts$';
const DEPLOYED = '^(functions|src)/';
const LOCAL = '^(local|emulator|rehearsal|bench)/';

module.exports = {
  forbidden: [
    {
      name: 'pure-imports-no-sdk',
      comment: 'The domain decides; gateways call AWS. Pass data in, not clients.',
      severity: 'error',
      from: { path: PURE },
      to: { path: '@aws-sdk/|@middy/|@aws-lambda-powertools/|^node_modules/(pg|mysql2)/' },
    },
    {
      name: 'pure-imports-no-gateway',
      comment: 'The domain must not reach a gateway (src/aws) or the handler glue (src/lib).',
      severity: 'error',
      from: { path: PURE },
      to: { path: '^src/(aws|lib)/' },
    },
    {
      name: 'pure-imports-no-process',
      comment: 'No environment, file system, network or process in the domain: pass values in.',
      severity: 'error',
      from: { path: PURE },
      to: {
        dependencyTypes: ['core'],
        path: '^(node:)?(process|fs|fs/promises|child_process|net|http|https|os|worker_threads|cluster)$',
      },
    },
    {
      name: 'approval-service-types-only-from-gateways',
      comment: 'The approval service reaches gateways only through injected ports (type imports).',
      severity: 'error',
      from: { path: '^src/approval/service\\.ts$' },
      to: { path: '^src/aws/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'deployed-code-never-reaches-local-tooling',
      comment:
        'A Lambda bundle must never contain the emulator, the local runner, the rehearsal or the bench.',
      severity: 'error',
      from: { path: DEPLOYED },
      to: { path: LOCAL },
    },
    {
      name: 'no-circular',
      comment: 'An import circle makes load order matter and modules impossible to read alone.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|\\.tmp|\\.serverless|\\.esbuild|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.mjs', '.js', '.cjs', '.json', '.d.ts'],
    },
  },
};
