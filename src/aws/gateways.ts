/** Everything a handler may reach outside the process, bundled so tests can swap in fakes. */
import { cloudWatchClient, rdsClient, snsClient, ssmClient } from './clients.ts';
import { type DatabaseGateway, makeDatabaseGateway } from './database-gateway.ts';
import { type MetricsGateway, makeMetricsGateway } from './metrics-gateway.ts';
import { type NotifyGateway, makeNotifyGateway } from './notify-gateway.ts';
import { makeRdsGateway, type RdsGateway } from './rds-gateway.ts';

export interface Gateways {
  rds: RdsGateway;
  metrics: MetricsGateway;
  notify: NotifyGateway;
  database: DatabaseGateway;
  clock: () => Date;
}

let defaults: Gateways | undefined;

/** The real gateways; NOTIFY_TOPIC_ARN is read on first use so handlers that never notify need not set it. */
export const defaultGateways = (): Gateways =>
  (defaults ??= {
    rds: makeRdsGateway(rdsClient()),
    metrics: makeMetricsGateway(cloudWatchClient()),
    get notify() {
      return makeNotifyGateway(snsClient(), requireEnv('NOTIFY_TOPIC_ARN'));
    },
    database: makeDatabaseGateway(ssmClient()),
    clock: () => new Date(),
  });

/** Reads a required environment variable, naming it when it is missing. */
export const requireEnv = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set; set it in serverless.yml (or the rehearsal)`);
  return value;
};
