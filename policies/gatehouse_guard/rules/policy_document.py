"""Before create: a private API's resource policy judged from its document alone.

On a brand-new stack the policy embeds ids not known in the preview (the endpoint's, the API's
execution ARN), so the stack policy `private-api-resource-policy` defers it; during `pulumi up`
the CLI runs stack policies only once every resource exists, but resource policies on each
resource's inputs just before it is created. This rule is that earlier look: whenever the
document is known (an update before create, or a preview), it is evaluated against the same
callers `private-api-resource-policy` derives, with "ours" taken from the document itself: the
endpoints (and VPCs) its Allow statements admit by equality or its Deny statements exempt, plus
allowedEndpointIds. Whether a named endpoint really is this stack's is not knowable from one
resource's inputs; the stack policy decides that once the update has registered everything.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from gatehouse_guard.arns import wildcard_match
from gatehouse_guard.conditions import ConditionError, parse_operator
from gatehouse_guard.evaluator import PolicyError
from gatehouse_guard.model import Finding, Resource, as_list
from gatehouse_guard.rules.api_exposure import REST_API, is_private_api
from gatehouse_guard.rules.resource_policy import (
    DOMAIN_NAME,
    PLACEHOLDER_ARN,
    REST_API_POLICY,
    REST_API_PUT,
    Network,
    PolicySource,
    Settings,
    as_seen_by_domain,
    body_policy,
    condition_keys,
    full_arn_resources,
    leaks,
    meant_private,
    mentioned_source_networks,
    read_document,
    source_ip_findings,
    statements,
)
from gatehouse_guard.rules.unknowns import require
from gatehouse_guard.scenarios import ScenarioError, wildcard_ids

DOCUMENT_TYPES = (REST_API, REST_API_POLICY, REST_API_PUT, DOMAIN_NAME)
BEFORE_CREATE = "before create"
STACK_POLICY = "private-api-resource-policy"
# Stand-ins when the document names no endpoint (only a VPC) or no VPC: the probes need an id.
_STAND_IN_ENDPOINT = "vpce-0documentonly0001"
_STAND_IN_VPC = "vpc-0documentonly1"
_STAND_IN_VPC_CIDR = "10.0.0.0/16"
_EQUALITY = ("StringEquals", "StringEqualsIgnoreCase", "StringLike")


def check_policy_document(
    resource: Resource, settings: Settings, public_apis: Sequence[str] = ()
) -> Iterator[Finding]:
    """Every policy source `resource` carries for a private API or private domain, judged on
    its own. `public_apis` (allowedPublicApis): a RestApiPolicy or RestApiPut by one of those
    names sets a public API's policy, which may admit the internet; any other is taken to be
    the private API's (secure default: one resource's inputs do not say which API it targets)."""
    for source in _sources(resource, public_apis):
        yield from _judge(resource, source, settings)


def _sources(resource: Resource, public_apis: Sequence[str]) -> list[PolicySource]:
    props = resource.props
    if resource.type == REST_API:
        if not (is_private_api(props) or meant_private(resource)):
            return []
        found = [PolicySource("", props.get("policy"))] if props.get("policy") not in (None, "", {}) else []
        if props.get("body") is not None:
            from_body = body_policy(props.get("body"), "the API's body")
            if from_body is not None:
                found.append(PolicySource("its OpenAPI body's x-amazon-apigateway-policy", from_body))
        return found
    if resource.type in (REST_API_POLICY, REST_API_PUT) and resource.name in public_apis:
        return []
    if resource.type == REST_API_POLICY:
        return [PolicySource("", props.get("policy"))]
    if resource.type == REST_API_PUT:
        from_body = body_policy(props.get("body"), "the body")
        return [] if from_body is None else [PolicySource("its body's x-amazon-apigateway-policy", from_body)]
    if resource.type == DOMAIN_NAME and is_private_api(props) and props.get("policy") not in (None, "", {}):
        return [PolicySource("", props.get("policy"))]
    return []


def _judge(resource: Resource, source: PolicySource, settings: Settings) -> Iterator[Finding]:
    urn = resource.urn or None
    label = f"{resource.label} ({source.label})" if source.label else resource.label
    label = f"{label}, {BEFORE_CREATE}"
    # Unknown in a preview: the stack policy already defers this document (see policies.py).
    raw = require(source.raw, "the resource policy document")
    document, unreadable = read_document(raw, label, urn)
    if unreadable is not None:
        yield unreadable
        return
    if document is None:
        return  # no document at all: the stack policy says so, knowing every source
    yield from source_ip_findings(document, label, urn)
    endpoints, vpcs = named_as_ours(document)
    ours = (*endpoints, *settings.allowed_endpoint_ids)
    if not ours and not vpcs:
        patterns = [p for found in wildcard_ids(document).values() for p in found]
        wildcards = f" (only the wildcard(s) {', '.join(patterns)}, which admit endpoints that are not ours)"
        yield Finding(
            f"{label}: its resource policy names no execute-api endpoint"
            + (wildcards if patterns else "") + " (no Allow admits one by aws:SourceVpce or "
            "aws:SourceVpc, no Deny exempts one) and allowedEndpointIds is empty, so it does not "
            "say who may call a PRIVATE API; allowed: an Allow for our endpoint by aws:SourceVpce "
            "and a Deny for every other", urn,
        )
        return
    network = Network(ours or (_STAND_IN_ENDPOINT,), vpcs[0] if vpcs else _STAND_IN_VPC,
                      *_vpc_ranges(document, settings))
    if resource.type == DOMAIN_NAME:
        document = as_seen_by_domain(document, resource, names_domain_any_id)
    try:
        found = leaks(document, _api_arn(document, resource), network, settings)
    except (PolicyError, ScenarioError) as exc:
        yield Finding(f"{label}: its resource policy cannot be evaluated: {exc}", urn)
        return
    named = ", ".join(ours) or f"any endpoint in {', '.join(vpcs)}"
    for scenario, decision, via in found:
        yield Finding(
            f"{label}: its resource policy lets in scenario '{scenario.name}' "
            f"({scenario.description}): {decision} via {', '.join(via) or 'no statement id'}; "
            f"allowed: only the endpoints it names as ours and allowedEndpointIds "
            f"({named})" + (", and no VPN client in prod" if settings.tier == "prod" else "")
            + f"; whether those are this stack's endpoints {STACK_POLICY} checks once the "
            "update has created them", urn,
        )


def named_as_ours(document: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(endpoint ids, VPC ids) the document itself calls ours: those an Allow admits by equality
    (aws:SourceVpce, aws:SourceVpc) and those a Deny exempts by negated equality -- AWS's own
    example private API policy allows `*` and names the endpoint only in its
    `StringNotEquals` Deny. Wildcard values are no names (the wildcard probes try them)."""
    endpoints: dict[str, None] = {}
    vpcs: dict[str, None] = {}
    for statement in statements(document):
        effect = statement.get("Effect")
        if effect not in ("Allow", "Deny"):
            continue
        for operator, key, values in condition_keys(statement):
            try:
                parsed = parse_operator(str(operator))
            except ConditionError:
                continue  # the evaluator refuses it with its own message
            if parsed.negated != (effect == "Deny") or parsed.base not in _EQUALITY:
                continue
            target = {"aws:sourcevpce": endpoints, "aws:sourcevpc": vpcs}.get(str(key).lower())
            for value in as_list(values) if target is not None else ():
                if isinstance(value, str) and value and not set("*?$") & set(value):
                    target[value] = None
    return tuple(endpoints), tuple(vpcs)


def _vpc_ranges(document: Mapping[str, Any], settings: Settings) -> tuple[str, tuple[str, ...]]:
    """(VPC CIDR, other VPC ranges): the configured ones plus every range the document names by
    aws:VpcSourceIp. One resource's inputs do not say which ranges are the VPC's (a created
    VPC's own block wins over vpcCidr), so, like the endpoints, the document's own networks are
    taken as ours here and compared with the real VPC by the stack policy; VPN callers are
    probed from vpnCidrs whatever the document names."""
    # The VPC's range first: a VPN range the document names is no stand-in for the VPC.
    named = sorted(mentioned_source_networks(document), key=lambda c: (c in settings.vpn_cidrs, c))
    cidr = settings.vpc_cidr or (named[0] if named else _STAND_IN_VPC_CIDR)
    return cidr, (*named, *settings.vpc_extra_cidrs)


def _api_arn(document: Mapping[str, Any], resource: Resource) -> str:
    """The execution ARN the probes ask for: the API the document's own full ARNs name (the
    first one without wildcards), else a placeholder every `execute-api:/` shorthand matches."""
    if resource.type == DOMAIN_NAME:
        return PLACEHOLDER_ARN
    for pattern in full_arn_resources(document):
        head = pattern.split("/", 1)[0]
        if head.count(":") == 5 and not set("*?$") & set(head) and head.split(":")[5]:
            return head
    return PLACEHOLDER_ARN


def names_domain_any_id(pattern: str, domain: Resource) -> bool:
    """Whether a full ARN names this domain, `.../domainnames/<name>+<id>` with any id: before
    create the domainNameId does not exist, so only the name can be compared."""
    segments = pattern.split(":", 5)
    path = segments[5] if len(segments) == 6 else ""
    name = path.removeprefix("/domainnames/").split("+", 1)[0]
    ours = str(domain.props.get("domainName") or "")
    return path.startswith("/domainnames/") and bool(ours) and wildcard_match(name, ours)
