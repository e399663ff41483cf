/**
 * Test-only stand-ins reached over loopback by the real SDK clients (via AWS_ENDPOINT_URL_*):
 * a node:http router dispatching JsonService instances by `x-amz-target` (the emulator's seam), a
 * recording Step Functions (SendTaskSuccess / SendTaskFailure, TaskDoesNotExist for unknown or used
 * tokens), SSM GetParameter, and an SNS Publish recorder (awsQuery).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type JsonService, JsonServiceError } from '../../../emulator/services/json-service.ts';

export interface SfnCall {
  operation: 'SendTaskSuccess' | 'SendTaskFailure';
  taskToken: string;
  output?: unknown;
  error?: string;
  cause?: unknown;
}

export interface FakeSfn extends JsonService {
  /** Makes a token "waiting", as a `.waitForTaskToken` state would. */
  register(token: string): void;
  /** Forgets a token, as when the task timed out or the execution was stopped. */
  expire(token: string): void;
  calls: SfnCall[];
}

export const createFakeSfn = (): FakeSfn => {
  const waiting = new Set<string>();
  const calls: SfnCall[] = [];
  return {
    targetPrefix: 'AWSStepFunctions',
    contentType: 'application/x-amz-json-1.0',
    register: (t) => void waiting.add(t),
    expire: (t) => void waiting.delete(t),
    calls,
    async handle({ operation, body }) {
      if (operation !== 'SendTaskSuccess' && operation !== 'SendTaskFailure') {
        throw new JsonServiceError('UnknownOperationException', `${operation} not supported`);
      }
      const taskToken = String(body.taskToken);
      if (!waiting.has(taskToken))
        throw new JsonServiceError('TaskDoesNotExist', 'Task does not exist anymore');
      waiting.delete(taskToken);
      calls.push(
        operation === 'SendTaskSuccess'
          ? { operation, taskToken, output: JSON.parse(String(body.output)) }
          : { operation, taskToken, error: String(body.error), cause: JSON.parse(String(body.cause)) },
      );
      return { body: {} };
    },
  };
};

export const createFakeSsm = (parameters: Record<string, string>): JsonService => ({
  targetPrefix: 'AmazonSSM',
  contentType: 'application/x-amz-json-1.1',
  async handle({ operation, body }) {
    if (operation !== 'GetParameter') throw new JsonServiceError('UnknownOperationException', operation);
    const name = String(body.Name);
    const value = parameters[name];
    if (value === undefined) throw new JsonServiceError('ParameterNotFound', `Parameter ${name} not found`);
    return { body: { Parameter: { Name: name, Type: 'SecureString', Value: value, Version: 1 } } };
  },
});

export interface Published {
  TopicArn: string;
  Subject?: string;
  Message: string;
  attributes: Record<string, string>;
}

export interface FakeAws {
  url: string;
  published: Published[];
  /** Every raw request body seen (to assert the token went only where it must). */
  bodies: Array<{ target: string; body: string }>;
  stop(): Promise<void>;
}

const publishXml = (): string =>
  `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${randomUUID()}</MessageId></PublishResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`;

/** Starts the loopback router; SNS (awsQuery `Action=Publish`) is recorded in `published`. */
export const startFakeAws = async (services: JsonService[]): Promise<FakeAws> => {
  const published: Published[] = [];
  const bodies: FakeAws['bodies'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Uint8Array[] = [];
    req.on('data', (c: Buffer) => chunks.push(new Uint8Array(c)));
    req.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const target = String(req.headers['x-amz-target'] ?? '');
        bodies.push({ target: target || 'query', body: raw });
        if (!target) {
          const form = new URLSearchParams(raw);
          if (form.get('Action') !== 'Publish') {
            res
              .writeHead(400, { 'content-type': 'text/xml' })
              .end('<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>');
            return;
          }
          const attributes: Record<string, string> = {};
          for (let i = 1; form.has(`MessageAttributes.entry.${i}.Name`); i++) {
            attributes[form.get(`MessageAttributes.entry.${i}.Name`) ?? ''] =
              form.get(`MessageAttributes.entry.${i}.Value.StringValue`) ?? '';
          }
          published.push({
            TopicArn: form.get('TopicArn') ?? '',
            Subject: form.get('Subject') ?? undefined,
            Message: form.get('Message') ?? '',
            attributes,
          });
          res
            .writeHead(200, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() })
            .end(publishXml());
          return;
        }
        const [prefix, operation = ''] = target.split('.');
        const service = services.find((s) => s.targetPrefix === prefix);
        if (!service) {
          res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
          res.end(JSON.stringify({ __type: 'UnknownOperationException', message: target }));
          return;
        }
        try {
          const out = await service.handle({
            operation,
            body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {},
            headers: req.headers as Record<string, string>,
          });
          res.writeHead(out.status ?? 200, {
            'content-type': service.contentType,
            'x-amzn-requestid': randomUUID(),
          });
          res.end(JSON.stringify(out.body));
        } catch (err) {
          const e =
            err instanceof JsonServiceError ? err : new JsonServiceError('InternalFailure', String(err), 500);
          res.writeHead(e.status, { 'content-type': service.contentType, 'x-amzn-requestid': randomUUID() });
          res.end(JSON.stringify({ __type: e.type, message: e.message }));
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    published,
    bodies,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
