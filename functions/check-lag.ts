/** CheckLag: read the replication-lag metric that fits the replication type and count stable samples. */

import { type Gateways, metricsGateway, systemClock } from '#aws/gateways';
import { CheckLagInput } from '#domain/contracts';
import { appendSample, judgeLag } from '#domain/lag';
import { taskHandler } from '#lib/task-handler';

export const makeCheckLagHandler = (gw: Pick<Gateways, 'metrics' | 'clock'>) =>
  taskHandler(CheckLagInput, async ({ lag, sourceId, greenInstanceId, consecutiveOk, samples }) => {
    // Physical: ReplicaLag (s) on green. Logical: OldestReplicationSlotLag (bytes) on blue's slot.
    const instanceId = lag.readOn === 'green' ? greenInstanceId : sourceId;
    const now = gw.clock();
    const value = await gw.metrics.latestRdsMetric(lag.metric, instanceId, now);
    const judgement = judgeLag(value, lag.threshold, consecutiveOk, lag.stableSamples);
    return {
      value,
      unit: lag.unit,
      metric: lag.metric,
      instanceId,
      threshold: lag.threshold,
      ...judgement,
      samples: appendSample(samples, { value, at: now.toISOString() }),
      checkedAt: now.toISOString(),
    };
  });

export const handler = makeCheckLagHandler({ metrics: metricsGateway(), clock: systemClock });
