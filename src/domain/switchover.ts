/** Switchover progress, read from the deployment status after SwitchoverBlueGreenDeployment. */
import type { DeploymentFacts } from './facts.ts';
import { instanceIdFromArn } from './facts.ts';

export type SwitchoverProgress = 'completed' | 'failed' | 'in-progress' | 'not-started';

export interface SwitchoverJudgement {
  progress: SwitchoverProgress;
  /** after completion, the renamed old blue (`<name>-old<N>`) that Source now points at */
  oldBlueId: string | null;
  detail: string;
}

/** SWITCHOVER_FAILED means RDS rolled back: blue unchanged, green still there to compensate. */
export const judgeSwitchover = (deployment: DeploymentFacts): SwitchoverJudgement => {
  const status = deployment.status.toUpperCase();
  const detail = `${deployment.id} is ${status}${deployment.statusDetails ? ` (${deployment.statusDetails})` : ''}`;
  switch (status) {
    case 'SWITCHOVER_COMPLETED':
      return { progress: 'completed', oldBlueId: instanceIdFromArn(deployment.source), detail };
    case 'SWITCHOVER_FAILED':
      return { progress: 'failed', oldBlueId: null, detail };
    case 'SWITCHOVER_IN_PROGRESS':
      return { progress: 'in-progress', oldBlueId: null, detail };
    default:
      return { progress: 'not-started', oldBlueId: null, detail };
  }
};

/** How long to keep polling after the switchover began: RDS's own timeout plus a margin for the rollback. */
export const switchoverDeadline = (startedAt: Date, timeoutSeconds: number): string =>
  new Date(startedAt.getTime() + (timeoutSeconds + Math.max(60, timeoutSeconds / 2)) * 1000).toISOString();
