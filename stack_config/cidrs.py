"""Which networks may be named as callers of the private API (VPN pools, peered or on-premises
networks): private IPv4 ranges only.

Behind the execute-api endpoint `aws:VpcSourceIp` is an address inside the organisation's
networks, so a public range never names a real caller; a range that reaches past the private
blocks (0.0.0.0/0, 0.0.0.0/1, 10.0.0.0/7, ...) opens the API and its security groups to
everyone. The security group rules are IPv4 (`cidr_ipv4`), so ::/0 and every IPv6 range are
refused rather than silently dropped.
"""

from __future__ import annotations

import ipaddress

# RFC 1918, plus RFC 6598 shared address space (VPN services commonly hand clients 100.64/10).
PRIVATE_BLOCKS = tuple(
    ipaddress.IPv4Network(block) for block in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")
)


def caller_range_problem(cidr: str) -> str | None:
    """Why `cidr` (already a valid, normalised CIDR) cannot name callers, or None."""
    network = ipaddress.ip_network(cidr)
    if network.version != 4:
        return "must be an IPv4 range: the endpoint's security group rules are IPv4"
    if network.prefixlen == 0:
        return "must not be 0.0.0.0/0: it admits every address"
    if not any(network.subnet_of(block) for block in PRIVATE_BLOCKS):
        blocks = ", ".join(str(b) for b in PRIVATE_BLOCKS)
        return f"must lie inside one private block ({blocks}): a wider or public range admits callers nobody named"
    return None
