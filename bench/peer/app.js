// The peer for `make bench-peer`: gatehouse's dev architecture at N services, written with AWS CDK
// and checked with cdk-nag's AwsSolutionsChecks, synthesised in this process.
//
//   node bench/peer/app.js --services N --outdir DIR [--builtin-validation]
//
// CDK's own CloudFormation template validation (on by default in `cdk synth` since 2.2xx) is off
// unless --builtin-validation is given: cdk-nag is the peer of our policy pack, and the built-in
// validation is extra work our check does not do, so leaving it out keeps the comparison kind
// to CDK.
//
// Prints one JSON line: resources in the template (and per type), seconds from process start to
// the end of synth + nag, peak RSS (KiB) and the number of nag findings. Plain JavaScript, so
// there is no build step between `npm ci` and a run.
'use strict';

const started = process.hrtime.bigint(); // before the requires, so they count as they do for check

const fs = require('node:fs');
const path = require('node:path');
const cdk = require('aws-cdk-lib');
const acm = require('aws-cdk-lib/aws-certificatemanager');
const apigw = require('aws-cdk-lib/aws-apigateway');
const cr = require('aws-cdk-lib/custom-resources');
const ec2 = require('aws-cdk-lib/aws-ec2');
const elbv2 = require('aws-cdk-lib/aws-elasticloadbalancingv2');
const iam = require('aws-cdk-lib/aws-iam');
const lambda = require('aws-cdk-lib/aws-lambda');
const logs = require('aws-cdk-lib/aws-logs');
const route53 = require('aws-cdk-lib/aws-route53');
const route53Targets = require('aws-cdk-lib/aws-route53-targets');
const { AwsSolutionsChecks } = require('cdk-nag');

// Pulumi.dev.yaml's values, so both sides build the same estate.
const DEV = {
  stack: 'dev',
  vpcCidr: '10.20.0.0/16',
  azCount: 2,
  vpnCidrs: ['172.31.250.0/24'],
  domainName: 'api.dev.internal.example.com',
  validationZoneId: 'Z0DEVPUBLICZONE00001',
  validationZoneName: 'internal.example.com',
  logRetention: logs.RetentionDays.TWO_WEEKS,
  stageName: 'v1',
  albTlsPolicy: elbv2.SslPolicy.TLS13_13, // ELBSecurityPolicy-TLS13-1-3-2021-06, our ALB default
  domainTlsPolicy: 'TLS_1_2', // behind the ALB, as ours
};
// bench/synthetic.py's route shapes and handlers, first three shapes.
const ROUTE_SHAPES = [['GET', ''], ['GET', '/{id}'], ['POST', '']];
const HANDLERS = { public: 'greeter.handler', private: 'security.handler' };
const FUNCTIONS_DIR = path.resolve(__dirname, '..', '..', 'functions');

function serviceName(index) {
  return `svc-${String(index).padStart(4, '0')}`;
}

function parseArgs(argv) {
  const args = { services: null, outdir: null, builtinValidation: false };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i];
    if (key === '--services') args.services = Number(argv[++i]);
    else if (key === '--outdir') args.outdir = argv[++i];
    else if (key === '--builtin-validation') args.builtinValidation = true;
    else throw new Error(`unknown argument ${key}`);
  }
  if (!Number.isInteger(args.services) || args.services < 1 || !args.outdir) {
    throw new Error('usage: node app.js --services N --outdir DIR [--builtin-validation] (N a whole number, at least 1)');
  }
  return args;
}

function restApiPolicy(endpointId, allowedCidrs) {
  // The same three statements as components/resource_policy.py: allow only through the
  // endpoint, deny any other endpoint, deny sources outside the allowed networks.
  const invoke = { actions: ['execute-api:Invoke'], principals: [new iam.AnyPrincipal()], resources: ['execute-api:/*'] };
  return new iam.PolicyDocument({
    statements: [
      new iam.PolicyStatement({ ...invoke, sid: 'AllowInvokeThroughAllowedEndpoints', effect: iam.Effect.ALLOW, conditions: { StringEquals: { 'aws:SourceVpce': [endpointId] } } }),
      new iam.PolicyStatement({ ...invoke, sid: 'DenyInvokeThroughOtherEndpoints', effect: iam.Effect.DENY, conditions: { StringNotEquals: { 'aws:SourceVpce': [endpointId] } } }),
      new iam.PolicyStatement({ ...invoke, sid: 'DenyInvokeFromOutsideAllowedNetworks', effect: iam.Effect.DENY, conditions: { NotIpAddress: { 'aws:VpcSourceIp': allowedCidrs } } }),
    ],
  });
}

function httpsGroup(scope, id, vpc, description, cidrs) {
  const group = new ec2.SecurityGroup(scope, id, { vpc, description, allowAllOutbound: false });
  for (const cidr of cidrs) group.addIngressRule(ec2.Peer.ipv4(cidr), ec2.Port.tcp(443), `HTTPS from ${cidr}`);
  return group;
}

function restApiLogging(scope, id) {
  const accessLogs = new logs.LogGroup(scope, `${id}AccessLogs`, { retention: DEV.logRetention });
  return {
    stageName: DEV.stageName,
    tracingEnabled: true,
    accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
    accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields(),
  };
}

function serviceBackend(scope, name, handler) {
  const functionName = `gatehouse-${DEV.stack}-${name}`;
  const logGroup = new logs.LogGroup(scope, `${name}-logs`, { logGroupName: `/aws/lambda/${functionName}`, retention: DEV.logRetention });
  const role = new iam.Role(scope, `${name}-role`, { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  // Logging into its own log group only, as ours (not the managed basic execution role).
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${logGroup.logGroupArn}:*`] }));
  return new lambda.Function(scope, name, {
    functionName,
    runtime: lambda.Runtime.PYTHON_3_14,
    handler,
    code: lambda.Code.fromAsset(FUNCTIONS_DIR),
    memorySize: 256,
    timeout: cdk.Duration.seconds(10),
    environment: { GATEHOUSE_SERVICE: name },
    loggingFormat: lambda.LoggingFormat.JSON,
    logGroup,
    role,
  });
}

// `GET /health` on every API, answered by API Gateway itself (components/health_route.py).
function addHealthRoute(api) {
  api.root.addResource('health').addMethod('GET', new apigw.MockIntegration({
    requestTemplates: { 'application/json': JSON.stringify({ statusCode: 200 }) },
    integrationResponses: [{ statusCode: '200', responseTemplates: { 'application/json': JSON.stringify({ status: 'ok' }) } }],
  }), { methodResponses: [{ statusCode: '200' }] });
}

// The in-VPC prober (components/prober.py): its own log group, no ingress, HTTPS out to the VPC.
function prober(scope, vpc, subnets) {
  const functionName = `gatehouse-${DEV.stack}-prober`;
  const logGroup = new logs.LogGroup(scope, 'prober-logs', { logGroupName: `/aws/lambda/${functionName}`, retention: DEV.logRetention });
  const role = new iam.Role(scope, 'prober-role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${logGroup.logGroupArn}:*`] }));
  const group = new ec2.SecurityGroup(scope, 'prober-sg', { vpc, description: 'gatehouse prober: no ingress; HTTPS out to the VPC only', allowAllOutbound: false });
  group.addEgressRule(ec2.Peer.ipv4(DEV.vpcCidr), ec2.Port.tcp(443), `HTTPS to the VPC (${DEV.vpcCidr})`);
  // CDK adds the ENI permissions (AWSLambdaVPCAccessExecutionRole) itself for a function in a VPC.
  return new lambda.Function(scope, 'prober', {
    functionName,
    runtime: lambda.Runtime.PYTHON_3_14,
    handler: 'prober.handler',
    code: lambda.Code.fromAsset(FUNCTIONS_DIR),
    memorySize: 256,
    timeout: cdk.Duration.seconds(30),
    loggingFormat: lambda.LoggingFormat.JSON,
    logGroup,
    role,
    vpc,
    vpcSubnets: subnets,
    securityGroups: [group],
  });
}

function buildStack(app, services) {
  const stack = new cdk.Stack(app, `gatehouse-${DEV.stack}`);
  const allowedCidrs = [DEV.vpcCidr, ...DEV.vpnCidrs];

  const vpc = new ec2.Vpc(stack, 'network', {
    ipAddresses: ec2.IpAddresses.cidr(DEV.vpcCidr),
    maxAzs: DEV.azCount,
    natGateways: 0,
    subnetConfiguration: [{ name: 'private', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 20 }],
    restrictDefaultSecurityGroup: true, // ours locks the default group down too
  });
  const isolated = { subnetType: ec2.SubnetType.PRIVATE_ISOLATED };
  const endpointGroup = httpsGroup(stack, 'execute-api-sg', vpc, 'execute-api endpoint: HTTPS from the VPC', allowedCidrs);
  const endpoint = vpc.addInterfaceEndpoint('execute-api', {
    service: ec2.InterfaceVpcEndpointAwsService.APIGATEWAY,
    privateDnsEnabled: false,
    securityGroups: [endpointGroup],
    subnets: isolated,
    open: false,
  });

  const privateApi = new apigw.RestApi(stack, 'private-api', {
    description: 'Private internal services: VPC endpoint access only',
    endpointConfiguration: { types: [apigw.EndpointType.PRIVATE], vpcEndpoints: [endpoint] },
    policy: restApiPolicy(endpoint.vpcEndpointId, allowedCidrs),
    deployOptions: restApiLogging(stack, 'private-api'),
    cloudWatchRole: true, // the account's logging role, once per stack as ours
  });
  const publicApi = services > 1
    ? new apigw.RestApi(stack, 'public-api', {
      description: 'Public application services',
      endpointTypes: [apigw.EndpointType.REGIONAL],
      deployOptions: restApiLogging(stack, 'public-api'),
      cloudWatchRole: false,
    })
    : null;

  for (let index = 0; index < services; index++) {
    const name = serviceName(index);
    const visibility = index % 2 === 0 ? 'private' : 'public';
    const fn = serviceBackend(stack, name, HANDLERS[visibility]);
    const integration = new apigw.LambdaIntegration(fn, { allowTestInvoke: false });
    const api = visibility === 'private' ? privateApi : publicApi;
    const prefix = api.root.addResource(name);
    for (const [method, suffix] of ROUTE_SHAPES) {
      const resource = suffix ? prefix.resourceForPath(suffix.slice(1)) : prefix;
      resource.addMethod(method, integration);
    }
  }

  for (const api of [privateApi, publicApi]) if (api) addHealthRoute(api);
  prober(stack, vpc, isolated);

  // The private custom domain behind an internal ALB (seed 004).
  const validationZone = route53.HostedZone.fromHostedZoneAttributes(stack, 'validation-zone', {
    hostedZoneId: DEV.validationZoneId,
    zoneName: DEV.validationZoneName,
  });
  const certificate = new acm.Certificate(stack, 'private-domain-cert', {
    domainName: DEV.domainName,
    validation: acm.CertificateValidation.fromDns(validationZone),
  });
  const domain = new apigw.CfnDomainNameV2(stack, 'private-domain', {
    domainName: DEV.domainName,
    certificateArn: certificate.certificateArn,
    endpointConfiguration: { types: ['PRIVATE'] },
    securityPolicy: DEV.domainTlsPolicy,
    policy: restApiPolicy(endpoint.vpcEndpointId, allowedCidrs).toJSON(),
  });
  new apigw.CfnDomainNameAccessAssociation(stack, 'private-domain-access', {
    accessAssociationSource: endpoint.vpcEndpointId,
    accessAssociationSourceType: 'VPCE',
    domainNameArn: domain.attrDomainNameArn,
  });
  new apigw.CfnBasePathMappingV2(stack, 'private-domain-mapping', {
    domainNameArn: domain.attrDomainNameArn,
    restApiId: privateApi.restApiId,
    stage: privateApi.deploymentStage.stageName,
  });
  const zone = new route53.PrivateHostedZone(stack, 'private-domain-zone', { zoneName: DEV.domainName, vpc });

  // The endpoint's ENI addresses are not CloudFormation attributes: CDK's way is an SDK call.
  const eniCount = DEV.azCount;
  const enis = new cr.AwsCustomResource(stack, 'execute-api-enis', {
    onUpdate: {
      service: 'EC2',
      action: 'describeNetworkInterfaces',
      parameters: { NetworkInterfaceIds: endpoint.vpcEndpointNetworkInterfaceIds },
      physicalResourceId: cr.PhysicalResourceId.of(endpoint.vpcEndpointId),
      outputPaths: Array.from({ length: eniCount }, (_, i) => `NetworkInterfaces.${i}.PrivateIpAddress`),
    },
    policy: cr.AwsCustomResourcePolicy.fromSdkCalls({ resources: cr.AwsCustomResourcePolicy.ANY_RESOURCE }),
    installLatestAwsSdk: false,
  });
  const albGroup = httpsGroup(stack, 'private-domain-alb-sg', vpc, 'private API ALB: HTTPS from allowed networks', allowedCidrs);
  albGroup.addEgressRule(ec2.Peer.ipv4(DEV.vpcCidr), ec2.Port.tcp(443), 'HTTPS to the execute-api endpoint ENIs');
  const alb = new elbv2.ApplicationLoadBalancer(stack, 'private-domain-alb', {
    vpc,
    internetFacing: false,
    vpcSubnets: isolated,
    securityGroup: albGroup,
    dropInvalidHeaderFields: true,
    deletionProtection: false,
  });
  const targets = new elbv2.ApplicationTargetGroup(stack, 'private-domain-alb-endpoint', {
    vpc,
    targetType: elbv2.TargetType.IP,
    protocol: elbv2.ApplicationProtocol.HTTPS,
    port: 443,
    // The endpoint answers 403 to a health check that carries no API's Host header.
    healthCheck: { protocol: elbv2.Protocol.HTTPS, path: '/', healthyHttpCodes: '200,403' },
    targets: Array.from({ length: eniCount }, (_, i) => new elbv2.IpTarget(enis.getResponseField(`NetworkInterfaces.${i}.PrivateIpAddress`))),
  });
  alb.addListener('https', {
    port: 443,
    protocol: elbv2.ApplicationProtocol.HTTPS,
    certificates: [certificate],
    sslPolicy: DEV.albTlsPolicy,
    defaultTargetGroups: [targets],
    open: false,
  });
  new route53.ARecord(stack, 'private-domain-alias', {
    zone,
    recordName: DEV.domainName,
    target: route53.RecordTarget.fromAlias(new route53Targets.LoadBalancerTarget(alb)),
  });
  return stack;
}

// cdk-nag 3 reports through CDK's policy validation, in the assembly's validation report: one
// violation per rule, naming each construct that breaks it. A finding is one (rule, construct).
function countNagFindings(assemblyDir) {
  const report = JSON.parse(fs.readFileSync(path.join(assemblyDir, 'validation-report.json'), 'utf8'));
  const nag = report.pluginReports.filter((plugin) => plugin.pluginName === 'AwsSolutions');
  if (nag.length !== 1) throw new Error(`expected one AwsSolutions report in the validation report, found ${nag.length}`);
  return nag[0].violations.reduce((sum, violation) => sum + violation.violatingConstructs.length, 0);
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const app = new cdk.App({
    outdir: args.outdir,
    builtinCloudFormationValidation: args.builtinValidation,
    context: {
      // Findings are what we count, not a reason to stop: report them, do not throw.
      '@aws-cdk/core:failSynthOnValidationErrors': false,
      // CloudFormation takes at most 500 resources per stack, so from ~35 services a deployable
      // CDK app would be split into several stacks. The bench keeps one stack with the limit
      // off: the same resources are synthesised and checked either way.
      '@aws-cdk/core:stackResourceLimit': 0,
    },
  });
  cdk.Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = buildStack(app, args.services);
  const assembly = app.synth();
  const template = assembly.getStackByName(stack.stackName).template;
  const types = {};
  for (const resource of Object.values(template.Resources)) types[resource.Type] = (types[resource.Type] || 0) + 1;
  const nagFindings = countNagFindings(assembly.directory);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const version = (name) => require(`${name}/package.json`).version;
  console.log(JSON.stringify({
    services: args.services,
    resources: Object.keys(template.Resources).length,
    resource_types: types,
    seconds,
    maxrss_kib: process.resourceUsage().maxRSS,
    nag_findings: nagFindings,
    builtin_validation: args.builtinValidation,
    versions: { node: process.version, 'aws-cdk-lib': version('aws-cdk-lib'), 'cdk-nag': version('cdk-nag') },
  }));
}

main();
