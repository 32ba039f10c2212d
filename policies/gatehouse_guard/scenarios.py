"""The callers a private API must be judged against, derived from one stack's network facts.

Each scenario is a request as API Gateway would see it after the VPC endpoint: behind an
endpoint `aws:SourceIp` is absent and the caller shows up as `aws:SourceVpce`, `aws:SourceVpc`
and `aws:VpcSourceIp`; from the internet only `aws:SourceIp` is set. Evaluating the API's policy
against every scenario says who really gets in, whatever way the policy is spelt.

Each scenario asks for every probe resource (probes.py: the API's routes on each stage, every
method, an instance of each Resource pattern), so a policy that leaves one method, path or stage
open is caught. Endpoint and VPC ids the policy matches with wildcards (`vpce-0a*`, `?`) are
tried with generated ids that match them; the random ids of the other scenarios are kept clear
of those wildcards, so they stand for an endpoint the policy does not name.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any

from .arns import parse_execute_api_arn, wildcard_match
from .conditions import ConditionError, parse_operator
from .evaluator import Request
from .model import as_list
from .probes import Surface, probe_resources

OUR_ENDPOINT = "our-endpoint"
OTHER_ENDPOINT_SAME_VPC = "other-endpoint-same-vpc"
FOREIGN_ENDPOINT = "foreign-endpoint"
VPN_CLIENT = "vpn-client"
INTERNET = "internet"
SCENARIO_NAMES = (OUR_ENDPOINT, OTHER_ENDPOINT_SAME_VPC, FOREIGN_ENDPOINT, VPN_CLIENT, INTERNET)
WILDCARD_ENDPOINT = "wildcard-endpoint"  # named `wildcard-endpoint:<pattern>`
WILDCARD_VPC = "wildcard-vpc"  # named `wildcard-vpc:<pattern>`
_ID_KEYS = {"aws:sourcevpce": "vpce", "aws:sourcevpc": "vpc"}
DOMAIN_PATH = "/domainnames/"
_HEX_DIGITS = 17  # vpce-0123456789abcdef0: AWS ids carry 17 hex digits

ACTION = "execute-api:Invoke"
PROBE = "GET/health"
# TEST-NET-3: shaped like a public address, owned by nobody, outside every private range.
INTERNET_ADDRESS = "203.0.113.10"
# Private ranges a foreign VPC might use; the first one clear of our VPC and VPN is taken.
FOREIGN_RANGES = ("192.168.77.0/24", "172.31.250.0/24", "10.254.77.0/24", "100.64.77.0/24")
_HOST_OFFSET = 10  # skip the addresses AWS reserves at the start of every subnet


class ScenarioError(ValueError):
    """Network facts the scenarios cannot be derived from; the message names the argument."""


@dataclass(frozen=True)
class Scenario:
    """A caller; `request` is its first probe, `requests` every probe (same caller, other
    resources of the API)."""

    name: str
    description: str
    request: Request
    probes: tuple[str, ...] = field(default=(), compare=False)

    @cached_property
    def requests(self) -> tuple[Request, ...]:
        others = (replace(self.request, resource=r) for r in self.probes if r != self.request.resource)
        return (self.request, *others)


def _network(argument: str, text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(text, strict=False)
    except (TypeError, ValueError):
        raise ScenarioError(
            f"{argument} must be a CIDR such as 10.20.0.0/16 (got {text!r})"
        ) from None


def _host(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> str:
    return str(network.network_address + min(_HOST_OFFSET, network.num_addresses - 1))


def _digest(role: str, attempt: int) -> str:
    return hashlib.sha256(f"{role}/{attempt}".encode()).hexdigest()


def _fresh_id(
    prefix: str, role: str, taken: set[str], avoid: Callable[[str], bool] = lambda _id: False
) -> str:
    """A realistic, deterministic id (`vpce-0` + 16 hex digits) that is none of `taken` and,
    when some attempt allows it, not one `avoid` says a policy wildcard matches."""
    first_free = None
    for attempt in range(256):
        candidate = f"{prefix}-0{_digest(role, attempt)[:16]}"
        if candidate in taken:
            continue
        if not avoid(candidate):
            return candidate
        first_free = first_free or candidate
    if first_free:
        return first_free  # the wildcard matches every id of this shape (`vpce-*`)
    return _fresh_id(prefix, role + "/again", taken, avoid)


def _matching_id(pattern: str, prefix: str, taken: set[str]) -> str | None:
    """A realistic id that `pattern` (StringLike) matches and that is none of `taken`: a random
    one when the pattern is that loose (`*`, `vpce-*`), else the pattern with its wildcards
    filled in with hex digits up to an id's usual length."""
    for attempt in range(16):
        candidate = f"{prefix}-0{_digest(f'any/{pattern}', attempt)[:16]}"
        if candidate not in taken and wildcard_match(pattern, candidate):
            return candidate
    for attempt in range(64):
        digits = iter(_digest(f"match/{pattern}", attempt) * 2)
        stars = pattern.count("*")
        fixed = len(pattern) - stars
        wanted = max(len(prefix) + 1 + _HEX_DIGITS - fixed, stars)
        runs = [wanted // stars + (1 if i < wanted % stars else 0) for i in range(stars)] if stars else []
        out = []
        for char in pattern:
            if char == "*":
                out.append("".join(next(digits) for _ in range(runs.pop(0))))
            elif char == "?":
                out.append(next(digits))
            else:
                out.append(char)
        candidate = "".join(out)
        if candidate not in taken and wildcard_match(pattern, candidate):
            return candidate
    return None


def wildcard_ids(document: Mapping[str, Any] | None) -> dict[str, list[str]]:
    """`aws:sourcevpce` / `aws:sourcevpc` -> the wildcard patterns StringLike-family tests give."""
    found: dict[str, list[str]] = {key: [] for key in _ID_KEYS}
    statements = as_list(document.get("Statement")) if isinstance(document, Mapping) else []
    for statement in statements:
        condition = statement.get("Condition") if isinstance(statement, Mapping) else None
        for operator, keys in (condition.items() if isinstance(condition, Mapping) else ()):
            try:
                if parse_operator(str(operator)).base != "StringLike":
                    continue
            except ConditionError:
                continue
            for key, values in keys.items() if isinstance(keys, Mapping) else ():
                for value in as_list(values):
                    if (
                        str(key).lower() in found
                        and isinstance(value, str)
                        and ("*" in value or "?" in value)
                        and "${" not in value
                    ):
                        found[str(key).lower()].append(value)
    return {key: list(dict.fromkeys(values)) for key, values in found.items()}


def _foreign_range(ours: list[ipaddress.IPv4Network | ipaddress.IPv6Network]):
    for text in FOREIGN_RANGES:
        candidate = ipaddress.ip_network(text)
        if not any(candidate.overlaps(network) for network in ours):
            return candidate
    raise ScenarioError(
        f"the VPC and VPN ranges cover every foreign range tried ({', '.join(FOREIGN_RANGES)})"
    )


def derive_scenarios(
    *,
    api_arn: str,
    our_endpoint_ids: Sequence[str],
    vpc_id: str,
    vpc_cidr: str,
    vpn_cidrs: Sequence[str] = (),
    private: bool = True,
    stage: str = "live",
    policy: Mapping[str, Any] | None = None,
    surface: Surface | None = None,
) -> list[Scenario]:
    """The scenarios for one API, in SCENARIO_NAMES order (vpn-client only with VPN ranges),
    then one per endpoint/VPC wildcard in `policy`.

    `api_arn` is the API's execution ARN (`arn:aws:execute-api:<region>:<account>:<api-id>`);
    `internet` is always emitted: for a PRIVATE API it shows what the policy alone would do.
    `policy` and `surface` (the API's stages and routes) widen what every caller asks for;
    without them each asks for `<stage>/GET/health` only.
    """
    parsed = parse_execute_api_arn(api_arn)
    # A private custom domain's access policy is asked about the domain's own ARN.
    domain = parsed is not None and not parsed.api_id and parsed.path.startswith(DOMAIN_PATH)
    if parsed is None or (parsed.path and not domain):
        raise ScenarioError(
            "api_arn must be an API's execution ARN, arn:aws:execute-api:<region>:<account>:<api-id>,"
            " or a private custom domain's, arn:aws:execute-api:<region>:<account>:/domainnames/"
            f"<name>+<id> (got {api_arn!r})"
        )
    if isinstance(our_endpoint_ids, str) or not our_endpoint_ids or not all(our_endpoint_ids):
        raise ScenarioError(
            f"our_endpoint_ids must list at least one id (got {our_endpoint_ids!r})"
        )
    if not vpc_id:
        raise ScenarioError("vpc_id must be the id of the endpoint's VPC")
    if isinstance(vpn_cidrs, str):
        raise ScenarioError(f"vpn_cidrs must be a list of CIDRs (got {vpn_cidrs!r})")
    vpc_network = _network("vpc_cidr", vpc_cidr)
    vpn_networks = [_network("vpn_cidrs", text) for text in vpn_cidrs]
    ours = set(our_endpoint_ids)
    our_endpoint = our_endpoint_ids[0]
    wildcards = wildcard_ids(policy)

    def named(key: str) -> Callable[[str], bool]:
        return lambda candidate: any(wildcard_match(p, candidate) for p in wildcards[key])

    other_endpoint = _fresh_id("vpce", "other-endpoint-same-vpc", ours, named("aws:sourcevpce"))
    foreign_endpoint = _fresh_id(
        "vpce", "foreign-endpoint", ours | {other_endpoint}, named("aws:sourcevpce")
    )
    foreign_vpc = _fresh_id("vpc", "foreign-vpc", {vpc_id}, named("aws:sourcevpc"))
    vpc_host = _host(vpc_network)
    foreign_host = _host(_foreign_range([vpc_network, *vpn_networks]))
    if domain:
        resources: tuple[str, ...] = (api_arn,)
    elif policy is None and surface is None:
        resources = (f"{api_arn}/{stage}/{PROBE}",)
    else:
        resources = probe_resources(api_arn, policy, surface or Surface(), stage)

    def request(context: dict[str, str]) -> Request:
        return Request(ACTION, resources[0], "*", context)

    def through(endpoint: str, vpc: str, host: str) -> Request:
        return request({"aws:SourceVpce": endpoint, "aws:SourceVpc": vpc, "aws:VpcSourceIp": host})

    scenarios = [
        Scenario(
            OUR_ENDPOINT,
            f"from {vpc_host} in {vpc_id} through our endpoint {our_endpoint}",
            through(our_endpoint, vpc_id, vpc_host),
        ),
        Scenario(
            OTHER_ENDPOINT_SAME_VPC,
            f"from {vpc_host} in {vpc_id} through another endpoint {other_endpoint}",
            through(other_endpoint, vpc_id, vpc_host),
        ),
        Scenario(
            FOREIGN_ENDPOINT,
            f"from {foreign_host} in another account's {foreign_vpc} through its endpoint"
            f" {foreign_endpoint}",
            through(foreign_endpoint, foreign_vpc, foreign_host),
        ),
    ]
    if vpn_networks:
        vpn_host = _host(vpn_networks[0])
        scenarios.append(
            Scenario(
                VPN_CLIENT,
                f"VPN client {vpn_host} ({vpn_networks[0]}) through our endpoint {our_endpoint}",
                through(our_endpoint, vpc_id, vpn_host),
            )
        )
    internet = f"from the internet ({INTERNET_ADDRESS}), no VPC endpoint"
    if private:
        internet += "; a PRIVATE API has no public endpoint, this shows the policy alone"
    scenarios.append(Scenario(INTERNET, internet, request({"aws:SourceIp": INTERNET_ADDRESS})))
    taken = ours | {other_endpoint, foreign_endpoint}
    for pattern in wildcards["aws:sourcevpce"]:
        endpoint = _matching_id(pattern, "vpce", taken)
        if endpoint is None:
            continue
        taken.add(endpoint)
        scenarios.append(
            Scenario(
                f"{WILDCARD_ENDPOINT}:{pattern}",
                f"from {vpc_host} in {vpc_id} through endpoint {endpoint}, not ours but matched"
                f" by the policy's wildcard {pattern!r}",
                through(endpoint, vpc_id, vpc_host),
            )
        )
    for pattern in wildcards["aws:sourcevpc"]:
        vpc = _matching_id(pattern, "vpc", {vpc_id})
        if vpc is not None:
            scenarios.append(
                Scenario(
                    f"{WILDCARD_VPC}:{pattern}",
                    f"from {foreign_host} in {vpc}, another account's VPC matched by the"
                    f" policy's wildcard {pattern!r}, through its endpoint {foreign_endpoint}",
                    through(foreign_endpoint, vpc, foreign_host),
                )
            )
    return [replace(scenario, probes=resources) for scenario in scenarios]
