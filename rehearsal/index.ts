/** The local rehearsal: `rehearse(options)` and what it reports. Local tooling only; never bundled. */

export { rehearsalInput } from './input.ts';
export {
  type LiveStatus,
  RehearsalAbortedError,
  type RehearsalEvent,
  type RehearsalOptions,
  rehearse,
} from './rehearse.ts';
export { formatSummary, type RehearsalReport } from './report.ts';
export { isScenarioName, type Outcome, SCENARIO_NAMES, SCENARIOS, type ScenarioName } from './scenarios.ts';
