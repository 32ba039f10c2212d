"""Lambda reachable another way (issue 11, class 5): function URLs, permissions with a public or
unscoped principal, permissions for another API's execute ARN, whole Lambda resource policies,
and aliases or versions of a private function."""

import json

import pytest
from gatehouse_guard.rules.backdoors import (
    check_function_url,
    check_lambda_invoke_sources,
    check_lambda_permission,
)
from gatehouse_guard.rules.unknowns import UNKNOWN
from policy_baseline import (
    ACCOUNT,
    EXECUTION_ARN,
    PUBLIC_EXECUTION_ARN,
    SECURITY_FUNCTION_ARN,
    added,
    changed,
    find,
    res,
    stack,
)

PERMISSION = "aws:lambda/permission:Permission"
RESOURCE_POLICY = "aws:lambda/resourcePolicy:ResourcePolicy"
ALIAS = "aws:lambda/alias:Alias"


def messages(resources) -> list[str]:
    return [f.message for f in check_lambda_invoke_sources(resources)]


def with_live_alias(resources):
    return added(resources, ALIAS, "security-live", {
        "functionName": "security", "name": "live", "functionVersion": "3",
        "arn": f"{SECURITY_FUNCTION_ARN}:live",
        "invokeArn": f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{SECURITY_FUNCTION_ARN}:live/invocations"})


def test_baseline_passes():
    assert messages(stack()) == []
    assert messages(stack(alb=True)) == []


def test_a_function_url_without_auth_on_an_alias_is_a_violation():
    url = res("aws:lambda/functionUrl:FunctionUrl", "security-url",
              {"functionName": "security", "qualifier": "live", "authorizationType": "NONE"})
    [finding] = check_function_url(url)
    assert "authorizationType NONE" in finding.message


@pytest.mark.parametrize("principal", ["s3.amazonaws.com", "events.amazonaws.com",
                                       "elasticloadbalancing.amazonaws.com"])
def test_a_service_principal_without_source_is_a_violation(principal):
    permission = res(PERMISSION, "p", {"function": "security", "principal": principal,
                                       "action": "lambda:InvokeFunction"})
    [finding] = check_lambda_permission(permission)
    assert f"lets {principal} invoke the function with neither sourceArn nor sourceAccount" in finding.message


def test_a_service_principal_with_a_source_account_passes_the_resource_check():
    permission = res(PERMISSION, "p", {"function": "security", "principal": "s3.amazonaws.com",
                                       "sourceAccount": ACCOUNT})
    assert list(check_lambda_permission(permission)) == []


def test_a_permission_for_the_public_api_on_a_private_function_is_a_violation():
    resources = changed(stack(), "security-invoke", sourceArn=f"{PUBLIC_EXECUTION_ARN}/*/GET/security")
    [message] = messages(resources)
    assert "Permission 'security-invoke' lets RestApi 'public-api' invoke Function 'svc-security', " \
           "a private service; allowed: only RestApi 'private-api'" in message


def test_a_permission_for_an_api_outside_the_stack_is_a_violation():
    other = f"arn:aws:execute-api:us-east-1:{ACCOUNT}:zzz9999999/*"
    [message] = messages(changed(stack(), "security-invoke", sourceArn=other))
    assert "lets API zzz9999999 (not declared by this stack) invoke Function 'svc-security'" in message


def test_a_permission_for_another_api_on_a_public_function_is_a_violation():
    [message] = messages(changed(stack(), "greeter-invoke", sourceArn=f"{EXECUTION_ARN}/*"))
    assert "lets RestApi 'private-api' invoke Function 'svc-greeter', which only RestApi 'public-api' " \
           "routes to" in message


def test_a_qualified_permission_of_a_private_function_for_the_public_api_is_a_violation():
    resources = added(stack(), PERMISSION, "security-live-public", {
        "function": "security", "qualifier": "live", "principal": "apigateway.amazonaws.com",
        "sourceArn": f"{PUBLIC_EXECUTION_ARN}/*"})
    [message] = messages(resources)
    assert "Permission 'security-live-public' (qualifier live) lets RestApi 'public-api'" in message


@pytest.mark.parametrize("function", [f"{SECURITY_FUNCTION_ARN}:live", f"{SECURITY_FUNCTION_ARN}:7",
                                      "security:live", f"{ACCOUNT}:function:security"])
def test_a_permission_naming_an_alias_or_version_arn_is_joined_to_its_function(function):
    resources = added(with_live_alias(stack()), PERMISSION, "by-arn", {
        "function": function, "principal": "apigateway.amazonaws.com",
        "sourceArn": f"{PUBLIC_EXECUTION_ARN}/*"})
    [message] = messages(resources)
    assert "invoke Function 'svc-security', a private service" in message


def test_a_permission_joined_by_dependency_on_the_public_api_during_preview():
    public = find(stack(), "public-api")
    resources = changed(stack(), "security-invoke", sourceArn=UNKNOWN)
    permission = find(resources, "security-invoke")
    resources[resources.index(permission)] = type(permission)(
        permission.type, permission.name, permission.props, permission.urn, {"sourceArn": (public.urn,)})
    [message] = messages(resources)
    assert "lets RestApi 'public-api' invoke" in message


def resource_policy(*statements):
    return added(stack(), RESOURCE_POLICY, "security-policy", {
        "resourceArn": SECURITY_FUNCTION_ARN,
        "policy": json.dumps({"Version": "2012-10-17", "Statement": list(statements)})})


def statement(principal, **extra):
    return {"Sid": "S", "Effect": "Allow", "Principal": principal, "Action": "lambda:InvokeFunction",
            "Resource": SECURITY_FUNCTION_ARN, **extra}


@pytest.mark.parametrize("principal", ["*", {"AWS": "*"}, {"AWS": ["arn:aws:iam::*:root"]}])
def test_a_lambda_resource_policy_with_a_public_principal_is_a_violation(principal):
    [message] = messages(resource_policy(statement(principal)))
    assert "ResourcePolicy 'security-policy' statement S lets principal" in message
    assert "anyone with AWS credentials" in message


def test_a_lambda_resource_policy_with_an_unscoped_service_is_a_violation():
    [message] = messages(resource_policy(statement({"Service": "sns.amazonaws.com"})))
    assert "lets sns.amazonaws.com invoke the function with no aws:SourceArn" in message


def test_a_lambda_resource_policy_for_the_public_api_is_a_violation():
    condition = {"ArnLike": {"AWS:SourceArn": f"{PUBLIC_EXECUTION_ARN}/*"}}
    [message] = messages(resource_policy(statement({"Service": "apigateway.amazonaws.com"}, Condition=condition)))
    assert "lets RestApi 'public-api' invoke Function 'svc-security', a private service" in message


def test_a_lambda_resource_policy_for_the_private_api_passes():
    condition = {"ArnLike": {"aws:SourceArn": f"{EXECUTION_ARN}/*"}}
    assert messages(resource_policy(statement({"Service": "apigateway.amazonaws.com"}, Condition=condition))) == []


def test_a_source_arn_naming_no_api_is_left_to_lambda_permission_scoped():
    resources = changed(stack(), "security-invoke", sourceArn="arn:aws:apigateway:us-east-1::/restapis/x/*")
    assert messages(resources) == []
    [finding] = check_lambda_permission(find(resources, "security-invoke"))
    assert "matches any API" in finding.message
