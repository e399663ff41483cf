/** CloudWatch reads: the replication-lag metric and alarm states. */
import {
  type CloudWatchClient,
  DescribeAlarmsCommand,
  GetMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { callAws } from './errors.ts';

export const makeMetricsGateway = (cloudwatch: CloudWatchClient) => ({
  /** Latest value of an AWS/RDS metric for an instance over the last 5 minutes, or null when none exists. */
  async latestRdsMetric(metric: string, instanceId: string, now: Date): Promise<number | null> {
    const out = await callAws('GetMetricData', () =>
      cloudwatch.send(
        new GetMetricDataCommand({
          StartTime: new Date(now.getTime() - 5 * 60_000),
          EndTime: now,
          ScanBy: 'TimestampDescending',
          MetricDataQueries: [
            {
              Id: 'lag',
              MetricStat: {
                Metric: {
                  Namespace: 'AWS/RDS',
                  MetricName: metric,
                  Dimensions: [{ Name: 'DBInstanceIdentifier', Value: instanceId }],
                },
                Period: 60,
                Stat: 'Maximum',
              },
            },
          ],
        }),
      ),
    );
    const value = out.MetricDataResults?.[0]?.Values?.[0];
    return typeof value === 'number' ? value : null;
  },

  /**
   * Largest value of an AWS/RDS metric for an instance over the last `minutes` (1-minute periods),
   * or null when CloudWatch has no datapoint at all (which proves nothing).
   */
  async maxRdsMetric(metric: string, instanceId: string, now: Date, minutes: number): Promise<number | null> {
    const out = await callAws('GetMetricData', () =>
      cloudwatch.send(
        new GetMetricDataCommand({
          StartTime: new Date(now.getTime() - minutes * 60_000),
          EndTime: now,
          MetricDataQueries: [
            {
              Id: 'm',
              MetricStat: {
                Metric: {
                  Namespace: 'AWS/RDS',
                  MetricName: metric,
                  Dimensions: [{ Name: 'DBInstanceIdentifier', Value: instanceId }],
                },
                Period: 60,
                Stat: 'Maximum',
              },
            },
          ],
        }),
      ),
    );
    const values = out.MetricDataResults?.[0]?.Values ?? [];
    return values.length === 0 ? null : Math.max(...values);
  },

  /** States of the named alarms, and the names that do not exist. */
  async alarmStates(
    names: string[],
  ): Promise<{ found: Array<{ name: string; state: string }>; missing: string[] }> {
    if (names.length === 0) return { found: [], missing: [] };
    const out = await callAws('DescribeAlarms', () =>
      cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: names })),
    );
    const found = (out.MetricAlarms ?? []).map((a) => ({
      name: a.AlarmName ?? '',
      state: a.StateValue ?? 'INSUFFICIENT_DATA',
    }));
    const seen = new Set(found.map((a) => a.name));
    return { found, missing: names.filter((n) => !seen.has(n)) };
  },
});

export type MetricsGateway = ReturnType<typeof makeMetricsGateway>;
