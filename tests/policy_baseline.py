"""One valid stack, as the policy pack sees it, for the policy rule tests to break one thing at a
time. Shapes are the engine's: camelCase props, outputs included (stack policies see outputs)."""

from __future__ import annotations

import copy
import json
from typing import Any

from gatehouse_guard.model import Resource

ACCOUNT = "123456789012"
VPC_CIDR = "10.20.0.0/16"
VPN_CIDR = "172.31.250.0/24"
OUR_VPCE = "vpce-0ours00000000001"
PRIVATE_API_ID = "prv1234567"
PUBLIC_API_ID = "pub1234567"
EXECUTION_ARN = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{PRIVATE_API_ID}"
PUBLIC_EXECUTION_ARN = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{PUBLIC_API_ID}"
DOMAIN = "api.internal.example.com"
DOMAIN_ID = "abc123"
ALB_ARN = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:loadbalancer/app/private-alb/50dc6c495c0c9188"
ALB_DNS = "internal-private-alb-1234567890.us-east-1.elb.amazonaws.com"
LISTENER_ARN = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:listener/app/private-alb/50dc6c495c0c9188/f2f7dc8efc522ab2"
TARGET_GROUP_ARN = f"arn:aws:elasticloadbalancing:us-east-1:{ACCOUNT}:targetgroup/endpoint/73e2d6bc24d8a067"
ENDPOINT_DNS = "vpce-0ours00000000001-abcdefgh.execute-api.us-east-1.vpce.amazonaws.com"
SECURITY_FUNCTION_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:security"
GREETER_FUNCTION_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:greeter"


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:dev::gatehouse::{type_}::{name}"


def res(type_: str, name: str, props: dict[str, Any], **deps: tuple[str, ...]) -> Resource:
    return Resource(type_, name, props, urn(type_, name), deps)


def private_policy(*, vpn: bool = True) -> dict[str, Any]:
    networks = [VPC_CIDR, VPN_CIDR] if vpn else [VPC_CIDR]
    statement = {"Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AllowOurEndpoint", "Effect": "Allow", **statement,
             "Condition": {"StringEquals": {"aws:SourceVpce": [OUR_VPCE]}}},
            {"Sid": "DenyOtherEndpoints", "Effect": "Deny", **statement,
             "Condition": {"StringNotEquals": {"aws:SourceVpce": [OUR_VPCE]}}},
            {"Sid": "DenyOutsideNetworks", "Effect": "Deny", **statement,
             "Condition": {"NotIpAddress": {"aws:VpcSourceIp": networks}}},
        ],
    }


def stack(*, vpn: bool = True, alb: bool = False) -> list[Resource]:
    """Fresh copies each call, so a test may mutate what it gets: the endpoint, the private and
    the public API, one service each with its invoke permission; with `alb`, the private custom
    domain in ALB mode too (its private zone, the internal ALB with its group, listener and
    targets)."""
    return copy.deepcopy([
        res("aws:ec2/vpc:Vpc", "network-vpc", {"id": "vpc-0dev", "cidrBlock": VPC_CIDR}),
        res("aws:ec2/securityGroup:SecurityGroup", "execute-api-sg",
            {"id": "sg-0endpoint", "vpcId": "vpc-0dev", "description": "execute-api endpoint"}),
        res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "execute-api-https-vpc",
            {"securityGroupId": "sg-0endpoint", "cidrIpv4": VPC_CIDR, "fromPort": 443,
             "toPort": 443, "ipProtocol": "tcp"}),
        res("aws:ec2/vpcEndpoint:VpcEndpoint", "execute-api",
            {"id": OUR_VPCE, "serviceName": "com.amazonaws.us-east-1.execute-api",
             "dnsEntries": [{"dnsName": ENDPOINT_DNS, "hostedZoneId": "ZVPCE"}],
             "networkInterfaceIds": ["eni-0a", "eni-0b"],
             "vpcEndpointType": "Interface", "vpcId": "vpc-0dev", "privateDnsEnabled": False,
             "securityGroupIds": ["sg-0endpoint"], "subnetIds": ["subnet-a", "subnet-b"]}),
        res("aws:apigateway/restApi:RestApi", "private-api",
            {"id": PRIVATE_API_ID, "name": "private-api-1a2b", "executionArn": EXECUTION_ARN,
             "endpointConfiguration": {"types": "PRIVATE", "vpcEndpointIds": [OUR_VPCE]},
             "policy": json.dumps(private_policy(vpn=vpn)),
             "tags": {"exposure": "private"}}),
        res("aws:apigateway/restApi:RestApi", "public-api",
            {"id": PUBLIC_API_ID, "name": "public-api-3c4d",
             "executionArn": f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{PUBLIC_API_ID}",
             "endpointConfiguration": {"types": "REGIONAL"}, "tags": {"exposure": "public"}}),
        res("aws:lambda/function:Function", "svc-security",
            {"name": "security", "arn": SECURITY_FUNCTION_ARN,
             "invokeArn": "arn:aws:apigateway:us-east-1:lambda:path/functions/security/invocations",
             "tags": {"gatehouse:service": "security", "gatehouse:visibility": "private"}}),
        res("aws:lambda/function:Function", "svc-greeter",
            {"name": "greeter", "arn": GREETER_FUNCTION_ARN,
             "invokeArn": "arn:aws:apigateway:us-east-1:lambda:path/functions/greeter/invocations",
             "tags": {"gatehouse:service": "greeter", "gatehouse:visibility": "public"}}),
        res("aws:lambda/permission:Permission", "security-invoke",
            {"action": "lambda:InvokeFunction", "function": "security",
             "principal": "apigateway.amazonaws.com", "sourceArn": f"{EXECUTION_ARN}/*"}),
        res("aws:lambda/permission:Permission", "greeter-invoke",
            {"action": "lambda:InvokeFunction", "function": "greeter",
             "principal": "apigateway.amazonaws.com", "sourceArn": f"{PUBLIC_EXECUTION_ARN}/*"}),
        res("aws:apigateway/integration:Integration", "private-api-security",
            {"restApi": PRIVATE_API_ID, "type": "AWS_PROXY",
             "uri": "arn:aws:apigateway:us-east-1:lambda:path/functions/security/invocations"}),
        res("aws:apigateway/integration:Integration", "public-api-greeter",
            {"restApi": PUBLIC_API_ID, "type": "AWS_PROXY",
             "uri": "arn:aws:apigateway:us-east-1:lambda:path/functions/greeter/invocations"}),
        *(alb_front(vpn=vpn) if alb else []),
    ])


def alb_front(*, vpn: bool = True) -> list[Resource]:
    """The private custom domain in ALB mode (seed 004), as components/custom_domain.py builds it."""
    ingress = [VPC_CIDR, VPN_CIDR] if vpn else [VPC_CIDR]
    return [
        res("aws:apigateway/domainName:DomainName", "private-domain",
            {"domainName": DOMAIN, "domainNameId": DOMAIN_ID,
             "arn": f"arn:aws:apigateway:us-east-1::/domainnames/{DOMAIN}+{DOMAIN_ID}",
             "endpointConfiguration": {"types": "PRIVATE"},
             "securityPolicy": "SecurityPolicy_TLS13_1_3_2025_09",
             "policy": json.dumps(private_policy(vpn=vpn)), "tags": {"exposure": "private"}}),
        res("aws:route53/zone:Zone", "private-domain-zone",
            {"zoneId": "Z0PRIVATE", "name": DOMAIN, "vpcs": [{"vpcId": "vpc-0dev"}]}),
        res("aws:route53/record:Record", "private-domain-alias",
            {"zoneId": "Z0PRIVATE", "name": DOMAIN, "type": "A",
             "aliases": [{"name": ALB_DNS, "zoneId": "Z35SXDOTRQ7X7K", "evaluateTargetHealth": False}]}),
        res("aws:ec2/securityGroup:SecurityGroup", "private-domain-alb-sg",
            {"id": "sg-0alb", "vpcId": "vpc-0dev", "description": "private API ALB"}),
        *[res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", f"private-domain-alb-https-{i}",
              {"securityGroupId": "sg-0alb", "cidrIpv4": cidr, "fromPort": 443, "toPort": 443,
               "ipProtocol": "tcp"})
          for i, cidr in enumerate(ingress)],
        res("aws:lb/loadBalancer:LoadBalancer", "private-domain-alb",
            {"arn": ALB_ARN, "id": ALB_ARN, "dnsName": ALB_DNS, "internal": True,
             "loadBalancerType": "application", "securityGroups": ["sg-0alb"],
             "subnets": ["subnet-a", "subnet-b"], "dropInvalidHeaderFields": True,
             "enableDeletionProtection": True}),
        res("aws:lb/targetGroup:TargetGroup", "private-domain-alb-endpoint",
            {"arn": TARGET_GROUP_ARN, "targetType": "ip", "protocol": "HTTPS", "port": 443,
             "vpcId": "vpc-0dev"}),
        *[res("aws:lb/targetGroupAttachment:TargetGroupAttachment", f"private-domain-alb-endpoint-{i}",
              {"targetGroupArn": TARGET_GROUP_ARN, "targetId": ip, "port": 443})
          for i, ip in enumerate(["10.20.0.10", "10.20.1.10"])],
        res("aws:lb/listener:Listener", "private-domain-alb-https",
            {"arn": LISTENER_ARN, "loadBalancerArn": ALB_ARN, "protocol": "HTTPS", "port": 443,
             "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
             "certificateArn": f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/x",
             "defaultActions": [{"type": "forward", "targetGroupArn": TARGET_GROUP_ARN}]}),
    ]


def find(resources: list[Resource], name: str) -> Resource:
    return next(r for r in resources if r.name == name)


def changed(resources: list[Resource], name: str, **props: Any) -> list[Resource]:
    """`resources` with the props of the one named `name` changed (None removes a prop)."""
    target = find(resources, name)
    merged = {k: v for k, v in {**target.props, **props}.items() if v is not None}
    resources[resources.index(target)] = Resource(
        target.type, target.name, merged, target.urn, target.property_dependencies)
    return resources


def added(resources: list[Resource], type_: str, name: str, props: dict[str, Any],
          **deps: tuple[str, ...]) -> list[Resource]:
    return [*resources, res(type_, name, props, **deps)]
