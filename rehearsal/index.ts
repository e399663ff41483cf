/** The local rehearsal: `rehearse(options)` and what it reports. Local tooling only; never bundled. */
export { rehearse, RehearsalAbortedError, type LiveStatus, type RehearsalEvent, type RehearsalOptions } from './rehearse.ts';
export { formatSummary, type RehearsalReport } from './report.ts';
export { rehearsalInput } from './input.ts';
export { isScenarioName, SCENARIO_NAMES, SCENARIOS, type Outcome, type ScenarioName } from './scenarios.ts';
