"""Other front doors to the private side: anything public that forwards to the private API, its
endpoint, its custom domain or the internal load balancer in front of it.

- HTTP APIs (`apigatewayv2`, always public) and non-PRIVATE REST APIs whose integration reaches
  an internal load balancer through a VPC link, or whose HTTP integration targets the private
  API, the execute-api endpoint, the private domain or an internal load balancer by hostname.
  (An HTTP API routing to a private *function* is `no-mixed-gateways`' finding.)
- CloudFront VPC origins and distributions in front of an internal load balancer or a private
  hostname; Global Accelerator endpoint groups in front of an internal load balancer, or custom
  routing into the subnets the endpoint or the load balancer live in.
- A record for the private domain, or pointing at a private hostname, in a PUBLIC hosted zone.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import partial
from typing import Any

from gatehouse_guard.model import Finding, Resource, StackIndex, as_list, text_values
from gatehouse_guard.rules.topology import (
    HTTP_API_INTEGRATION,
    INTEGRATION,
    Topology,
    host_of,
)
from gatehouse_guard.rules.unknowns import Unresolved, checked, is_unknown, require

REST_VPC_LINK = "aws:apigateway/vpcLink:VpcLink"
HTTP_API_VPC_LINK = "aws:apigatewayv2/vpcLink:VpcLink"
CLOUDFRONT_VPC_ORIGIN = "aws:cloudfront/vpcOrigin:VpcOrigin"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
ENDPOINT_GROUP = "aws:globalaccelerator/endpointGroup:EndpointGroup"
CUSTOM_ROUTING_ENDPOINT_GROUP = "aws:globalaccelerator/customRoutingEndpointGroup:CustomRoutingEndpointGroup"
ZONE = "aws:route53/zone:Zone"
ZONE_ASSOCIATION = "aws:route53/zoneAssociation:ZoneAssociation"
RECORD = "aws:route53/record:Record"
RECORDS_EXCLUSIVE = "aws:route53/recordsExclusive:RecordsExclusive"
_ALLOWED = "allowed: the private side is reached only through the PRIVATE API's endpoint"


class _Doors:
    """The joins this rule needs on top of the topology, indexed once."""

    def __init__(self, topology: Topology) -> None:
        self.topology = topology
        index = topology.index
        # What each private resource is called in a finding, by URN (dependency joins).
        self.private_by_urn = {
            r.urn: f"{what} {r.label}"
            for what, rs in (("the PRIVATE", topology.private_apis),
                             ("execute-api endpoint", topology.endpoints),
                             ("private custom domain", topology.private_domains),
                             ("internal load balancer", topology.internal_lbs))
            for r in rs if r.urn
        }
        self.declared_lbs = _keyed(topology.load_balancers, "arn", "id")
        for listener in index.of("aws:lb/listener:Listener"):
            for key in (listener.urn, *text_values(listener.props.get("arn"))):
                if key:
                    self.declared_lbs.setdefault(key, listener)
        self.rest_vpc_links = _keyed(index.of(REST_VPC_LINK), "id", "arn")
        self.vpc_origins = _keyed(index.of(CLOUDFRONT_VPC_ORIGIN), "id", "arn")
        self.private_subnets = {
            s for r in (*topology.endpoints, *topology.internal_lbs)
            for s in text_values(r.props.get("subnetIds")) + text_values(r.props.get("subnets"))
        }
        self.zones = _keyed(index.of(ZONE), "zoneId", "id")
        private_zone_urns = {z.urn for z in index.of(ZONE) if as_list(z.props.get("vpcs"))}
        for association in index.of(ZONE_ASSOCIATION):
            zone = _lookup(self.zones, association, "zoneId")
            if zone is not None:
                private_zone_urns.add(zone.urn)
        self.private_zone_urns = private_zone_urns
        self.private_names = {host_of(str(d.props.get("domainName") or "")) for d in topology.private_domains} - {""}

    def private_target(self, source: Resource, prop: str, value: Any = None) -> str | None:
        """What private thing a URL or ARN in `source.props[prop]` reaches, by value or by
        dependency (a URL built from the private API's id is unknown in a preview)."""
        value = source.props.get(prop) if value is None else value
        for text in text_values(value):
            lb = self.topology.internal_lb_for(text)
            if lb is not None:
                return f"internal load balancer {lb.label}"
            host = self.topology.private_host(text)
            if host:
                return host
        return self.depended_on(source, prop)

    def depended_on(self, source: Resource, prop: str) -> str | None:
        """The private thing `source.props[prop]` was built from (its value may be unknown in a
        preview, or nested where a value match cannot see it), or None."""
        for urn in source.property_dependencies.get(prop, ()):
            if urn in self.private_by_urn:
                return self.private_by_urn[urn]
            origin = self.vpc_origins.get(urn)
            if origin is not None:
                lbs = _internal_lbs_in(self, origin.props.get("vpcOriginEndpointConfig"), "arn")
                lb = lbs[0] if lbs else self.topology.internal_lb(origin, "vpcOriginEndpointConfig")
                if lb is not None:
                    return f"internal load balancer {lb.label}"
        return None

    def vpc_link_target(self, source: Resource, prop: str) -> str | None:
        """What a VPC link's target reaches: a private thing, None for a load balancer this
        stack declares internet-facing (alb-internal's business), or an undeclared ARN."""
        reached = self.private_target(source, prop)
        if reached:
            return reached
        if _lookup(self.declared_lbs, source, prop) is not None:
            return None
        shown = ", ".join(text_values(source.props.get(prop))) or "its target"
        return f"{shown}, which this stack does not declare, so what it reaches cannot be checked"


def _keyed(resources: Sequence[Resource], *keys: str) -> dict[str, Resource]:
    table: dict[str, Resource] = {}
    for resource in resources:
        for key in (resource.urn, *(v for k in keys for v in text_values(resource.props.get(k)))):
            if key:
                table.setdefault(key, resource)
    return table


def _lookup(table: Mapping[str, Resource], source: Resource, prop: str) -> Resource | None:
    for urn in source.property_dependencies.get(prop, ()):
        if urn in table:
            return table[urn]
    return next((table[v] for v in text_values(source.props.get(prop)) if v in table), None)


def _mappings(value: Any) -> list[Mapping[str, Any]]:
    return [v for v in as_list(value) if isinstance(v, Mapping)]


def check_front_doors(resources: Sequence[Resource]) -> list[Finding]:
    doors = _Doors(Topology(StackIndex(resources)))
    index = doors.topology.index
    checks = [
        (INTEGRATION, _rest_integration), (HTTP_API_INTEGRATION, _http_api_integration),
        (CLOUDFRONT_VPC_ORIGIN, _in_front_of_lb), (DISTRIBUTION, _distribution),
        (ENDPOINT_GROUP, _in_front_of_lb), (CUSTOM_ROUTING_ENDPOINT_GROUP, _custom_routing),
        (RECORD, _record), (RECORDS_EXCLUSIVE, _records_exclusive),
    ]
    findings: list[Finding] = []
    for type_, check in checks:
        for resource in index.of(type_):
            findings.extend(checked(partial(check, doors=doors), resource))
    return findings


def _rest_integration(integration: Resource, *, doors: _Doors) -> Iterator[Finding]:
    api = doors.topology.api(integration, "restApi")
    if api is None or not doors.topology.is_public_api(api):
        return
    if str(integration.props.get("connectionType") or "").upper() == "VPC_LINK":
        connection = require(integration.props.get("connectionId"), "connectionId")
        link = _lookup(doors.rest_vpc_links, integration, "connectionId")
        if integration.props.get("integrationTarget") or integration.property_dependencies.get("integrationTarget"):
            # VPC link V2: `integrationTarget` is the ALB or NLB itself (pulumi-aws: "ALB or NLB
            # ARN to send the request to. Used for private integrations with VPC Link V2").
            target = doors.vpc_link_target(integration, "integrationTarget")
            reached = f"VPC link {connection} to {target}" if target else None
        elif link is None:
            reached = f"VPC link {connection}, which this stack does not declare, so what it reaches cannot be checked"
        else:
            require(link.props.get("targetArn"), f"{link.label} targetArn")
            target = doors.vpc_link_target(link, "targetArn")
            reached = f"VPC link {link.label} to {target}" if target else None
        if reached:
            yield Finding(
                f"{integration.label} connects the public {api.label} into the VPC through "
                f"{reached}; {_ALLOWED}",
                integration.urn or None,
            )
            return
    if str(integration.props.get("type") or "").upper() in ("HTTP", "HTTP_PROXY"):
        reached = doors.private_target(integration, "uri")
        if reached:
            yield Finding(
                f"{integration.label} sends the public {api.label}'s requests to {reached}: a "
                f"public door to the private side; {_ALLOWED}",
                integration.urn or None,
            )


def _http_api_integration(integration: Resource, *, doors: _Doors) -> Iterator[Finding]:
    api = doors.topology.api(integration, "apiId")
    shown = api.label if api is not None else "an HTTP API"
    if str(integration.props.get("connectionType") or "").upper() == "VPC_LINK":
        require(integration.props.get("integrationUri"), "integrationUri")
        reached = doors.vpc_link_target(integration, "integrationUri")
        if reached:
            yield Finding(
                f"{integration.label} connects {shown} (HTTP APIs are always public) through a "
                f"VPC link to {reached}; {_ALLOWED}",
                integration.urn or None,
            )
        return
    reached = doors.private_target(integration, "integrationUri")
    if reached:
        yield Finding(
            f"{integration.label} sends {shown}'s requests (HTTP APIs are always public) to "
            f"{reached}; {_ALLOWED}",
            integration.urn or None,
        )


def _internal_lbs_in(doors: _Doors, items: Any, key: str) -> list[Resource]:
    """The internal load balancers the `key` of each mapping in `items` names."""
    found = (doors.topology.internal_lb_for(item.get(key)) for item in _mappings(items))
    return [lb for lb in found if lb is not None]


# What puts a public service directly in front of a load balancer: (the list prop, the key of
# the load balancer's ARN in each item, what the finding says it does).
_LB_FRONTS = {
    CLOUDFRONT_VPC_ORIGIN: ("vpcOriginEndpointConfig", "arn",
                            "makes {lb} a CloudFront origin: the internet reaches the private "
                            "API's front door through CloudFront"),
    ENDPOINT_GROUP: ("endpointConfigurations", "endpointId",
                     "puts Global Accelerator (public anycast addresses) in front of {lb}"),
}


def _in_front_of_lb(resource: Resource, *, doors: _Doors) -> Iterator[Finding]:
    prop, key, does = _LB_FRONTS[resource.type]
    value = resource.props.get(prop)
    reached = [f"internal load balancer {lb.label}" for lb in
               _internal_lbs_in(doors, [] if is_unknown(value) else value, key)]
    by_dependency = doors.depended_on(resource, prop)
    if not reached and by_dependency:
        reached = [by_dependency]
    if not reached:
        require(value, prop)
    for target in reached:
        yield Finding(f"{resource.label} {does.format(lb=target)}; {_ALLOWED}", resource.urn or None)


def _distribution(distribution: Resource, *, doors: _Doors) -> Iterator[Finding]:
    origins = distribution.props.get("origins")
    by_dependency = doors.depended_on(distribution, "origins")
    if by_dependency and (is_unknown(origins) or _contains_unknown_part(origins)):
        yield Finding(
            f"{distribution.label} has an origin built from {by_dependency}: it serves the private "
            f"side to the internet through CloudFront; {_ALLOWED}",
            distribution.urn or None,
        )
        return
    for origin in _mappings(require(origins, "origins")):
        vpc = origin.get("vpcOriginConfig")
        reached = None
        if isinstance(vpc, Mapping):
            vpc_origin = doors.vpc_origins.get(str(vpc.get("vpcOriginId") or ""))
            lbs = _internal_lbs_in(doors, vpc_origin.props.get("vpcOriginEndpointConfig"), "arn") if vpc_origin else []
            reached = f"internal load balancer {lbs[0].label}" if lbs else None
        reached = reached or doors.topology.private_host(origin.get("domainName"))
        if reached:
            yield Finding(
                f"{distribution.label} origin {origin.get('originId')} serves {reached} to the "
                f"internet through CloudFront; {_ALLOWED}",
                distribution.urn or None,
            )


def _custom_routing(group: Resource, *, doors: _Doors) -> Iterator[Finding]:
    for item in _mappings(require(group.props.get("endpointConfigurations"), "endpointConfigurations")):
        subnet = item.get("endpointId")
        if isinstance(subnet, str) and subnet in doors.private_subnets:
            yield Finding(
                f"{group.label} routes Global Accelerator traffic into subnet {subnet}, where the "
                f"execute-api endpoint or the internal load balancer lives; {_ALLOWED}",
                group.urn or None,
            )


def _fqdn(name: Any, zone: Resource) -> str:
    host = str(name or "").rstrip(".").lower()
    zone_name = str(zone.props.get("name") or "").rstrip(".").lower()
    # Like the provider, a name not already under the zone is taken relative to it.
    if zone_name and host != zone_name and not host.endswith(f".{zone_name}"):
        host = f"{host}.{zone_name}" if host else zone_name
    return host


def _public_zone(doors: _Doors, source: Resource) -> Resource | None:
    zone = _lookup(doors.zones, source, "zoneId")
    if zone is None or zone.urn in doors.private_zone_urns:
        return None  # a zone this stack does not declare is not judged
    return zone


def _record_problem(doors: _Doors, name: str, targets: Sequence[Any]) -> str | None:
    if name in doors.private_names:
        return f"names the private domain {name}"
    for target in targets:
        reached = doors.topology.private_host(target) if isinstance(target, str) else None
        if reached:
            return f"points at {reached}"
    return None


def _record(record: Resource, *, doors: _Doors) -> Iterator[Finding]:
    zone = _public_zone(doors, record)
    if zone is None:
        return
    name = _fqdn(require(record.props.get("name"), "name"), zone)
    targets = [a.get("name") for a in _mappings(record.props.get("aliases"))]
    targets += text_values(record.props.get("records"))
    problem = _record_problem(doors, name, targets)
    for prop in ("aliases", "records"):
        reached = None if problem else doors.depended_on(record, prop)
        problem = problem or (f"points at {reached}" if reached else None)
    if problem:
        yield Finding(
            f"{record.label} in PUBLIC hosted zone {zone.label} {problem}: the private API's "
            "names resolve only in a private zone associated with the VPC",
            record.urn or None,
        )


def _records_exclusive(records: Resource, *, doors: _Doors) -> Iterator[Finding]:
    zone = _public_zone(doors, records)
    if zone is None:
        return
    for record_set in _mappings(require(records.props.get("resourceRecordSets"), "resourceRecordSets")):
        name = _fqdn(record_set.get("name"), zone)
        targets = [a.get("dnsName") for a in _mappings(record_set.get("aliasTarget"))]
        targets += [r.get("value") for r in _mappings(record_set.get("resourceRecords"))]
        problem = _record_problem(doors, name, targets)
        if problem:
            yield Finding(
                f"{records.label} record {name} in PUBLIC hosted zone {zone.label} {problem}: the "
                "private API's names resolve only in a private zone associated with the VPC",
                records.urn or None,
            )




def _contains_unknown_part(value: Any) -> bool:
    try:
        require(value, "")
    except Unresolved:
        return True
    return False
