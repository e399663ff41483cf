/**
 * CloudWatch for the metrics and alarms the pipeline reads. The pinned SDK (3.1162) speaks awsJson1_0 in
 * query-compatible mode (`x-amz-target: GraniteServiceVersion20100801.<Op>`); the AWS CLI speaks awsQuery
 * (`Version=2010-08-01`). Both are served from the same logic. AWS/RDS metrics are computed live from
 * PostgreSQL when read, one datapoint at read time.
 */
import type { Core } from '../core.ts';
import { type Params, QueryError, type XObject, xlist } from '../http/query.ts';
import { metricValue } from '../rds/bluegreen.ts';
import type { AlarmRecord } from '../rds/model.ts';
import { type JsonService, JsonServiceError } from './json-service.ts';

export const CW_XMLNS = 'http://monitoring.amazonaws.com/doc/2010-08-01/';

const UNITS: Record<string, string> = {
  ReplicaLag: 'Seconds',
  OldestReplicationSlotLag: 'Bytes',
  ReplicationSlotDiskUsage: 'Bytes',
  TransactionLogsDiskUsage: 'Bytes',
  DatabaseConnections: 'Count',
};

interface MetricRef {
  namespace: string;
  metricName: string;
  dimensions: Array<{ Name: string; Value: string }>;
}

/** The live value of an AWS/RDS metric for a DBInstanceIdentifier dimension, or undefined (no data). */
const read = async (core: Core, m: MetricRef): Promise<number | undefined> => {
  if (m.namespace !== 'AWS/RDS') return undefined;
  const id = m.dimensions.find((d) => d.Name === 'DBInstanceIdentifier')?.Value;
  if (!id) return undefined;
  return metricValue(core, m.metricName, id);
};

const at = (end: Date | undefined): Date => {
  const now = new Date();
  return end && end.getTime() < now.getTime() ? end : now;
};

interface DataQuery {
  Id: string;
  Label?: string;
  ReturnData?: boolean;
  metric?: MetricRef;
}

const metricData = async (core: Core, queries: DataQuery[], end: Date | undefined) => {
  const results = [];
  for (const q of queries) {
    if (q.ReturnData === false) continue;
    const v = q.metric ? await read(core, q.metric) : undefined;
    const t = at(end);
    results.push({
      Id: q.Id,
      Label: q.Label ?? q.metric?.metricName ?? q.Id,
      Timestamps: v === undefined ? [] : [t],
      Values: v === undefined ? [] : [v],
      StatusCode: 'Complete',
    });
  }
  return results;
};

const statistics = async (core: Core, m: MetricRef, stats: string[], end: Date | undefined) => {
  const v = await read(core, m);
  const dp: Record<string, unknown> = { Timestamp: at(end), Unit: UNITS[m.metricName] ?? 'None' };
  for (const s of stats) dp[s] = s === 'SampleCount' ? 1 : v;
  return { Label: m.metricName, Datapoints: v === undefined ? [] : [dp] };
};

export const setAlarm = (core: Core, name: string, state: AlarmRecord['state'], reason?: string): void => {
  const now = new Date().toISOString();
  const existing = core.state.alarms.find((a) => a.name === name);
  const r = reason ?? `Set to ${state} by the emulator`;
  if (existing) Object.assign(existing, { state, reason: r, updated: now });
  else core.state.alarms.push({ name, state, reason: r, updated: now });
  core.save();
};

const alarms = (
  core: Core,
  names: string[],
  prefix: string | undefined,
  state: string | undefined,
): AlarmRecord[] =>
  core.state.alarms.filter(
    (a) =>
      (!names.length || names.includes(a.name)) &&
      (!prefix || a.name.startsWith(prefix)) &&
      (!state || a.state === state),
  );

const alarmShape = (core: Core, a: AlarmRecord) => ({
  AlarmName: a.name,
  AlarmArn: `arn:aws:cloudwatch:${core.cfg.region}:${core.cfg.accountId}:alarm:${a.name}`,
  AlarmConfigurationUpdatedTimestamp: new Date(a.updated),
  ActionsEnabled: true,
  StateValue: a.state,
  StateReason: a.reason,
  StateUpdatedTimestamp: new Date(a.updated),
  StateTransitionedTimestamp: new Date(a.updated),
  MetricName: 'Emulated',
  Namespace: 'Switchyard/Emulator',
  Statistic: 'Average',
  Period: 60,
  EvaluationPeriods: 1,
  Threshold: 1,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
});

// ---- awsQuery (AWS CLI) ----------------------------------------------------------------------------

const metricFromParams = (p: Params | undefined): MetricRef | undefined =>
  p && {
    namespace: p.str('Namespace') ?? '',
    metricName: p.str('MetricName') ?? '',
    dimensions: p.list('Dimensions').map((d) => ({ Name: d.str('Name') ?? '', Value: d.str('Value') ?? '' })),
  };

type QHandler = (core: Core, p: Params) => Promise<XObject | undefined>;

const toXmlDates = (ds: Date[]) => xlist('member', ds);

export const CW_QUERY_ACTIONS: Record<string, QHandler> = {
  GetMetricData: async (core, p) => {
    const qs: DataQuery[] = p.list('MetricDataQueries').map((q) => {
      const m = metricFromParams(q.struct('MetricStat')?.struct('Metric'));
      return {
        Id: q.req('Id'),
        ...(q.str('Label') ? { Label: q.str('Label') } : {}),
        ...(q.bool('ReturnData') === false ? { ReturnData: false } : {}),
        ...(m ? { metric: m } : {}),
      };
    });
    const res = await metricData(core, qs, p.date('EndTime'));
    return {
      MetricDataResults: xlist(
        'member',
        res.map((r) => ({
          Id: r.Id,
          Label: r.Label,
          Timestamps: toXmlDates(r.Timestamps),
          Values: xlist('member', r.Values),
          StatusCode: r.StatusCode,
        })),
      ),
      Messages: xlist('member', []),
    };
  },
  GetMetricStatistics: async (core, p) => {
    const m = metricFromParams(p) as MetricRef;
    if (!m.namespace || !m.metricName)
      throw new QueryError('MissingParameter', 'The parameter Namespace and MetricName are required.');
    const r = await statistics(core, m, p.strList('Statistics'), p.date('EndTime'));
    return { Label: r.Label, Datapoints: xlist('member', r.Datapoints as XObject[]) };
  },
  DescribeAlarms: async (core, p) => ({
    MetricAlarms: xlist(
      'member',
      alarms(core, p.strList('AlarmNames'), p.str('AlarmNamePrefix'), p.str('StateValue')).map((a) =>
        alarmShape(core, a),
      ),
    ),
    CompositeAlarms: xlist('member', []),
  }),
  PutMetricData: async () => undefined,
};

// ---- awsJson1_0 (SDK) ------------------------------------------------------------------------------

const epoch = (d: Date): number => d.getTime() / 1000;
const jsonDate = (v: unknown): Date | undefined =>
  typeof v === 'number' ? new Date(v * 1000) : typeof v === 'string' ? new Date(v) : undefined;
const jsonDates = (o: unknown): unknown => {
  if (o instanceof Date) return epoch(o);
  if (Array.isArray(o)) return o.map(jsonDates);
  if (o && typeof o === 'object')
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, jsonDates(v)]));
  return o;
};

interface JsonMetric {
  Namespace?: string;
  MetricName?: string;
  Dimensions?: Array<{ Name: string; Value: string }>;
}
const jsonMetric = (m: JsonMetric | undefined): MetricRef | undefined =>
  m && { namespace: m.Namespace ?? '', metricName: m.MetricName ?? '', dimensions: m.Dimensions ?? [] };

export const cloudWatchJsonService = (core: Core): JsonService => ({
  targetPrefix: 'GraniteServiceVersion20100801',
  contentType: 'application/x-amz-json-1.0',
  async handle({ operation, body }) {
    switch (operation) {
      case 'GetMetricData': {
        const queries = (body.MetricDataQueries ?? []) as Array<{
          Id: string;
          Label?: string;
          ReturnData?: boolean;
          MetricStat?: { Metric?: JsonMetric };
        }>;
        const qs: DataQuery[] = queries.map((q) => {
          const m = jsonMetric(q.MetricStat?.Metric);
          return {
            Id: q.Id,
            ...(q.Label ? { Label: q.Label } : {}),
            ...(q.ReturnData === false ? { ReturnData: false } : {}),
            ...(m ? { metric: m } : {}),
          };
        });
        return {
          body: jsonDates({
            MetricDataResults: await metricData(core, qs, jsonDate(body.EndTime)),
            Messages: [],
          }),
        };
      }
      case 'GetMetricStatistics': {
        const m = jsonMetric(body as JsonMetric) as MetricRef;
        if (!m.namespace || !m.metricName)
          throw new JsonServiceError(
            'MissingParameter',
            'The parameter Namespace and MetricName are required.',
          );
        return {
          body: jsonDates(
            await statistics(core, m, (body.Statistics ?? []) as string[], jsonDate(body.EndTime)),
          ),
        };
      }
      case 'DescribeAlarms': {
        const list = alarms(
          core,
          (body.AlarmNames ?? []) as string[],
          body.AlarmNamePrefix as string | undefined,
          body.StateValue as string | undefined,
        );
        return {
          body: jsonDates({ MetricAlarms: list.map((a) => alarmShape(core, a)), CompositeAlarms: [] }),
        };
      }
      case 'PutMetricData':
        return { body: {} };
      default:
        throw new JsonServiceError(
          'InvalidAction',
          `The action ${operation} is not valid for this web service.`,
        );
    }
  },
});
