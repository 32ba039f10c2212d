"""Stack file values → a validated StackConfig, or one ConfigError naming the key.

Pure: takes the raw config map (`{"gatehouse:environment": "dev", ...}`, structured values
already decoded) so it is tested without Pulumi, and called by the program before any resource
is registered.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

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
from stack_config.reader import ObjectReader

NAMESPACE = "gatehouse"
FUNCTIONS_DIR = Path(__file__).resolve().parent.parent / "functions"

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
    ours = {k: v for k, v in raw.items() if k.startswith(f"{NAMESPACE}:")}
    top = ObjectReader(ours, "", stack_file)
    region = ObjectReader({"aws:region": raw.get("aws:region")}, "", stack_file).string(
        "aws:region"
    )

    environment = top.string(f"{NAMESPACE}:environment", allowed=ENVIRONMENTS)
    if _REVIEW_STACK.match(stack) and environment != "review":
        raise top.error(
            f"{NAMESPACE}:environment", f"must be review for a review stack (got {environment!r})"
        )
    network = _network(top.child(f"{NAMESPACE}:network"))
    services = _services(top)
    private_api = _private_api(top, environment)
    custom_domain = _custom_domain(top)
    log_retention_days = top.integer(f"{NAMESPACE}:logRetentionDays", 30, minimum=1)
    manage_account = top.boolean(f"{NAMESPACE}:manageApiGatewayAccount", False)
    top.done()
    if custom_domain.mode != "none" and not any(s.visibility == "private" for s in services):
        raise top.error(
            f"{NAMESPACE}:customDomain.mode",
            f"is {custom_domain.mode}, but no service is private: the custom domain fronts the private API",
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
    )


def _network(section: ObjectReader) -> CreateNetwork | AdoptNetwork:
    has_create, has_adopt = section.has("create"), section.has("adopt")
    if has_create == has_adopt:
        got = "both" if has_create else "neither"
        raise section.error("create", f"or {section.key('adopt')}: exactly one is required (got {got})")
    if has_create:
        create = section.child("create")
        network = CreateNetwork(
            cidr=_vpc_cidr(create, create.string("cidr")),
            az_count=create.integer("azCount", 2, minimum=2),
        )
        create.done()
    else:
        adopt = section.child("adopt")
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


def _services(top: ObjectReader) -> tuple[Service, ...]:
    entries = top.items(f"{NAMESPACE}:services")
    if not entries:
        raise top.error(f"{NAMESPACE}:services", "must list at least one service")
    services: list[Service] = []
    names: set[str] = set()
    for key, value in entries:
        item = top.child_of(key, value)
        name = _matching(item, "name", _SERVICE_NAME, "lowercase letters, digits and hyphens, 2-32 long")
        if name in names:
            raise item.error("name", f"repeats service {name!r}: service names must be unique")
        names.add(name)
        visibility = item.string("visibility", allowed=VISIBILITIES)
        handler = _handler(item)
        routes = _routes(item)
        memory_mb = item.integer("memoryMb", 256, minimum=128)
        timeout_seconds = item.integer("timeoutSeconds", 10, minimum=1)
        if timeout_seconds > 29:
            raise item.error("timeoutSeconds", "must be at most 29: API Gateway's integration timeout")
        item.done()
        services.append(Service(name, visibility, handler, routes, memory_mb, timeout_seconds))
    _no_shared_routes(top, services)
    return tuple(services)


def _handler(item: ObjectReader) -> str:
    handler = _matching(item, "handler", _HANDLER, "module.function, e.g. greeter.handler")
    module = handler.split(".")[0]
    if not (FUNCTIONS_DIR / f"{module}.py").is_file():
        raise item.error("handler", f"names functions/{module}.py, which does not exist")
    return handler


# components/health_route.py serves it on every API (a MOCK integration) for `pipeline verify`.
RESERVED_HEALTH_PATH = "/health"


def _routes(item: ObjectReader) -> tuple[Route, ...]:
    entries = item.items("routes")
    if not entries:
        raise item.error("routes", "must list at least one route")
    routes: list[Route] = []
    for key, value in entries:
        route_reader = item.child_of(key, value)
        method = route_reader.string("method", allowed=HTTP_METHODS)
        path = _matching(route_reader, "path", _ROUTE_PATH, "an absolute path such as /greeter or /items/{id}")
        route_reader.done()
        if path.rstrip("/").lower() == RESERVED_HEALTH_PATH or path.lower().startswith(RESERVED_HEALTH_PATH + "/"):
            raise route_reader.error(
                "path", f"{path} is reserved: every API answers GET {RESERVED_HEALTH_PATH} itself, for the prober"
            )
        route = Route(method, path)
        if route in routes:
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


def _private_api(top: ObjectReader, environment: str) -> PrivateApiSettings:
    key = f"{NAMESPACE}:privateApi"
    section = top.child(key, {})
    settings = PrivateApiSettings(
        private_dns=section.boolean("privateDns", False),
        extra_vpc_endpoint_ids=tuple(
            _each_matching(section, "extraVpcEndpointIds", _VPCE_ID, "a VPC endpoint id such as vpce-0a1b2c3d4e5f67890")
        ),
        vpn_cidrs=section.cidrs("vpnCidrs"),
        consumer_cidrs=section.cidrs("consumerCidrs"),
        reachable_account_ids=_account_ids(section, "reachableAccountIds"),
    )
    section.done()
    if settings.vpn_cidrs and environment == "prod":
        raise section.error(
            "vpnCidrs", "is allowed only in lower tiers (dev, staging, review), never in prod"
        )
    return settings


def _custom_domain(top: ObjectReader) -> CustomDomain:
    section = top.child(f"{NAMESPACE}:customDomain", {"mode": "none"})
    mode = section.string("mode", "none", allowed=DOMAIN_MODES)
    if mode == "none":
        section.done()
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
    if certificate_arn is not None and not _ACM_ARN.match(certificate_arn):
        raise section.error("certificateArn", f"must be an ACM certificate ARN (got {certificate_arn!r})")
    if validation_zone is not None and not _ZONE_ID.match(validation_zone):
        raise section.error("certificateValidationZoneId", f"must be a Route 53 zone id (got {validation_zone!r})")
    tls = _tls(section)
    section.done()
    return CustomDomain(mode, domain_name, zone_id, certificate_arn, validation_zone, tls)


def _tls(section: ObjectReader) -> TlsPolicies:
    tls = section.child("tls", {})
    alb = tls.string("alb", TlsPolicies.alb)
    if not alb.startswith("ELBSecurityPolicy-TLS13-") and not alb.startswith("ELBSecurityPolicy-TLS-1-2"):
        raise tls.error("alb", f"must be a TLS 1.2+ ELB policy such as {TlsPolicies.alb} (got {alb!r})")
    api_gateway = tls.string("apiGateway", None)
    if api_gateway is not None and not (api_gateway == "TLS_1_2" or api_gateway.startswith("SecurityPolicy_TLS1")):
        raise tls.error("apiGateway", f"must be TLS_1_2 or a SecurityPolicy_TLS13_* policy (got {api_gateway!r})")
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
