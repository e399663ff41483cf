/**
 * Deploy-time side of hooks (issue 13). Hooks come per execution, IAM comes at deploy time: the targets a
 * run may call are declared in the deploy config (switchyard.hooks.yml, or the file SWITCHYARD_HOOKS_CONFIG
 * names) and serverless.yml reads two things from here:
 *   - `role`: the state machine's role. serverless-step-functions would generate one, but for Tasks whose
 *     target comes from the input (FunctionName.$, Cluster.$, …) it grants lambda:InvokeFunction and
 *     iam:PassRole on "*"; this role names every resource instead: the pipeline's own functions (read from
 *     the ASL) and exactly the declared hook targets. With no hooks declared it has no hook statement.
 *   - `declared`: the same declaration as JSON for Preflight, which refuses an input hook not declared here.
 */
const fs = require('node:fs');
const path = require('node:path');
const YAML = require('yaml');

const ASL = path.join(__dirname, '..', 'statemachine', 'blue-green.asl.yaml');
const configPath = () =>
  process.env.SWITCHYARD_HOOKS_CONFIG || path.join(__dirname, '..', 'switchyard.hooks.yml');

const fail = (field, message) => {
  throw new Error(`${configPath()}: hooks.${field}: ${message}`);
};
const strings = (value, field, pattern, what) => {
  if (value === undefined) return [];
  if (!Array.isArray(value)) fail(field, 'must be a list');
  return value.map((v, i) => {
    if (typeof v !== 'string' || !pattern.test(v))
      fail(`${field}[${i}]`, `must be ${what}, not ${JSON.stringify(v)}`);
    return v;
  });
};

/** The deploy config's `hooks` section, checked; every field named in its error. */
const readConfig = () => {
  const file = configPath();
  if (!fs.existsSync(file))
    return { lambdaFunctions: [], codebuildProjects: [], ecsTasks: [], httpEndpoints: [] };
  const doc = YAML.parse(fs.readFileSync(file, 'utf8')) ?? {};
  const hooks = doc.hooks ?? {};
  const known = ['lambdaFunctions', 'codebuildProjects', 'ecsTasks', 'httpEndpoints'];
  for (const key of Object.keys(hooks))
    if (!known.includes(key)) fail(key, `unknown field; use ${known.join(', ')}`);
  const ecsTasks = (hooks.ecsTasks ?? []).map((t, i) => {
    const at = `ecsTasks[${i}]`;
    if (!t || typeof t.cluster !== 'string' || !t.cluster) fail(`${at}.cluster`, 'name the ECS cluster');
    if (typeof t.taskDefinition !== 'string' || !/^[A-Za-z0-9_-]+$/.test(t.taskDefinition))
      fail(`${at}.taskDefinition`, 'must be the task definition family (no revision, no ARN)');
    const passRoles = strings(
      t.passRoles,
      `${at}.passRoles`,
      /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/,
      'an IAM role ARN',
    );
    if (passRoles.length === 0)
      fail(`${at}.passRoles`, "list the task's task role and execution role ARNs (RunTask passes them)");
    return { cluster: t.cluster, taskDefinition: t.taskDefinition, passRoles };
  });
  const httpEndpoints = (hooks.httpEndpoints ?? []).map((h, i) => {
    const at = `httpEndpoints[${i}]`;
    if (
      !h ||
      !/^arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:connection\/[^/]+\/[\w-]+$/.test(h.connectionArn ?? '')
    )
      fail(`${at}.connectionArn`, 'must be an EventBridge connection ARN');
    if (typeof h.urlPrefix !== 'string' || !h.urlPrefix.startsWith('https://'))
      fail(`${at}.urlPrefix`, 'must be an https:// URL prefix such as "https://ci.example.com/hooks/"');
    return { connectionArn: h.connectionArn, urlPrefix: h.urlPrefix };
  });
  return {
    lambdaFunctions: strings(
      hooks.lambdaFunctions,
      'lambdaFunctions',
      /^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[A-Za-z0-9_-]{1,64}$/,
      'a function name or unqualified function ARN',
    ),
    codebuildProjects: strings(
      hooks.codebuildProjects,
      'codebuildProjects',
      /^[A-Za-z0-9][A-Za-z0-9_-]{1,254}$/,
      'a project name',
    ),
    ecsTasks,
    httpEndpoints,
  };
};

const sub = (text) => ({ 'Fn::Sub': text });
const arn = (service, resource) =>
  sub(`arn:\${AWS::Partition}:${service}:\${AWS::Region}:\${AWS::AccountId}:${resource}`);
const clusterName = (cluster) => cluster.slice(cluster.lastIndexOf('/') + 1);

/** serverless function keys of every Task in the ASL (Map processors included). */
const pipelineFunctionKeys = () => {
  const keys = new Set();
  const walk = (states) => {
    for (const state of Object.values(states)) {
      const key = state.Parameters?.FunctionName?.['Fn::GetAtt']?.[0];
      if (key) keys.add(key);
      if (state.ItemProcessor) walk(state.ItemProcessor.States);
    }
  };
  walk(YAML.parse(fs.readFileSync(ASL, 'utf8'), { merge: true }).States);
  return [...keys].sort();
};

/** Statements for the declared hook targets only; none when nothing is declared. */
const hookStatements = (config, stateMachineName) => {
  const statements = [];
  if (config.lambdaFunctions.length)
    statements.push({
      Sid: 'HookLambdaFunctions',
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction'],
      Resource: config.lambdaFunctions.flatMap((f) => {
        const base = f.startsWith('arn:') ? f : arn('lambda', `function:${f}`);
        return [base, f.startsWith('arn:') ? `${f}:*` : arn('lambda', `function:${f}:*`)];
      }),
    });
  if (config.codebuildProjects.length)
    statements.push(
      {
        Sid: 'HookCodeBuildProjects',
        Effect: 'Allow',
        Action: ['codebuild:StartBuild', 'codebuild:StopBuild', 'codebuild:BatchGetBuilds'],
        Resource: config.codebuildProjects.map((p) => arn('codebuild', `project/${p}`)),
      },
      {
        // startBuild.sync waits through this managed rule (Step Functions creates it in the account).
        Sid: 'HookCodeBuildSyncRule',
        Effect: 'Allow',
        Action: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        Resource: [arn('events', 'rule/StepFunctionsGetEventForCodeBuildStartBuildRule')],
      },
    );
  if (config.ecsTasks.length)
    statements.push(
      {
        Sid: 'HookEcsRunTask',
        Effect: 'Allow',
        Action: ['ecs:RunTask'],
        Resource: config.ecsTasks.map((t) => arn('ecs', `task-definition/${t.taskDefinition}:*`)),
      },
      {
        Sid: 'HookEcsTasks',
        Effect: 'Allow',
        Action: ['ecs:StopTask', 'ecs:DescribeTasks'],
        Resource: [...new Set(config.ecsTasks.map((t) => clusterName(t.cluster)))].map((c) =>
          arn('ecs', `task/${c}/*`),
        ),
      },
      {
        Sid: 'HookEcsPassRoles',
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: [...new Set(config.ecsTasks.flatMap((t) => t.passRoles))],
        Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      },
      {
        Sid: 'HookEcsSyncRule',
        Effect: 'Allow',
        Action: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        Resource: [arn('events', 'rule/StepFunctionsGetEventsForECSTaskRule')],
      },
    );
  if (config.httpEndpoints.length)
    statements.push(
      {
        Sid: 'HookHttpEndpoints',
        Effect: 'Allow',
        Action: ['states:InvokeHTTPEndpoint'],
        Resource: [arn('states', `stateMachine:${stateMachineName}`)],
        Condition: {
          StringLike: { 'states:HTTPEndpoint': config.httpEndpoints.map((h) => `${h.urlPrefix}*`) },
        },
      },
      {
        Sid: 'HookHttpConnections',
        Effect: 'Allow',
        Action: ['events:RetrieveConnectionCredentials'],
        Resource: [...new Set(config.httpEndpoints.map((h) => h.connectionArn))],
      },
      {
        // EventBridge keeps each connection's credentials in a secret named events!connection/<name>/<id>.
        Sid: 'HookHttpConnectionSecrets',
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
        Resource: [
          ...new Set(
            config.httpEndpoints.map((h) =>
              arn('secretsmanager', `secret:events!connection/${h.connectionArn.split('/')[1]}/*`),
            ),
          ),
        ],
      },
    );
  return statements;
};

const capitalised = (key) => `${key[0].toUpperCase()}${key.slice(1)}`;

/** The state machine's role: the pipeline's functions, log delivery, and the declared hook targets. */
const role = async ({ resolveVariable }) => {
  const stage = await resolveVariable('sls:stage');
  const stateMachineName = `switchyard-blue-green-${stage}`;
  const functionArns = pipelineFunctionKeys().flatMap((key) => {
    const getAtt = { 'Fn::GetAtt': [`${capitalised(key)}LambdaFunction`, 'Arn'] };
    return [getAtt, { 'Fn::Sub': ['${functionArn}:*', { functionArn: getAtt }] }];
  });
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: sub('states.${AWS::Region}.amazonaws.com') },
            Action: 'sts:AssumeRole',
          },
        ],
      },
      Policies: [
        {
          PolicyName: `${stage}-switchyard-statemachine`,
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'PipelineFunctions',
                Effect: 'Allow',
                Action: ['lambda:InvokeFunction'],
                Resource: functionArns,
              },
              {
                // CloudWatch Logs vended delivery (loggingConfig) accepts no narrower resource.
                Sid: 'LogDelivery',
                Effect: 'Allow',
                Action: [
                  'logs:CreateLogDelivery',
                  'logs:GetLogDelivery',
                  'logs:UpdateLogDelivery',
                  'logs:DeleteLogDelivery',
                  'logs:ListLogDeliveries',
                  'logs:PutResourcePolicy',
                  'logs:DescribeResourcePolicies',
                  'logs:DescribeLogGroups',
                ],
                Resource: '*',
              },
              ...hookStatements(readConfig(), stateMachineName),
            ],
          },
        },
      ],
    },
  };
};

/** The declaration Preflight checks input hooks against (SWITCHYARD_DECLARED_HOOKS). */
const declared = () => {
  const config = readConfig();
  return JSON.stringify({
    lambdaFunctions: config.lambdaFunctions,
    codebuildProjects: config.codebuildProjects,
    ecsTasks: config.ecsTasks.map(({ cluster, taskDefinition }) => ({ cluster, taskDefinition })),
    httpEndpoints: config.httpEndpoints,
  });
};

module.exports = { role, declared, readConfig, hookStatements };
