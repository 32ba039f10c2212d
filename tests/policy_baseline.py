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


def stack(*, vpn: bool = True) -> list[Resource]:
    """Fresh copies each call, so a test may mutate what it gets."""
    return copy.deepcopy([
        res("aws:ec2/vpc:Vpc", "network-vpc", {"id": "vpc-0dev", "cidrBlock": VPC_CIDR}),
        res("aws:ec2/securityGroup:SecurityGroup", "execute-api-sg",
            {"id": "sg-0endpoint", "vpcId": "vpc-0dev", "description": "execute-api endpoint"}),
        res("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "execute-api-https-vpc",
            {"securityGroupId": "sg-0endpoint", "cidrIpv4": VPC_CIDR, "fromPort": 443,
             "toPort": 443, "ipProtocol": "tcp"}),
        res("aws:ec2/vpcEndpoint:VpcEndpoint", "execute-api",
            {"id": OUR_VPCE, "serviceName": "com.amazonaws.us-east-1.execute-api",
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
            {"arn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:security",
             "invokeArn": "arn:aws:apigateway:us-east-1:lambda:path/functions/security/invocations",
             "tags": {"gatehouse:service": "security", "gatehouse:visibility": "private"}}),
        res("aws:lambda/function:Function", "svc-greeter",
            {"arn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:greeter",
             "invokeArn": "arn:aws:apigateway:us-east-1:lambda:path/functions/greeter/invocations",
             "tags": {"gatehouse:service": "greeter", "gatehouse:visibility": "public"}}),
        res("aws:apigateway/integration:Integration", "private-api-security",
            {"restApi": PRIVATE_API_ID, "type": "AWS_PROXY",
             "uri": "arn:aws:apigateway:us-east-1:lambda:path/functions/security/invocations"}),
        res("aws:apigateway/integration:Integration", "public-api-greeter",
            {"restApi": PUBLIC_API_ID, "type": "AWS_PROXY",
             "uri": "arn:aws:apigateway:us-east-1:lambda:path/functions/greeter/invocations"}),
    ])


def find(resources: list[Resource], name: str) -> Resource:
    return next(r for r in resources if r.name == name)
