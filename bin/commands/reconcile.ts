/**
 * `switchyard reconcile`: run the backstop by hand, with your credentials (the same code as the reconcile
 * Lambda). One execution, or `--all`: every Switchyard-tagged deployment of the state machine whose
 * execution is not running. Before the switch it deletes green; after it, it holds and pages.
 *
 *   switchyard reconcile <executionArn> --topic <snsTopicArn>
 *   switchyard reconcile --all --state-machine <stateMachineArn> --topic <snsTopicArn>
 */
import { parseArgs } from 'node:util';
import { SFNClient } from '@aws-sdk/client-sfn';
import { notifyGateway, rdsGateway } from '#aws/gateways';
import { makeSfnReader } from '#aws/sfn-gateway';
import { reconcileExecution, sweepDeployments } from '#lib/reconcile-execution';

const USAGE = [
  'usage: switchyard reconcile <executionArn> --topic <snsTopicArn>',
  '       switchyard reconcile --all --state-machine <stateMachineArn> --topic <snsTopicArn>',
].join('\n');

const parse = (args: string[]) =>
  parseArgs({
    args,
    allowPositionals: true,
    options: { all: { type: 'boolean' }, 'state-machine': { type: 'string' }, topic: { type: 'string' } },
  });

export const run = async (argv: string[]): Promise<number> => {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const topic = values.topic ?? process.env.NOTIFY_TOPIC_ARN;
  if (!topic || (values.all ? !values['state-machine'] : positionals.length !== 1)) {
    console.error(USAGE);
    return 2;
  }
  process.env.NOTIFY_TOPIC_ARN = topic;
  const gw = { rds: rdsGateway(), notify: notifyGateway(), sfn: makeSfnReader(new SFNClient({})) };
  try {
    if (values.all) {
      const result = await sweepDeployments(gw, values['state-machine']!);
      for (const r of result.reconciled)
        console.log(`${r.executionArn}: ${r.decision.action} — ${r.decision.reason}`);
      for (const arn of result.running) console.log(`${arn}: running, left to the state machine`);
      for (const f of result.failed) console.error(`${f.executionArn}: FAILED — ${f.error}`);
      return result.failed.length ? 1 : 0;
    }
    const outcome = await reconcileExecution(gw, positionals[0]!);
    console.log(`${outcome.executionArn}: ${outcome.decision.action} — ${outcome.decision.reason}`);
    return 0;
  } catch (err) {
    console.error(`switchyard reconcile: ${(err as Error).name}: ${(err as Error).message}`);
    return 1;
  }
};
