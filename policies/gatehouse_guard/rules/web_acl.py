"""In prod, every public API stage sits behind a WAF web ACL.

A web ACL reaches a REST API stage through either door: a `WebAclAssociation` (WAFv2, or WAF
Classic regional) whose resource is the stage, or the stage's own `webAclArn` (what AWS reports
back for an associated stage). HTTP and WebSocket APIs (apigatewayv2) are always public and
WAF cannot be associated with them at all, so in prod each of them is a finding too (once per
API: `target` quick-create makes a $default stage with no Stage resource), and so is a v2 stage
whose API is not in the stack.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from gatehouse_guard.model import Finding, ReferenceIndex, Resource, as_list
from gatehouse_guard.rules.api_exposure import REST_API, is_private_api
from gatehouse_guard.rules.unknowns import Unresolved, is_unknown, unknown_finding

STAGE = "aws:apigateway/stage:Stage"
HTTP_API = "aws:apigatewayv2/api:Api"
HTTP_STAGE = "aws:apigatewayv2/stage:Stage"
WAFV2_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation"
WAF_CLASSIC_ASSOCIATION = "aws:wafregional/webAclAssociation:WebAclAssociation"
# The association's ACL reference, per association type.
_ACL_PROP = {WAFV2_ASSOCIATION: "webAclArn", WAF_CLASSIC_ASSOCIATION: "webAclId"}


def check_public_stages_have_web_acl(resources: Sequence[Resource], *, tier: str) -> list[Finding]:
    """Stack-level: join each REST stage to its API (`restApi`) and to associations (`resourceArn`)."""
    if tier != "prod":
        return []
    apis = ReferenceIndex([r for r in resources if r.type == REST_API], "id")
    associations = [r for r in resources if r.type in _ACL_PROP and _names_an_acl(r)]
    stage_urns = frozenset(r.urn for r in resources if r.type == STAGE and r.urn)
    http_apis = ReferenceIndex([r for r in resources if r.type == HTTP_API], "id")
    findings: list[Finding] = []
    for stage in resources:
        if stage.type == HTTP_API or (stage.type == HTTP_STAGE and http_apis.first(stage, "apiId") is None):
            findings.append(Finding(
                f"{stage.label} is an HTTP or WebSocket API (apigatewayv2) or its stage: always "
                "public and unable to carry a WAF web ACL; in prod public services go on the REST "
                "API behind the web ACL",
                stage.urn or None,
            ))
        elif stage.type == STAGE:
            findings.extend(_check_rest_stage(stage, apis, associations, stage_urns))
    return findings


def _check_rest_stage(
    stage: Resource, apis: ReferenceIndex, associations: list[Resource], stage_urns: frozenset[str]
) -> Iterator[Finding]:
    api = apis.first(stage, "restApi")
    if api is not None:
        try:
            if is_private_api(api.props):
                return
        except Unresolved:
            pass  # an API whose endpoint type is unknown is not shown PRIVATE: judge its stage
    web_acl = stage.props.get("webAclArn")
    if is_unknown(web_acl) or (isinstance(web_acl, str) and web_acl):
        return
    if any(_associates(association, stage) for association in associations):
        return
    # An association whose target is unknown and not traced to another stage (say, an ARN built
    # from the API's id) may well be this stage's: the update, when it is known, decides.
    if any(_may_associate(association, stage_urns) for association in associations):
        yield unknown_finding("whether a web ACL association names it (its resourceArn)", stage)
        return
    behind = f"of {api.label}, which is not PRIVATE," if api is not None else "of an API not in this stack,"
    yield Finding(
        f"{stage.label} {behind} has no WAF web ACL: associate one with the stage "
        "(aws:wafv2/webAclAssociation with resourceArn = the stage's ARN); in prod a public stage "
        "is never left unprotected (publicApi.waf.enabled: true)",
        stage.urn or None,
    )


def _associates(association: Resource, stage: Resource) -> bool:
    if stage.urn and stage.urn in association.property_dependencies.get("resourceArn", ()):
        return True
    targets = {v for v in as_list(association.props.get("resourceArn")) if isinstance(v, str)}
    arn = stage.props.get("arn")
    return isinstance(arn, str) and bool(arn) and arn in targets


def _may_associate(association: Resource, stage_urns: frozenset[str]) -> bool:
    if not is_unknown(association.props.get("resourceArn")):
        return False
    return not stage_urns & set(association.property_dependencies.get("resourceArn", ()))


def _names_an_acl(association: Resource) -> bool:
    """An association counts only when it names a web ACL (unknown: set, just not resolved yet)."""
    acl = association.props.get(_ACL_PROP[association.type])
    return is_unknown(acl) or (isinstance(acl, str) and bool(acl.strip()))
