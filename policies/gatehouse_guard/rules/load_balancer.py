"""The ALB that fronts the private API's custom domain."""

from __future__ import annotations

import re
from collections.abc import Iterator

from gatehouse_guard.model import Finding, Resource, as_list
from gatehouse_guard.rules.unknowns import Unresolved, is_unknown, require, require_known

LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"

# ELBSecurityPolicy-TLS13-1-2-2021-06 -> 1.2; names without a version (2016-08) allow TLS 1.0.
_SSL_VERSION = re.compile(r"-(?:TLS13|TLS|FS)-1-(\d)(?:-|$)")


def ssl_policy_minor(policy: str) -> int:
    match = _SSL_VERSION.search(policy)
    return int(match.group(1)) if match else 0


def check_alb_internal(lb: Resource) -> Iterator[Finding]:
    if lb.type != LOAD_BALANCER:
        return
    if require(lb.props.get("internal"), "internal") is not True:
        yield Finding(
            f"{lb.label} is internet-facing; the ALB in front of the private API must set "
            "internal: true (private subnets only)",
            lb.urn or None,
        )


def check_alb_deletion_protection(lb: Resource) -> Iterator[Finding]:
    if lb.type != LOAD_BALANCER:
        return
    if require(lb.props.get("enableDeletionProtection"), "enableDeletionProtection") is not True:
        yield Finding(
            f"{lb.label} has enableDeletionProtection off; set it to true so the private "
            "API's front door cannot be deleted by a stray change",
            lb.urn or None,
        )


def _https_redirect(action) -> bool | None:
    """Whether one default action redirects to HTTPS; None while what decides it is unknown (a
    forward to a target group not created yet is known to be wrong on plain HTTP)."""
    kind = action if is_unknown(action) else action.get("type")
    if is_unknown(kind):
        return None
    if kind != "redirect":
        return False
    redirect = action.get("redirect") or {}
    protocol = redirect if is_unknown(redirect) else redirect.get("protocol")
    return None if is_unknown(protocol) else protocol == "HTTPS"


def check_listener_tls(listener: Resource) -> Iterator[Finding]:
    if listener.type != LISTENER:
        return
    protocol = str(require(listener.props.get("protocol"), "protocol") or "").upper()
    if protocol == "HTTP":
        actions = as_list(require_known(listener.props.get("defaultActions"), "defaultActions"))
        verdicts = [_https_redirect(a) for a in actions]
        if None in verdicts and False not in verdicts:
            raise Unresolved("defaultActions (type, redirect protocol)")
        if not actions or False in verdicts:
            yield Finding(
                f"{listener.label} serves plain HTTP; allowed: HTTPS with a TLS 1.2+ "
                "sslPolicy, or HTTP whose default actions only redirect to HTTPS",
                listener.urn or None,
            )
        return
    if protocol != "HTTPS":
        return
    policy = require(listener.props.get("sslPolicy"), "sslPolicy")
    if not policy or ssl_policy_minor(str(policy)) < 2:
        shown = policy or "unset (the API default ELBSecurityPolicy-2016-08 allows TLS 1.0)"
        yield Finding(
            f"{listener.label} has sslPolicy {shown}; allowed: TLS 1.2 or stronger, e.g. "
            "ELBSecurityPolicy-TLS13-1-2-2021-06 or ELBSecurityPolicy-TLS13-1-3-2021-06",
            listener.urn or None,
        )
