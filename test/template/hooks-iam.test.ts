/**
 * The state machine's IAM for hooks (issue 13), from the packaged template: `osls package` with a deploy
 * config declaring one target of each kind. Every hook statement names exactly the declared resources.
 * (test/template/template.test.ts checks the same role carries no hook statement when none is declared.)
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';

type Statement = { Sid?: string; Action: string[]; Resource: unknown; Condition?: unknown };
let statements: Statement[];
let preflightDeclared: unknown;
const OUT = '.tmp/hooks-package';

beforeAll(() => {
  mkdirSync('.tmp', { recursive: true });
  const env = {
    ...process.env,
    TMPDIR: `${process.cwd()}/.tmp`,
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    SLS_TELEMETRY_DISABLED: '1',
    SWITCHYARD_HOOKS_CONFIG: 'test/template/fixtures/hooks.yml',
  };
  execFileSync('npx', ['osls', 'package', '--package', OUT], { env, stdio: 'pipe', timeout: 400_000 });
  const resources = JSON.parse(
    readFileSync(`${OUT}/cloudformation-template-update-stack.json`, 'utf8'),
  ).Resources;
  statements = resources.BlueGreenStateMachineRole.Properties.Policies.flatMap(
    (p: { PolicyDocument: { Statement: Statement[] } }) => p.PolicyDocument.Statement,
  );
  preflightDeclared = JSON.parse(
    resources.PreflightLambdaFunction.Properties.Environment.Variables.SWITCHYARD_DECLARED_HOOKS,
  );
}, 500_000);

const bySid = (sid: string) => {
  const s = statements.find((x) => x.Sid === sid);
  if (!s) throw new Error(`no statement ${sid}: ${statements.map((x) => x.Sid).join(', ')}`);
  return s;
};
const text = (value: unknown) => JSON.stringify(value);

describe('packaged IAM for declared hooks', () => {
  it('lets the state machine invoke only the declared Lambda hook', () => {
    const s = bySid('HookLambdaFunctions');
    expect(s.Action).toEqual(['lambda:InvokeFunction']);
    expect(s.Resource).toEqual([
      {
        'Fn::Sub':
          'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:orders-green-tests',
      },
      {
        'Fn::Sub':
          'arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:orders-green-tests:*',
      },
    ]);
    // The pipeline's own invoke statement names its functions, never "*".
    expect(text(bySid('PipelineFunctions').Resource)).not.toContain('"*"');
  });

  it('runs only the declared CodeBuild project to completion', () => {
    expect(bySid('HookCodeBuildProjects')).toMatchObject({
      Action: ['codebuild:StartBuild', 'codebuild:StopBuild', 'codebuild:BatchGetBuilds'],
      Resource: [
        {
          'Fn::Sub':
            'arn:${AWS::Partition}:codebuild:${AWS::Region}:${AWS::AccountId}:project/orders-regression',
        },
      ],
    });
    expect(text(bySid('HookCodeBuildSyncRule').Resource)).toContain(
      'rule/StepFunctionsGetEventForCodeBuildStartBuildRule',
    );
  });

  it('runs only the declared ECS task family and passes only its roles', () => {
    expect(text(bySid('HookEcsRunTask').Resource)).toContain('task-definition/orders-tests:*');
    expect(text(bySid('HookEcsTasks').Resource)).toContain('task/ci/*');
    expect(bySid('HookEcsPassRoles')).toMatchObject({
      Action: ['iam:PassRole'],
      Resource: [
        'arn:aws:iam::123456789012:role/orders-tests-task',
        'arn:aws:iam::123456789012:role/orders-tests-execution',
      ],
      Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    });
    expect(text(bySid('HookEcsSyncRule').Resource)).toContain('rule/StepFunctionsGetEventsForECSTaskRule');
  });

  it('calls only the declared HTTPS prefix with only the declared connection', () => {
    expect(bySid('HookHttpEndpoints')).toMatchObject({
      Action: ['states:InvokeHTTPEndpoint'],
      Condition: { StringLike: { 'states:HTTPEndpoint': ['https://ci.example.com/hooks/*'] } },
    });
    expect(text(bySid('HookHttpEndpoints').Resource)).toContain('stateMachine:switchyard-blue-green-dev');
    expect(bySid('HookHttpConnections').Resource).toEqual([
      'arn:aws:events:us-east-1:123456789012:connection/ci/0b1c2d3e',
    ]);
    expect(text(bySid('HookHttpConnectionSecrets').Resource)).toContain('secret:events!connection/ci/*');
  });

  it('grants no wildcard action, and no "*" resource outside log delivery', () => {
    for (const s of statements) {
      for (const action of s.Action) expect(action, s.Sid).not.toMatch(/\*/);
      if (s.Sid !== 'LogDelivery') expect(s.Resource, s.Sid).not.toEqual('*');
    }
  });

  it('tells Preflight the same declaration', () => {
    expect(preflightDeclared).toEqual({
      lambdaFunctions: ['orders-green-tests'],
      codebuildProjects: ['orders-regression'],
      ecsTasks: [{ cluster: 'ci', taskDefinition: 'orders-tests' }],
      httpEndpoints: [
        {
          connectionArn: 'arn:aws:events:us-east-1:123456789012:connection/ci/0b1c2d3e',
          urlPrefix: 'https://ci.example.com/hooks/',
        },
      ],
    });
  });
});
