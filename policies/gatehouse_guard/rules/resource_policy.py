"""Who the resource policy of a PRIVATE API or private custom domain actually lets in.

The endpoint type says PRIVATE; the resource policy decides. Each policy is evaluated (not
pattern-matched) against the callers derived for the stack, so every spelling of a hole -- no
condition, a wildcard endpoint, ANDed negated keys, NotPrincipal -- shows up as a caller who gets
`Allow`.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from gatehouse_guard.evaluator import PolicyError, evaluate
from gatehouse_guard.model import Finding, Resource, as_list, refers_to
from gatehouse_guard.rules.api_exposure import REST_API, is_private_api
from gatehouse_guard.rules.endpoint_network import VPC, is_execute_api_endpoint
from gatehouse_guard.rules.unknowns import Unresolved, checked, is_unknown, require
from gatehouse_guard.scenarios import Scenario, ScenarioError, derive_scenarios

REST_API_POLICY = "aws:apigateway/restApiPolicy:RestApiPolicy"
DOMAIN_NAME = "aws:apigateway/domainName:DomainName"
OUR_ENDPOINT = "our-endpoint"
VPN_CLIENT = "vpn-client"
OTHER_ENDPOINT = "other-endpoint-same-vpc"
SHORTHAND = "execute-api:/"
# Stands in for the ARN of an API whose id is not known yet; only used when every Resource in
# its policy is the `execute-api:/...` shorthand, which matches whatever ARN it is attached to.
_PLACEHOLDER_ARN = "arn:aws:execute-api:us-east-1:000000000000:pending"


@dataclass(frozen=True)
class Settings:
    """What the stack's policy config says about who may be let in."""

    tier: str = "prod"
    allowed_endpoint_ids: tuple[str, ...] = ()
    vpc_cidr: str = ""
    vpn_cidrs: tuple[str, ...] = ()
    consumer_cidrs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Network:
    our_endpoint_ids: tuple[str, ...]
    vpc_id: str
    vpc_cidr: str


def load_document(raw: Any) -> Mapping[str, Any] | None:
    """The policy document from a JSON string or a mapping; None when there is none."""
    if raw is None or raw == "" or raw == {}:
        return None
    if isinstance(raw, str):
        return json.loads(raw)
    return raw


def statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [s for s in as_list(document.get("Statement")) if isinstance(s, Mapping)]


def _condition_keys(statement: Mapping[str, Any]) -> Iterator[tuple[str, str, Any]]:
    condition = statement.get("Condition") or {}
    for operator, keys in condition.items():
        if isinstance(keys, Mapping):
            for key, values in keys.items():
                yield operator, key, values


def source_ip_statements(document: Mapping[str, Any]) -> list[str]:
    """Statements that condition on aws:SourceIp, which a VPC endpoint caller never carries."""
    return [
        str(s.get("Sid") or f"#{i}")
        for i, s in enumerate(statements(document))
        if any(key.lower() == "aws:sourceip" for _, key, _ in _condition_keys(s))
    ]


def _mentioned_endpoints(document: Mapping[str, Any]) -> set[str]:
    found = set()
    for statement in statements(document):
        for _, key, values in _condition_keys(statement):
            if key.lower() == "aws:sourcevpce":
                found.update(v for v in as_list(values) if isinstance(v, str) and "*" not in v)
    return found


def _mentioned_source_networks(document: Mapping[str, Any]) -> set[str]:
    found = set()
    for statement in statements(document):
        for operator, key, values in _condition_keys(statement):
            if key.lower() == "aws:vpcsourceip" and "IpAddress" in operator:
                found.update(v for v in as_list(values) if isinstance(v, str))
    return found


def _inside(cidr: str, networks: Sequence[str]) -> bool:
    try:
        net = ipaddress.ip_network(cidr, strict=False)
        return any(
            net.version == ipaddress.ip_network(n, strict=False).version
            and net.subnet_of(ipaddress.ip_network(n, strict=False))
            for n in networks
        )
    except ValueError:
        return False


def probes(
    document: Mapping[str, Any], api_arn: str, network: Network, settings: Settings,
    extra_endpoint_ids: Sequence[str] = (),
) -> list[Scenario]:
    """The derived scenarios plus callers the policy itself names but the config does not allow:
    endpoints it lists (or that are associated with the API) and networks it admits outside the
    VPC, consumer and (lower tier) VPN ranges."""
    allowed = (*network.our_endpoint_ids, *settings.allowed_endpoint_ids)
    scenarios = derive_scenarios(
        api_arn=api_arn,
        our_endpoint_ids=allowed,
        vpc_id=network.vpc_id,
        vpc_cidr=network.vpc_cidr,
        vpn_cidrs=settings.vpn_cidrs,
        private=True,
    )
    by_name = {s.name: s for s in scenarios}
    other = by_name.get(OTHER_ENDPOINT)
    ours = by_name.get(OUR_ENDPOINT)
    extra: list[Scenario] = []
    unlisted = sorted((_mentioned_endpoints(document) | set(extra_endpoint_ids)) - set(allowed))
    for endpoint_id in unlisted if other else ():
        context = {**other.request.context, "aws:SourceVpce": endpoint_id}
        extra.append(Scenario(
            f"unlisted-endpoint:{endpoint_id}",
            f"a caller through endpoint {endpoint_id}, which is not ours nor in allowedEndpointIds",
            replace(other.request, context=context),
        ))
    admitted = [network.vpc_cidr, *settings.consumer_cidrs]
    if settings.tier != "prod":
        admitted.extend(settings.vpn_cidrs)
    for cidr in sorted(_mentioned_source_networks(document)):
        # A configured VPN range is already probed by the vpn-client scenario.
        if ours is None or _inside(cidr, [*admitted, *settings.vpn_cidrs]):
            continue
        try:
            address = str(next(iter(ipaddress.ip_network(cidr, strict=False).hosts())))
        except (ValueError, StopIteration):
            continue
        context = {**ours.request.context, "aws:VpcSourceIp": address}
        extra.append(Scenario(
            f"unlisted-network:{cidr}",
            f"a caller at {address} ({cidr}, outside the VPC and configured networks) "
            "through our endpoint",
            replace(ours.request, context=context),
        ))
    return [*scenarios, *extra]


def leaks(
    document: Mapping[str, Any], api_arn: str, network: Network, settings: Settings,
    extra_endpoint_ids: Sequence[str] = (),
) -> list[tuple[Scenario, str, tuple[str, ...]]]:
    """(scenario, decision, statements) for every caller who gets in but should not."""
    expected = {OUR_ENDPOINT}
    if settings.tier != "prod":
        expected.add(VPN_CLIENT)
    found = []
    for scenario in probes(document, api_arn, network, settings, extra_endpoint_ids):
        if scenario.name in expected:
            continue
        decision = evaluate(document, scenario.request)
        if decision.decision == "Allow":
            found.append((scenario, decision.decision, tuple(decision.statements)))
    return found


def _stand_in(value: Any, stand_in: str) -> Any:
    # Ids of resources not created yet (a preview): the policy is known here, so it cannot name
    # them, and which id stands in for ours changes no decision about any other caller; our own
    # endpoint is the one caller expected to get in. A known wide-open policy still fails.
    return stand_in if is_unknown(value) else value


def _network(resources: Sequence[Resource], settings: Settings) -> Network:
    endpoints = [r for r in resources if is_execute_api_endpoint(r)]
    ids = tuple(_stand_in(e.props.get("id"), f"vpce-0pending{i:09d}") for i, e in enumerate(endpoints))
    vpc_id = str(_stand_in(endpoints[0].props.get("vpcId"), "vpc-0pending")) if endpoints else ""
    # Only extra endpoints admitted: the org's VPC is not ours to name, so probe from a stand-in.
    vpc_id = vpc_id or "vpc-0unknown"
    vpcs = [v for v in resources if v.type == VPC]
    vpc = next((v for e in endpoints for v in vpcs if refers_to(e, "vpcId", v, "id")), None)
    cidr = require(vpc.props.get("cidrBlock"), "the VPC's cidrBlock") if vpc else settings.vpc_cidr
    return Network(ids, vpc_id, cidr)


def _meant_private(api: Resource) -> bool:
    # An API tagged private but left REGIONAL is judged too: its policy is then all that stands
    # between it and the internet (api-endpoint-type reports the endpoint type itself).
    tags = api.props.get("tags")
    return isinstance(tags, Mapping) and tags.get("exposure") == "private"


def _targets(resources: Sequence[Resource]) -> Iterator[tuple[Resource, Any, str, list[str]]]:
    """(resource, raw policy, ARN its policy is matched against, endpoint ids associated)."""
    separate = [r for r in resources if r.type == REST_API_POLICY]
    for api in resources:
        if api.type == REST_API and (is_private_api(api.props) or _meant_private(api)):
            attached = [p for p in separate if refers_to(p, "restApiId", api, "id")]
            raw = attached[-1].props.get("policy") if attached else api.props.get("policy")
            config = api.props.get("endpointConfiguration") or {}
            associated = [i for i in as_list(config.get("vpcEndpointIds")) if not is_unknown(i)]
            yield api, raw, api.props.get("executionArn"), associated
        elif api.type == DOMAIN_NAME and is_private_api(api.props):
            # The evaluator matches API ARNs (`...:<api-id>/...`), not a domain's own
            # (`...:/domainnames/<name>+<id>`): a domain is judged through the shorthand.
            yield api, api.props.get("policy"), None, []


def _full_arn_resources(document: Mapping[str, Any]) -> list[str]:
    return [
        str(resource)
        for statement in statements(document)
        for resource in as_list(statement.get("Resource")) + as_list(statement.get("NotResource"))
        if not str(resource).startswith(SHORTHAND)
    ]


def _arn_for(document: Mapping[str, Any], arn: Any) -> str:
    if isinstance(arn, str) and arn and not is_unknown(arn):
        return arn
    full = _full_arn_resources(document)
    if full:
        raise Unresolved(f"the ARN its Resource {full[0]} is matched against")
    return _PLACEHOLDER_ARN


def check_resource_policies(resources: Sequence[Resource], settings: Settings) -> list[Finding]:
    """Stack-level: every PRIVATE API and private custom domain admits only our callers."""
    findings: list[Finding] = []
    for target, raw, arn, associated in _targets(resources):
        findings.extend(
            checked(partial(_check_target, raw=raw, arn=arn, associated=associated,
                            resources=resources, settings=settings), target)
        )
    return findings


def _check_target(
    target: Resource, *, raw: Any, arn: Any, associated: Sequence[str],
    resources: Sequence[Resource], settings: Settings,
) -> Iterator[Finding]:
    urn = target.urn or None
    raw = require(raw, "the resource policy")
    try:
        document = load_document(raw)
    except ValueError as exc:
        yield Finding(f"{target.label}: its resource policy is not valid JSON ({exc})", urn)
        return
    if document is None:
        yield Finding(
            f"{target.label} is meant to be private but has no resource policy (inline policy or "
            "RestApiPolicy); allowed: a policy that admits only our execute-api endpoint "
            "(aws:SourceVpce) and denies every other",
            urn,
        )
        return
    sids = source_ip_statements(document)
    if sids:
        yield Finding(
            f"{target.label}: statement(s) {', '.join(sids)} condition on aws:SourceIp, which "
            "is absent for calls through a VPC endpoint, so the condition never does what it "
            "says; use aws:VpcSourceIp",
            urn,
        )
    if target.type == DOMAIN_NAME and _full_arn_resources(document):
        yield Finding(
            f"{target.label}: its policy names full ARNs ({_full_arn_resources(document)[0]}), "
            "which the pack cannot match to the domain; allowed: execute-api:/* shorthand "
            "resources, which API Gateway scopes to the domain",
            urn,
        )
        return
    network = _network(resources, settings)
    if not network.our_endpoint_ids and not settings.allowed_endpoint_ids:
        yield Finding(
            f"{target.label} is PRIVATE but the stack declares no execute-api VPC endpoint and "
            "allowedEndpointIds is empty, so nobody is meant to reach it; allowed: our endpoint "
            "in this stack or the organisation's endpoint ids in allowedEndpointIds",
            urn,
        )
        return
    if not network.vpc_cidr:
        yield Finding(
            f"{target.label}: the VPC is not created by this stack and the policy config has no "
            "vpcCidr, so the callers cannot be derived; set vpcCidr to the adopted VPC's CIDR",
            urn,
        )
        return
    allowed = ", ".join((*network.our_endpoint_ids, *settings.allowed_endpoint_ids)) or "none"
    try:
        found = leaks(document, _arn_for(document, arn), network, settings, associated)
    except (PolicyError, ScenarioError) as exc:
        yield Finding(f"{target.label}: its resource policy cannot be evaluated: {exc}", urn)
        return
    for scenario, decision, sids in found:
        via = ", ".join(sids) or "no statement id"
        yield Finding(
            f"{target.label}: its resource policy lets in scenario '{scenario.name}' "
            f"({scenario.description}): {decision} via {via}; allowed: only our endpoint and "
            f"allowedEndpointIds ({allowed})"
            + ("" if settings.tier != "prod" else ", and no VPN client in prod"),
            urn,
        )
