"""private-api-policy-before-create: a private API's policy judged from its document alone.

GIVEN the baseline's valid private policy (no VPN in prod) on a RestApiPolicy, the RestApi's
inline `policy` or the private DomainName's `policy`
WHEN one thing changes
THEN the document alone says who else gets in, with the endpoints its Allow statements name and
allowedEndpointIds as ours; whether those are this stack's stays with the stack policy.
"""

import json
import re
from dataclasses import replace

from gatehouse_guard.model import Resource
from gatehouse_guard.rules.policy_document import check_policy_document, named_as_ours
from gatehouse_guard.rules.resource_policy import (
    REST_API_POLICY,
    REST_API_PUT,
    Settings,
    check_resource_policies,
)
from gatehouse_guard.rules.unknowns import UNKNOWN, checked
from policy_baseline import (
    DOMAIN,
    EXECUTION_ARN,
    OUR_VPCE,
    VPC_CIDR,
    VPN_CIDR,
    alb_front,
    changed,
    find,
    private_policy,
    res,
    stack,
)

PROD = Settings(tier="prod", vpc_cidr=VPC_CIDR, vpn_cidrs=(VPN_CIDR,))
# A stack that creates its VPC configures no vpcCidr: the document's own ranges stand for it.
PROD_CREATED_VPC = replace(PROD, vpc_cidr="")
FOREIGN_VPCE = "vpce-0f0e1gn000000001"


def rest_api_policy(document, name="private-api-policy") -> Resource:
    raw = document if isinstance(document, str) or document is UNKNOWN else json.dumps(document)
    return res(REST_API_POLICY, name, {"restApiId": "prv1234567", "policy": raw})


def baseline(**change) -> dict:
    """The valid prod document, its statements changed by Sid (None drops one)."""
    document = private_policy(vpn=False)
    kept = []
    for statement in document["Statement"]:
        new = change.get(statement["Sid"], statement)
        if new is not None:
            kept.append(new)
    return {**document, "Statement": kept + change.get("extra", [])}


def messages(resource: Resource, settings: Settings = PROD, public_apis=()) -> list[str]:
    return [f.message for f in checked(lambda r: check_policy_document(r, settings, public_apis), resource)]


ALLOW = {"Sid": "AllowOurEndpoint", "Effect": "Allow", "Principal": "*",
         "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}


def test_the_baseline_document_passes_on_each_of_the_three_resources():
    resources = [*stack(vpn=False), *alb_front(vpn=False)]
    assert messages(rest_api_policy(baseline())) == []
    assert messages(find(resources, "private-api")) == []
    assert messages(find(resources, "private-domain")) == []


def test_the_endpoints_allow_statements_name_by_equality_are_ours():
    document = baseline(extra=[{**ALLOW, "Sid": "AlsoByVpc",
                                "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-0dev"}}}])
    assert named_as_ours(document) == ((OUR_VPCE,), ("vpc-0dev",))
    wildcard = baseline(AllowOurEndpoint={**ALLOW, "Condition": {"StringLike": {"aws:SourceVpce": "vpce-0*"}}},
                        DenyOtherEndpoints=None)
    assert named_as_ours(wildcard) == ((), ())


def test_an_allow_without_an_endpoint_condition_names_no_endpoint():
    [message] = messages(rest_api_policy({"Version": "2012-10-17", "Statement": [ALLOW]}))
    assert "RestApiPolicy 'private-api-policy', before create" in message
    assert "names no execute-api endpoint" in message


def test_with_allowed_endpoint_ids_an_unconditioned_allow_lets_the_internet_in():
    settings = replace(PROD, allowed_endpoint_ids=("vpce-0org0000000000001",))
    found = messages(rest_api_policy({"Version": "2012-10-17", "Statement": [ALLOW]}), settings)
    assert any("lets in scenario 'internet'" in m for m in found), found


def test_an_allow_by_vpc_lets_another_endpoint_of_that_vpc_in():
    by_vpc = {**ALLOW, "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-0dev"}}}
    found = messages(rest_api_policy(baseline(AllowOurEndpoint=by_vpc, DenyOtherEndpoints=None)))
    assert any("lets in scenario 'other-endpoint-same-vpc'" in m for m in found), found
    assert all("before create" in m for m in found)


def test_a_wildcard_endpoint_beside_ours_is_refused():
    ids = [OUR_VPCE, "vpce-0a*"]
    document = baseline(
        AllowOurEndpoint={**ALLOW, "Condition": {"StringLike": {"aws:SourceVpce": ids}}},
        DenyOtherEndpoints={**ALLOW, "Sid": "DenyOtherEndpoints", "Effect": "Deny",
                            "Condition": {"StringNotLike": {"aws:SourceVpce": ids}}},
    )
    found = messages(rest_api_policy(document))
    assert any("lets in scenario 'wildcard-endpoint:vpce-0a*'" in m for m in found), found


def test_only_a_wildcard_endpoint_is_no_name():
    wildcard = {**ALLOW, "Condition": {"StringLike": {"aws:SourceVpce": "vpce-*"}}}
    [message] = messages(rest_api_policy(baseline(AllowOurEndpoint=wildcard, DenyOtherEndpoints=None)))
    assert "names no execute-api endpoint (only the wildcard(s) vpce-*" in message


def test_a_vpn_range_is_refused_in_prod_and_expected_in_a_lower_tier():
    document = private_policy(vpn=True)
    found = messages(rest_api_policy(document))
    assert any("lets in scenario 'vpn-client'" in m and "no VPN client in prod" in m for m in found), found
    assert messages(rest_api_policy(document), replace(PROD, tier="lower")) == []


def test_a_vpn_range_is_refused_in_prod_when_the_stack_creates_its_vpc():
    found = messages(rest_api_policy(private_policy(vpn=True)), PROD_CREATED_VPC)
    assert any("lets in scenario 'vpn-client'" in m for m in found), found
    assert messages(rest_api_policy(baseline()), PROD_CREATED_VPC) == []


def test_keys_anded_in_one_deny_let_another_endpoint_of_the_vpc_in():
    by_vpc = {**ALLOW, "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-0dev"}}}
    anded = {**ALLOW, "Sid": "DenyOtherEndpoints", "Effect": "Deny", "Condition": {
        "StringNotEquals": {"aws:SourceVpce": OUR_VPCE, "aws:SourceVpc": "vpc-0dev"}}}
    found = messages(rest_api_policy(baseline(AllowOurEndpoint=by_vpc, DenyOtherEndpoints=anded)))
    assert any("lets in scenario 'other-endpoint-same-vpc'" in m for m in found), found


def test_source_ip_behind_the_endpoint_is_named():
    deny = {**ALLOW, "Sid": "DenyOutsideNetworks", "Effect": "Deny",
            "Condition": {"NotIpAddress": {"aws:SourceIp": [VPC_CIDR]}}}
    found = messages(rest_api_policy(baseline(DenyOutsideNetworks=deny)))
    assert any("DenyOutsideNetworks condition on aws:SourceIp" in m for m in found), found


def test_the_aws_example_allow_all_with_a_deny_unless_our_endpoint_passes():
    """AWS's example private API policy names the endpoint only in its Deny."""
    assert named_as_ours(baseline(AllowOurEndpoint=ALLOW)) == ((OUR_VPCE,), ())
    assert messages(rest_api_policy(baseline(AllowOurEndpoint=ALLOW))) == []


def test_a_deny_scoped_to_one_method_leaves_the_others_open():
    document = baseline(AllowOurEndpoint=ALLOW, DenyOtherEndpoints={
        **ALLOW, "Sid": "DenyOtherEndpoints", "Effect": "Deny", "Resource": f"{EXECUTION_ARN}/*/GET/*",
        "Condition": {"StringNotEquals": {"aws:SourceVpce": OUR_VPCE}}})
    document["Statement"][0] = {**document["Statement"][0], "Resource": f"{EXECUTION_ARN}/*"}
    found = messages(rest_api_policy(document))
    # Only a GET is denied to other endpoints, so what gets in is another method.
    [message] = found
    assert "lets in scenario 'other-endpoint-same-vpc'" in message
    assert "/GET/" not in re.search(r", on (\S+)\)", message).group(1)


def test_a_foreign_endpoint_named_by_the_document_is_left_to_the_stack_policy():
    """The document alone cannot tell a foreign endpoint from ours; the stack policy can."""
    document = json.dumps(private_policy(vpn=False)).replace(OUR_VPCE, FOREIGN_VPCE)
    assert messages(rest_api_policy(document)) == []
    stack_findings = check_resource_policies(changed(stack(vpn=False), "private-api", policy=document), PROD)
    assert any(FOREIGN_VPCE in f.message for f in stack_findings), [f.message for f in stack_findings]


def test_an_unknown_document_is_an_unknown_finding():
    [finding] = checked(lambda r: check_policy_document(r, PROD), rest_api_policy(UNKNOWN))
    assert finding.unknown and "the resource policy document is unknown" in finding.message


def test_not_valid_json_is_named():
    [message] = messages(rest_api_policy("{not json"))
    assert "not valid JSON" in message


def test_a_public_apis_policy_named_in_allowed_public_apis_is_not_judged():
    open_policy = {"Version": "2012-10-17", "Statement": [ALLOW]}
    resource = res(REST_API_POLICY, "public-api", {"restApiId": "pub1234567", "policy": json.dumps(open_policy)})
    assert messages(resource, public_apis=("public-api",)) == []
    assert messages(resource) != []  # by default every RestApiPolicy is taken to be private


def test_a_regional_apis_inline_policy_is_not_judged():
    public = find(stack(vpn=False), "public-api")
    open_policy = json.dumps({"Version": "2012-10-17", "Statement": [ALLOW]})
    assert messages(replace(public, props={**public.props, "policy": open_policy})) == []


def test_a_rest_api_put_body_policy_is_judged():
    body = json.dumps({"openapi": "3.0.1", "x-amazon-apigateway-policy": {
        "Version": "2012-10-17", "Statement": [ALLOW]}})
    [message] = messages(res(REST_API_PUT, "private-api-body", {"restApiId": "prv1234567", "body": body}))
    assert "its body's x-amazon-apigateway-policy" in message and "names no execute-api endpoint" in message


def test_a_private_domain_policy_naming_its_own_arn_passes_before_its_id_exists():
    own = f"arn:aws:execute-api:us-east-1:123456789012:/domainnames/{DOMAIN}+*"
    document = json.loads(json.dumps(private_policy(vpn=False)).replace('"execute-api:/*"', json.dumps(own)))
    domain = find(alb_front(vpn=False), "private-domain")
    before_create = {k: v for k, v in domain.props.items() if k not in ("domainNameId", "arn")}
    assert messages(replace(domain, props={**before_create, "policy": json.dumps(document)})) == []
    other_domain = own.replace(DOMAIN, "other.example.com")
    elsewhere = json.loads(json.dumps(document).replace(json.dumps(own), json.dumps(other_domain)))
    # Its Denies now guard another domain; an unconditioned Allow for this one lets anyone in.
    denies_elsewhere = {**elsewhere, "Statement": [
        {**ALLOW, "Sid": "AllowAnyone", "Resource": own}, *elsewhere["Statement"][1:]]}
    found = messages(replace(domain, props={**before_create, "policy": json.dumps(denies_elsewhere)}),
                     replace(PROD, allowed_endpoint_ids=(OUR_VPCE,)))
    assert any("DomainName 'private-domain', before create" in m and "scenario 'internet'" in m
               for m in found), found
