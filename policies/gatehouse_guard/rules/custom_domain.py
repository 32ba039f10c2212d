"""TLS on API Gateway custom domains."""

from __future__ import annotations

import re
from collections.abc import Iterator

from gatehouse_guard.model import Finding, Resource
from gatehouse_guard.rules.unknowns import require

DOMAIN_NAME = "aws:apigateway/domainName:DomainName"

# Enhanced policies spell their minimum version: SecurityPolicy_TLS13_1_3_2025_09 -> 1.3.
_ENHANCED = re.compile(r"^SecurityPolicy_TLS1\d_1_(\d)")
_LEGACY = {"TLS_1_0": 0, "TLS_1_2": 2}


def tls_minor(policy: str) -> int | None:
    """The minimum TLS 1.x minor version a domain security policy accepts; None if unrecognised."""
    if policy in _LEGACY:
        return _LEGACY[policy]
    match = _ENHANCED.match(policy)
    return int(match.group(1)) if match else None


def check_domain_tls(domain: Resource) -> Iterator[Finding]:
    if domain.type != DOMAIN_NAME:
        return
    policy = require(domain.props.get("securityPolicy"), "securityPolicy")
    minor = tls_minor(str(policy)) if policy else None
    if minor is None or minor < 2:
        shown = policy or "unset (AWS would pick the default, which drifts)"
        yield Finding(
            f"{domain.label} has securityPolicy {shown}; allowed: TLS 1.2 or stronger, i.e. "
            "TLS_1_2 or an enhanced SecurityPolicy_TLS13_1_2_* / SecurityPolicy_TLS13_1_3_*",
            domain.urn or None,
        )
