"""The reachability matrix: for each API and private domain of a rendered stack, which callers
its effective resource policy lets in (API × scenario → decision).

The answers come from the pack's own evaluator and scenarios, so the matrix and the pack's
verdicts can never disagree about what a policy means.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from pipeline.inventory import Inventory, InventoryResource
from pipeline.policy_path import ensure_policies_on_path
from stack_config.model import AdoptNetwork, StackConfig

ensure_policies_on_path()

from gatehouse_guard.evaluator import ALLOW, Decision, evaluate, parse_policy  # noqa: E402
from gatehouse_guard.model import Resource  # noqa: E402
from gatehouse_guard.probes import Surface, api_surface  # noqa: E402
from gatehouse_guard.scenarios import derive_scenarios  # noqa: E402

REST_API = "aws:apigateway/restApi:RestApi"
REST_API_POLICY = "aws:apigateway/restApiPolicy:RestApiPolicy"
DOMAIN_NAME = "aws:apigateway/domainName:DomainName"
ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint"
NO_POLICY = "no resource policy"


@dataclass(frozen=True)
class Cell:
    api: str
    scenario: str
    decision: str
    statements: tuple[str, ...] = ()


def reachability(
    inventory: Inventory, config: StackConfig, vpn_probes: tuple[str, ...] = (),
    route: tuple[str, str] | None = None,
) -> list[Cell]:
    """`vpn_probes`: VPN ranges to try even where the stack admits none (prod), so the matrix
    shows the VPN client denied rather than leaving the row out.

    `route` (method, path): ask each API about that one request on its stages only, instead of
    every route and every pattern its policy names (`pipeline verify` predicts `GET /health`)."""
    endpoints = [r for r in inventory.by_type(ENDPOINT) if str(r.inputs.get("serviceName", "")).endswith(".execute-api")]
    if endpoints:
        endpoint = endpoints[0]
        our_ids = [endpoint.outputs["id"], *config.private_api.extra_vpc_endpoint_ids]
        vpc_id = endpoint.inputs.get("vpcId") or endpoint.outputs.get("vpcId")
    elif config.private_api.vpc_endpoint_id and isinstance(config.network, AdoptNetwork):
        # The organisation's shared endpoint (privateApi.vpcEndpointId) lives in the adopted VPC.
        our_ids = [config.private_api.vpc_endpoint_id, *config.private_api.extra_vpc_endpoint_ids]
        vpc_id = config.network.vpc_id
    else:
        return []
    vpn = tuple(dict.fromkeys((*config.private_api.vpn_cidrs, *vpn_probes)))
    cells: list[Cell] = []
    as_seen = [_as_pack_sees(r) for r in inventory.resources]
    for api in inventory.by_type(REST_API):
        private = _endpoint_type(api) == "PRIVATE"
        policy = _effective_policy(inventory, api)
        surface = api_surface(as_seen, _as_pack_sees(api))
        if route is not None:
            surface = Surface(stages=surface.stages, routes=(route,))
        cells += _row(f"api:{api.name}", api.outputs["executionArn"], policy, private, our_ids, vpc_id,
                      config.vpc_cidr, vpn, surface, probe_patterns=route is None)
    accounts = [str(a.outputs.get("executionArn", "")).split(":")[4:5] for a in inventory.by_type(REST_API)]
    for domain in inventory.by_type(DOMAIN_NAME):
        # A private domain's policy is asked about the domain's own execute-api ARN, which its
        # `execute-api:/*` shorthand and its full-ARN spelling both cover.
        account = next((a[0] for a in accounts if a and a[0]), "") or domain.outputs["arn"].split(":")[4]
        arn = (
            f"arn:aws:execute-api:{config.region}:{account}:/domainnames/"
            f"{domain.inputs['domainName']}+{domain.outputs['domainNameId']}"
        )
        # A REGIONAL domain (publicApi.customDomain) is public like the API it maps.
        private = _endpoint_type(domain) == "PRIVATE"
        cells += _row(f"domain:{domain.inputs['domainName']}", arn, domain.inputs.get("policy"), private, our_ids, vpc_id, config.vpc_cidr, vpn)
    return cells


def _as_pack_sees(resource: InventoryResource) -> Resource:
    return Resource(
        resource.type, resource.name, {**resource.inputs, **resource.outputs}, resource.urn,
        resource.property_dependencies,
    )


def _worst(policy, requests) -> Decision:
    """A caller's answer over all its probes: the first that lets it in, else the first."""
    decisions = [evaluate(policy, request) for request in requests]
    return next((d for d in decisions if d.decision == ALLOW), decisions[0])


def _row(label, arn, policy, private, our_ids, vpc_id, vpc_cidr, vpn, surface=None, probe_patterns=True) -> list[Cell]:
    try:
        document = json.loads(policy) if isinstance(policy, str) else policy
    except ValueError:
        document = None  # parse_policy below names what is wrong with it
    scenarios = derive_scenarios(
        api_arn=arn, our_endpoint_ids=our_ids, vpc_id=vpc_id, vpc_cidr=vpc_cidr, vpn_cidrs=vpn, private=private,
        policy=document if isinstance(document, dict) and probe_patterns else None, surface=surface or Surface(),
    )
    if policy is None:
        # No resource policy: API Gateway lets everyone in to a public API, and no one into a
        # PRIVATE one (a private API needs a policy to be invoked at all).
        decision = "ImplicitDeny" if private else ALLOW
        return [Cell(label, s.name, decision, (NO_POLICY,)) for s in scenarios]
    parsed = parse_policy(policy)
    return [Cell(label, s.name, (d := _worst(parsed, s.requests)).decision, d.statements) for s in scenarios]


def _endpoint_type(api: InventoryResource) -> str:
    types = (api.inputs.get("endpointConfiguration") or {}).get("types")
    return (types[0] if isinstance(types, list) and types else types) or "EDGE"


def _effective_policy(inventory: Inventory, api: InventoryResource) -> str | None:
    for attached in inventory.by_type(REST_API_POLICY):
        if attached.inputs.get("restApiId") == api.outputs.get("id"):
            return attached.inputs.get("policy")
    policy = api.inputs.get("policy")
    return policy if policy else None


def render_matrix(cells: list[Cell]) -> str:
    if not cells:
        return "  (no private API in this stack)"
    scenarios = list(dict.fromkeys(c.scenario for c in cells))
    apis = list(dict.fromkeys(c.api for c in cells))
    lookup = {(c.api, c.scenario): c.decision for c in cells}
    width = max(len(a) for a in apis)
    lines = ["  " + " " * width + "  " + "  ".join(f"{s:<24}" for s in scenarios)]
    for api in apis:
        lines.append("  " + f"{api:<{width}}" + "  " + "  ".join(f"{lookup.get((api, s), '-'):<24}" for s in scenarios))
    return "\n".join(lines)


def as_json(cells: list[Cell]) -> str:
    return json.dumps([c.__dict__ for c in cells], default=list)
