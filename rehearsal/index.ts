/** The local rehearsal: `rehearse(options)` and what it reports. Local tooling only; never bundled. */

export { writeHtmlReport } from './html-report.ts';
export { rehearsalInput } from './input.ts';
export { writeJsonReport } from './json-report.ts';
export {
  type LiveStatus,
  RehearsalAbortedError,
  type RehearsalEvent,
  type RehearsalOptions,
  rehearse,
} from './rehearse.ts';
export type { RehearsalReport } from './report.ts';
export {
  isOutcome,
  isScenarioName,
  OUTCOMES,
  type Outcome,
  SCENARIO_NAMES,
  SCENARIOS,
  type ScenarioName,
} from './scenarios.ts';
export { formatSummary } from './summary.ts';
