"""The effective ingress of a network interface owner (the execute-api endpoint, the ALB): the
union of every group attached to it by any resource and of every rule any resource adds to those
groups, IPv4 and IPv6. Indexed once per stack.

Attached by: `VpcEndpoint.securityGroupIds`, `ec2/SecurityGroupAssociation` (endpoint),
`ec2/NetworkInterfaceSecurityGroupAttachment` (one of the endpoint's ENIs),
`LoadBalancer.securityGroups`. Rules from: inline `ingress`, `ec2/SecurityGroupRule`,
`vpc/SecurityGroupIngressRule`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gatehouse_guard.model import Resource, StackIndex, as_list, text_values
from gatehouse_guard.rules.unknowns import UNKNOWN, Unresolved, is_unknown, require, require_known

VPC = "aws:ec2/vpc:Vpc"
VPC_IPV4_CIDR = "aws:ec2/vpcIpv4CidrBlockAssociation:VpcIpv4CidrBlockAssociation"
VPC_IPV6_CIDR = "aws:ec2/vpcIpv6CidrBlockAssociation:VpcIpv6CidrBlockAssociation"
SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SG_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
SG_ASSOCIATION = "aws:ec2/securityGroupAssociation:SecurityGroupAssociation"
ENI_SG_ATTACHMENT = (
    "aws:ec2/networkInterfaceSecurityGroupAttachment:NetworkInterfaceSecurityGroupAttachment"
)
_TCP = {"tcp", "6"}


@dataclass(frozen=True)
class IngressRule:
    source: str  # what declared it, for the message
    protocol: str
    from_port: int | None
    to_port: int | None
    cidrs: tuple[str, ...]
    prefix_lists: tuple[str, ...]  # cannot be bounded by a CIDR check
    groups: tuple[str, ...]  # referenced security groups: their members may connect


@dataclass(frozen=True)
class Attached:
    groups: tuple[Resource, ...]  # groups this stack declares
    foreign: tuple[str, ...]  # ids of groups it does not
    pending: int  # references not resolvable yet (unknown ids)
    declared: int  # how many references there are at all
    pending_what: str = ""  # where the first of those is, for the message


def _ingress(source, protocol, from_port, to_port, cidrs, prefix_lists, groups) -> IngressRule:
    # Unknown parts stay UNKNOWN: `rule_problem` judges what is known first (a preview must
    # still fail on a known bad port or CIDR) and only then gives up on the rest.
    return IngressRule(
        source, protocol if is_unknown(protocol) else str(protocol or "").lower(), from_port, to_port,
        tuple(c for c in cidrs if c), tuple(p for p in prefix_lists if p),
        tuple(g for g in groups if g),
    )


def _whole_unknown_rule(source: str) -> IngressRule:
    return IngressRule(source, UNKNOWN, UNKNOWN, UNKNOWN, (UNKNOWN,), (), ())


class SecurityGroups:
    """Groups by id and URN, the rules each group gets, and what attaches groups to what."""

    def __init__(self, index: StackIndex) -> None:
        self._groups: dict[str, Resource] = {}
        for group in index.of(SECURITY_GROUP):
            for key in (group.urn, *text_values(group.props.get("id"))):
                if key:
                    self._groups.setdefault(key, group)
        self._separate: dict[str, list[Resource]] = {}
        for rule in index.of(SG_RULE, SG_INGRESS_RULE):
            if rule.type == SG_RULE and rule.props.get("type") != "ingress":
                continue
            group = self.group(rule, "securityGroupId")
            if group is not None:
                self._separate.setdefault(group.urn or group.name, []).append(rule)
        self._associations = index.of(SG_ASSOCIATION)
        self._eni_attachments = index.of(ENI_SG_ATTACHMENT)

    def group(self, source: Resource, prop: str) -> Resource | None:
        for urn in source.property_dependencies.get(prop, ()):
            if urn in self._groups:
                return self._groups[urn]
        return next((self._groups[v] for v in text_values(source.props.get(prop)) if v in self._groups), None)

    def declares(self, group_id: str) -> bool:
        return group_id in self._groups

    def _resolve(self, references: Sequence[tuple[Resource, str, object]]) -> Attached:
        """references: (resource, prop, one value of that prop). A value unknown during a
        preview is matched through the prop's dependencies on declared groups."""
        groups: dict[str, Resource] = {}
        foreign: list[str] = []
        unknown: dict[tuple[str, str], int] = {}
        sources: dict[tuple[str, str], Resource] = {}
        for source, prop, value in references:
            if is_unknown(value):
                key = (source.urn or source.name, prop)
                unknown[key] = unknown.get(key, 0) + 1
                sources[key] = source
            elif isinstance(value, str) and value in self._groups:
                group = self._groups[value]
                groups[group.urn or group.name] = group
            elif isinstance(value, str) and value:
                foreign.append(value)
        pending, pending_what = 0, ""
        owner = references[0][0] if references else None
        for key, count in unknown.items():
            source = sources[key]
            found = [self._groups[u] for u in source.property_dependencies.get(key[1], ())
                     if u in self._groups]
            for group in found:
                groups[group.urn or group.name] = group
            if count > len(found):
                pending += count - len(found)
                pending_what = pending_what or (
                    f"a security group id in {key[1]}" if source is owner
                    else f"the security group id of {source.label}")
        return Attached(tuple(groups.values()), tuple(dict.fromkeys(foreign)), pending, len(references),
                        pending_what)

    def referenced(self, source: Resource, prop: str, values: Sequence[object]) -> list[str]:
        """Referenced group ids of a rule; an unknown one stands for the declared group the prop
        depends on, or stays UNKNOWN for `rule_problem` to defer."""
        ids: list = []
        for value in values:
            if is_unknown(value):
                found = [u for u in source.property_dependencies.get(prop, ()) if u in self._groups]
                ids.extend(found or [UNKNOWN])
            elif isinstance(value, str) and value:
                ids.append(value)
        return ids

    def of_endpoint(self, endpoint: Resource) -> Attached:
        references = [(endpoint, "securityGroupIds", v) for v in as_list(endpoint.props.get("securityGroupIds"))]
        for association in self._associations:
            if _points_at(association, "vpcEndpointId", endpoint, "id"):
                references.append((association, "securityGroupId", association.props.get("securityGroupId")))
        enis = set(text_values(endpoint.props.get("networkInterfaceIds")))
        for attachment in self._eni_attachments:
            eni = attachment.props.get("networkInterfaceId")
            if (isinstance(eni, str) and eni in enis) or endpoint.urn in attachment.property_dependencies.get(
                "networkInterfaceId", ()
            ):
                references.append((attachment, "securityGroupId", attachment.props.get("securityGroupId")))
        return self._resolve(references)

    def of_load_balancer(self, lb: Resource) -> Attached:
        return self._resolve([(lb, "securityGroups", v) for v in as_list(lb.props.get("securityGroups"))])

    def ingress(self, group: Resource) -> list[IngressRule]:
        """Inline rules, then every separate rule resource, in stack order."""
        rules = []
        inline = as_list(require_known(group.props.get("ingress"), f"{group.label} ingress"))
        for i, rule in enumerate(r for r in inline if isinstance(r, Mapping) or is_unknown(r)):
            if is_unknown(rule):
                rules.append(_whole_unknown_rule(f"{group.label} ingress[{i}]"))
                continue
            rules.append(_ingress(
                f"{group.label} ingress[{i}]", rule.get("protocol"), rule.get("fromPort"),
                rule.get("toPort"),
                as_list(rule.get("cidrBlocks")) + as_list(rule.get("ipv6CidrBlocks")),
                as_list(rule.get("prefixListIds")),
                self.referenced(group, "ingress", as_list(rule.get("securityGroups")))
                + (["self"] if rule.get("self") is True else []),
            ))
        for r in self._separate.get(group.urn or group.name, []):
            if r.type == SG_RULE:
                rules.append(_ingress(
                    r.label, r.props.get("protocol"), r.props.get("fromPort"), r.props.get("toPort"),
                    as_list(r.props.get("cidrBlocks")) + as_list(r.props.get("ipv6CidrBlocks")),
                    as_list(r.props.get("prefixListIds")),
                    self.referenced(r, "sourceSecurityGroupId", [r.props.get("sourceSecurityGroupId")])
                    + (["self"] if r.props.get("self") is True else []),
                ))
            else:
                rules.append(_ingress(
                    r.label, r.props.get("ipProtocol"), r.props.get("fromPort"), r.props.get("toPort"),
                    [r.props.get("cidrIpv4"), r.props.get("cidrIpv6")],
                    [r.props.get("prefixListId")],
                    self.referenced(r, "referencedSecurityGroupId", [r.props.get("referencedSecurityGroupId")]),
                ))
        return rules


def _points_at(source: Resource, prop: str, target: Resource, key: str) -> bool:
    if target.urn and target.urn in source.property_dependencies.get(prop, ()):
        return True
    value = target.props.get(key)
    return isinstance(value, str) and value in text_values(source.props.get(prop))


def vpc_cidrs(index: StackIndex, vpc: Resource) -> list[str]:
    """Every range of a VPC the stack creates: primary and secondary IPv4, and its IPv6 blocks (a
    dual-stack VPC's own IPv6 range is inside the VPC)."""
    cidrs = [require(vpc.props.get("cidrBlock"), "the VPC's cidrBlock")]
    ipv6 = vpc.props.get("ipv6CidrBlock")
    if is_unknown(ipv6):
        cidrs.append(_PENDING_IPV6)
    elif isinstance(ipv6, str) and ipv6:
        cidrs.append(ipv6)
    for association in index.of(VPC_IPV4_CIDR, VPC_IPV6_CIDR):
        if _points_at(association, "vpcId", vpc, "id"):
            key = "cidrBlock" if association.type == VPC_IPV4_CIDR else "ipv6CidrBlock"
            value = association.props.get(key)
            if is_unknown(value):
                cidrs.append(_PENDING_IPV6 if key == "ipv6CidrBlock" else _PENDING_IPV4)
            elif isinstance(value, str) and value:
                cidrs.append(value)
    return cidrs


# Stand-ins for a VPC range AWS has not assigned yet (an Amazon-provided IPv6 block): a rule
# source of that family cannot be shown to be inside the VPC until it is known.
_PENDING_IPV4 = "pending-ipv4"
_PENDING_IPV6 = "pending-ipv6"


def within(cidr: str, allowed: Sequence[str]) -> bool:
    """Whether `cidr` lies inside one of `allowed`; raises Unresolved when that depends on a VPC
    range not assigned yet."""
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return False
    for allowed_cidr in allowed:
        if allowed_cidr in (_PENDING_IPV4, _PENDING_IPV6):
            continue
        try:
            outer = ipaddress.ip_network(allowed_cidr, strict=False)
        except ValueError:
            continue
        if net.version == outer.version and net.subnet_of(outer):
            return True
    if (_PENDING_IPV6 if net.version == 6 else _PENDING_IPV4) in allowed:
        raise Unresolved("the VPC's IP range (assigned by AWS at create time)")
    return False


def overlaps(cidr: str, networks: Sequence[str]) -> bool:
    try:
        net = ipaddress.ip_network(cidr, strict=False)
        return any(
            net.version == (other := ipaddress.ip_network(n, strict=False)).version and net.overlaps(other)
            for n in networks
        )
    except ValueError:
        return False


def port(value) -> str:
    # The engine sends numbers as floats (protobuf Struct): show 443, not 443.0.
    if is_unknown(value):
        return "(unknown)"
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def rule_problem(
    rule: IngressRule, allowed: Sequence[str], *, ports: Sequence[int], groups: SecurityGroups,
    vpn_cidrs: Sequence[str] = (),
) -> str | None:
    """What `rule` admits beyond tcp on `ports` from `allowed` networks, or None; judged on its
    known parts, raising Unresolved only when no known part is wrong and an unknown one could be."""
    ends = (rule.from_port, rule.to_port)
    if not is_unknown(rule.protocol) and rule.protocol not in _TCP:
        what = "all protocols and ports" if rule.protocol in ("-1", "all") else rule.protocol
        return f"admits {what}"
    # A range with one known end outside `ports` admits that port, whatever the other end is.
    known_ends = [p for p in ends if not is_unknown(p)]
    if any(p not in ports for p in known_ends) or (len(known_ends) == 2 and ends[0] != ends[1]):
        return f"admits tcp ports {port(rule.from_port)}-{port(rule.to_port)}"
    shown = f"tcp/{port(rule.from_port)}" if not any(map(is_unknown, (rule.protocol, *ends))) else "traffic"
    outside = [c for c in rule.cidrs if not is_unknown(c) and not within(str(c), allowed)]
    if outside:
        vpn = [c for c in outside if overlaps(str(c), vpn_cidrs)]
        note = f" (VPN range{'s' if len(vpn) > 1 else ''} {', '.join(vpn)}: never in prod)" if vpn else ""
        return f"admits {shown} from {', '.join(map(str, outside))}{note}"
    prefix_lists = [p for p in rule.prefix_lists if not is_unknown(p)]
    if prefix_lists:
        return f"admits {shown} from prefix list {', '.join(prefix_lists)}"
    # A referenced group admits whatever holds it; one this stack declares lives in its VPC.
    foreign = [g for g in rule.groups if g != "self" and not is_unknown(g) and not groups.declares(g)]
    if foreign:
        return (f"admits {shown} from members of security group {', '.join(foreign)}, which this "
                "stack does not declare, so who holds it cannot be checked")
    require([rule.protocol, *ends, *rule.cidrs, *rule.prefix_lists, *rule.groups],
            f"{rule.source} (protocol, ports, sources)")
    return None
