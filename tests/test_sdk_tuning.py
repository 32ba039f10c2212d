"""gatehouse's pulumi-policy SDK tuning (policies/gatehouse_guard/sdk_tuning.py): the pack answers
exactly as without it, config and run mode are still read on every call, and an SDK of another
shape is left alone."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from analyzer_support import BUCKET_POLICY, bucket, bucket_policy, inventory, urn
from gatehouse_guard import sdk_tuning
from gatehouse_guard.policies import POLICIES
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import EnforcementLevel, StackValidationPolicy
from pulumi_policy import policy as sdk

from pipeline.analyzer import PackSession, StackContext
from pipeline.analyzer.requests import RequestBuilder, with_root_stack
from pipeline.inventory import UNKNOWN
from pipeline.render import render_stack
from tests.program_support import rendered

CONFIG_PACK = Path(__file__).parent / "fixtures" / "config_pack"


@pytest.fixture
def untuned():
    """Each test starts and ends with the SDK as shipped."""
    sdk_tuning.uninstall()
    yield
    sdk_tuning.uninstall()


def answers(resources) -> list[str]:
    """Every Analyze and the AnalyzeStack answer of the real gatehouse policies, in process."""
    builder = RequestBuilder(resources)
    servicer = sdk._PolicyAnalyzerServicer("gatehouse", "0.1.0", POLICIES, EnforcementLevel.MANDATORY)
    out = [str(servicer.Analyze(builder.analyze_request(r), None)) for r in resources]
    stack_request = analyzer_pb2.AnalyzeStackRequest(resources=[builder.stack_resource(r) for r in resources])
    return out + [str(servicer.AnalyzeStack(stack_request, None))]


@pytest.mark.parametrize(("stack", "preview"), [("dev", False), ("prod", False), ("prod", True)])
def test_the_pack_answers_exactly_as_without_the_tuning(stack, preview, untuned, monkeypatch):
    """prod's first-deploy preview has unknowns: the shared proxies must raise on them as before."""
    monkeypatch.setenv("PULUMI_CONFIG", "{}")
    monkeypatch.setenv("PULUMI_DRY_RUN", "true" if preview else "false")
    # One render for both: a preview's registration order varies from render to render.
    resources = with_root_stack(render_stack(stack, preview=True) if preview else rendered(stack))
    before = answers(resources)
    assert sdk_tuning.install()
    after = answers(resources)
    assert after == before
    if stack == "dev" or preview:  # dev has an advisory finding, the preview deferred ones
        assert any("diagnostics" in a for a in before)


def what_each_stack_policy_sees(resources) -> dict[str, list]:
    """Two stack policies over `resources`: what each is handed (URN, parent, dependencies and
    property dependencies as the linked objects' URNs); the first then empties its list."""
    seen: dict[str, list] = {}

    def recorder(name):
        def validate(args, report_violation):
            seen[name] = [(r.urn, r.resource_type, r.parent.urn if r.parent else None, [d.urn for d in r.dependencies],
                           {k: [d.urn for d in v] for k, v in r.property_dependencies.items()}, dict(r.props))
                          for r in args.resources]
            args.resources.clear()
        return StackValidationPolicy(name, f"Records what {name} is handed.", validate)

    policies = [recorder("first"), recorder("second")]
    servicer = sdk._PolicyAnalyzerServicer("recorder", "0.1.0", policies, EnforcementLevel.MANDATORY)
    builder = RequestBuilder(resources)
    servicer.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(resources=[builder.stack_resource(r) for r in resources]), None)
    return seen


def test_each_stack_policy_is_handed_its_own_list_of_resources_linked_as_the_sdk_links_them(untuned):
    logs = bucket("logs")
    child = dataclasses.replace(bucket("child"), parent=logs.urn)
    resources = with_root_stack(inventory(
        logs, child, bucket_policy("bound", bucket_id="logs-bucket", depends_on=logs.urn),
        bucket_policy("dangling", bucket_id="x", depends_on="urn:pulumi:dev::demo::aws:s3/bucket:Bucket::gone"),
    ))
    before = what_each_stack_policy_sees(resources)
    assert sdk_tuning.install()
    after = what_each_stack_policy_sees(resources)
    assert after == before
    assert after["second"] == after["first"]  # the first policy's clear() emptied its own list only
    by_urn = {entry[0]: entry for entry in after["first"]}
    assert by_urn[child.urn][2] == logs.urn
    assert by_urn[urn(BUCKET_POLICY, "bound")][3:5] == ([logs.urn], {"bucket": [logs.urn]})
    assert by_urn[urn(BUCKET_POLICY, "dangling")][3:5] == ([], {"bucket": []})  # as the SDK: unknown URNs dropped


def test_a_violation_the_tuning_must_not_hide_is_still_reported(untuned):
    assert sdk_tuning.install()
    servicer = sdk._PolicyAnalyzerServicer("gatehouse", "0.1.0", POLICIES, EnforcementLevel.MANDATORY)
    api = next(r for r in rendered("prod").resources if r.type == "aws:apigateway/restApi:RestApi" and r.name == "private-api")
    weakened = type(api)(**{**api.__dict__, "inputs": {**api.inputs, "endpointConfiguration": {"types": "REGIONAL"}}})
    response = servicer.Analyze(RequestBuilder((weakened,)).analyze_request(weakened), None)
    assert any(v.policyName for v in response.diagnostics)


def test_runtime_settings_are_configured_once_per_environment(untuned, monkeypatch):
    calls = []
    monkeypatch.setattr(sdk._PolicyAnalyzerServicer, "_configure_runtime_settings", lambda self: calls.append(os.environ.get("PULUMI_CONFIG")))
    assert sdk_tuning.install()
    servicer = sdk._PolicyAnalyzerServicer("gatehouse", "0.1.0", POLICIES, EnforcementLevel.MANDATORY)
    monkeypatch.setenv("PULUMI_CONFIG", '{"aws:region": "eu-west-1"}')
    for _ in range(3):
        servicer._configure_runtime_settings()
    monkeypatch.setenv("PULUMI_CONFIG", '{"aws:region": "us-east-1"}')
    servicer._configure_runtime_settings()
    assert calls == ['{"aws:region": "eu-west-1"}', '{"aws:region": "us-east-1"}']


def test_an_sdk_of_another_shape_is_left_untouched(untuned, monkeypatch):
    class Elsewhere:  # a servicer without the hooks this tuning expects
        def Analyze(self, request, context):  # noqa: N802
            return None

    monkeypatch.setattr(sdk, "_PolicyAnalyzerServicer", Elsewhere)
    original = (sdk.json_format, sdk.deserialize_properties, sdk.unknown_checking_proxy)
    assert sdk_tuning.install() is False
    assert (sdk.json_format, sdk.deserialize_properties, sdk.unknown_checking_proxy) == original
    assert not hasattr(Elsewhere, "_gatehouse_tuned")


def test_each_decoded_value_is_proxied_once_per_call_and_the_proxy_still_raises_on_unknowns(untuned):
    from pulumi_policy.proxy import UnknownValueError

    assert sdk_tuning.install()
    decoded = {"a": {"b": UNKNOWN}, "c": 1}
    sdk_tuning._per_call.proxies = {}
    try:
        first, second = sdk.unknown_checking_proxy(decoded), sdk.unknown_checking_proxy(decoded)
        other = sdk.unknown_checking_proxy({"a": {"b": UNKNOWN}, "c": 1})
        assert first is second and other is not first
        with pytest.raises(UnknownValueError):
            first["a"]["b"]
    finally:
        sdk_tuning._per_call.proxies = None
    # Outside a call (no cache) every wrap is its own, as in the SDK.
    assert sdk.unknown_checking_proxy(decoded) is not sdk.unknown_checking_proxy(decoded)


def test_installing_twice_wraps_once(untuned):
    assert sdk_tuning.install() and sdk_tuning.install()
    configure = sdk._PolicyAnalyzerServicer._configure_runtime_settings
    assert not hasattr(configure.__wrapped__, "__wrapped__")


@pytest.mark.parametrize("dry_run", [True, False])
def test_over_the_protocol_every_call_still_reads_the_config_and_run_mode(dry_run):
    """The CLI passes stack config only in the pack's environment: each Analyze must still see it."""
    context = StackContext(project="demo", stack="dev", dry_run=dry_run, config={"aws:region": "eu-central-1"})
    resources = [bucket(f"b{i}", acl=f"acl-{i}") for i in range(3)]
    with PackSession(CONFIG_PACK, context) as session:
        session.configure(None)
        result = session.analyze(inventory(*resources))
    messages = sorted(v.message.split("\n", 1)[1] for v in result.violations if v.policy_name == "seen")
    assert len(messages) == 4  # the root stack resource and three buckets
    assert all(f"tuned=True region=eu-central-1 dry_run={dry_run}" in m for m in messages)
    assert {m.rsplit("acl=", 1)[1] for m in messages} == {"None", "acl-0", "acl-1", "acl-2"}
    again = sorted(v.message.split("\n", 1)[1] for v in result.violations if v.policy_name == "seen-again")
    assert again == messages
    (stack,) = [v.message for v in result.violations if v.policy_name == "seen-stack"]
    assert stack.endswith("\nstack sees 4 resources, region=eu-central-1")


@pytest.mark.parametrize(("release", "copy_used"), [(sdk_tuning.COPIED_FROM, True), ("1.22.0", False)])
def test_analyze_stack_is_the_copy_only_over_the_release_it_was_copied_from(untuned, monkeypatch, release, copy_used):
    sdk_calls = []

    def sdks_own(self, request, context):
        sdk_calls.append(request)
        return analyzer_pb2.AnalyzeResponse()

    monkeypatch.setattr(sdk._PolicyAnalyzerServicer, "AnalyzeStack", sdks_own)
    monkeypatch.setattr(sdk_tuning.sdk_version, "VERSION", release)
    try:
        assert sdk_tuning.install()
        servicer = sdk._PolicyAnalyzerServicer("gatehouse", "0.1.0", POLICIES, EnforcementLevel.MANDATORY)
        servicer.AnalyzeStack(analyzer_pb2.AnalyzeStackRequest(), None)
        assert bool(sdk_calls) is not copy_used
    finally:
        sdk_tuning.uninstall()
    assert sdk._PolicyAnalyzerServicer.AnalyzeStack is sdks_own
