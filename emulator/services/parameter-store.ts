/**
 * SSM Parameter Store over awsJson1_1 (`x-amz-target: AmazonSSM.<Op>`): the secrets and settings the
 * handlers read. SecureString values come back as an opaque ciphertext unless WithDecryption is true.
 */
import type { Core } from '../core.ts';
import type { SsmParameterRecord } from '../rds/model.ts';
import { type JsonService, JsonServiceError } from './json-service.ts';

const arn = (core: Core, name: string): string =>
  `arn:aws:ssm:${core.cfg.region}:${core.cfg.accountId}:parameter/${name.replace(/^\//, '')}`;

const shape = (core: Core, p: SsmParameterRecord, decrypt: boolean) => ({
  Name: p.name,
  Type: p.type,
  Value:
    p.type === 'SecureString' && !decrypt
      ? `AQICAH${Buffer.from(`switchyard-kms:${p.value}`).toString('base64')}`
      : p.value,
  Version: p.version,
  LastModifiedDate: Date.parse(p.modified) / 1000,
  ARN: arn(core, p.name),
  DataType: 'text',
});

const notFound = (name: string) =>
  new JsonServiceError('ParameterNotFound', `Parameter ${name} not found.`, 400);

export const parameterStoreService = (core: Core): JsonService => ({
  targetPrefix: 'AmazonSSM',
  contentType: 'application/x-amz-json-1.1',
  async handle({ operation, body }) {
    const find = (name: unknown) => core.state.ssm.find((p) => p.name === name);
    switch (operation) {
      case 'GetParameter': {
        const p = find(body.Name);
        if (!p) throw notFound(String(body.Name));
        return { body: { Parameter: shape(core, p, body.WithDecryption === true) } };
      }
      case 'GetParameters': {
        const names = (body.Names ?? []) as string[];
        return {
          body: {
            Parameters: names
              .map(find)
              .filter((p): p is SsmParameterRecord => !!p)
              .map((p) => shape(core, p, body.WithDecryption === true)),
            InvalidParameters: names.filter((n) => !find(n)),
          },
        };
      }
      case 'GetParametersByPath': {
        const path = String(body.Path ?? '/').replace(/\/?$/, '/');
        const recursive = body.Recursive === true;
        const list = core.state.ssm.filter(
          (p) => p.name.startsWith(path) && (recursive || !p.name.slice(path.length).includes('/')),
        );
        return { body: { Parameters: list.map((p) => shape(core, p, body.WithDecryption === true)) } };
      }
      case 'PutParameter': {
        const name = String(body.Name ?? '');
        if (!name)
          throw new JsonServiceError(
            'ValidationException',
            "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null",
          );
        const value = String(body.Value ?? '');
        const existing = find(name);
        if (existing && body.Overwrite !== true)
          throw new JsonServiceError(
            'ParameterAlreadyExists',
            'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
          );
        const type = (body.Type as SsmParameterRecord['type'] | undefined) ?? existing?.type ?? 'String';
        if (!['String', 'StringList', 'SecureString'].includes(type))
          throw new JsonServiceError('ValidationException', `Invalid parameter type ${type}`);
        const rec: SsmParameterRecord = {
          name,
          type,
          value,
          version: (existing?.version ?? 0) + 1,
          modified: new Date().toISOString(),
        };
        if (typeof body.Description === 'string') rec.description = body.Description;
        core.state.ssm = [...core.state.ssm.filter((p) => p.name !== name), rec];
        core.save();
        return { body: { Version: rec.version, Tier: 'Standard' } };
      }
      case 'DeleteParameter': {
        if (!find(body.Name)) throw notFound(String(body.Name));
        core.state.ssm = core.state.ssm.filter((p) => p.name !== body.Name);
        core.save();
        return { body: {} };
      }
      default:
        throw new JsonServiceError(
          'InvalidAction',
          `The action ${operation} is not supported by the emulator's SSM.`,
        );
    }
  },
});
