"""The private API's resource policy, as a pure function (table-tested in tests/test_resource_policy.py).

Three statements, each for a lesson paid for in the field:

- Allow `execute-api:Invoke` only through the allowed VPC endpoints.
- Deny through any other endpoint, or none. One condition key per Deny: several keys under one
  `StringNotEquals` are ANDed, so `{SourceVpce: A, SourceVpc: B}` would not deny a request from
  VPC B through endpoint C (seed 000's first attempt).
- Deny callers whose `aws:VpcSourceIp` is outside the allowed networks. `aws:SourceIp` is absent
  for traffic through a VPC endpoint, so a condition on it never matches there (seed 000 used it).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any

INVOKE = "execute-api:Invoke"
# API Gateway expands this to the ARN of whatever the policy is attached to (API or domain), so
# the policy needs neither the account id nor the API's own id (which would be a cycle).
ALL_METHODS = "execute-api:/*"


def build_private_api_policy(
    *,
    allowed_endpoint_ids: Sequence[str],
    allowed_cidrs: Sequence[str],
) -> dict[str, Any]:
    """The policy document for a PRIVATE API or a private custom domain.

    `allowed_endpoint_ids`: ours first, then the configured extras; must not be empty.
    `allowed_cidrs`: the VPC CIDR, consumer CIDRs and (lower tiers only, the caller decides)
    VPN ranges; must not be empty.
    """
    endpoints = _unique(allowed_endpoint_ids)
    if not endpoints:
        raise ValueError("a private API policy needs at least one allowed VPC endpoint")
    for endpoint in endpoints:
        if not endpoint.startswith("vpce-") or "*" in endpoint or "?" in endpoint:
            raise ValueError(f"allowed endpoint ids must be literal vpce- ids (got {endpoint!r})")
    networks = _unique(str(ipaddress.ip_network(c, strict=True)) for c in allowed_cidrs)
    if not networks:
        raise ValueError("a private API policy needs at least one allowed network")
    for network in networks:
        if ipaddress.ip_network(network).prefixlen == 0:
            raise ValueError(f"{network} would admit every address")

    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowInvokeThroughAllowedEndpoints",
                "Effect": "Allow",
                "Principal": "*",
                "Action": INVOKE,
                "Resource": ALL_METHODS,
                "Condition": {"StringEquals": {"aws:SourceVpce": endpoints}},
            },
            {
                "Sid": "DenyInvokeThroughOtherEndpoints",
                "Effect": "Deny",
                "Principal": "*",
                "Action": INVOKE,
                "Resource": ALL_METHODS,
                "Condition": {"StringNotEquals": {"aws:SourceVpce": endpoints}},
            },
            {
                "Sid": "DenyInvokeFromOutsideAllowedNetworks",
                "Effect": "Deny",
                "Principal": "*",
                "Action": INVOKE,
                "Resource": ALL_METHODS,
                "Condition": {"NotIpAddress": {"aws:VpcSourceIp": networks}},
            },
        ],
    }


def allowed_networks(
    *, vpc_cidr: str, consumer_cidrs: Sequence[str], vpn_cidrs: Sequence[str], is_prod: bool
) -> list[str]:
    """Who may call from which network. Prod never admits a VPN range, whatever it is given."""
    networks = [vpc_cidr, *consumer_cidrs]
    if not is_prod:
        networks.extend(vpn_cidrs)
    return _unique(networks)


def _unique(values) -> list[str]:
    seen: list[str] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen
