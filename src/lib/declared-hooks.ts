/**
 * The hook targets this deployment was granted IAM for, read once at module load from SWITCHYARD_DECLARED_HOOKS
 * (serverless.yml sets it from the deploy config through infra/hooks.cjs). Unset means none were declared.
 */
import { z } from 'zod';
import { type DeclaredHooks, NO_DECLARED_HOOKS } from '#domain/hooks';

const DeclaredHooksSchema = z.object({
  lambdaFunctions: z.array(z.string()).default([]),
  codebuildProjects: z.array(z.string()).default([]),
  ecsTasks: z.array(z.object({ cluster: z.string(), taskDefinition: z.string() })).default([]),
  httpEndpoints: z.array(z.object({ connectionArn: z.string(), urlPrefix: z.string() })).default([]),
});

export const parseDeclaredHooks = (json: string | undefined): DeclaredHooks => {
  if (!json) return NO_DECLARED_HOOKS;
  const parsed = DeclaredHooksSchema.safeParse(JSON.parse(json));
  if (!parsed.success)
    throw new Error(`SWITCHYARD_DECLARED_HOOKS is not a declaration of hooks: ${parsed.error.message}`);
  return parsed.data;
};

export const declaredHooksFromEnv = (): DeclaredHooks =>
  parseDeclaredHooks(process.env.SWITCHYARD_DECLARED_HOOKS);
