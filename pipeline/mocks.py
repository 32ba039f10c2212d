"""Realistic answers for Pulumi's official mocks: the ids, ARNs, DNS entries and ENIs AWS would
return, derived deterministically from each resource's name so runs are repeatable.

With `preview=True` the mocks answer as a provider does in the preview of a brand-new stack:
a resource about to be created has only the inputs it was given; its id and everything the
provider computes (ids, ARNs, DNS entries, ENIs) are unknown until the update creates it.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json

import pulumi
from pulumi.runtime import config as runtime_config

from pipeline.inventory import UNKNOWN

ACCOUNT_ID = "123456789012"
ENDPOINT_ZONE_ID = "Z7HUB22UULQXV"  # execute-api VPC endpoint DNS zone in us-east-1
ALB_ZONE_ID = "Z35SXDOTRQ7X7K"
REGIONAL_API_ZONE_ID = "Z1UJRXOUMOOFQ8"  # API Gateway regional endpoints' zone in us-east-1

# Availability zones as one account sees them: (name, zone id). Names map to physical zones
# per account; ids do not. `OFFERED` is where the execute-api endpoint service is offered:
# not every zone of a region has every interface endpoint service (us-east-1's use1-az3 is the
# well-known constrained one). A model of AWS, not a copy of one account's answers.
REGION_ZONES: dict[str, tuple[tuple[str, str], ...]] = {
    "us-east-1": (("us-east-1a", "use1-az6"), ("us-east-1b", "use1-az1"), ("us-east-1c", "use1-az2"),
                  ("us-east-1d", "use1-az4"), ("us-east-1e", "use1-az3"), ("us-east-1f", "use1-az5")),
    "us-west-2": (("us-west-2a", "usw2-az2"), ("us-west-2b", "usw2-az1"), ("us-west-2c", "usw2-az3"),
                  ("us-west-2d", "usw2-az4")),
    "eu-west-1": (("eu-west-1a", "euw1-az3"), ("eu-west-1b", "euw1-az1"), ("eu-west-1c", "euw1-az2")),
    "eu-central-1": (("eu-central-1a", "euc1-az2"), ("eu-central-1b", "euc1-az3"), ("eu-central-1c", "euc1-az1")),
}
EXECUTE_API_UNOFFERED_ZONE_IDS = frozenset({"use1-az3", "usw2-az4"})


def region_zones(region: str) -> tuple[tuple[str, str], ...]:
    """The region's zones; an unlisted region gets three, as most regions have."""
    if region in REGION_ZONES:
        return REGION_ZONES[region]
    prefix = "".join(part[0] for part in region.split("-")[:-1]) + region.rsplit("-", 1)[-1]
    return tuple((f"{region}{letter}", f"{prefix}-az{i}") for i, letter in enumerate("abc", start=1))


def execute_api_zones(region: str) -> list[str]:
    return [name for name, zone_id in region_zones(region) if zone_id not in EXECUTE_API_UNOFFERED_ZONE_IDS]


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
        self._subnets: dict[str, tuple[str | None, str | None]] = {}
        """subnet id -> (availability zone, CIDR) of the subnets this program created."""

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
        answer = getattr(self, self._INVOKES.get(args.token, "_unanswered"))(dict(args.args))
        return answer, []

    _INVOKES = {
        "aws:index/getAvailabilityZones:getAvailabilityZones": "_availability_zones",
        "aws:ec2/getVpcEndpointService:getVpcEndpointService": "_vpc_endpoint_service",
        "aws:ec2/getNetworkInterface:getNetworkInterface": "_network_interface",
        "aws:index/getCallerIdentity:getCallerIdentity": "_caller_identity",
        "aws:ec2/getSubnet:getSubnet": "_subnet_lookup",
        "aws:ec2/getVpcEndpoint:getVpcEndpoint": "_vpc_endpoint_lookup",
    }

    def _unanswered(self, args: dict) -> dict:
        return {}

    def _availability_zones(self, args: dict) -> dict:
        zones = region_zones(self.region)
        return {"names": [n for n, _ in zones], "zoneIds": [z for _, z in zones], "id": self.region,
                "state": args.get("state"), "groupNames": [self.region for _ in zones]}

    def _vpc_endpoint_service(self, args: dict) -> dict:
        name = args.get("serviceName") or f"com.amazonaws.{self.region}.{args.get('service')}"
        service = name.rsplit(".", 1)[-1]
        zones = execute_api_zones(self.region) if service == "execute-api" else [n for n, _ in region_zones(self.region)]
        return {
            "id": self.region, "serviceName": name, "service": service, "serviceType": "Interface",
            "availabilityZones": zones, "owner": "amazon", "acceptanceRequired": False,
            "managesVpcEndpoints": False, "vpcEndpointPolicySupported": True,
            "baseEndpointDnsNames": [f"{service}.{self.region}.vpce.amazonaws.com"],
            "privateDnsName": f"*.{service}.{self.region}.amazonaws.com",
            "serviceId": f"vpce-svc-{_hex(name, 17)}", "supportedIpAddressTypes": ["ipv4"],
        }

    def _network_interface(self, args: dict) -> dict:
        filters = {f["name"]: f["values"][0] for f in args.get("filters") or []}
        if "vpc-endpoint-id" in filters and "subnet-id" in filters:
            endpoint, subnet = filters["vpc-endpoint-id"], filters["subnet-id"]
            eni = _endpoint_eni(endpoint, subnet)
        else:
            eni, subnet = args["id"], None
        index = self._enis.setdefault(eni, len(self._enis))
        cidr = self._subnets.get(subnet, (None, None))[1] if subnet else None
        if cidr:
            address = ipaddress.ip_network(cidr).network_address + 10 + index
        else:
            address = self.vpc_cidr.network_address + 10 + 256 * 16 * index + 5
        return {"id": eni, "privateIp": str(address), "privateIps": [str(address)], "subnetId": subnet,
                "vpcId": "vpc-mock", "interfaceType": "vpc_endpoint"}

    def _subnet_lookup(self, args: dict) -> dict:
        """A subnet this program created as it was created; an adopted one (which the mocks
        cannot know) in the next zone that offers execute-api, with a /20 of the VPC."""
        subnet_id = args["id"]
        if subnet_id not in self._subnets:
            offered = execute_api_zones(self.region)
            adopted = sum(1 for zone, _ in self._subnets.values() if zone is not None)
            block = list(self.vpc_cidr.subnets(new_prefix=min(self.vpc_cidr.prefixlen + 4, 28)))[adopted]
            self._subnets[subnet_id] = (offered[adopted % len(offered)], str(block))
        zone, cidr = self._subnets[subnet_id]
        zone_ids = dict(region_zones(self.region))
        return {"id": subnet_id, "availabilityZone": zone, "availabilityZoneId": zone_ids.get(zone),
                "cidrBlock": cidr, "state": "available", "mapPublicIpOnLaunch": False,
                "arn": f"arn:aws:ec2:{self.region}:{ACCOUNT_ID}:subnet/{subnet_id}"}

    def _caller_identity(self, args: dict) -> dict:
        return {"accountId": ACCOUNT_ID, "arn": f"arn:aws:iam::{ACCOUNT_ID}:root", "userId": ACCOUNT_ID,
                "id": ACCOUNT_ID}

    def _vpc_endpoint_lookup(self, args: dict) -> dict:
        return self._shared_vpc_endpoint(args["id"])

    def _shared_vpc_endpoint(self, endpoint_id: str) -> dict:
        """An organisation's execute-api endpoint (privateApi.vpcEndpointId) as AWS describes it:
        in the stack's adopted VPC, with one ENI in each of the stack's subnets."""
        adopt = _stack_network().get("adopt", {})
        subnets = adopt.get("subnetIds") or ["subnet-a", "subnet-b"]
        _, described = self._vpc_endpoint(f"shared/{endpoint_id}", {"subnetIds": subnets})
        mocked_id = described["arn"].rsplit("/", 1)[-1]
        entries = [{**entry, "dnsName": entry["dnsName"].replace(mocked_id, endpoint_id)}
                   for entry in described["dnsEntries"]]
        return {**described, "id": endpoint_id, "dnsEntries": entries, "subnetIds": subnets,
                "vpcId": adopt.get("vpcId", "vpc-mock"), "vpcEndpointType": "Interface",
                "serviceName": f"com.amazonaws.{self.region}.execute-api",
                "arn": f"arn:aws:ec2:{self.region}:{ACCOUNT_ID}:vpc-endpoint/{endpoint_id}"}

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
        "aws:wafv2/webAcl:WebAcl": "_web_acl",
        "aws:sns/topic:Topic": "_topic",
        "aws:cloudwatch/dashboard:Dashboard": "_dashboard",
    }

    def _vpc(self, name: str, state: dict) -> tuple[str, dict]:
        vpc_id = f"vpc-{_hex(name, 17)}"
        return vpc_id, {"arn": f"arn:aws:ec2:{self.region}:{ACCOUNT_ID}:vpc/{vpc_id}",
                        "defaultSecurityGroupId": f"sg-{_hex(name + 'default', 17)}"}

    def _subnet(self, name: str, state: dict) -> tuple[str, dict]:
        subnet_id = f"subnet-{_hex(name, 17)}"
        self._subnets[subnet_id] = (state.get("availabilityZone"), state.get("cidrBlock"))
        return subnet_id, {"arn": f"arn:aws:ec2:{self.region}:{ACCOUNT_ID}:subnet/{subnet_id}"}

    def _security_group(self, name: str, state: dict) -> tuple[str, dict]:
        group_id = f"sg-{_hex(name, 17)}"
        return group_id, {"arn": f"arn:aws:ec2:{self.region}:{ACCOUNT_ID}:security-group/{group_id}",
                          "ownerId": ACCOUNT_ID}

    def _vpc_endpoint(self, name: str, state: dict) -> tuple[str, dict]:
        endpoint_id = f"vpce-{_hex(name, 17)}"
        suffix = _alnum(name + "dns", 8)
        base = f"{endpoint_id}-{suffix}.execute-api.{self.region}.vpce.amazonaws.com"
        # In a preview a new subnet's id is not known yet: stand in for it by position.
        subnets = [s if isinstance(s, str) else f"subnet-pending-{i}" for i, s in enumerate(state.get("subnetIds") or [])]
        offered = execute_api_zones(self.region)
        # A subnet the mocks never saw: give it one of the offered zones.
        zones = [self._subnets.get(s, (None, None))[0] or offered[i % len(offered)] for i, s in enumerate(subnets)]
        entries = [{"dnsName": base, "hostedZoneId": ENDPOINT_ZONE_ID}] + [
            {"dnsName": f"{endpoint_id}-{suffix}-{zone}.execute-api.{self.region}.vpce.amazonaws.com",
             "hostedZoneId": ENDPOINT_ZONE_ID}
            for zone in zones
        ]
        enis = [_endpoint_eni(endpoint_id, subnet) for subnet in subnets]
        return endpoint_id, {
            "arn": f"arn:aws:ec2:{self.region}:{ACCOUNT_ID}:vpc-endpoint/{endpoint_id}",
            "dnsEntries": entries, "networkInterfaceIds": enis, "state": "available",
            "ownerId": ACCOUNT_ID,
        }

    def _rest_api(self, name: str, state: dict) -> tuple[str, dict]:
        api_id = _alnum(name, 10)
        return api_id, {
            # Pulumi's auto-name: the logical name and a random suffix (metrics use this name).
            "name": state.get("name") or f"{_logical(name)}-{_hex(name, 7)}",
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
            "regionalDomainName": f"d-{_alnum(name, 10)}.execute-api.{self.region}.amazonaws.com",
            "regionalZoneId": REGIONAL_API_ZONE_ID,
            "arn": f"arn:aws:apigateway:{self.region}:{ACCOUNT_ID}:/domainnames/{domain}+{domain_id}",
        }

    def _web_acl(self, name: str, state: dict) -> tuple[str, dict]:
        acl_name = state.get("name") or f"{_logical(name)}-{_hex(name, 7)}"
        acl_id = _uuid(name)
        return acl_id, {"name": acl_name, "capacity": 1000,
                        "arn": f"arn:aws:wafv2:{self.region}:{ACCOUNT_ID}:regional/webacl/{acl_name}/{acl_id}"}

    def _topic(self, name: str, state: dict) -> tuple[str, dict]:
        topic = state.get("name") or f"{_logical(name)}-{_hex(name, 7)}"
        arn = f"arn:aws:sns:{self.region}:{ACCOUNT_ID}:{topic}"
        return arn, {"name": topic, "arn": arn}

    def _dashboard(self, name: str, state: dict) -> tuple[str, dict]:
        dashboard = str(state.get("dashboardName"))
        return dashboard, {"dashboardArn": f"arn:aws:cloudwatch::{ACCOUNT_ID}:dashboard/{dashboard}"}

    def _load_balancer(self, name: str, state: dict) -> tuple[str, dict]:
        suffix = _hex(name, 16)
        arn = f"arn:aws:elasticloadbalancing:{self.region}:{ACCOUNT_ID}:loadbalancer/app/{_logical(name)[:16]}/{suffix}"
        return arn, {"arn": arn, "arnSuffix": f"app/{_logical(name)[:16]}/{suffix}", "zoneId": ALB_ZONE_ID,
                     "dnsName": f"internal-{_logical(name)[:16]}-{_alnum(name, 10)}.{self.region}.elb.amazonaws.com"}

    def _target_group(self, name: str, state: dict) -> tuple[str, dict]:
        arn = f"arn:aws:elasticloadbalancing:{self.region}:{ACCOUNT_ID}:targetgroup/{_logical(name)[:16]}/{_hex(name, 16)}"
        return arn, {"arn": arn}


def _stack_network() -> dict:
    """The stack's gatehouse:network, as the program read it (the mock answers lookups of things
    the stack adopts from it)."""
    value = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}.get("gatehouse:network")
    try:
        decoded = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return {}
    return decoded if isinstance(decoded, dict) else {}


def _endpoint_eni(endpoint_id: str, subnet_id: str) -> str:
    """An interface endpoint has one ENI per subnet."""
    return f"eni-{_hex(endpoint_id + subnet_id, 17)}"


def _logical(seed: str) -> str:
    """The resource's own name from a `stack/name` seed."""
    return seed.rsplit("/", 1)[-1]


def _uuid(seed: str) -> str:
    h = _hex(seed, 32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
