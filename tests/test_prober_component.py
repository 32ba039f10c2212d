"""The prober and the health routes in every shipped stack: as closed as a function in a VPC can be,
and GET /health answered by API Gateway itself on both APIs."""

import json

import pytest
import yaml

from pipeline.stack_files import PROJECT_DIR, stack_config_map
from stack_config import ConfigError, load_stack_config
from stack_config.pulumi_source import decode_config
from tests.program_support import only, rendered

STACKS = ["dev", "staging", "prod"]
FUNCTION = "aws:lambda/function:Function"


def children_of(inventory, parent_name):
    parent = next(r for r in inventory.resources if r.name == parent_name and r.type == "gatehouse:prober:Prober")
    return {(r.type, r.name) for r in inventory.resources if r.parent == parent.urn}


@pytest.mark.parametrize("stack", STACKS)
def test_the_prober_has_exactly_its_function_role_logs_and_security_group(stack):
    assert children_of(rendered(stack), "prober") == {
        ("aws:cloudwatch/logGroup:LogGroup", "prober-logs"),
        ("aws:iam/role:Role", "prober-role"),
        ("aws:iam/rolePolicy:RolePolicy", "prober-logging"),
        ("aws:iam/rolePolicy:RolePolicy", "prober-vpc-access"),
        ("aws:ec2/securityGroup:SecurityGroup", "prober-sg"),
        ("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "prober-https-to-vpc"),
        (FUNCTION, "prober"),
    }


@pytest.mark.parametrize("stack", STACKS)
def test_the_prober_runs_in_the_private_subnets_behind_its_own_group(stack):
    inventory = rendered(stack)
    function = only(inventory, FUNCTION, "prober")
    group = only(inventory, "aws:ec2/securityGroup:SecurityGroup", "prober-sg")
    endpoint = only(inventory, "aws:ec2/vpcEndpoint:VpcEndpoint")
    assert function.inputs["vpcConfig"]["securityGroupIds"] == [group.outputs["id"]]
    assert function.inputs["vpcConfig"]["subnetIds"] == endpoint.inputs["subnetIds"]
    assert function.inputs["handler"] == "prober.handler"
    assert function.inputs["name"] == f"gatehouse-{stack}-prober"


@pytest.mark.parametrize("stack", STACKS)
def test_the_prober_group_admits_nothing_and_lets_out_https_to_the_vpc_only(stack):
    inventory = rendered(stack)
    group = only(inventory, "aws:ec2/securityGroup:SecurityGroup", "prober-sg")
    assert not group.inputs.get("ingress") and not group.inputs.get("egress")
    ingress = [r for r in inventory.by_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
               if r.inputs["securityGroupId"] == group.outputs["id"]]
    assert ingress == []
    (egress,) = [r for r in inventory.by_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
                 if r.inputs["securityGroupId"] == group.outputs["id"]]
    config = load_stack_config(decode_config(stack_config_map(stack)), stack)
    assert (egress.inputs["ipProtocol"], egress.inputs["fromPort"], egress.inputs["toPort"]) == ("tcp", 443, 443)
    assert egress.inputs["cidrIpv4"] == config.vpc_cidr


@pytest.mark.parametrize("stack", STACKS)
def test_nobody_is_granted_invoke_on_the_prober(stack):
    """No resource-based policy: only this account's identities allowed by IAM (the pipeline role)."""
    inventory = rendered(stack)
    prober = only(inventory, FUNCTION, "prober")
    names = {prober.inputs["name"], prober.outputs["arn"]}
    assert not [p for p in inventory.by_type("aws:lambda/permission:Permission") if p.inputs["function"] in names]
    assert not [u for u in inventory.by_type("aws:lambda/functionUrl:FunctionUrl") if u.inputs["functionName"] in names]


@pytest.mark.parametrize("stack", STACKS)
def test_the_prober_role_writes_its_own_logs_and_manages_only_network_interfaces(stack):
    inventory = rendered(stack)
    logging = json.loads(only(inventory, "aws:iam/rolePolicy:RolePolicy", "prober-logging").inputs["policy"])
    assert logging["Statement"][0]["Resource"].endswith(f":log-group:/aws/lambda/gatehouse-{stack}-prober:*")
    network = json.loads(only(inventory, "aws:iam/rolePolicy:RolePolicy", "prober-vpc-access").inputs["policy"])
    actions = {a for s in network["Statement"] for a in s["Action"]}
    assert actions and all(a.startswith("ec2:") and "NetworkInterface" in a or a in (
        "ec2:DescribeSubnets", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses") for a in actions)


@pytest.mark.parametrize("stack", STACKS)
def test_both_apis_answer_get_health_with_a_mock_integration(stack):
    inventory = rendered(stack)
    apis = {a.outputs["id"]: a.name for a in inventory.by_type("aws:apigateway/restApi:RestApi")}
    health = [r for r in inventory.by_type("aws:apigateway/integration:Integration") if r.name.endswith("-health")]
    assert sorted(apis[i.inputs["restApi"]] for i in health) == ["private-api", "public-api"]
    for integration in health:
        assert integration.inputs["type"] == "MOCK"
        assert json.loads(integration.inputs["requestTemplates"]["application/json"]) == {"statusCode": 200}
    responses = inventory.by_type("aws:apigateway/integrationResponse:IntegrationResponse")
    assert {json.loads(r.inputs["responseTemplates"]["application/json"])["status"] for r in responses} == {"ok"}
    methods = [m for m in inventory.by_type("aws:apigateway/method:Method") if m.name.endswith("-health")]
    assert {m.inputs["httpMethod"] for m in methods} == {"GET"}


def test_outputs_carry_what_verify_needs():
    outputs = rendered("prod").outputs
    assert outputs["proberFunctionName"] == "gatehouse-prod-prober"
    assert outputs["region"] and outputs["stageName"] == "v1"


@pytest.mark.parametrize("path", ["/health", "/Health", "/health/deep", "/HEALTH/{id}"])
def test_a_service_route_on_the_reserved_health_path_is_refused(path):
    raw = yaml.safe_load((PROJECT_DIR / "Pulumi.dev.yaml").read_text())["config"]
    raw["gatehouse:services"][0]["routes"][0]["path"] = path
    with pytest.raises(ConfigError) as caught:
        load_stack_config(raw, "dev")
    assert caught.value.key == "gatehouse:services[0].routes[0].path"
    assert "reserved" in str(caught.value) and str(caught.value).endswith("in Pulumi.dev.yaml")


def test_a_path_that_only_starts_with_health_is_a_route_like_any_other():
    raw = yaml.safe_load((PROJECT_DIR / "Pulumi.dev.yaml").read_text())["config"]
    raw["gatehouse:services"][0]["routes"][0]["path"] = "/healthcheck"
    assert load_stack_config(raw, "dev").services[0].routes[0].path == "/healthcheck"
