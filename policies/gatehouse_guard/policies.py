"""The pack's policy objects, built from the pure rules.

Kept apart from `policies/__main__.py` (whose `PolicyPack(...)` starts a blocking gRPC server)
so tests and tools can import and call the policies directly.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from gatehouse_guard.model import Finding, Resource, canonical_type
from gatehouse_guard.rules import (
    api_exposure,
    backdoors,
    custom_domain,
    endpoint_network,
    front_doors,
    load_balancer,
    observability,
    policy_document,
    resource_policy,
    routing,
    web_acl,
)
from gatehouse_guard.rules.unknowns import (
    Unresolved,
    checked,
    deliver,
    in_preview,
    unknown_finding,
)
from gatehouse_guard.sdk_tuning import plain_props

PROD = "prod"
LOWER = "lower"

_CIDRS = {"type": "array", "items": {"type": "string"}, "default": []}
TIER = {
    "type": "string",
    "enum": [PROD, LOWER],
    "default": PROD,
    "description": "prod: a value still unknown during the update fails the check (in a "
    "preview it is deferred: verified at deploy) and no VPN caller may get in; lower: unknowns "
    "are left to `pulumi up` and vpnCidrs are expected callers",
}
ALLOWED_PUBLIC_APIS = {
    "type": "array",
    "items": {"type": "string"},
    "default": [],
    "description": "Logical (or AWS) names of REST APIs that may be non-PRIVATE; they must also "
    "carry the tag exposure=public",
}
ALLOWED_ENDPOINT_IDS = {
    **_CIDRS,
    "description": "Other organisation execute-api endpoints the private API admits "
    "(the stack's extraVpcEndpointIds)",
}
VPC_CIDR = {
    "type": "string",
    "default": "",
    "description": "The VPC CIDR when the stack adopts its VPC (a created VPC's cidrBlock wins)",
}
VPC_EXTRA_CIDRS = {
    **_CIDRS,
    "description": "The adopted VPC's other ranges: secondary IPv4 blocks and, dual-stack, its "
    "IPv6 blocks (a created VPC's own blocks win)",
}
VPN_CIDRS = {
    **_CIDRS,
    "description": "VPN ranges: admitted callers in a lower tier; in prod, probes that must be "
    "denied",
}
CONSUMER_CIDRS = {
    **_CIDRS,
    "description": "Other networks allowed to call through the allowed endpoints "
    "(the stack's consumerCidrs)",
}

ResourceRule = Callable[[Resource, Mapping[str, Any]], Iterable[Finding]]
StackRule = Callable[[list[Resource], Mapping[str, Any]], Iterable[Finding]]


def settings(properties: Mapping[str, Mapping[str, Any]], config: Mapping[str, Any] | None):
    """Schema defaults overlaid with the configured values (the CLI merges these too, but a
    client driving the analyzer protocol directly may not)."""
    merged = {key: spec.get("default") for key, spec in properties.items()}
    merged.update(config or {})
    return merged


def report(findings: Iterable[Finding], config: Mapping[str, Any], report_violation) -> None:
    # Unknown values: deferred in a preview, a finding at update in prod (rules/unknowns.py).
    deliver(findings, report_violation, tier=config.get("tier", PROD), preview=in_preview())


def resource_policy_of(
    name: str, description: str, rule: ResourceRule, *,
    applies_to: Collection[str],
    properties: Mapping[str, Mapping[str, Any]] | None = None,
    level: EnforcementLevel = EnforcementLevel.MANDATORY,
    severity: Severity = Severity.HIGH,
) -> ResourceValidationPolicy:
    """`applies_to`: the resource types `rule` judges (it returns nothing for any other). The
    SDK calls every resource policy for every resource; copying the props of the other types
    into plain data first was most of the pack's own time per Analyze call."""
    properties = {"tier": TIER, **(properties or {})}
    types = frozenset(applies_to)

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if canonical_type(args.resource_type) not in types:
            return
        config = settings(properties, args.get_config())
        resource = Resource(args.resource_type, args.name, plain_props(args.props), args.urn)
        report(checked(lambda r: rule(r, config), resource), config, report_violation)

    return ResourceValidationPolicy(
        name=name, description=description, validate=validate, enforcement_level=level,
        config_schema=PolicyConfigSchema(properties=dict(properties)), severity=severity,
    )


def stack_policy_of(
    name: str, description: str, rule: StackRule, *,
    properties: Mapping[str, Mapping[str, Any]] | None = None,
    level: EnforcementLevel = EnforcementLevel.MANDATORY,
    severity: Severity = Severity.CRITICAL,
) -> StackValidationPolicy:
    properties = {"tier": TIER, **(properties or {})}

    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        config = settings(properties, args.get_config())
        resources = [
            Resource(
                r.resource_type, r.name, plain_props(r.props), r.urn,
                {k: tuple(d.urn for d in deps) for k, deps in r.property_dependencies.items()},
            )
            for r in args.resources
        ]
        try:
            findings = list(rule(resources, config))
        except Unresolved as exc:
            findings = [unknown_finding(exc.what)]
        report(findings, config, report_violation)

    return StackValidationPolicy(
        name=name, description=description, validate=validate, enforcement_level=level,
        config_schema=PolicyConfigSchema(properties=dict(properties)), severity=severity,
    )


def _resource_policy_settings(config: Mapping[str, Any]) -> resource_policy.Settings:
    return resource_policy.Settings(
        tier=config["tier"],
        allowed_endpoint_ids=tuple(config["allowedEndpointIds"]),
        vpc_cidr=config["vpcCidr"],
        vpn_cidrs=tuple(config["vpnCidrs"]),
        consumer_cidrs=tuple(config["consumerCidrs"]),
        vpc_extra_cidrs=tuple(config["vpcExtraCidrs"]),
    )


def _endpoint_extra_cidrs(config: Mapping[str, Any]) -> tuple[str, ...]:
    # VPN developers reach the endpoint directly only in a lower tier; prod admits no VPN range.
    vpn = tuple(config["vpnCidrs"]) if config["tier"] == LOWER else ()
    return (*config["consumerCidrs"], *vpn)


def _network_settings(config: Mapping[str, Any]) -> dict[str, Any]:
    """Who may reach the endpoint and the ALB on the network, for the security-group rules."""
    return {
        "vpc_cidr": config["vpcCidr"],
        "vpc_extra_cidrs": tuple(config["vpcExtraCidrs"]),
        "extra_cidrs": _endpoint_extra_cidrs(config),
        "vpn_cidrs": tuple(config["vpnCidrs"]),
    }


def _policy_document_before_create(resource: Resource, config: Mapping[str, Any]) -> list[Finding]:
    findings = checked(
        lambda r: policy_document.check_policy_document(
            r, _resource_policy_settings(config), config["allowedPublicApis"]),
        resource,
    )
    # A document unknown in a preview is deferred by private-api-resource-policy already (on the
    # API, "verified at deploy"); a second entry for the same value would only repeat it. During
    # the update an unknown document stays a finding here: the resource is about to be created.
    return [f for f in findings if not (f.unknown and in_preview())]


_NETWORK = {"vpcCidr": VPC_CIDR, "vpcExtraCidrs": VPC_EXTRA_CIDRS, "vpnCidrs": VPN_CIDRS,
            "consumerCidrs": CONSUMER_CIDRS}


POLICIES = [
    resource_policy_of(
        "api-endpoint-type",
        "REST APIs are PRIVATE unless tagged exposure=public and listed in allowedPublicApis.",
        lambda r, c: api_exposure.check_api_exposure(r, c["allowedPublicApis"]),
        applies_to=(api_exposure.REST_API,),
        properties={"allowedPublicApis": ALLOWED_PUBLIC_APIS},
        severity=Severity.CRITICAL,
    ),
    stack_policy_of(
        "private-api-resource-policy",
        "PRIVATE APIs and private domains have a resource policy that admits only our callers.",
        lambda rs, c: resource_policy.check_resource_policies(rs, _resource_policy_settings(c)),
        properties={"allowedEndpointIds": ALLOWED_ENDPOINT_IDS, **_NETWORK},
    ),
    resource_policy_of(
        # The resource-level half of the one above: the CLI runs it on each resource's inputs
        # just before creating it, where stack policies run only after the whole update.
        "private-api-policy-before-create",
        "A private API's or domain's policy document, once known, admits only the endpoints it "
        "names and allowedEndpointIds (judged before create).",
        _policy_document_before_create,
        applies_to=policy_document.DOCUMENT_TYPES,
        properties={"allowedEndpointIds": ALLOWED_ENDPOINT_IDS, "allowedPublicApis": ALLOWED_PUBLIC_APIS,
                    **_NETWORK},
        severity=Severity.CRITICAL,
    ),
    stack_policy_of(
        # One policy for both gates to the private API: the same networks, the same config.
        "endpoint-security-group",
        "The execute-api endpoint's and the ALB's security groups admit only the VPC and consumers.",
        lambda rs, c: [
            *endpoint_network.check_endpoint_security_groups(rs, **_network_settings(c)),
            *load_balancer.check_alb_security_groups(rs, **_network_settings(c)),
        ],
        properties=_NETWORK,
    ),
    resource_policy_of(
        "alb-internal",
        "The load balancer in front of the private API is internal, never internet-facing.",
        lambda r, c: load_balancer.check_alb_internal(r),
        applies_to=(load_balancer.LOAD_BALANCER,),
        severity=Severity.CRITICAL,
    ),
    resource_policy_of(
        "alb-listener-tls",
        "ALB listeners serve HTTPS with TLS 1.2 or stronger, or only redirect HTTP to HTTPS.",
        lambda r, c: load_balancer.check_listener_tls(r),
        applies_to=(load_balancer.LISTENER,),
    ),
    stack_policy_of(
        "alb-listener-rules-tls",
        "Rules on a plain-HTTP listener only redirect to HTTPS, never forward.",
        lambda rs, c: load_balancer.check_listener_rules_tls(rs),
        severity=Severity.HIGH,
    ),
    resource_policy_of(
        "alb-targets-private",
        "Load balancer targets are private addresses inside the VPC, never public IPs.",
        lambda r, c: load_balancer.check_target_attachment(r),
        applies_to=(load_balancer.TARGET_GROUP_ATTACHMENT,),
        severity=Severity.CRITICAL,
    ),
    resource_policy_of(
        "alb-deletion-protection",
        "Load balancers have deletion protection on.",
        lambda r, c: load_balancer.check_alb_deletion_protection(r),
        applies_to=(load_balancer.LOAD_BALANCER,),
        severity=Severity.MEDIUM,
    ),
    resource_policy_of(
        "custom-domain-tls",
        "API Gateway custom domains use a TLS 1.2 or stronger security policy.",
        lambda r, c: custom_domain.check_domain_tls(r),
        applies_to=(custom_domain.DOMAIN_NAME,),
    ),
    resource_policy_of(
        "lambda-function-url-auth",
        "Lambda function URLs require IAM auth, never NONE.",
        lambda r, c: backdoors.check_function_url(r),
        applies_to=(backdoors.FUNCTION_URL,),
        severity=Severity.CRITICAL,
    ),
    resource_policy_of(
        "lambda-permission-scoped",
        "Lambda invoke permissions name one API by sourceArn, never `*` or an unscoped gateway.",
        lambda r, c: backdoors.check_lambda_permission(r),
        applies_to=(backdoors.PERMISSION,),
        severity=Severity.CRITICAL,
    ),
    stack_policy_of(
        "private-backend-front-doors",
        "No public API, CDN, accelerator or public DNS record leads to the private side.",
        lambda rs, c: front_doors.check_front_doors(rs),
    ),
    stack_policy_of(
        "no-mixed-gateways",
        "A private function is routed from, and grants invoke to, the PRIVATE API only.",
        lambda rs, c: routing.check_gateway_mixing(rs),
    ),
    stack_policy_of(
        "public-stage-web-acl",
        "In prod every public API stage is associated with a WAF web ACL.",
        lambda rs, c: web_acl.check_public_stages_have_web_acl(rs, tier=c["tier"]),
    ),
    resource_policy_of(
        "stage-observability",
        "API stages write access logs and X-Ray traces.",
        lambda r, c: observability.check_stage_observability(r),
        applies_to=(observability.STAGE,),
        level=EnforcementLevel.ADVISORY,
        severity=Severity.LOW,
    ),
    resource_policy_of(
        "endpoint-private-dns-off",
        "The execute-api endpoint keeps private DNS off (it hijacks public API Gateway names).",
        lambda r, c: endpoint_network.check_endpoint_private_dns(r),
        applies_to=(endpoint_network.VPC_ENDPOINT,),
        level=EnforcementLevel.ADVISORY,
        severity=Severity.LOW,
    ),
]

POLICY_NAMES = [p.name for p in POLICIES]
