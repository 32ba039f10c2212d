"""The execute-api interface endpoint: who can reach it on the network."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial

from gatehouse_guard.model import Finding, Resource, StackIndex, refers_to
from gatehouse_guard.rules.security_groups import (
    VPC,
    Attached,
    SecurityGroups,
    port,
    rule_problem,
    vpc_cidrs,
)
from gatehouse_guard.rules.unknowns import Unresolved, checked

VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"


def is_execute_api_endpoint(resource: Resource) -> bool:
    service = resource.props.get("serviceName")
    return (
        resource.type == VPC_ENDPOINT
        and isinstance(service, str)
        and service.endswith(".execute-api")
    )


def check_endpoint_private_dns(endpoint: Resource) -> Iterator[Finding]:
    """Private DNS on this endpoint hijacks *.execute-api names for the whole VPC (seed 003)."""
    if is_execute_api_endpoint(endpoint) and endpoint.props.get("privateDnsEnabled") is True:
        yield Finding(
            f"{endpoint.label} has privateDnsEnabled: true, which breaks calls from this VPC to "
            "public API Gateway URLs; keep it off and call through the endpoint hostname with a "
            "Host or x-apigw-api-id header, or the private custom domain",
            endpoint.urn or None,
        )


def vpc_ranges(
    index: StackIndex, endpoint: Resource | None, configured: str, configured_extra: Sequence[str] = ()
) -> list[str]:
    """The ranges inside the endpoint's VPC: a VPC the stack creates gives its own (IPv4 and
    IPv6, secondary blocks included); an adopted one comes from the config. Raises _NoVpcCidr."""
    vpcs = index.of(VPC)
    vpc = next((v for v in vpcs if endpoint is not None and refers_to(endpoint, "vpcId", v, "id")), None)
    if vpc is None and endpoint is None and len(vpcs) == 1:
        vpc = vpcs[0]
    if vpc is not None:
        return vpc_cidrs(index, vpc)
    if configured:
        return [configured, *configured_extra]
    raise NoVpcCidr()


class NoVpcCidr(Exception):
    pass


def check_endpoint_security_groups(
    resources: Sequence[Resource], *, vpc_cidr: str = "", extra_cidrs: Sequence[str] = (),
    vpc_extra_cidrs: Sequence[str] = (), vpn_cidrs: Sequence[str] = (),
) -> list[Finding]:
    """Every execute-api endpoint's effective ingress admits only tcp/443 from the VPC (+
    `extra_cidrs`); `vpn_cidrs` only name what a finding admits."""
    index = StackIndex(resources)
    groups = SecurityGroups(index)
    findings: list[Finding] = []
    for endpoint in filter(is_execute_api_endpoint, index.of(VPC_ENDPOINT)):
        findings.extend(
            checked(partial(_check_endpoint, index=index, groups=groups, vpc_cidr=vpc_cidr,
                            vpc_extra_cidrs=vpc_extra_cidrs, extra_cidrs=extra_cidrs,
                            vpn_cidrs=vpn_cidrs), endpoint)
        )
    return findings


def _check_endpoint(
    endpoint: Resource, *, index: StackIndex, groups: SecurityGroups, vpc_cidr: str,
    vpc_extra_cidrs: Sequence[str], extra_cidrs: Sequence[str], vpn_cidrs: Sequence[str],
) -> Iterator[Finding]:
    yield from gate_findings(
        endpoint, groups.of_endpoint(endpoint), f"execute-api endpoint {endpoint.label}",
        index=index, groups=groups, endpoint=endpoint, ports=(443,), vpc_cidr=vpc_cidr,
        vpc_extra_cidrs=vpc_extra_cidrs, extra_cidrs=extra_cidrs, vpn_cidrs=vpn_cidrs,
    )


def gate_findings(
    owner: Resource, attached: Attached, role: str, *, index: StackIndex, groups: SecurityGroups,
    endpoint: Resource | None, ports: Sequence[int], vpc_cidr: str, vpc_extra_cidrs: Sequence[str],
    extra_cidrs: Sequence[str], vpn_cidrs: Sequence[str], note: str = "",
) -> Iterator[Finding]:
    """`owner`'s effective ingress (the groups `attached` to it) admits only tcp on `ports` from
    the endpoint's VPC and `extra_cidrs`; `role` names the owner in messages."""
    try:
        cidrs = vpc_ranges(index, endpoint, vpc_cidr, vpc_extra_cidrs)
    except NoVpcCidr:
        yield Finding(
            f"{owner.label}: the VPC is not created by this stack and the policy config has "
            "no vpcCidr, so its security groups cannot be checked; set vpcCidr",
            owner.urn or None,
        )
        return
    allowed = [*cidrs, *extra_cidrs]
    shown = (f"tcp/{'/'.join(port(p) for p in ports)} from "
             + ", ".join(c for c in allowed if not c.startswith("pending-")))
    yield from attachment_findings(owner, attached, shown)
    # Whatever cannot be judged yet is reported last, after every known rule is judged.
    unresolved = Unresolved(attached.pending_what) if attached.pending else None
    for sg in attached.groups:
        try:
            rules = groups.ingress(sg)
        except Unresolved as exc:
            unresolved, rules = unresolved or exc, []
        for rule in rules:
            try:
                problem = rule_problem(rule, allowed, ports=ports, groups=groups, vpn_cidrs=vpn_cidrs)
            except Unresolved as exc:
                unresolved = unresolved or exc
                continue
            if problem:
                yield Finding(
                    f"{sg.label}, the security group of {role}, {problem} (via {rule.source})"
                    f"{note}; allowed: {shown}",
                    sg.urn or None,
                )
    if unresolved is not None:
        raise unresolved


def attachment_findings(owner: Resource, attached: Attached, allowed_text: str) -> Iterator[Finding]:
    """No group at all (the VPC's default group applies) or groups whose rules are not here;
    references still unknown are the caller's to defer (`Attached.pending`)."""
    if not attached.declared:
        yield Finding(
            f"{owner.label} has no security groups attached (securityGroupIds, securityGroups, "
            "or an attachment resource), so the VPC's default security group applies; attach a "
            f"dedicated group admitting only {allowed_text}",
            owner.urn or None,
        )
    if attached.foreign:
        yield Finding(
            f"{owner.label} uses security group(s) {', '.join(attached.foreign)} not managed by this "
            "stack, whose rules cannot be checked; allowed: groups this stack declares",
            owner.urn or None,
        )
