"""The execute-api interface endpoint: who can reach it on the network."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import partial

from gatehouse_guard.model import Finding, Resource, as_list, refers_to
from gatehouse_guard.rules.unknowns import Unresolved, checked, is_unknown, require, require_known

VPC = "aws:ec2/vpc:Vpc"
VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SG_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
_TCP = {"tcp", "6"}


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


@dataclass(frozen=True)
class IngressRule:
    source: str  # what declared it, for the message
    protocol: str
    from_port: int | None
    to_port: int | None
    cidrs: tuple[str, ...]
    other_sources: tuple[str, ...]  # prefix lists: cannot be bounded by a CIDR check


def _ingress(source, protocol, from_port, to_port, cidrs, others) -> IngressRule:
    # Unknown parts stay UNKNOWN: `_rule_problem` judges what is known first (a preview must
    # still fail on a known bad port or CIDR) and only then gives up on the rest.
    return IngressRule(
        source, protocol if is_unknown(protocol) else str(protocol or "").lower(), from_port, to_port,
        tuple(c for c in cidrs if c), tuple(o for o in others if o),
    )


def _inline_rules(sg: Resource) -> list[IngressRule]:
    rules = []
    for i, rule in enumerate(as_list(require_known(sg.props.get("ingress"), "ingress"))):
        if is_unknown(rule):
            rules.append(_ingress(f"{sg.label} ingress[{i}]", rule, rule, rule, [rule], []))
            continue
        rules.append(
            _ingress(
                f"{sg.label} ingress[{i}]",
                rule.get("protocol"),
                rule.get("fromPort"),
                rule.get("toPort"),
                as_list(rule.get("cidrBlocks")) + as_list(rule.get("ipv6CidrBlocks")),
                as_list(rule.get("prefixListIds")),
            )
        )
    return rules


def _separate_rules(sg: Resource, resources: Sequence[Resource]) -> list[IngressRule]:
    rules = []
    for r in resources:
        if r.type == SG_RULE and r.props.get("type") == "ingress":
            if refers_to(r, "securityGroupId", sg, "id"):
                rules.append(
                    _ingress(
                        r.label,
                        r.props.get("protocol"),
                        r.props.get("fromPort"),
                        r.props.get("toPort"),
                        as_list(r.props.get("cidrBlocks")) + as_list(r.props.get("ipv6CidrBlocks")),
                        as_list(r.props.get("prefixListIds")),
                    )
                )
        elif r.type == SG_INGRESS_RULE and refers_to(r, "securityGroupId", sg, "id"):
            rules.append(
                _ingress(
                    r.label,
                    r.props.get("ipProtocol"),
                    r.props.get("fromPort"),
                    r.props.get("toPort"),
                    [r.props.get("cidrIpv4"), r.props.get("cidrIpv6")],
                    [r.props.get("prefixListId")],
                )
            )
    return rules


def _within(cidr: str, allowed: Sequence[str]) -> bool:
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False
    for allowed_cidr in allowed:
        outer = ipaddress.ip_network(allowed_cidr, strict=False)
        if net.version == outer.version and net.subnet_of(outer):
            return True
    return False


def _port(value) -> str:
    # The engine sends numbers as floats (protobuf Struct): show 443, not 443.0.
    if is_unknown(value):
        return "(unknown)"
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _rule_problem(rule: IngressRule, allowed: Sequence[str]) -> str | None:
    """What the rule admits beyond tcp/443 from `allowed`, judged on its known parts; raises
    Unresolved only when no known part is wrong and an unknown one could be."""
    ports = (rule.from_port, rule.to_port)
    if not is_unknown(rule.protocol) and rule.protocol not in _TCP:
        what = "all protocols and ports" if rule.protocol in ("-1", "all") else rule.protocol
        return f"admits {what}"
    # A range with one known end other than 443 admits that port, whatever the other end is.
    if any(not is_unknown(port) and port != 443 for port in ports):
        return f"admits tcp ports {_port(rule.from_port)}-{_port(rule.to_port)}"
    admits = "tcp/443" if not any(map(is_unknown, (rule.protocol, *ports))) else "traffic"
    outside = [c for c in rule.cidrs if not is_unknown(c) and not _within(str(c), allowed)]
    if outside:
        return f"admits {admits} from {', '.join(map(str, outside))}"
    prefix_lists = [o for o in rule.other_sources if not is_unknown(o)]
    if prefix_lists:
        return f"admits {admits} from prefix list {', '.join(prefix_lists)}"
    require([rule.protocol, *ports, *rule.cidrs, *rule.other_sources],
            f"{rule.source} (protocol, ports, sources)")
    return None


def _vpc_cidr(endpoint: Resource, resources: Sequence[Resource], configured: str) -> str:
    vpcs = [r for r in resources if r.type == VPC and refers_to(endpoint, "vpcId", r, "id")]
    if vpcs:
        return require(vpcs[0].props.get("cidrBlock"), "the VPC's cidrBlock")
    if configured:
        return configured
    raise _NoVpcCidr()


class _NoVpcCidr(Exception):
    pass


def check_endpoint_security_groups(
    resources: Sequence[Resource], *, vpc_cidr: str = "", extra_cidrs: Sequence[str] = ()
) -> list[Finding]:
    """Every execute-api endpoint's groups admit only tcp/443 from the VPC (+ `extra_cidrs`)."""
    groups = [r for r in resources if r.type == SECURITY_GROUP]
    findings: list[Finding] = []
    for endpoint in filter(is_execute_api_endpoint, resources):
        findings.extend(
            checked(partial(_check_endpoint, resources=resources, groups=groups,
                            vpc_cidr=vpc_cidr, extra_cidrs=extra_cidrs), endpoint)
        )
    return findings


def _check_endpoint(
    endpoint: Resource,
    *,
    resources: Sequence[Resource],
    groups: Sequence[Resource],
    vpc_cidr: str,
    extra_cidrs: Sequence[str],
) -> Iterator[Finding]:
    try:
        cidr = _vpc_cidr(endpoint, resources, vpc_cidr)
    except _NoVpcCidr:
        yield Finding(
            f"{endpoint.label}: the VPC is not created by this stack and the policy config has "
            "no vpcCidr, so its security group cannot be checked; set vpcCidr",
            endpoint.urn or None,
        )
        return
    allowed = [cidr, *extra_cidrs]
    ids = as_list(endpoint.props.get("securityGroupIds"))
    attached = [sg for sg in groups if refers_to(endpoint, "securityGroupIds", sg, "id")]
    if not ids and not attached:
        yield Finding(
            f"{endpoint.label} has no securityGroupIds, so the VPC's default security group "
            f"applies; attach a dedicated group admitting only tcp/443 from {', '.join(allowed)}",
            endpoint.urn or None,
        )
    known_ids = {sg.props.get("id") for sg in attached}
    foreign = [i for i in ids if not is_unknown(i) and i not in known_ids]
    if foreign:
        yield Finding(
            f"{endpoint.label} uses security group(s) {', '.join(foreign)} not managed by this "
            "stack, whose rules cannot be checked; allowed: groups this stack declares",
            endpoint.urn or None,
        )
    # Whatever cannot be judged yet is reported last, after every known rule is judged.
    unresolved: Unresolved | None = None
    if len(attached) < len(ids) - len(foreign):
        unresolved = Unresolved("a security group id in securityGroupIds")
    allowed_text = f"tcp/443 from {', '.join(allowed)}"
    for sg in attached:
        try:
            rules = _inline_rules(sg)
        except Unresolved as exc:
            unresolved, rules = unresolved or exc, []
        for rule in rules + _separate_rules(sg, resources):
            try:
                problem = _rule_problem(rule, allowed)
            except Unresolved as exc:
                unresolved = unresolved or exc
                continue
            if problem:
                yield Finding(
                    f"{sg.label}, the security group of execute-api endpoint "
                    f"{endpoint.label}, {problem} (via {rule.source}); allowed: {allowed_text}",
                    sg.urn or None,
                )
    if unresolved is not None:
        raise unresolved
