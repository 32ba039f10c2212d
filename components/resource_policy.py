"""The private API's resource policy and the execute-api endpoint's policy, as pure functions
(table-tested in tests/test_resource_policy.py).

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
import re
from collections.abc import Sequence
from typing import Any

INVOKE = "execute-api:Invoke"
# API Gateway expands this shorthand to the ARN of whatever the policy is attached to and
# stores (and returns) the expansion; the provider keeps what AWS returns, so a policy written
# this way shows as drift on every refresh. An API's policy therefore names its full ARN (see
# api_methods_arn); a private custom domain's cannot (its ARN is known only once it exists).
ALL_METHODS = "execute-api:/*"
_ACCOUNT_ID = re.compile(r"^\d{12}$")
_API_ID = re.compile(r"^[a-z0-9]{10}$")


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def api_methods_arn(*, region: str, account_id: str, api_id: str) -> str:
    """Every method of every stage of one API, as API Gateway stores a policy's Resource:
    `arn:aws:execute-api:<region>:<account>:<api-id>/*`."""
    if not _ACCOUNT_ID.match(account_id):
        raise ValueError(f"account id must be 12 digits (got {account_id!r})")
    if not _API_ID.match(api_id):
        raise ValueError(f"API id must be 10 lowercase letters or digits (got {api_id!r})")
    return f"arn:{partition_of(region)}:execute-api:{region}:{account_id}:{api_id}/*"


def build_endpoint_policy(*, partition: str, region: str, account_ids: Sequence[str]) -> dict[str, Any]:
    """The execute-api endpoint's policy: invoke only the private APIs (and private custom
    domains, `...:<account>:/domainnames/...`) of the given accounts, ours first.

    An interface endpoint without a policy admits any request to any account's API, so anyone
    in the VPC could reach every private API whose resource policy trusts a wide condition.
    """
    accounts = _unique(account_ids)
    if not accounts:
        raise ValueError("an endpoint policy needs at least one account")
    for account in accounts:
        if not _ACCOUNT_ID.match(account):
            raise ValueError(f"account ids must be 12 digits (got {account!r})")
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "InvokeOnlyTheseAccountsApis",
                "Effect": "Allow",
                "Principal": "*",
                "Action": INVOKE,
                "Resource": [f"arn:{partition}:execute-api:{region}:{a}:*" for a in accounts],
            }
        ],
    }


def build_private_api_policy(
    *,
    allowed_endpoint_ids: Sequence[str],
    allowed_cidrs: Sequence[str],
    resource: str = ALL_METHODS,
) -> dict[str, Any]:
    """The policy document for a PRIVATE API or a private custom domain.

    `allowed_endpoint_ids`: ours first, then the configured extras; must not be empty.
    `allowed_cidrs`: the VPC CIDR, consumer CIDRs and (lower tiers only, the caller decides)
    VPN ranges; must not be empty.
    `resource`: what every statement covers. Default: the `execute-api:/*` shorthand, which a
    private custom domain needs; an API passes its full ARN (api_methods_arn) so what AWS
    returns is what was written.
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
                "Resource": resource,
                "Condition": {"StringEquals": {"aws:SourceVpce": endpoints}},
            },
            {
                "Sid": "DenyInvokeThroughOtherEndpoints",
                "Effect": "Deny",
                "Principal": "*",
                "Action": INVOKE,
                "Resource": resource,
                "Condition": {"StringNotEquals": {"aws:SourceVpce": endpoints}},
            },
            {
                "Sid": "DenyInvokeFromOutsideAllowedNetworks",
                "Effect": "Deny",
                "Principal": "*",
                "Action": INVOKE,
                "Resource": resource,
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
