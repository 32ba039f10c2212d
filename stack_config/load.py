"""Stack file values → a validated StackConfig, or one ConfigError naming the key.

Pure: takes the raw config map (`{"gatehouse:environment": "dev", ...}`, structured values
already decoded) so it is tested without Pulumi, and called by the program before any resource
is registered.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any

from stack_config import aws_values
from stack_config.aws_documented import (
    EDGE_ONLY_TLS_POLICIES,
    EDGE_ONLY_TLS_POLICIES_SOURCE,
    MAX_AVAILABILITY_ZONES,
    MAX_AVAILABILITY_ZONES_SOURCE,
)
from stack_config.cidrs import caller_range_problem
from stack_config.handlers import handler_problem
from stack_config.model import (
    DOMAIN_MODES,
    ENVIRONMENTS,
    HTTP_METHODS,
    VISIBILITIES,
    AdoptNetwork,
    CreateNetwork,
    CustomDomain,
    PrivateApiSettings,
    Route,
    Service,
    StackConfig,
    TlsPolicies,
)
from stack_config.namespaces import PROJECT as NAMESPACE
from stack_config.namespaces import check_namespaces
from stack_config.platform_load import (
    check_public_api,
    check_shared_endpoint,
    read_alarms,
    read_public_api,
    read_route_auth,
    read_stack_throttling,
    read_throttling,
)
from stack_config.platform_model import Throttling
from stack_config.reader import ObjectReader
from stack_config.routes import tree_problem
from stack_config.suggest import did_you_mean

# Each object's keys, declared so that an unknown key is reported (with "did you mean") before
# any read can say "<the key meant> is required". A key read here must be listed here.
TOP_KEYS = tuple(
    f"{NAMESPACE}:{key}"
    for key in ("environment", "network", "services", "privateApi", "customDomain", "logRetentionDays",
                "manageApiGatewayAccount", "publicApi", "throttling", "alarms")
)
SERVICE_KEYS = ("name", "visibility", "handler", "routes", "memoryMb", "timeoutSeconds", "throttling")
ROUTE_KEYS = ("method", "path", "auth")
PRIVATE_API_KEYS = ("privateDns", "extraVpcEndpointIds", "vpnCidrs", "consumerCidrs", "vpcEndpointId",
                    "reachableAccountIds")
DOMAIN_KEYS = ("mode", "domainName", "privateZoneId", "certificateArn", "certificateValidationZoneId", "tls")
# API Gateway's limit on an integration, which is what a Lambda proxy route waits for.
API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS = 29

_SERVICE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$")
_ROUTE_PATH = re.compile(r"^/([A-Za-z0-9._~-]+|\{[A-Za-z0-9_]+\+?\})(/([A-Za-z0-9._~-]+|\{[A-Za-z0-9_]+\+?\}))*$")
_HANDLER = re.compile(r"^([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)$")
_DOMAIN = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_VPC_ID = re.compile(r"^vpc-[0-9a-f]{8,17}$")
_SUBNET_ID = re.compile(r"^subnet-[0-9a-f]{8,17}$")
_VPCE_ID = re.compile(r"^vpce-[0-9a-f]{8,17}$")
_ACCOUNT_ID = re.compile(r"^\d{12}$")
_ZONE_ID = re.compile(r"^Z[0-9A-Z]{5,31}$")
_ACM_ARN = re.compile(r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}$")
_REVIEW_STACK = re.compile(r"^pr-\d+$")


def stack_file_for(stack: str) -> str:
    return f"Pulumi.{stack}.yaml"


def load_stack_config(raw: Mapping[str, Any], stack: str) -> StackConfig:
    stack_file = stack_file_for(stack)
    check_namespaces(raw, stack_file)
    ours = {k: v for k, v in raw.items() if k.startswith(f"{NAMESPACE}:")}
    top = ObjectReader(ours, "", stack_file, known=TOP_KEYS)
    region = _region(ObjectReader({"aws:region": raw.get("aws:region")}, "", stack_file, known=("aws:region",)))

    environment = top.string(f"{NAMESPACE}:environment", allowed=ENVIRONMENTS)
    if _REVIEW_STACK.match(stack) and environment != "review":
        raise top.error(
            f"{NAMESPACE}:environment", f"must be review for a review stack (got {environment!r})"
        )
    network = _network(top.child(f"{NAMESPACE}:network", known=("create", "adopt")))
    throttling = read_stack_throttling(top)
    services = _services(top, throttling)
    private_api = _private_api(top, environment, network)
    public_api = read_public_api(top, environment)
    alarms = read_alarms(top)
    custom_domain = _custom_domain(top, region)
    log_retention_days = top.aws(
        f"{NAMESPACE}:logRetentionDays", aws_values.member("logs", "PutRetentionPolicy", "retentionInDays"), 30
    )
    manage_account = top.boolean(f"{NAMESPACE}:manageApiGatewayAccount", False)
    top.done()
    if custom_domain.mode != "none" and not any(s.visibility == "private" for s in services):
        raise top.error(
            f"{NAMESPACE}:customDomain.mode",
            f"is {custom_domain.mode}, but no service is private: the custom domain fronts the private API",
        )
    check_public_api(top, public_api, services, custom_domain.domain_name)
    check_shared_endpoint(
        top, private_api.vpc_endpoint_id, isinstance(network, AdoptNetwork),
        private_api.private_dns, private_api.extra_vpc_endpoint_ids, private_api.reachable_account_ids,
    )
    return StackConfig(
        stack=stack,
        stack_file=stack_file,
        region=region,
        environment=environment,
        network=network,
        services=services,
        private_api=private_api,
        custom_domain=custom_domain,
        log_retention_days=log_retention_days,
        manage_api_gateway_account=manage_account,
        public_api=public_api,
        throttling=throttling,
        alarms=alarms,
    )


def _network(section: ObjectReader) -> CreateNetwork | AdoptNetwork:
    has_create, has_adopt = section.has("create"), section.has("adopt")
    if has_create == has_adopt:
        got = "both" if has_create else "neither"
        raise section.error("create", f"or {section.key('adopt')}: exactly one is required (got {got})")
    if has_create:
        create = section.child("create", known=("cidr", "azCount"))
        cidr = _vpc_cidr(create, create.string("cidr"))
        az_count = create.integer("azCount", 2, minimum=2)
        if az_count > MAX_AVAILABILITY_ZONES:
            raise create.error(
                "azCount",
                f"must be at most {MAX_AVAILABILITY_ZONES}: no AWS Region has more Availability Zones "
                f"(got {az_count}; {MAX_AVAILABILITY_ZONES_SOURCE})",
            )
        network = CreateNetwork(cidr=cidr, az_count=az_count)
        create.done()
    else:
        adopt = section.child("adopt", known=("vpcId", "vpcCidr", "subnetIds"))
        vpc_id = _matching(adopt, "vpcId", _VPC_ID, "a VPC id such as vpc-0a1b2c3d4e5f67890")
        cidr = _vpc_cidr(adopt, adopt.string("vpcCidr"))
        subnets = tuple(_each_matching(adopt, "subnetIds", _SUBNET_ID, "a subnet id such as subnet-0a1b2c3d4e5f67890"))
        if len(subnets) < 2:
            raise adopt.error("subnetIds", f"must list at least 2 subnets in different AZs (got {len(subnets)})")
        if len(set(subnets)) != len(subnets):
            raise adopt.error("subnetIds", "must not repeat a subnet")
        network = AdoptNetwork(vpc_id=vpc_id, vpc_cidr=cidr, subnet_ids=subnets)
        adopt.done()
    section.done()
    return network


def _vpc_cidr(section: ObjectReader, value: str) -> str:
    key = section.key("cidr" if section.has("cidr") else "vpcCidr")
    cidr = section.cidr(key, value)
    network = ipaddress.ip_network(cidr)
    if network.version != 4 or not network.is_private or not 16 <= network.prefixlen <= 24:
        raise section.error_at(key, f"must be a private IPv4 range from /16 to /24 (got {value!r})")
    return cidr


def _services(top: ObjectReader, stack_throttling: Throttling) -> tuple[Service, ...]:
    entries = top.items(f"{NAMESPACE}:services")
    if not entries:
        raise top.error(f"{NAMESPACE}:services", "must list at least one service")
    services: list[Service] = []
    names: set[str] = set()
    for key, value in entries:
        item = top.child_of(key, value, known=SERVICE_KEYS)
        name = _matching(item, "name", _SERVICE_NAME, "lowercase letters, digits and hyphens, 2-32 long")
        if name in names:
            raise item.error("name", f"repeats service {name!r}: service names must be unique")
        names.add(name)
        visibility = item.string("visibility", allowed=VISIBILITIES)
        handler = _handler(item)
        routes = _routes(item)
        memory_mb = item.aws("memoryMb", aws_values.member("lambda", "CreateFunction", "MemorySize"), 256)
        timeout_seconds = item.aws("timeoutSeconds", aws_values.member("lambda", "CreateFunction", "Timeout"), 10)
        if timeout_seconds > API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS:
            raise item.error(
                "timeoutSeconds",
                f"must be at most {API_GATEWAY_INTEGRATION_TIMEOUT_SECONDS}: API Gateway's integration timeout "
                f"(got {timeout_seconds})",
            )
        # A service's own throttle takes the stack-wide value for any key it leaves out.
        throttling = read_throttling(item, "throttling", None, base=stack_throttling)
        item.done()
        services.append(Service(name, visibility, handler, routes, memory_mb, timeout_seconds, throttling))
    _no_shared_routes(top, services)
    _one_tree_per_api(top, services)
    return tuple(services)


def _region(reader: ObjectReader) -> str:
    region = reader.string("aws:region")
    known = aws_values.regions()
    if region not in known:
        raise reader.error(
            "aws:region",
            f"is not an AWS Region{did_you_mean(region, known)} (got {region!r}; Regions botocore knows: "
            f"{', '.join(sorted(r for r, p in known.items() if p == 'aws'))}, ...)",
        )
    return region


def _handler(item: ObjectReader) -> str:
    handler = _matching(item, "handler", _HANDLER, "module.function, e.g. greeter.handler")
    problem = handler_problem(handler)
    if problem:
        raise item.error("handler", problem)
    return handler


# components/health_route.py serves it on every API (a MOCK integration) for `pipeline verify`.
RESERVED_HEALTH_PATH = "/health"


def _routes(item: ObjectReader) -> tuple[Route, ...]:
    entries = item.items("routes")
    if not entries:
        raise item.error("routes", "must list at least one route")
    routes: list[Route] = []
    for key, value in entries:
        route_reader = item.child_of(key, value, known=ROUTE_KEYS)
        method = route_reader.string("method", allowed=HTTP_METHODS)
        path = _matching(route_reader, "path", _ROUTE_PATH, "an absolute path such as /greeter or /items/{id}")
        auth = read_route_auth(route_reader)
        route_reader.done()
        if path.rstrip("/").lower() == RESERVED_HEALTH_PATH or path.lower().startswith(RESERVED_HEALTH_PATH + "/"):
            raise route_reader.error(
                "path", f"{path} is reserved: every API answers GET {RESERVED_HEALTH_PATH} itself, for the prober"
            )
        route = Route(method, path, auth)
        if any((r.method, r.path) == (method, path) for r in routes):
            raise route_reader.error("path", f"repeats route {method} {path} in this service")
        routes.append(route)
    return tuple(routes)


def _no_shared_routes(top: ObjectReader, services: list[Service]) -> None:
    """Two services of one visibility share a gateway, so one route cannot belong to both."""
    owner: dict[tuple[str, str, str], str] = {}
    for index, service in enumerate(services):
        for route in service.routes:
            slot = (service.visibility, route.method, route.path)
            if slot in owner:
                raise top.error(
                    f"{NAMESPACE}:services[{index}].routes",
                    f"repeats {route.method} {route.path}, already served by {owner[slot]!r} "
                    f"on the {service.visibility} API",
                )
            owner[slot] = service.name


def _one_tree_per_api(top: ObjectReader, services: list[Service]) -> None:
    """The services of one visibility share a gateway, so their paths form one resource tree."""
    for visibility in VISIBILITIES:
        indexed = [(i, s) for i, s in enumerate(services) if s.visibility == visibility]
        paths = list(dict.fromkeys(r.path for _, s in indexed for r in s.routes))
        found = tree_problem(paths)
        if found:
            path, why = found
            index, service = next((i, s) for i, s in indexed if any(r.path == path for r in s.routes))
            route = next(j for j, r in enumerate(service.routes) if r.path == path)
            raise top.error(f"{NAMESPACE}:services[{index}].routes[{route}].path", f"{path} {why}")


def _private_api(top: ObjectReader, environment: str, network: CreateNetwork | AdoptNetwork) -> PrivateApiSettings:
    key = f"{NAMESPACE}:privateApi"
    section = top.child(key, {}, known=PRIVATE_API_KEYS)
    endpoint_ids = _each_matching(
        section, "extraVpcEndpointIds", _VPCE_ID, "a VPC endpoint id such as vpce-0a1b2c3d4e5f67890"
    )
    if len(set(endpoint_ids)) != len(endpoint_ids):
        raise section.error("extraVpcEndpointIds", "must not repeat an endpoint id")
    settings = PrivateApiSettings(
        private_dns=section.boolean("privateDns", False),
        extra_vpc_endpoint_ids=tuple(endpoint_ids),
        vpn_cidrs=_caller_cidrs(section, "vpnCidrs"),
        consumer_cidrs=_caller_cidrs(section, "consumerCidrs"),
        vpc_endpoint_id=_shared_endpoint_id(section),
        reachable_account_ids=_account_ids(section, "reachableAccountIds"),
    )
    section.done()
    vpc_cidr = network.cidr if isinstance(network, CreateNetwork) else network.vpc_cidr
    seen = {vpc_cidr: f"the VPC range ({top.key(NAMESPACE + ':network')})"}
    for name, cidrs in (("consumerCidrs", settings.consumer_cidrs), ("vpnCidrs", settings.vpn_cidrs)):
        for index, cidr in enumerate(cidrs):
            if cidr in seen:
                # Security group rules are keyed by the range they admit: one range, one rule.
                raise section.error_at(f"{section.key(name)}[{index}]", f"repeats {cidr}, already listed as {seen[cidr]}")
            seen[cidr] = f"{section.key(name)}[{index}]"
    if settings.vpn_cidrs and environment == "prod":
        raise section.error(
            "vpnCidrs", "is allowed only in lower tiers (dev, staging, review), never in prod"
        )
    return settings


def _shared_endpoint_id(section: ObjectReader) -> str | None:
    if not section.has("vpcEndpointId"):
        section.raw("vpcEndpointId", None)
        return None
    return _matching(section, "vpcEndpointId", _VPCE_ID, "the shared execute-api endpoint's id such as vpce-0a1b2c3d4e5f67890")


def _caller_cidrs(section: ObjectReader, name: str) -> tuple[str, ...]:
    def check(key: str, value: str) -> str:
        cidr = section.cidr(key, value)
        problem = caller_range_problem(cidr)
        if problem:
            raise section.error_at(key, f"{problem} (got {value!r})")
        return cidr

    return section.strings(name, check)


def _custom_domain(top: ObjectReader, region: str) -> CustomDomain:
    section = top.child(f"{NAMESPACE}:customDomain", {"mode": "none"}, known=DOMAIN_KEYS)
    mode = section.string("mode", "none", allowed=DOMAIN_MODES)
    if mode == "none":
        section.done(why="with mode none")
        return CustomDomain()
    domain_name = section.string("domainName").lower()
    if not _DOMAIN.match(domain_name):
        raise section.error("domainName", f"must be a DNS name such as api.internal.example.com (got {domain_name!r})")
    zone_id = section.string("privateZoneId", None)
    if zone_id is not None and not _ZONE_ID.match(zone_id):
        raise section.error("privateZoneId", f"must be a Route 53 zone id such as Z0123456789ABCDEFGHIJ (got {zone_id!r})")
    certificate_arn = section.string("certificateArn", None)
    validation_zone = section.string("certificateValidationZoneId", None)
    if (certificate_arn is None) == (validation_zone is None):
        raise section.error(
            "certificateArn",
            f"or {section.key('certificateValidationZoneId')}: exactly one is required for mode "
            f"{mode} (an existing ACM certificate, or a public zone to DNS-validate a new one)",
        )
    if certificate_arn is not None:
        _certificate_in_region(section, certificate_arn, region)
    if validation_zone is not None and not _ZONE_ID.match(validation_zone):
        raise section.error("certificateValidationZoneId", f"must be a Route 53 zone id (got {validation_zone!r})")
    tls = _tls(section)
    section.done()
    return CustomDomain(mode, domain_name, zone_id, certificate_arn, validation_zone, tls)


def _certificate_in_region(section: ObjectReader, arn: str, region: str) -> None:
    if not _ACM_ARN.match(arn):
        raise section.error("certificateArn", f"must be an ACM certificate ARN (got {arn!r})")
    partition, certificate_region = arn.split(":")[1], arn.split(":")[3]
    if partition != aws_values.regions()[region]:
        raise section.error(
            "certificateArn",
            f"is in partition {partition}, but {region} is in {aws_values.regions()[region]} (got {arn!r})",
        )
    if certificate_region != region:
        # The ALB listener and a REGIONAL/PRIVATE API Gateway domain take a certificate from
        # their own Region only (only EDGE domains use us-east-1's).
        raise section.error(
            "certificateArn",
            f"is in {certificate_region}, but the stack deploys to {region} (aws:region): "
            f"the ALB and the private domain need an ACM certificate from {region}",
        )


def _tls(section: ObjectReader) -> TlsPolicies:
    tls = section.child("tls", {}, known=("alb", "apiGateway"))
    alb = tls.aws("alb", aws_values.member("elbv2", "CreateListener", "SslPolicy"), TlsPolicies.alb)
    allowed = aws_values.member("apigateway", "CreateDomainName", "securityPolicy")
    api_gateway = tls.aws("apiGateway", allowed, None)
    if api_gateway in EDGE_ONLY_TLS_POLICIES:
        usable = [p for p in allowed.enum if p not in EDGE_ONLY_TLS_POLICIES and p != "TLS_1_0"]
        raise tls.error(
            "apiGateway",
            f"is {api_gateway}, a policy for EDGE endpoints only; the private domain and API are PRIVATE: "
            f"use one of {', '.join(usable)} ({EDGE_ONLY_TLS_POLICIES_SOURCE})",
        )
    if api_gateway == "TLS_1_0":
        raise tls.error("apiGateway", "must be TLS_1_2 or a SecurityPolicy_TLS13_* policy (got 'TLS_1_0'): TLS 1.0 is never allowed here")
    tls.done()
    return TlsPolicies(alb=alb, api_gateway=api_gateway)


def _matching(section: ObjectReader, name: str, pattern: re.Pattern[str], what: str) -> str:
    value = section.string(name)
    if not pattern.match(value):
        raise section.error(name, f"must be {what} (got {value!r})")
    return value


def _account_ids(section: ObjectReader, name: str) -> tuple[str, ...]:
    values = []
    for key, value in section.items(name, []):
        if not isinstance(value, str):
            # YAML reads 012345678901 as a number and drops the leading zero.
            raise section.error_at(key, f"must be a 12-digit AWS account id in quotes, e.g. '123456789012' (got {value!r})")
        if not _ACCOUNT_ID.match(value):
            raise section.error_at(key, f"must be a 12-digit AWS account id (got {value!r})")
        values.append(value)
    return tuple(values)


def _each_matching(section: ObjectReader, name: str, pattern: re.Pattern[str], what: str) -> list[str]:
    values = []
    for key, value in section.items(name, []):
        if not isinstance(value, str) or not pattern.match(value):
            raise section.error_at(key, f"must be {what} (got {value!r})")
        values.append(value)
    return values
