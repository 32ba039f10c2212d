"""`python -m pipeline check`: every shipped stack rendered under the mocks and judged by the real
policy pack over the analyzer gRPC protocol; a broken prod fails with the right policy names."""

import contextlib
import copy
import io
import json
import os
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import check, resource_inputs
from pipeline.cli import main
from pipeline.exit_codes import ExitCode
from pipeline.inventory import UNKNOWN, InventoryResource
from tests.program_support import copy_stack_file, project_copy, render_through_cache, rendered

# Every check here renders through the per-worker render cache and takes its pack from the pool:
# the same stack config renders once and starts its pack once (tests/program_support.py,
# tests/pack_pool.py).
pytestmark = pytest.mark.usefixtures("cached_renders", "pooled_packs")


@pytest.fixture(scope="module")
def shipped_run(tmp_path_factory, _shared_renders):
    reports = tmp_path_factory.mktemp("reports")
    with pytest.MonkeyPatch.context() as patch:  # a module's fixture comes before the marker's
        render_through_cache(patch)  # check's own analysis process judges these runs
        code = main(["check", "--report-dir", str(reports)])
    return code, reports


def test_every_shipped_stack_passes(shipped_run):
    code, reports = shipped_run
    assert code == ExitCode.OK
    for stack in ("dev", "staging", "prod"):
        report = json.loads((reports / f"check-{stack}.json").read_text())
        assert report["outcome"] == "ok"
        assert not [v for v in report["violations"] if v["level"] == "mandatory"]


def test_prod_reachability_admits_only_our_endpoint(shipped_run):
    _, reports = shipped_run
    matrix = json.loads((reports / "check-prod.json").read_text())["matrix"]
    private = {(row["api"], row["scenario"]): row["decision"] for row in matrix if row["api"] != "api:public-api"}
    assert {api for api, _ in private} == {"api:private-api", "domain:api.internal.example.com"}
    for (api, scenario), decision in private.items():
        expected = "Allow" if scenario == "our-endpoint" else "ExplicitDeny"
        assert decision == expected, (api, scenario)
    assert ("api:private-api", "vpn-client") in private  # probed even though prod admits no VPN


def test_dev_lets_the_vpn_in_and_reports_it(shipped_run):
    _, reports = shipped_run
    matrix = json.loads((reports / "check-dev.json").read_text())["matrix"]
    assert {"api": "api:private-api", "scenario": "vpn-client", "decision": "Allow"} in matrix
    markdown = (reports / "check-dev.md").read_text()
    assert "alb-deletion-protection" in markdown  # dev's one advisory finding


def broken_prod():
    """Prod with three holes forced in past config validation: a VPN range in the private API's
    policy, the private API made REGIONAL, and the endpoint's security group opened to the world."""
    inventory = rendered("prod")
    endpoint_group = next(r for r in inventory.resources if r.name == "execute-api-sg")
    changed: list[InventoryResource] = []
    for resource in inventory.resources:
        if resource.type == "aws:apigateway/restApiPolicy:RestApiPolicy" and resource.name == "private-api":
            policy = json.loads(resource.inputs["policy"])
            policy["Statement"][2]["Condition"]["NotIpAddress"]["aws:VpcSourceIp"].append("172.31.250.0/24")
            inputs = {**resource.inputs, "policy": json.dumps(policy)}
            resource = replace(resource, inputs=inputs, outputs={**resource.outputs, **inputs})
        if resource.type == "aws:apigateway/restApi:RestApi" and resource.name == "private-api":
            inputs = {**resource.inputs, "endpointConfiguration": {"types": "REGIONAL"}}
            resource = replace(resource, inputs=inputs, outputs={**resource.outputs, **inputs})
        changed.append(resource)
    opened = replace(
        next(r for r in inventory.resources if r.name == "execute-api-https-10-40-0-0-16"),
        urn=endpoint_group.urn.replace("SecurityGroup::execute-api-sg", "SecurityGroupIngressRule::execute-api-open"),
        name="execute-api-open",
        type="aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    )
    opened = replace(opened, inputs={**opened.inputs, "cidrIpv4": "0.0.0.0/0", "ipProtocol": "-1"},
                     outputs={**opened.outputs, "cidrIpv4": "0.0.0.0/0", "ipProtocol": "-1", "id": "sgr-0open"})
    return replace(inventory, resources=(*changed, opened))


def test_broken_prod_fails_with_the_right_policies(monkeypatch, tmp_path):
    monkeypatch.setattr(check, "render_stack", lambda stack, **_: broken_prod())
    code = main(["check", "--stack", "prod", "--report-dir", str(tmp_path)])
    assert code == ExitCode.POLICY
    report = json.loads((tmp_path / "check-prod.json").read_text())
    assert report["outcome"] == "policy-violation"
    mandatory = {v["policy"] for v in report["violations"] if v["level"] == "mandatory"}
    assert {"api-endpoint-type", "private-api-resource-policy", "endpoint-security-group"} <= mandatory
    sarif = json.loads((tmp_path / "check-prod.sarif").read_text())
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} >= mandatory
    matrix = {(r["api"], r["scenario"]): r["decision"] for r in report["matrix"]}
    assert matrix[("api:private-api", "vpn-client")] == "Allow"


def test_a_config_error_is_a_usage_error_with_a_report(tmp_path):
    from tests.program_support import copy_stack_file, project_copy

    broken = copy_stack_file("prod").replace("mode: alb", "mode: elb")
    (tmp_path / "project").mkdir()
    project = project_copy(tmp_path / "project", {"prod": broken})
    (project / "policies").symlink_to(check.PROJECT_DIR / "policies")
    code = main(["check", "--project-dir", str(project), "--report-dir", str(tmp_path / "r")])
    assert code == ExitCode.USAGE
    report = json.loads((tmp_path / "r" / "check-prod.json").read_text())
    assert report["outcome"] == "usage"
    assert "gatehouse:customDomain.mode must be one of alb, native, none" in report["notes"][0]


def test_a_review_stack_derived_from_dev_passes_check(tmp_path):
    import yaml

    from pipeline.automation.review_config import derive_review_config
    from tests.program_support import copy_stack_file, project_copy

    derived = derive_review_config(yaml.safe_load(copy_stack_file("dev")), 7)
    (tmp_path / "project").mkdir()
    project = project_copy(tmp_path / "project", {"pr-7": yaml.safe_dump(derived)})
    (project / "policies").symlink_to(check.PROJECT_DIR / "policies")
    code = main(["check", "--project-dir", str(project), "--report-dir", str(tmp_path / "r")])
    assert code == ExitCode.OK
    report = json.loads((tmp_path / "r" / "check-pr-7.json").read_text())
    assert {"api": "domain:pr-7.api.dev.internal.example.com", "scenario": "our-endpoint", "decision": "Allow"} in report["matrix"]


# --- Every rendered resource's inputs against AWS's own request models -----------------------

def test_every_mapped_property_is_a_member_botocore_knows():
    from stack_config import aws_values

    for type_token, mapping in resource_inputs.RESOURCE_TYPES.items():
        for prop, field in mapping.fields.items():
            allowed = aws_values.member(mapping.service, field.operation or mapping.operation, field.member)
            assert allowed.source, (type_token, prop)


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_every_resource_type_the_stacks_render_is_checked_and_passes(stack):
    problems, unmapped = resource_inputs.input_problems(rendered(stack), "us-east-1")
    assert unmapped == []
    assert problems == []


def with_input(stack: str, resource_name: str, type_: str, /, **changes) -> object:
    """The rendered stack with one resource's inputs changed, as a code change would."""
    inventory = rendered(stack)
    changed = []
    for resource in inventory.resources:
        if resource.name == resource_name and resource.type == type_:
            resource = replace(resource, inputs={**resource.inputs, **changes})
        changed.append(resource)
    assert changed != list(inventory.resources), f"no {type_} {resource_name} in {stack}"
    return replace(inventory, resources=tuple(changed))


def resource_of(stack: str, type_: str):
    return next(r for r in rendered(stack).resources if r.type == type_)


def check_rendering(monkeypatch, tmp_path, capsys, stack: str, inventory) -> tuple[int, list[str]]:
    monkeypatch.setattr(check, "render_stack", lambda *_, **__: inventory)
    code = main(["check", "--stack", stack, "--report-dir", str(tmp_path)])
    errors = [line for line in capsys.readouterr().out.splitlines() if line.startswith("error:")]
    return code, errors


CODE_CHANGES = [
    # (id, stack, type, input changes, text in the one error line)
    ("lambda-memory", "dev", "aws:lambda/function:Function", {"memorySize": 20000.0}, "memorySize = 20000.0 must be 128 to 10240"),
    ("lambda-runtime", "dev", "aws:lambda/function:Function", {"runtime": "python3.99"}, "runtime = 'python3.99' must be one of"),
    ("log-retention", "dev", "aws:cloudwatch/logGroup:LogGroup", {"retentionInDays": 2.0}, "retentionInDays = 2.0 must be one of 1, 3, 5"),
    ("endpoint-type", "dev", "aws:apigateway/restApi:RestApi", {"endpointConfiguration": {"types": "PUBLIC"}}, "endpointConfiguration.types = 'PUBLIC' must be one of REGIONAL, EDGE, PRIVATE"),
    ("edge-tls-on-private-domain", "staging", "aws:apigateway/domainName:DomainName", {"securityPolicy": "SecurityPolicy_TLS12_2018_EDGE"}, "is offered for EDGE endpoints only, and this one is PRIVATE"),
    ("alb-policy-name", "dev", "aws:lb/listener:Listener", {"sslPolicy": "ELBSecurityPolicy-TLS13-9-9"}, "sslPolicy = 'ELBSecurityPolicy-TLS13-9-9' must be a predefined ALB policy"),
    ("listener-port", "dev", "aws:lb/listener:Listener", {"port": 70000.0}, "port = 70000.0 must be 1 to 65535"),
    ("certificate-region", "dev", "aws:lb/listener:Listener", {"certificateArn": "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"}, "is an ACM certificate from eu-west-1; this resource needs one from us-east-1"),
    ("lambda-name-length", "dev", "aws:lambda/function:Function", {"name": "gatehouse-" + "x" * 60}, "must be 1 to 64 characters"),
    ("record-type", "dev", "aws:route53/record:Record", {"type": "ALIAS"}, "type = 'ALIAS' must be one of SOA, A"),
    ("method-authorization", "dev", "aws:apigateway/method:Method", {"authorization": "IAM"}, "authorization = 'IAM' must be one of NONE, AWS_IAM, CUSTOM, COGNITO_USER_POOLS"),
]


@pytest.mark.parametrize(("stack", "type_", "changes", "text"), [c[1:] for c in CODE_CHANGES], ids=[c[0] for c in CODE_CHANGES])
def test_a_code_change_aws_would_reject_fails_check_offline(monkeypatch, tmp_path, capsys, stack, type_, changes, text):
    target = resource_of(stack, type_)
    code, errors = check_rendering(monkeypatch, tmp_path, capsys, stack, with_input(stack, target.name, type_, **changes))
    assert code == ExitCode.USAGE
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"error: {type_} {target.name}: ")
    assert text in errors[0]
    assert errors[0].endswith(f"rendered from Pulumi.{stack}.yaml)")
    report = json.loads((tmp_path / f"check-{stack}.json").read_text())
    assert report["outcome"] == "usage" and text in report["notes"][0]


def test_other_spellings_of_a_type_are_checked_too():
    listener = resource_of("dev", "aws:lb/listener:Listener")
    spelled = replace(listener, type="aws:alb/listener:Listener", inputs={**listener.inputs, "sslPolicy": "nope"})
    problems, unmapped = resource_inputs.input_problems(replace(rendered("dev"), resources=(spelled,)), "us-east-1")
    assert unmapped == [] and [p.property for p in problems] == ["sslPolicy"]


def test_unknown_and_secret_values_are_judged_only_when_known():
    function = resource_of("dev", "aws:lambda/function:Function")
    unknown = replace(function, inputs={**function.inputs, "memorySize": UNKNOWN})
    secret = replace(function, inputs={**function.inputs, "memorySize": {
        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": 99999.0}})
    found, _ = resource_inputs.input_problems(replace(rendered("dev"), resources=(unknown, secret)), "us-east-1")
    assert [(p.resource is secret, p.value) for p in found] == [(True, 99999.0)]


def test_two_resources_with_one_urn_fail_check(monkeypatch, tmp_path, capsys):
    inventory = rendered("dev")
    twice = replace(inventory, resources=(*inventory.resources, inventory.resources[-1]))
    code, errors = check_rendering(monkeypatch, tmp_path, capsys, "dev", twice)
    assert code == ExitCode.USAGE
    assert errors == [f"error: {inventory.resources[-1].urn} is registered twice: the engine refuses duplicate "
                      "resource names (rendered from Pulumi.dev.yaml)"]


# --- Any edit of a shipped stack file: a clean pass, or one error line naming the file --------

INTERESTING = ["yes", "on", "0.0.0.0/0", "::/0", "10.0.0.0/7", "/a/{id}", "/security/{other}", "/Security",
               "us-east-11", "ELBSecurityPolicy-2016-08", "SecurityPolicy_TLS13_2025_EDGE", "TLS_1_2",
               "greeter.nothere", "nothere.handler", "2024-01-01", "none", "native", "alb", "prod", "review",
               "private", "public", "ANY", "vpc-0a1b2c3d4e5f67890", "arn:aws:acm:eu-west-1:123456789012:certificate/x"]
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-3, 20000), st.floats(allow_nan=False, width=32),
                    st.text(max_size=10), st.sampled_from(INTERESTING))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                      max_leaves=6)
SYNTAX = st.sampled_from([":", "[", "{", "- ", "\t", "'", '"', "\n  ", "#", "&a ", "*a", "!!binary ", "? ", "|", ">-"])
# Built once, not per draw (a strategy made inside the composite is made and validated again).
INSERTED_TEXT = SYNTAX | st.text(max_size=3)
SHIPPED = st.sampled_from(["dev", "staging", "prod"])
EDITS = st.sampled_from(["replace", "delete", "rename", "insert", "text"])
TYPOS = st.sampled_from(["drop", "double", "case", "namespace"])


def node_paths(node, prefix=()) -> list[tuple]:
    paths = [prefix] if prefix else []
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in children:
        paths += node_paths(child, (*prefix, key))
    return paths


@st.composite
def edited_stack_file(draw) -> tuple[str, str]:
    import yaml

    stack = draw(SHIPPED)
    text = copy_stack_file(stack)
    how = draw(EDITS)
    if how == "text":
        at = draw(st.integers(0, len(text)))
        return stack, text[:at] + draw(INSERTED_TEXT) + text[at:]
    document = yaml.safe_load(text)
    path = draw(st.sampled_from(node_paths(document["config"])))
    parent = document["config"]
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    if how == "delete":
        del parent[last]
    elif how == "rename" and isinstance(parent, dict):
        typo = draw(TYPOS)
        renamed = {"drop": last[:-1], "double": last + last[-1], "case": last.swapcase(),
                   "namespace": last.replace("gatehouse", "gatehose")}[typo] or "x"
        parent[renamed] = parent.pop(last)
    elif how == "insert" and isinstance(parent[last], list):
        parent[last].append(draw(VALUES) if draw(st.booleans()) else copy.deepcopy(draw(st.sampled_from(parent[last] or [None]))))
    else:
        parent[last] = draw(VALUES)
    return stack, yaml.safe_dump(document, sort_keys=False)


# GATEHOUSE_EDIT_EXAMPLES=500 hunts longer than the default run does.
@settings(max_examples=int(os.environ.get("GATEHOUSE_EDIT_EXAMPLES", "60")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(edited=edited_stack_file())
def test_any_edit_of_a_stack_file_passes_or_fails_with_one_error_line(edited):
    stack, text = edited
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        (root / "project").mkdir()
        project = project_copy(root / "project", {stack: text})
        (project / "policies").symlink_to(check.PROJECT_DIR / "policies")
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["check", "--stack", stack, "--project-dir", str(project), "--report-dir", str(root / "r")])
    printed = out.getvalue() + err.getvalue()
    assert "Traceback" not in printed
    errors = [line for line in printed.splitlines() if line.startswith("error:")]
    if code == ExitCode.OK:
        assert errors == []
    else:
        assert code == ExitCode.USAGE, printed[-2000:]
        assert len(errors) == 1, errors
        assert f"Pulumi.{stack}.yaml" in errors[0]
