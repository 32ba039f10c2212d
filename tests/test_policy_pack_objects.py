"""The policy objects as the analyzer calls them, and the per-stack config files against them."""

import json
import re
from pathlib import Path

import jsonschema
import pytest
from gatehouse_guard.policies import POLICIES, POLICY_NAMES
from gatehouse_guard.rules.unknowns import Deferred
from policy_baseline import stack
from pulumi.runtime import settings as runtime_settings
from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.proxy import UNKNOWN_BOOLEAN_VALUE, unknown_checking_proxy

CONFIG_DIR = Path(__file__).resolve().parents[1] / "policies" / "config"
BY_NAME = {p.name: p for p in POLICIES}
ADVISORY_EVERYWHERE = {"stage-observability", "endpoint-private-dns-off"}
LEVELS = {level.value for level in EnforcementLevel}


def options() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], None, [], None)


def run_resource(policy, type_, props, config):
    reported = []
    args = ResourceValidationArgs(type_, unknown_checking_proxy(props), "urn:my-alb", "my-alb",
                                  options(), None, config)
    BY_NAME[policy].validate(args, lambda message, urn=None: reported.append((message, urn)))
    return reported


def test_names_are_unique_kebab_case_with_one_line_descriptions():
    assert len(POLICY_NAMES) == len(set(POLICY_NAMES))
    for policy in POLICIES:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", policy.name)
        assert policy.description and "\n" not in policy.description


def test_every_config_property_has_a_default_and_a_tier():
    for policy in POLICIES:
        properties = policy.config_schema.properties
        assert "tier" in properties
        for key, spec in properties.items():
            assert "default" in spec, f"{policy.name}.{key}"
            jsonschema.validate(spec["default"], spec)


@pytest.mark.parametrize("stack_name", ["dev", "staging", "prod"])
def test_config_files_match_the_schemas(stack_name):
    config = json.loads((CONFIG_DIR / f"{stack_name}.json").read_text())
    assert set(config) == set(POLICY_NAMES)
    for name, settings in config.items():
        settings = dict(settings)
        assert settings.pop("enforcementLevel") in LEVELS
        properties = BY_NAME[name].config_schema.properties
        for key, value in settings.items():
            assert key in properties, f"{stack_name}.json {name}.{key} is not in the schema"
            jsonschema.validate(value, properties[key])


def test_prod_makes_every_security_policy_mandatory():
    config = json.loads((CONFIG_DIR / "prod.json").read_text())
    for name in set(POLICY_NAMES) - ADVISORY_EVERYWHERE:
        assert config[name]["enforcementLevel"] == "mandatory", name
        assert config[name]["tier"] == "prod"
    for name in ADVISORY_EVERYWHERE:
        assert config[name]["enforcementLevel"] == "advisory"


def test_lower_tiers_relax_only_what_exposes_nothing():
    for stack_name in ("dev", "staging"):
        config = json.loads((CONFIG_DIR / f"{stack_name}.json").read_text())
        advisory = {n for n, c in config.items() if c["enforcementLevel"] == "advisory"}
        assert advisory - ADVISORY_EVERYWHERE == {
            "alb-listener-tls", "alb-listener-rules-tls", "alb-deletion-protection", "custom-domain-tls"}


LB = "aws:lb/loadBalancer:LoadBalancer"


def test_resource_policy_reports_through_the_runtime_callback():
    reported = run_resource("alb-internal", LB, {"internal": False}, {"tier": "prod"})
    [(message, urn)] = reported
    assert "LoadBalancer 'my-alb' is internet-facing" in message
    assert urn == "urn:my-alb"


def test_unknown_value_during_an_update_is_a_violation_at_the_policy_level_in_prod():
    """The runtime would downgrade an UnknownValueError to advisory; the pack reports it itself."""
    reported = run_resource("alb-internal", LB, {"internal": UNKNOWN_BOOLEAN_VALUE},
                            {"tier": "prod"})
    [(message, _)] = reported
    assert "internal is unknown even during the update" in message


def test_unknown_value_in_a_preview_is_deferred_after_the_known_findings(monkeypatch):
    monkeypatch.setattr(runtime_settings.SETTINGS, "dry_run", True)
    with pytest.raises(Deferred) as raised:
        run_resource("alb-internal", LB, {"internal": UNKNOWN_BOOLEAN_VALUE}, {"tier": "prod"})
    [line] = raised.value.checks
    assert "LoadBalancer 'my-alb': internal is unknown" in line
    assert "verified at deploy" in line


def test_unknown_value_is_left_to_pulumi_up_in_lower_tiers():
    assert run_resource("alb-internal", LB, {"internal": UNKNOWN_BOOLEAN_VALUE},
                        {"tier": "lower"}) == []


def test_defaults_apply_when_no_config_is_sent():
    """No config at all means tier prod: the secure default."""
    assert run_resource("alb-internal", LB, {"internal": UNKNOWN_BOOLEAN_VALUE}, None)


def stack_args(resources, config):
    policy_resources = [
        PolicyResource(r.type, unknown_checking_proxy(dict(r.props)), r.urn, r.name, options(),
                       None, None, [], {})
        for r in resources
    ]
    return StackValidationArgs(policy_resources, config)


def test_stack_policy_evaluates_the_private_api_policy():
    reported = []
    BY_NAME["private-api-resource-policy"].validate(
        stack_args(stack(vpn=True), {"tier": "prod", "vpnCidrs": ["172.31.250.0/24"]}),
        lambda message, urn=None: reported.append((message, urn)))
    assert reported
    assert all("vpn" in message for message, _ in reported)
    assert {urn for _, urn in reported} == {next(r.urn for r in stack() if r.name == "private-api")}


def test_stack_policy_passes_the_baseline_with_lower_tier_config():
    reported = []
    BY_NAME["private-api-resource-policy"].validate(
        stack_args(stack(vpn=True), {"tier": "lower", "vpnCidrs": ["172.31.250.0/24"]}),
        lambda message, urn=None: reported.append(message))
    assert reported == []
