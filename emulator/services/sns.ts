/** SNS over the Query protocol (2010-03-31): Publish into an outbox tests can read, CreateTopic, ListTopics. */
import { randomUUID } from 'node:crypto';
import type { Core } from '../core.ts';
import { invalidParameter, type Params, QueryError, type XObject, xlist } from '../http/query.ts';
import type { SnsMessage } from '../rds/model.ts';

export const SNS_XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';

type Handler = (core: Core, p: Params) => Promise<XObject | undefined>;

const topicArn = (core: Core, name: string): string =>
  `arn:aws:sns:${core.cfg.region}:${core.cfg.accountId}:${name}`;

const CreateTopic: Handler = async (core, p) => {
  const name = p.req('Name');
  if (!/^[A-Za-z0-9_-]{1,256}(\.fifo)?$/.test(name))
    throw new QueryError('InvalidParameter', 'Invalid parameter: Topic Name');
  const arn = topicArn(core, name);
  if (!core.state.topics.includes(arn)) core.state.topics.push(arn);
  core.save();
  return { TopicArn: arn };
};

const ListTopics: Handler = async (core, p) => {
  const start = Number(p.str('NextToken') ?? 0) || 0;
  const page = core.state.topics.slice(start, start + 100);
  const next = start + 100 < core.state.topics.length ? String(start + 100) : undefined;
  return {
    Topics: xlist(
      'member',
      page.map((TopicArn) => ({ TopicArn })),
    ),
    NextToken: next,
  };
};

const DeleteTopic: Handler = async (core, p) => {
  const arn = p.req('TopicArn');
  core.state.topics = core.state.topics.filter((t) => t !== arn);
  core.save();
  return undefined;
};

const Publish: Handler = async (core, p) => {
  const arn = p.str('TopicArn') ?? p.str('TargetArn');
  if (!arn)
    throw new QueryError(
      'InvalidParameter',
      'Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter',
    );
  if (!/^arn:aws:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+$/.test(arn))
    throw new QueryError('InvalidParameter', 'Invalid parameter: TopicArn');
  const message = p.str('Message');
  if (message === undefined || message === '')
    throw new QueryError('InvalidParameter', 'Invalid parameter: Empty message');
  const subject = p.str('Subject');
  if (subject !== undefined && subject.length > 100)
    throw invalidParameter('Subject must be less than 100 characters');
  const attrs: SnsMessage['messageAttributes'] = {};
  for (const e of p.list('MessageAttributes')) {
    const name = e.str('Name');
    const v = e.struct('Value');
    if (!name || !v) continue;
    attrs[name] = {
      DataType: v.str('DataType') ?? 'String',
      ...(v.str('StringValue') !== undefined ? { StringValue: v.str('StringValue') } : {}),
      ...(v.str('BinaryValue') !== undefined ? { BinaryValue: v.str('BinaryValue') } : {}),
    };
  }
  // Unknown topics are created on first publish (real SNS answers NotFound); see README.
  if (!core.state.topics.includes(arn)) core.state.topics.push(arn);
  const messageId = randomUUID();
  core.state.outbox.push({
    topicArn: arn,
    ...(subject !== undefined ? { subject } : {}),
    message,
    messageAttributes: attrs,
    at: new Date().toISOString(),
    messageId,
  });
  core.save();
  core.log(`[sns] ${arn}: ${subject ?? message.slice(0, 80)}`);
  return { MessageId: messageId };
};

export const SNS_ACTIONS: Record<string, Handler> = { CreateTopic, ListTopics, DeleteTopic, Publish };
