"""The ALB that fronts the private API's custom domain.

Types are named by their `aws:lb/*` tokens; `Resource` maps the `aws:alb/*` spellings (and the
older module aliases) onto them, so one rule covers every way a program declares the ALB.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator, Mapping, Sequence
from functools import partial

from gatehouse_guard.model import Finding, ReferenceIndex, Resource, StackIndex, as_list
from gatehouse_guard.rules.endpoint_network import gate_findings, is_execute_api_endpoint
from gatehouse_guard.rules.security_groups import SecurityGroups
from gatehouse_guard.rules.unknowns import Unresolved, checked, is_unknown, require, require_known

LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
LISTENER = "aws:lb/listener:Listener"
LISTENER_RULE = "aws:lb/listenerRule:ListenerRule"
TARGET_GROUP_ATTACHMENT = "aws:lb/targetGroupAttachment:TargetGroupAttachment"

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
    forward to a target group not created yet is known to be wrong on plain HTTP). A redirect
    without `protocol` keeps "#{protocol}", i.e. stays on HTTP."""
    kind = action if is_unknown(action) else (action.get("type") if isinstance(action, Mapping) else None)
    if is_unknown(kind):
        return None
    if str(kind or "").lower() != "redirect":
        return False
    redirect = action.get("redirect") or {}
    protocol = redirect if is_unknown(redirect) else redirect.get("protocol")
    return None if is_unknown(protocol) else str(protocol or "").upper() == "HTTPS"


def listener_protocol(listener: Resource) -> str:
    """The listener's protocol; unset is HTTP (pulumi-aws: "For Application Load Balancers,
    valid values are `HTTP` and `HTTPS`, with a default of `HTTP`")."""
    return str(require(listener.props.get("protocol"), "protocol") or "HTTP").upper()


def check_listener_tls(listener: Resource) -> Iterator[Finding]:
    if listener.type != LISTENER:
        return
    protocol = listener_protocol(listener)
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
    if protocol not in ("HTTPS", "TLS"):  # TLS: an NLB terminating TLS has an sslPolicy too
        return
    policy = require(listener.props.get("sslPolicy"), "sslPolicy")
    if not policy or ssl_policy_minor(str(policy)) < 2:
        shown = policy or "unset (the API default ELBSecurityPolicy-2016-08 allows TLS 1.0)"
        yield Finding(
            f"{listener.label} has sslPolicy {shown}; allowed: TLS 1.2 or stronger, e.g. "
            "ELBSecurityPolicy-TLS13-1-2-2021-06 or ELBSecurityPolicy-TLS13-1-3-2021-06",
            listener.urn or None,
        )


def _forwards(action: object) -> bool:
    if not isinstance(action, Mapping):
        return False
    return (str(action.get("type") or "").lower() == "forward" or bool(action.get("targetGroupArn"))
            or bool(action.get("forward")))


def check_listener_rules_tls(resources: Sequence[Resource]) -> list[Finding]:
    """Stack-level: a rule on a plain-HTTP listener must not forward, even when the listener's
    default action redirects to HTTPS (rules are evaluated before the default action)."""
    index = StackIndex(resources)
    listeners = ReferenceIndex(index.of(LISTENER), "arn", "id")
    findings: list[Finding] = []
    for rule in index.of(LISTENER_RULE):
        findings.extend(checked(partial(_check_listener_rule, listeners=listeners), rule))
    return findings


def _check_listener_rule(rule: Resource, *, listeners: ReferenceIndex) -> Iterator[Finding]:
    listener = listeners.first(rule, "listenerArn")
    if listener is None or listener_protocol(listener) != "HTTP":
        return
    actions = as_list(require(rule.props.get("actions"), "actions"))
    if any(_forwards(a) for a in actions):
        yield Finding(
            f"{rule.label} forwards requests arriving on plain-HTTP {listener.label} to a target "
            "group, so they travel unencrypted even though the listener's default action may "
            "redirect; allowed on an HTTP listener: rules that only redirect to HTTPS",
            rule.urn or None,
        )


def check_target_attachment(attachment: Resource) -> Iterator[Finding]:
    """The ALB's targets are the endpoint's private ENI IPs: never a public address, never a
    target outside the VPC (`availabilityZone: all`)."""
    if attachment.type != TARGET_GROUP_ATTACHMENT:
        return
    target = require(attachment.props.get("targetId"), "targetId")
    try:
        address = ipaddress.ip_address(str(target))
    except ValueError:
        address = None
    if address is not None and address.is_global:
        yield Finding(
            f"{attachment.label} targets the public address {target}: the private API's load "
            "balancer would send its callers to the internet; allowed: the execute-api "
            "endpoint's private ENI IPs",
            attachment.urn or None,
        )
    zone = require(attachment.props.get("availabilityZone"), "availabilityZone")
    if isinstance(zone, str) and zone.lower() == "all":
        yield Finding(
            f"{attachment.label} has availabilityZone all, i.e. a target outside the load "
            "balancer's VPC; allowed: the execute-api endpoint's ENI IPs inside the VPC",
            attachment.urn or None,
        )


def _is_gated(lb: Resource) -> bool:
    """ALBs always have security groups; an NLB only when it declares some (then they gate it
    the same way)."""
    kind = lb.props.get("loadBalancerType")
    application = is_unknown(kind) or str(kind or "application").lower() == "application"
    return application or bool(as_list(lb.props.get("securityGroups")))


def check_alb_security_groups(
    resources: Sequence[Resource], *, vpc_cidr: str = "", vpc_extra_cidrs: Sequence[str] = (),
    extra_cidrs: Sequence[str] = (), vpn_cidrs: Sequence[str] = (),
) -> list[Finding]:
    """Stack-level: behind the ALB the API's resource policy sees only the ALB's addresses, so
    the ALB's security groups are the real gate: tcp on its listener ports from the VPC and
    `extra_cidrs` (consumers; VPN ranges only in a lower tier), never the world."""
    index = StackIndex(resources)
    groups = SecurityGroups(index)
    listeners = index.of(LISTENER)
    endpoint = next(filter(is_execute_api_endpoint, index.of("aws:ec2/vpcEndpoint:VpcEndpoint")), None)
    findings: list[Finding] = []
    for lb in filter(_is_gated, index.of(LOAD_BALANCER)):
        findings.extend(checked(partial(
            _check_alb, index=index, groups=groups, listeners=listeners, endpoint=endpoint,
            vpc_cidr=vpc_cidr, vpc_extra_cidrs=vpc_extra_cidrs, extra_cidrs=extra_cidrs,
            vpn_cidrs=vpn_cidrs), lb))
    return findings


def _listener_ports(lb: Resource, listeners: Sequence[Resource]) -> tuple[int, ...]:
    ports = []
    for listener in listeners:
        if lb.urn in listener.property_dependencies.get("loadBalancerArn", ()) or (
            isinstance(lb.props.get("arn"), str) and listener.props.get("loadBalancerArn") == lb.props["arn"]
        ):
            value = listener.props.get("port")
            if isinstance(value, int | float):
                ports.append(int(value))
    return tuple(ports) or (443,)


def _check_alb(
    lb: Resource, *, index: StackIndex, groups: SecurityGroups, listeners: Sequence[Resource],
    endpoint: Resource | None, vpc_cidr: str, vpc_extra_cidrs: Sequence[str],
    extra_cidrs: Sequence[str], vpn_cidrs: Sequence[str],
) -> Iterator[Finding]:
    yield from gate_findings(
        lb, groups.of_load_balancer(lb), f"load balancer {lb.label}", index=index, groups=groups,
        endpoint=endpoint, ports=_listener_ports(lb, listeners), vpc_cidr=vpc_cidr,
        vpc_extra_cidrs=vpc_extra_cidrs, extra_cidrs=extra_cidrs, vpn_cidrs=vpn_cidrs,
        note="; behind the ALB this group is the private API's real gate",
    )
