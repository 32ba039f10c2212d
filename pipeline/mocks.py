"""Realistic answers for Pulumi's official mocks: the ids, ARNs, DNS entries and ENIs AWS would
return, derived deterministically from each resource's name so runs are repeatable.

With `preview=True` the mocks answer as a provider does in the preview of a brand-new stack:
a resource about to be created has only the inputs it was given; its id and everything the
provider computes (ids, ARNs, DNS entries, ENIs) are unknown until the update creates it.
"""

from __future__ import annotations

import hashlib
import ipaddress

import pulumi

from pipeline.inventory import UNKNOWN

ACCOUNT_ID = "123456789012"
ENDPOINT_ZONE_ID = "Z7HUB22UULQXV"  # execute-api VPC endpoint DNS zone in us-east-1
ALB_ZONE_ID = "Z35SXDOTRQ7X7K"


def _hex(seed: str, length: int) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:length]


def _alnum(seed: str, length: int) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    digest = hashlib.sha256(seed.encode()).digest()
    return "".join(alphabet[b % len(alphabet)] for b in digest[:length])


class GatehouseMocks(pulumi.runtime.Mocks):
    def __init__(
        self, region: str = "us-east-1", vpc_cidr: str = "10.0.0.0/16", stack: str = "",
        *, preview: bool = False,
    ):
        self.region = region
        self.stack = stack
        self.preview = preview
        self.vpc_cidr = ipaddress.ip_network(vpc_cidr)
        self._enis: dict[str, int] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        if not args.custom:
            return "", {}
        state = dict(args.inputs)
        kind = args.typ.split(":")[1].split("/")[0]
        maker = self._MAKERS.get(args.typ)
        if maker is not None:
            # Seeded by stack too, so two stacks never share an id (as in a real account).
            resource_id, extra = getattr(self, maker)(f"{self.stack}/{args.name}", state)
        else:
            resource_id = f"{args.name}-{_hex(args.typ + args.name, 8)}"
            extra = {"arn": f"arn:aws:{kind}:{self.region}:{ACCOUNT_ID}:{args.name}"}
        if self.preview:
            # The engine's wire sentinel: in a dry run the SDK resolves these outputs (and an
            # empty id) as unknown, so every apply on them is skipped, exactly as in a preview.
            state.update({key: UNKNOWN for key in extra if key not in state})
            state["id"] = UNKNOWN
            return "", state
        state.update(extra)
        state.setdefault("id", resource_id)
        return resource_id, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list | None]:
        if args.token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            names = [f"{self.region}{letter}" for letter in "abcdef"]
            return {"names": names, "zoneIds": [f"use1-az{i}" for i in range(1, 7)], "id": self.region}, []
        if args.token == "aws:ec2/getNetworkInterface:getNetworkInterface":
            eni = args.args["id"]
            index = self._enis.setdefault(eni, len(self._enis))
            address = self.vpc_cidr.network_address + 10 + 256 * 16 * index + 5
            return {"id": eni, "privateIp": str(address), "privateIps": [str(address)],
                    "vpcId": "vpc-mock", "interfaceType": "vpc_endpoint"}, []
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": ACCOUNT_ID, "arn": f"arn:aws:iam::{ACCOUNT_ID}:root", "userId": ACCOUNT_ID}, []
        return {}, []

    _MAKERS = {
        "aws:ec2/vpc:Vpc": "_vpc",
        "aws:ec2/subnet:Subnet": "_subnet",
        "aws:ec2/securityGroup:SecurityGroup": "_security_group",
        "aws:ec2/vpcEndpoint:VpcEndpoint": "_vpc_endpoint",
        "aws:apigateway/restApi:RestApi": "_rest_api",
        "aws:apigateway/stage:Stage": "_stage",
        "aws:lambda/function:Function": "_function",
        "aws:iam/role:Role": "_role",
        "aws:cloudwatch/logGroup:LogGroup": "_log_group",
        "aws:acm/certificate:Certificate": "_certificate",
        "aws:acm/certificateValidation:CertificateValidation": "_certificate_validation",
        "aws:route53/record:Record": "_record",
        "aws:route53/zone:Zone": "_zone",
        "aws:apigateway/domainName:DomainName": "_domain_name",
        "aws:lb/loadBalancer:LoadBalancer": "_load_balancer",
        "aws:lb/targetGroup:TargetGroup": "_target_group",
    }

    def _vpc(self, name: str, state: dict) -> tuple[str, dict]:
        vpc_id = f"vpc-{_hex(name, 17)}"
        return vpc_id, {"arn": f"arn:aws:ec2:{self.region}:{ACCOUNT_ID}:vpc/{vpc_id}",
                        "defaultSecurityGroupId": f"sg-{_hex(name + 'default', 17)}"}

    def _subnet(self, name: str, state: dict) -> tuple[str, dict]:
        subnet_id = f"subnet-{_hex(name, 17)}"
        return subnet_id, {"arn": f"arn:aws:ec2:{self.region}:{ACCOUNT_ID}:subnet/{subnet_id}"}

    def _security_group(self, name: str, state: dict) -> tuple[str, dict]:
        group_id = f"sg-{_hex(name, 17)}"
        return group_id, {"arn": f"arn:aws:ec2:{self.region}:{ACCOUNT_ID}:security-group/{group_id}",
                          "ownerId": ACCOUNT_ID}

    def _vpc_endpoint(self, name: str, state: dict) -> tuple[str, dict]:
        endpoint_id = f"vpce-{_hex(name, 17)}"
        suffix = _alnum(name + "dns", 8)
        base = f"{endpoint_id}-{suffix}.execute-api.{self.region}.vpce.amazonaws.com"
        subnets = state.get("subnetIds") or []
        zones = [f"{self.region}{letter}" for letter in "abcdef"][: len(subnets)]
        entries = [{"dnsName": base, "hostedZoneId": ENDPOINT_ZONE_ID}] + [
            {"dnsName": f"{endpoint_id}-{suffix}-{zone}.execute-api.{self.region}.vpce.amazonaws.com",
             "hostedZoneId": ENDPOINT_ZONE_ID}
            for zone in zones
        ]
        enis = [f"eni-{_hex(name + str(i), 17)}" for i in range(len(subnets))]
        return endpoint_id, {
            "arn": f"arn:aws:ec2:{self.region}:{ACCOUNT_ID}:vpc-endpoint/{endpoint_id}",
            "dnsEntries": entries, "networkInterfaceIds": enis, "state": "available",
            "ownerId": ACCOUNT_ID,
        }

    def _rest_api(self, name: str, state: dict) -> tuple[str, dict]:
        api_id = _alnum(name, 10)
        return api_id, {
            "rootResourceId": _alnum(name + "root", 10),
            "executionArn": f"arn:aws:execute-api:{self.region}:{ACCOUNT_ID}:{api_id}",
            "arn": f"arn:aws:apigateway:{self.region}::/restapis/{api_id}",
        }

    def _stage(self, name: str, state: dict) -> tuple[str, dict]:
        api_id, stage = state.get("restApi"), state.get("stageName")
        return f"ags-{api_id}-{stage}", {
            "invokeUrl": f"https://{api_id}.execute-api.{self.region}.amazonaws.com/{stage}",
            "executionArn": f"arn:aws:execute-api:{self.region}:{ACCOUNT_ID}:{api_id}/{stage}",
            "arn": f"arn:aws:apigateway:{self.region}::/restapis/{api_id}/stages/{stage}",
        }

    def _function(self, name: str, state: dict) -> tuple[str, dict]:
        function_name = state.get("name") or f"{_logical(name)}-{_hex(name, 7)}"
        arn = f"arn:aws:lambda:{self.region}:{ACCOUNT_ID}:function:{function_name}"
        return function_name, {
            "name": function_name, "arn": arn, "qualifiedArn": f"{arn}:$LATEST",
            "invokeArn": f"arn:aws:apigateway:{self.region}:lambda:path/2015-03-31/functions/{arn}/invocations",
        }

    def _role(self, name: str, state: dict) -> tuple[str, dict]:
        role_name = state.get("name") or f"{_logical(name)}-{_hex(name, 7)}"
        return role_name, {"name": role_name, "arn": f"arn:aws:iam::{ACCOUNT_ID}:role/{role_name}"}

    def _log_group(self, name: str, state: dict) -> tuple[str, dict]:
        group = state.get("name") or f"{_logical(name)}-{_hex(name, 7)}"
        return group, {"name": group, "arn": f"arn:aws:logs:{self.region}:{ACCOUNT_ID}:log-group:{group}"}

    def _certificate(self, name: str, state: dict) -> tuple[str, dict]:
        arn = f"arn:aws:acm:{self.region}:{ACCOUNT_ID}:certificate/{_uuid(name)}"
        domain = state.get("domainName", "")
        return arn, {"arn": arn, "status": "PENDING_VALIDATION", "domainValidationOptions": [{
            "domainName": domain,
            "resourceRecordName": f"_{_hex(name, 32)}.{domain}.",
            "resourceRecordType": "CNAME",
            "resourceRecordValue": f"_{_hex(name + 'v', 32)}.zfyfvmchrl.acm-validations.aws.",
        }]}

    def _certificate_validation(self, name: str, state: dict) -> tuple[str, dict]:
        return str(state.get("certificateArn")), {}

    def _record(self, name: str, state: dict) -> tuple[str, dict]:
        fqdn = str(state.get("name", "")).rstrip(".")
        return f"{state.get('zoneId')}_{fqdn}_{state.get('type')}", {"fqdn": fqdn}

    def _zone(self, name: str, state: dict) -> tuple[str, dict]:
        zone_id = "Z" + _alnum(name, 20).upper()
        return zone_id, {"zoneId": zone_id, "arn": f"arn:aws:route53:::hostedzone/{zone_id}",
                         "nameServers": [f"ns-{i}.awsdns.example" for i in range(4)]}

    def _domain_name(self, name: str, state: dict) -> tuple[str, dict]:
        domain_id = _alnum(name, 10)
        domain = state.get("domainName")
        return f"{domain}/{domain_id}", {
            "domainNameId": domain_id,
            "arn": f"arn:aws:apigateway:{self.region}:{ACCOUNT_ID}:/domainnames/{domain}+{domain_id}",
        }

    def _load_balancer(self, name: str, state: dict) -> tuple[str, dict]:
        suffix = _hex(name, 16)
        arn = f"arn:aws:elasticloadbalancing:{self.region}:{ACCOUNT_ID}:loadbalancer/app/{_logical(name)[:16]}/{suffix}"
        return arn, {"arn": arn, "arnSuffix": f"app/{_logical(name)[:16]}/{suffix}", "zoneId": ALB_ZONE_ID,
                     "dnsName": f"internal-{_logical(name)[:16]}-{_alnum(name, 10)}.{self.region}.elb.amazonaws.com"}

    def _target_group(self, name: str, state: dict) -> tuple[str, dict]:
        arn = f"arn:aws:elasticloadbalancing:{self.region}:{ACCOUNT_ID}:targetgroup/{_logical(name)[:16]}/{_hex(name, 16)}"
        return arn, {"arn": arn}


def _logical(seed: str) -> str:
    """The resource's own name from a `stack/name` seed."""
    return seed.rsplit("/", 1)[-1]


def _uuid(seed: str) -> str:
    h = _hex(seed, 32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
