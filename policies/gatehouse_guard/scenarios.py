"""The callers a private API must be judged against, derived from one stack's network facts.

Each scenario is a request as API Gateway would see it after the VPC endpoint: behind an
endpoint `aws:SourceIp` is absent and the caller shows up as `aws:SourceVpce`, `aws:SourceVpc`
and `aws:VpcSourceIp`; from the internet only `aws:SourceIp` is set. Evaluating the API's policy
against every scenario says who really gets in, whatever way the policy is spelt.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from .arns import parse_execute_api_arn
from .evaluator import Request

OUR_ENDPOINT = "our-endpoint"
OTHER_ENDPOINT_SAME_VPC = "other-endpoint-same-vpc"
FOREIGN_ENDPOINT = "foreign-endpoint"
VPN_CLIENT = "vpn-client"
INTERNET = "internet"
SCENARIO_NAMES = (OUR_ENDPOINT, OTHER_ENDPOINT_SAME_VPC, FOREIGN_ENDPOINT, VPN_CLIENT, INTERNET)

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
    name: str
    description: str
    request: Request


def _network(argument: str, text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(text, strict=False)
    except (TypeError, ValueError):
        raise ScenarioError(
            f"{argument} must be a CIDR such as 10.20.0.0/16 (got {text!r})"
        ) from None


def _host(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> str:
    return str(network.network_address + min(_HOST_OFFSET, network.num_addresses - 1))


def _fresh_id(prefix: str, role: str, taken: set[str]) -> str:
    """A realistic, deterministic id (`vpce-0` + 16 hex digits) that is none of `taken`."""
    attempt = 0
    while True:
        digest = hashlib.sha256(f"{role}/{attempt}".encode()).hexdigest()[:16]
        candidate = f"{prefix}-0{digest}"
        if candidate not in taken:
            return candidate
        attempt += 1


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
) -> list[Scenario]:
    """The scenarios for one API, in SCENARIO_NAMES order (vpn-client only with VPN ranges).

    `api_arn` is the API's execution ARN (`arn:aws:execute-api:<region>:<account>:<api-id>`);
    `internet` is always emitted: for a PRIVATE API it shows what the policy alone would do.
    """
    parsed = parse_execute_api_arn(api_arn)
    if parsed is None or parsed.path:
        raise ScenarioError(
            "api_arn must be an API's execution ARN, arn:aws:execute-api:<region>:<account>:<api-id>"
            f" (got {api_arn!r})"
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
    other_endpoint = _fresh_id("vpce", "other-endpoint-same-vpc", ours)
    foreign_endpoint = _fresh_id("vpce", "foreign-endpoint", ours | {other_endpoint})
    foreign_vpc = _fresh_id("vpc", "foreign-vpc", {vpc_id})
    vpc_host = _host(vpc_network)
    foreign_host = _host(_foreign_range([vpc_network, *vpn_networks]))

    def request(context: dict[str, str]) -> Request:
        return Request(ACTION, f"{api_arn}/{stage}/{PROBE}", "*", context)

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
    return scenarios
