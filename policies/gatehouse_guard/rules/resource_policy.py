"""Who the resource policy of a PRIVATE API or private custom domain actually lets in.

The endpoint type says PRIVATE; the resource policy decides. Each policy is evaluated (not
pattern-matched) against the callers derived for the stack, so every spelling of a hole -- no
condition, a wildcard endpoint, ANDed negated keys, NotPrincipal -- shows up as a caller who gets
`Allow`.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from gatehouse_guard.arns import resource_matches
from gatehouse_guard.evaluator import PolicyError, evaluate, parse_policy
from gatehouse_guard.model import Finding, Resource, StackIndex, as_list, refers_to
from gatehouse_guard.probes import SURFACE_TYPES, Surface, api_surface
from gatehouse_guard.rules.api_exposure import REST_API, is_private_api
from gatehouse_guard.rules.endpoint_network import VPC_ENDPOINT, is_execute_api_endpoint
from gatehouse_guard.rules.security_groups import VPC, vpc_cidrs
from gatehouse_guard.rules.unknowns import Unresolved, checked, is_unknown, require
from gatehouse_guard.scenarios import Scenario, ScenarioError, derive_scenarios

REST_API_POLICY = "aws:apigateway/restApiPolicy:RestApiPolicy"
REST_API_PUT = "aws:apigateway/restApiPut:RestApiPut"
DOMAIN_NAME = "aws:apigateway/domainName:DomainName"
OUR_ENDPOINT = "our-endpoint"
VPN_CLIENT = "vpn-client"
OTHER_ENDPOINT = "other-endpoint-same-vpc"
SHORTHAND = "execute-api:/"
# Stands in for the ARN of an API whose id is not known yet; only used when every Resource in
# its policy is the `execute-api:/...` shorthand, which matches whatever ARN it is attached to.
PLACEHOLDER_ARN = "arn:aws:execute-api:us-east-1:000000000000:pending"


@dataclass(frozen=True)
class Settings:
    """What the stack's policy config says about who may be let in."""

    tier: str = "prod"
    allowed_endpoint_ids: tuple[str, ...] = ()
    vpc_cidr: str = ""
    vpn_cidrs: tuple[str, ...] = ()
    consumer_cidrs: tuple[str, ...] = ()
    vpc_extra_cidrs: tuple[str, ...] = ()  # an adopted VPC's secondary IPv4 and IPv6 ranges


@dataclass(frozen=True)
class Network:
    our_endpoint_ids: tuple[str, ...]
    vpc_id: str
    vpc_cidr: str
    # The VPC's other ranges (secondary IPv4, a dual-stack VPC's IPv6): inside the VPC too.
    vpc_extra_cidrs: tuple[str, ...] = ()


def load_document(raw: Any) -> Mapping[str, Any] | None:
    """The policy document from a JSON string or a mapping; None when there is none."""
    if raw is None or raw == "" or raw == {}:
        return None
    if isinstance(raw, str):
        return json.loads(raw)
    return raw


def statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [s for s in as_list(document.get("Statement")) if isinstance(s, Mapping)]


def condition_keys(statement: Mapping[str, Any]) -> Iterator[tuple[str, str, Any]]:
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
        if any(key.lower() == "aws:sourceip" for _, key, _ in condition_keys(s))
    ]


def source_ip_findings(document: Mapping[str, Any], label: str, urn: str | None) -> list[Finding]:
    sids = source_ip_statements(document)
    return [Finding(
        f"{label}: statement(s) {', '.join(sids)} condition on aws:SourceIp, which is absent for "
        "calls through a VPC endpoint, so the condition never does what it says; use aws:VpcSourceIp",
        urn,
    )] if sids else []


def read_document(
    raw: Any, label: str, urn: str | None
) -> tuple[Mapping[str, Any] | None, Finding | None]:
    """(the known policy source's document or None when there is none, the finding that says
    why it cannot be read)."""
    if raw == "<unreadable>":
        return None, Finding(f"{label}: the policy is in a YAML OpenAPI body the pack cannot read; "
                             "allowed: a JSON body or the inline policy", urn)
    try:
        return load_document(raw), None
    except ValueError as exc:
        return None, Finding(f"{label}: its resource policy is not valid JSON ({exc})", urn)


def _mentioned_endpoints(document: Mapping[str, Any]) -> set[str]:
    found = set()
    for statement in statements(document):
        for _, key, values in condition_keys(statement):
            if key.lower() == "aws:sourcevpce":
                found.update(v for v in as_list(values) if isinstance(v, str) and "*" not in v)
    return found


def mentioned_source_networks(document: Mapping[str, Any]) -> set[str]:
    found = set()
    for statement in statements(document):
        for operator, key, values in condition_keys(statement):
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
    extra_endpoint_ids: Sequence[str] = (), surface: Surface | None = None,
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
        policy=document,
        surface=surface or Surface(),
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
            replace(other.request, context=context), other.probes,
        ))
    admitted = [network.vpc_cidr, *network.vpc_extra_cidrs, *settings.consumer_cidrs]
    if settings.tier != "prod":
        admitted.extend(settings.vpn_cidrs)
    for cidr in sorted(mentioned_source_networks(document)):
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
            replace(ours.request, context=context), ours.probes,
        ))
    return [*scenarios, *extra]


def leaks(
    document: Mapping[str, Any], api_arn: str, network: Network, settings: Settings,
    extra_endpoint_ids: Sequence[str] = (), surface: Surface | None = None,
) -> list[tuple[Scenario, str, tuple[str, ...]]]:
    """(scenario, decision, statements) for every caller who gets in but should not; the
    scenario is narrowed to the first of its probes that got in."""
    expected = {OUR_ENDPOINT}
    if settings.tier != "prod":
        expected.add(VPN_CLIENT)
    found = []
    compiled = parse_policy(document)  # once, for every probe of every scenario
    for scenario in probes(document, api_arn, network, settings, extra_endpoint_ids, surface):
        if scenario.name in expected:
            continue
        for request in scenario.requests:
            decision = evaluate(compiled, request)
            if decision.decision == "Allow":
                on = request.resource.removeprefix(api_arn)
                narrowed = replace(scenario, request=request, description=f"{scenario.description}, on {on}")
                found.append((narrowed, decision.decision, tuple(decision.statements)))
                break
    return found


def _stand_in(value: Any, stand_in: str) -> Any:
    # Ids of resources not created yet (a preview): the policy is known here, so it cannot name
    # them, and which id stands in for ours changes no decision about any other caller; our own
    # endpoint is the one caller expected to get in. A known wide-open policy still fails.
    return stand_in if is_unknown(value) else value


def _network(index: StackIndex, settings: Settings) -> Network:
    endpoints = [r for r in index.of(VPC_ENDPOINT) if is_execute_api_endpoint(r)]
    ids = tuple(_stand_in(e.props.get("id"), f"vpce-0pending{i:09d}") for i, e in enumerate(endpoints))
    vpc_id = str(_stand_in(endpoints[0].props.get("vpcId"), "vpc-0pending")) if endpoints else ""
    # Only extra endpoints admitted: the org's VPC is not ours to name, so probe from a stand-in.
    vpc_id = vpc_id or "vpc-0unknown"
    vpcs = index.of(VPC)
    vpc = next((v for e in endpoints for v in vpcs if refers_to(e, "vpcId", v, "id")), None)
    if vpc is None:
        return Network(ids, vpc_id, settings.vpc_cidr, settings.vpc_extra_cidrs)
    cidr, *others = vpc_cidrs(index, vpc)
    return Network(ids, vpc_id, cidr, tuple(c for c in others if not c.startswith("pending-")))


def meant_private(api: Resource) -> bool:
    # An API tagged private but left REGIONAL is judged too: its policy is then all that stands
    # between it and the internet (api-endpoint-type reports the endpoint type itself).
    tags = api.props.get("tags")
    return isinstance(tags, Mapping) and tags.get("exposure") == "private"


@dataclass(frozen=True)
class PolicySource:
    label: str  # "" for the API's own inline `policy`
    raw: Any


def body_policy(body: Any, what: str) -> Any:
    """`x-amazon-apigateway-policy` in an OpenAPI body, which API Gateway imports as the API's
    resource policy; None when the body has none."""
    body = require(body, f"{what} (an OpenAPI body may carry x-amazon-apigateway-policy)")
    if not body:
        return None
    try:
        spec = json.loads(body) if isinstance(body, str) else body
    except ValueError:
        # YAML: the pack ships no YAML parser; a policy in it would go unjudged, so say so.
        return "<unreadable>" if "x-amazon-apigateway-policy" in body else None
    return spec.get("x-amazon-apigateway-policy") if isinstance(spec, Mapping) else None


def policy_sources(api: Resource, index: StackIndex) -> list[PolicySource]:
    """Every resource that sets `api`'s resource policy: its inline `policy`, its OpenAPI `body`,
    each `RestApiPolicy` and each `RestApiPut` body aimed at it."""
    sources = []
    if api.props.get("policy") not in (None, "", {}):
        sources.append(PolicySource("", api.props.get("policy")))
    if api.props.get("body") is not None:
        from_body = body_policy(api.props.get("body"), "the API's body")
        if from_body is not None:
            sources.append(PolicySource("its OpenAPI body's x-amazon-apigateway-policy", from_body))
    for policy in index.of(REST_API_POLICY):
        if refers_to(policy, "restApiId", api, "id"):
            sources.append(PolicySource(policy.label, policy.props.get("policy")))
    for put in index.of(REST_API_PUT):
        if refers_to(put, "restApiId", api, "id"):
            from_body = body_policy(put.props.get("body"), f"{put.label} body")
            if from_body is not None:
                sources.append(PolicySource(f"{put.label} body's x-amazon-apigateway-policy", from_body))
    # A stack policy reads outputs: once AWS has applied a RestApiPolicy (or a body's policy), a
    # refreshed RestApi reports that same document as its `policy`. That echo is no second source.
    inline = _canonical(sources[0].raw, api) if sources and not sources[0].label else None
    if inline is not None and inline in [_canonical(s.raw, api) for s in sources[1:]]:
        sources = sources[1:]
    return sources


def _canonical(raw: Any, api: Resource) -> Any:
    """A policy document in a form two spellings of it share: parsed, keys sorted, one-item
    lists as their item, list order ignored, and the `execute-api:/` shorthand written out as the
    API's ARN (AWS stores it so); None when it cannot be read."""
    try:
        document = load_document(raw) if not is_unknown(raw) else None
    except ValueError:
        return None
    arn = api.props.get("executionArn")
    prefix = f"{arn}/" if isinstance(arn, str) and not is_unknown(arn) else SHORTHAND

    def norm(value: Any, key: str = "") -> Any:
        if isinstance(value, Mapping):
            return tuple(sorted((k, norm(v, k)) for k, v in value.items()))
        if isinstance(value, list | tuple):
            items = sorted({repr(norm(v, key)): norm(v, key) for v in value}.items())
            return items[0][1] if len(items) == 1 else tuple(v for _, v in items)
        if key in ("Resource", "NotResource") and isinstance(value, str) and value.startswith(SHORTHAND):
            return prefix + value[len(SHORTHAND):]
        return value

    return None if document is None else norm(document)


def _targets(
    index: StackIndex,
) -> Iterator[tuple[Resource, list[PolicySource], Any, list[str]]]:
    """(resource, its policy sources, ARN its policy is matched against, endpoint ids
    associated)."""
    for api in index.of(REST_API):
        if is_private_api(api.props) or meant_private(api):
            config = api.props.get("endpointConfiguration") or {}
            associated = [i for i in as_list(config.get("vpcEndpointIds")) if not is_unknown(i)]
            yield api, policy_sources(api, index), api.props.get("executionArn"), associated
    for domain in index.of(DOMAIN_NAME):
        if is_private_api(domain.props):
            policy = domain.props.get("policy")
            yield domain, [PolicySource("", policy)] if policy not in (None, "", {}) else [], None, []


_PENDING_IDS = ("0pending0", "1pending1")


def _names_domain(pattern: str, domain: Resource) -> bool:
    """Whether a full-ARN Resource covers this private domain, whose execute-api ARN is
    `arn:aws:execute-api:<region>:<account>:/domainnames/<name>+<domainNameId>` (the domain's
    `arn` output is its apigateway management ARN, `arn:aws:apigateway:<region>::/domainnames/...`,
    so the execute-api ARN is rebuilt; the account is the pattern's own, the id makes it unique).
    A domainNameId not known yet is tried with two made-up ids: a pattern matching one but not
    the other depends on it."""
    segments = pattern.split(":", 5)
    if len(segments) != 6:
        return False
    name = str(require(domain.props.get("domainName"), "the domain's domainName"))
    management = domain.props.get("arn")
    region = management.split(":")[3] if isinstance(management, str) and management.count(":") >= 5 else ""
    region = region or (segments[3] if "*" not in segments[3] and "?" not in segments[3] else "us-east-1")
    account = segments[4] if segments[4] and not set("*?") & set(segments[4]) else "000000000000"
    partition = segments[1] if segments[1] and not set("*?") & set(segments[1]) else "aws"
    domain_id = domain.props.get("domainNameId")
    ids = [domain_id] if isinstance(domain_id, str) and domain_id and not is_unknown(domain_id) else _PENDING_IDS
    matches = {
        resource_matches(pattern, f"arn:{partition}:execute-api:{region}:{account}:/domainnames/{name}+{i}")
        for i in ids
    }
    # Not matching made-up ids, yet naming this domain with one id: it may be ours.
    names_one_id = ids is _PENDING_IDS and segments[5].startswith(f"/domainnames/{name}+")
    if len(matches) > 1 or (matches == {False} and names_one_id):
        raise Unresolved(f"the domain's domainNameId its Resource {pattern} is matched against")
    return matches.pop()


def as_seen_by_domain(
    document: Mapping[str, Any], domain: Resource,
    names_domain: Callable[[str, Resource], bool] | None = None,
) -> Mapping[str, Any]:
    """The domain's policy with every full-ARN Resource that names the domain itself (exactly or
    by wildcard; `names_domain` decides, by default from the domain's known id) written as the
    `execute-api:/*` shorthand API Gateway stores it from, so the evaluator matches it; full
    ARNs of anything else stay as they are and match nothing here."""
    names = names_domain or _names_domain

    def rewrite(values: Any) -> Any:
        out = [
            SHORTHAND + "*" if isinstance(v, str) and not v.startswith(SHORTHAND)
            and names(v, domain) else v
            for v in as_list(values)
        ]
        return out if isinstance(values, list) else out[0]

    def statement_seen(statement: Any) -> Any:
        if not isinstance(statement, Mapping):
            return statement
        return {k: rewrite(v) if k in ("Resource", "NotResource") and v is not None else v
                for k, v in statement.items()}

    value = document.get("Statement")
    seen = [statement_seen(s) for s in value] if isinstance(value, list) else statement_seen(value)
    return {**document, "Statement": seen}


def full_arn_resources(document: Mapping[str, Any]) -> list[str]:
    return [
        str(resource)
        for statement in statements(document)
        for resource in as_list(statement.get("Resource")) + as_list(statement.get("NotResource"))
        if not str(resource).startswith(SHORTHAND)
    ]


def _arn_for(document: Mapping[str, Any], arn: Any) -> str:
    if isinstance(arn, str) and arn and not is_unknown(arn):
        return arn
    full = full_arn_resources(document)
    if full:
        raise Unresolved(f"the ARN its Resource {full[0]} is matched against")
    return PLACEHOLDER_ARN


def check_resource_policies(resources: Sequence[Resource], settings: Settings) -> list[Finding]:
    """Stack-level: every PRIVATE API and private custom domain admits only our callers, by
    every policy that may be in force; in prod it has exactly one."""
    findings: list[Finding] = []
    index = StackIndex(resources)
    for target, sources, arn, associated in _targets(index):
        if len(sources) > 1 and settings.tier == "prod":
            named = ", ".join(s.label or "its inline policy" for s in sources)
            findings.append(Finding(
                f"{target.label} has {len(sources)} resource policy sources ({named}); the one in "
                "force is whichever was applied last, so the program does not say who gets in; "
                "allowed in prod: exactly one source (the inline policy)",
                target.urn or None,
            ))
        for source in sources or [PolicySource("", None)]:
            findings.extend(
                checked(partial(_check_target, source=source, arn=arn, associated=associated,
                                index=index, settings=settings), target)
            )
    return findings


def _check_target(
    target: Resource, *, source: PolicySource, arn: Any, associated: Sequence[str],
    index: StackIndex, settings: Settings,
) -> Iterator[Finding]:
    urn = target.urn or None
    label = f"{target.label} (policy from {source.label})" if source.label else target.label
    document, unreadable = read_document(require(source.raw, "the resource policy"), label, urn)
    if unreadable is not None:
        yield unreadable
        return
    if document is None:
        yield Finding(
            f"{label} is meant to be private but has no resource policy (inline policy or "
            "RestApiPolicy); allowed: a policy that admits only our execute-api endpoint "
            "(aws:SourceVpce) and denies every other",
            urn,
        )
        return
    yield from source_ip_findings(document, label, urn)
    if target.type == DOMAIN_NAME and full_arn_resources(document):
        document = as_seen_by_domain(document, target)
    network = _network(index, settings)
    if not network.our_endpoint_ids and not settings.allowed_endpoint_ids:
        yield Finding(
            f"{label} is PRIVATE but the stack declares no execute-api VPC endpoint and "
            "allowedEndpointIds is empty, so nobody is meant to reach it; allowed: our endpoint "
            "in this stack or the organisation's endpoint ids in allowedEndpointIds",
            urn,
        )
        return
    if not network.vpc_cidr:
        yield Finding(
            f"{label}: the VPC is not created by this stack and the policy config has no "
            "vpcCidr, so the callers cannot be derived; set vpcCidr to the adopted VPC's CIDR",
            urn,
        )
        return
    allowed = ", ".join((*network.our_endpoint_ids, *settings.allowed_endpoint_ids)) or "none"
    try:
        # A domain's own full ARNs are rewritten to the shorthand above; the rest match nothing.
        api_arn = PLACEHOLDER_ARN if target.type == DOMAIN_NAME else _arn_for(document, arn)
        surface = api_surface(index.of(*SURFACE_TYPES), target) if target.type == REST_API else None
        found = leaks(document, api_arn, network, settings, associated, surface)
    except (PolicyError, ScenarioError) as exc:
        yield Finding(f"{label}: its resource policy cannot be evaluated: {exc}", urn)
        return
    for scenario, decision, sids in found:
        via = ", ".join(sids) or "no statement id"
        yield Finding(
            f"{label}: its resource policy lets in scenario '{scenario.name}' "
            f"({scenario.description}): {decision} via {via}; allowed: only our endpoint and "
            f"allowedEndpointIds ({allowed})"
            + ("" if settings.tier != "prod" else ", and no VPN client in prod"),
            urn,
        )
