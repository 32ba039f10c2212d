"""Every rendered resource's inputs checked against what AWS's API accepts, offline.

A Pulumi resource type maps to the botocore operation the provider calls to create it, and each
checked property to the request member it becomes (pulumi-aws's camelCase input → botocore's
member path). A code change that sets a value AWS would reject — not only a config change —
then fails `check` naming the resource, the property, the value and what AWS allows, before any
cloud round trip. tests/test_check.py proves every member path below exists in botocore's
models and that every type the shipped stacks render is mapped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pipeline.inventory import UNKNOWN, Inventory, InventoryResource
from stack_config import aws_values
from stack_config.aws_documented import EDGE_ONLY_TLS_POLICIES, EDGE_ONLY_TLS_POLICIES_SOURCE

# The engine's wire signatures: a secret wraps its value; an asset or archive is no AWS value.
_SIGNATURE = "4dabf18193072939515e22adb298388d"
_SECRET = "1b47061264138c4ac30d75fd1eb44270"


@dataclass(frozen=True)
class Field:
    member: str
    """The botocore member path inside the operation's request."""
    also_allowed: tuple[Any, ...] = ()
    """Values the provider accepts and handles itself (LogGroup retention 0: never expire)."""
    operation: str | None = None
    """When the provider sets this property with a second call (PutRetentionPolicy)."""


@dataclass(frozen=True)
class Mapping:
    service: str
    operation: str
    fields: dict[str, Field]


def _m(service: str, operation: str, **fields: str | Field) -> Mapping:
    return Mapping(service, operation, {
        prop.replace("__", "."): value if isinstance(value, Field) else Field(value) for prop, value in fields.items()
    })


# Pulumi type token → the create call. `__` in a keyword stands for `.` (a nested input).
RESOURCE_TYPES: dict[str, Mapping] = {
    "aws:apigateway/restApi:RestApi": _m(
        "apigateway", "CreateRestApi", name="name", description="description", apiKeySource="apiKeySource",
        endpointConfiguration__types="endpointConfiguration.types", binaryMediaTypes="binaryMediaTypes",
        minimumCompressionSize="minimumCompressionSize", disableExecuteApiEndpoint="disableExecuteApiEndpoint",
        securityPolicy="securityPolicy", endpointAccessMode="endpointAccessMode", policy="policy",
    ),
    "aws:apigateway/restApiPolicy:RestApiPolicy": _m("apigateway", "CreateRestApi", policy="policy"),
    "aws:apigateway/resource:Resource": _m("apigateway", "CreateResource", pathPart="pathPart"),
    "aws:apigateway/method:Method": _m(
        "apigateway", "PutMethod", httpMethod="httpMethod", authorization="authorizationType",
        apiKeyRequired="apiKeyRequired", authorizationScopes="authorizationScopes", operationName="operationName",
    ),
    "aws:apigateway/integration:Integration": _m(
        "apigateway", "PutIntegration", type="type", httpMethod="httpMethod", connectionType="connectionType",
        contentHandling="contentHandling", timeoutMilliseconds="timeoutInMillis", uri="uri",
        integrationHttpMethod="integrationHttpMethod", passthroughBehavior="passthroughBehavior",
    ),
    "aws:apigateway/methodResponse:MethodResponse": _m(
        "apigateway", "PutMethodResponse", httpMethod="httpMethod", statusCode="statusCode",
    ),
    "aws:apigateway/integrationResponse:IntegrationResponse": _m(
        "apigateway", "PutIntegrationResponse", httpMethod="httpMethod", statusCode="statusCode",
        selectionPattern="selectionPattern", contentHandling="contentHandling",
    ),
    "aws:apigateway/deployment:Deployment": _m("apigateway", "CreateDeployment", description="description"),
    "aws:apigateway/stage:Stage": _m(
        "apigateway", "CreateStage", stageName="stageName", cacheClusterEnabled="cacheClusterEnabled",
        cacheClusterSize="cacheClusterSize", xrayTracingEnabled="tracingEnabled", description="description",
    ),
    "aws:apigateway/domainName:DomainName": _m(
        "apigateway", "CreateDomainName", domainName="domainName", securityPolicy="securityPolicy",
        endpointAccessMode="endpointAccessMode", endpointConfiguration__types="endpointConfiguration.types",
        certificateArn="certificateArn", regionalCertificateArn="regionalCertificateArn", routingMode="routingMode",
        policy="policy",
    ),
    "aws:apigateway/domainNameAccessAssociation:DomainNameAccessAssociation": _m(
        "apigateway", "CreateDomainNameAccessAssociation", accessAssociationSourceType="accessAssociationSourceType",
        accessAssociationSource="accessAssociationSource", domainNameArn="domainNameArn",
    ),
    "aws:apigateway/basePathMapping:BasePathMapping": _m(
        "apigateway", "CreateBasePathMapping", basePath="basePath", domainName="domainName", stageName="stage",
    ),
    "aws:apigateway/account:Account": _m("apigateway", "UpdateAccount"),
    "aws:apigateway/authorizer:Authorizer": _m(
        "apigateway", "CreateAuthorizer", name="name", type="type", providerArns="providerARNs",
        authorizerUri="authorizerUri", identitySource="identitySource",
        authorizerResultTtlInSeconds="authorizerResultTtlInSeconds",
    ),
    # Method settings are PATCH operations on the stage: no member to check beyond the stage.
    "aws:apigateway/methodSettings:MethodSettings": _m("apigateway", "UpdateStage", stageName="stageName"),
    "aws:cloudwatch/metricAlarm:MetricAlarm": _m(
        "cloudwatch", "PutMetricAlarm", name="AlarmName", alarmDescription="AlarmDescription",
        metricName="MetricName", namespace="Namespace", statistic="Statistic", period="Period", unit="Unit",
        evaluationPeriods="EvaluationPeriods", datapointsToAlarm="DatapointsToAlarm", threshold="Threshold",
        comparisonOperator="ComparisonOperator", treatMissingData="TreatMissingData", alarmActions="AlarmActions",
        okActions="OKActions", insufficientDataActions="InsufficientDataActions",
        extendedStatistic="ExtendedStatistic",
    ),
    "aws:cloudwatch/dashboard:Dashboard": _m(
        "cloudwatch", "PutDashboard", dashboardName="DashboardName", dashboardBody="DashboardBody",
    ),
    "aws:sns/topic:Topic": _m("sns", "CreateTopic", name="Name"),
    "aws:wafv2/webAcl:WebAcl": _m(
        "wafv2", "CreateWebACL", name="Name", scope="Scope", description="Description",
        visibilityConfig__metricName="VisibilityConfig.MetricName",
        visibilityConfig__cloudwatchMetricsEnabled="VisibilityConfig.CloudWatchMetricsEnabled",
        visibilityConfig__sampledRequestsEnabled="VisibilityConfig.SampledRequestsEnabled",
        rules__name="Rules.Name", rules__priority="Rules.Priority",
    ),
    "aws:wafv2/webAclAssociation:WebAclAssociation": _m(
        "wafv2", "AssociateWebACL", webAclArn="WebACLArn", resourceArn="ResourceArn",
    ),
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": _m(
        "wafv2", "PutLoggingConfiguration", resourceArn="LoggingConfiguration.ResourceArn",
        logDestinationConfigs="LoggingConfiguration.LogDestinationConfigs",
    ),
    "aws:lambda/function:Function": _m(
        "lambda", "CreateFunction", name="FunctionName", memorySize="MemorySize", timeout="Timeout",
        runtime="Runtime", handler="Handler", role="Role", description="Description", packageType="PackageType",
        architectures="Architectures", loggingConfig__logFormat="LoggingConfig.LogFormat",
        loggingConfig__applicationLogLevel="LoggingConfig.ApplicationLogLevel",
        loggingConfig__systemLogLevel="LoggingConfig.SystemLogLevel", loggingConfig__logGroup="LoggingConfig.LogGroup",
        tracingConfig__mode="TracingConfig.Mode", ephemeralStorage__size="EphemeralStorage.Size",
        kmsKeyArn="KMSKeyArn",
    ),
    "aws:lambda/permission:Permission": _m(
        "lambda", "AddPermission", action="Action", principal="Principal", sourceArn="SourceArn",
        sourceAccount="SourceAccount", statementId="StatementId", functionUrlAuthType="FunctionUrlAuthType",
        principalOrgId="PrincipalOrgID", function="FunctionName",
    ),
    "aws:cloudwatch/logGroup:LogGroup": _m(
        "logs", "CreateLogGroup", name="logGroupName", logGroupClass="logGroupClass", kmsKeyId="kmsKeyId",
        retentionInDays=Field("retentionInDays", also_allowed=(0,), operation="PutRetentionPolicy"),
    ),
    "aws:ec2/vpc:Vpc": _m(
        "ec2", "CreateVpc", cidrBlock="CidrBlock", instanceTenancy="InstanceTenancy",
        ipv4NetmaskLength="Ipv4NetmaskLength",
    ),
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": _m("ec2", "CreateSecurityGroup", vpcId="VpcId"),
    "aws:ec2/subnet:Subnet": _m(
        "ec2", "CreateSubnet", cidrBlock="CidrBlock", availabilityZone="AvailabilityZone", vpcId="VpcId",
    ),
    "aws:ec2/securityGroup:SecurityGroup": _m(
        "ec2", "CreateSecurityGroup", description="Description", name="GroupName", vpcId="VpcId",
    ),
    "aws:ec2/vpcEndpoint:VpcEndpoint": _m(
        "ec2", "CreateVpcEndpoint", vpcEndpointType="VpcEndpointType", ipAddressType="IpAddressType",
        privateDnsEnabled="PrivateDnsEnabled", serviceName="ServiceName", policy="PolicyDocument",
        subnetIds="SubnetIds", securityGroupIds="SecurityGroupIds",
    ),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": _m(
        "ec2", "AuthorizeSecurityGroupIngress", ipProtocol="IpPermissions.IpProtocol",
        fromPort="IpPermissions.FromPort", toPort="IpPermissions.ToPort", cidrIpv4="IpPermissions.IpRanges.CidrIp",
        description="IpPermissions.IpRanges.Description",
    ),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": _m(
        "ec2", "AuthorizeSecurityGroupEgress", ipProtocol="IpPermissions.IpProtocol",
        fromPort="IpPermissions.FromPort", toPort="IpPermissions.ToPort", cidrIpv4="IpPermissions.IpRanges.CidrIp",
        description="IpPermissions.IpRanges.Description",
    ),
    "aws:ec2/securityGroupRule:SecurityGroupRule": _m(
        "ec2", "AuthorizeSecurityGroupIngress", protocol="IpPermissions.IpProtocol",
        fromPort="IpPermissions.FromPort", toPort="IpPermissions.ToPort", cidrBlocks="IpPermissions.IpRanges.CidrIp",
        description="IpPermissions.IpRanges.Description",
    ),
    "aws:lb/loadBalancer:LoadBalancer": _m(
        "elbv2", "CreateLoadBalancer", loadBalancerType="Type", ipAddressType="IpAddressType", name="Name",
        subnets="Subnets", securityGroups="SecurityGroups",
    ),
    "aws:lb/listener:Listener": _m(
        "elbv2", "CreateListener", protocol="Protocol", port="Port", sslPolicy="SslPolicy",
        certificateArn="Certificates.CertificateArn", alpnPolicy="AlpnPolicy",
    ),
    "aws:lb/targetGroup:TargetGroup": _m(
        "elbv2", "CreateTargetGroup", protocol="Protocol", port="Port", targetType="TargetType",
        ipAddressType="IpAddressType", protocolVersion="ProtocolVersion", name="Name",
        healthCheck__protocol="HealthCheckProtocol", healthCheck__path="HealthCheckPath",
        healthCheck__interval="HealthCheckIntervalSeconds", healthCheck__timeout="HealthCheckTimeoutSeconds",
        healthCheck__healthyThreshold="HealthyThresholdCount", healthCheck__unhealthyThreshold="UnhealthyThresholdCount",
        healthCheck__enabled="HealthCheckEnabled", healthCheck__matcher="Matcher.HttpCode",
    ),
    "aws:lb/targetGroupAttachment:TargetGroupAttachment": _m(
        "elbv2", "RegisterTargets", port="Targets.Port", targetId="Targets.Id",
        availabilityZone="Targets.AvailabilityZone",
    ),
    "aws:route53/zone:Zone": _m(
        "route53", "CreateHostedZone", name="Name", comment="HostedZoneConfig.Comment",
        delegationSetId="DelegationSetId",
    ),
    "aws:route53/record:Record": _m(
        "route53", "ChangeResourceRecordSets", zoneId="HostedZoneId",
        name="ChangeBatch.Changes.ResourceRecordSet.Name", type="ChangeBatch.Changes.ResourceRecordSet.Type",
        ttl="ChangeBatch.Changes.ResourceRecordSet.TTL", setIdentifier="ChangeBatch.Changes.ResourceRecordSet.SetIdentifier",
        records="ChangeBatch.Changes.ResourceRecordSet.ResourceRecords.Value",
        aliases__zoneId="ChangeBatch.Changes.ResourceRecordSet.AliasTarget.HostedZoneId",
        aliases__name="ChangeBatch.Changes.ResourceRecordSet.AliasTarget.DNSName",
        aliases__evaluateTargetHealth="ChangeBatch.Changes.ResourceRecordSet.AliasTarget.EvaluateTargetHealth",
    ),
    "aws:iam/role:Role": _m(
        "iam", "CreateRole", name="RoleName", path="Path", assumeRolePolicy="AssumeRolePolicyDocument",
        description="Description", maxSessionDuration="MaxSessionDuration", permissionsBoundary="PermissionsBoundary",
    ),
    "aws:iam/rolePolicy:RolePolicy": _m(
        "iam", "PutRolePolicy", name="PolicyName", policy="PolicyDocument", role="RoleName",
    ),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _m(
        "iam", "AttachRolePolicy", policyArn="PolicyArn", role="RoleName",
    ),
    "aws:acm/certificate:Certificate": _m(
        "acm", "RequestCertificate", domainName="DomainName", validationMethod="ValidationMethod",
        keyAlgorithm="KeyAlgorithm", subjectAlternativeNames="SubjectAlternativeNames",
        certificateAuthorityArn="CertificateAuthorityArn",
    ),
    "aws:acm/certificateValidation:CertificateValidation": _m(
        "acm", "DescribeCertificate", certificateArn="CertificateArn",
    ),
}

# Other spellings of the same resources: pulumi-aws's `alb` module and the v5 alias tokens.
_TOKEN_SPELLINGS = (("aws:alb/", "aws:lb/"), ("aws:elasticloadbalancingv2/", "aws:lb/"), ("aws:applicationloadbalancing/", "aws:lb/"))


def mapping_for(type_token: str) -> Mapping | None:
    for other, ours in _TOKEN_SPELLINGS:
        if type_token.startswith(other):
            type_token = ours + type_token[len(other):]
    return RESOURCE_TYPES.get(type_token)


@dataclass(frozen=True)
class InputProblem:
    resource: InventoryResource
    property: str
    value: Any
    why: str

    def line(self, stack_file: str) -> str:
        return (
            f"{self.resource.type} {self.resource.name}: {self.property} = {self.value!r} {self.why} "
            f"(AWS would reject it at deploy; rendered from {stack_file})"
        )


def input_problems(inventory: Inventory, region: str) -> tuple[list[InputProblem], list[str]]:
    """Every value AWS would reject, and the custom resource types no mapping covers."""
    problems: list[InputProblem] = []
    unmapped: set[str] = set()
    for resource in inventory.resources:
        if not resource.custom or resource.type.startswith("pulumi:"):
            continue
        mapping = mapping_for(resource.type)
        if mapping is None:
            unmapped.add(resource.type)
            continue
        for prop, spec in mapping.fields.items():
            allowed = aws_values.member(mapping.service, spec.operation or mapping.operation, spec.member)
            values = _values_at(resource.inputs, prop)
            if allowed.type != "list":  # `records: [...]` is one request member per item
                values = (item for v in values for item in (v if isinstance(v, list) else [v]))
            for value in values:
                if value in spec.also_allowed:
                    continue
                why = allowed.problem(value)
                if why:
                    problems.append(InputProblem(resource, prop, value, f"{why}; AWS: {allowed.source}"))
                    break
        problems.extend(_cross_field_problems(resource, region))
    return problems, sorted(unmapped)


def _cross_field_problems(resource: InventoryResource, region: str) -> Iterator[InputProblem]:
    inputs = resource.inputs
    types = list(_values_at(inputs, "endpointConfiguration.types"))
    policy = inputs.get("securityPolicy")
    if policy in EDGE_ONLY_TLS_POLICIES and types and "EDGE" not in types:
        yield InputProblem(
            resource, "securityPolicy", policy,
            f"is offered for EDGE endpoints only, and this one is {'/'.join(types)} ({EDGE_ONLY_TLS_POLICIES_SOURCE})",
        )
    # An ALB listener and a REGIONAL or PRIVATE domain take an ACM certificate from their own
    # Region; only an EDGE domain's `certificateArn` comes from us-east-1 (CloudFront's).
    edge = "EDGE" in types
    for prop in ("certificateArn", "regionalCertificateArn"):
        arn = inputs.get(prop)
        if not isinstance(arn, str) or not arn.startswith("arn:") or ":acm:" not in arn:
            continue
        wanted = "us-east-1" if edge and prop == "certificateArn" else region
        found = arn.split(":")[3]
        if found != wanted:
            yield InputProblem(resource, prop, arn, f"is an ACM certificate from {found}; this resource needs one from {wanted}")


def _values_at(inputs: Any, path: str) -> Iterator[Any]:
    """The known values at a dotted path; lists along the way are walked, unknowns skipped."""
    head, _, rest = path.partition(".")
    node = _plain(inputs.get(head)) if isinstance(inputs, dict) else None
    if node is None:
        return
    nodes = node if isinstance(node, list) and rest else [node]
    for item in nodes:
        item = _plain(item)
        if item is None:
            continue
        if rest:
            yield from _values_at(item, rest)
        else:
            yield item


def _plain(value: Any) -> Any:
    """A secret's value; None for an unknown, an asset or an archive (nothing to check)."""
    if value == UNKNOWN:
        return None
    if isinstance(value, dict) and _SIGNATURE in value:
        return _plain(value.get("value")) if value[_SIGNATURE] == _SECRET else None
    return value
