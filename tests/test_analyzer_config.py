"""Reconciling a --policy-pack-config file with the pack's schema, as the CLI does (plus two
stricter checks: unknown policy names and undeclared properties)."""

import json

import pytest

from pipeline.analyzer.config import PolicyConfig, load_config_file, parse_config, reconcile
from pipeline.analyzer.errors import PolicyConfigError
from pipeline.analyzer.info import PackInfo, PolicyInfo
from pipeline.errors import UsageError

PACK = PackInfo(
    name="tiny-pack",
    version="0.3.0",
    supports_config=True,
    policies=(
        PolicyInfo("bucket-tags", "Buckets should be tagged.", "advisory", "resource"),
        PolicyInfo(
            "no-public-bucket", "No public ACL.", "mandatory", "resource",
            config_properties={
                "forbiddenAcls": {"type": "array", "items": {"type": "string"},
                                  "default": ["public-read"]},
                "maxBuckets": {"type": "integer"},
            },
        ),
    ),
)


def reconciled(raw, pack=PACK):
    return reconcile(pack, parse_config(raw, source="prod.json"), source="prod.json")


def test_without_a_file_every_policy_gets_its_own_level_and_schema_defaults():
    assert reconciled({}) == {
        "bucket-tags": PolicyConfig("advisory", {}),
        "no-public-bucket": PolicyConfig("mandatory", {"forbiddenAcls": ["public-read"]}),
    }


def test_all_sets_every_level_and_a_named_policy_overrides_it():
    result = reconciled({"all": "advisory", "bucket-tags": "mandatory"})
    assert result["no-public-bucket"].enforcement_level == "advisory"
    assert result["bucket-tags"].enforcement_level == "mandatory"


def test_properties_override_defaults_and_keep_the_level():
    result = reconciled({"no-public-bucket": {"forbiddenAcls": ["authenticated-read"]}})
    assert result["no-public-bucket"] == PolicyConfig("mandatory", {"forbiddenAcls": ["authenticated-read"]})


def test_initial_config_of_the_pack_sits_between_defaults_and_the_file():
    pack = PackInfo(PACK.name, PACK.version, True, PACK.policies,
                    initial_config={"bucket-tags": ("disabled", {})})
    assert reconciled({}, pack)["bucket-tags"].enforcement_level == "disabled"
    assert reconciled({"bucket-tags": "advisory"}, pack)["bucket-tags"].enforcement_level == "advisory"


def test_an_unknown_policy_name_is_rejected_with_the_names_that_exist():
    with pytest.raises(PolicyConfigError) as raised:
        reconciled({"no-public-buckets": "mandatory"})
    assert str(raised.value) == (
        "prod.json: policy pack tiny-pack has no policy named 'no-public-buckets' "
        "(policies: bucket-tags, no-public-bucket)"
    )


def test_a_property_the_schema_does_not_declare_is_rejected():
    with pytest.raises(PolicyConfigError, match=r"policy no-public-bucket has no property 'forbidenAcls' "
                       r"\(allowed: enforcementLevel, forbiddenAcls, maxBuckets\)"):
        reconciled({"no-public-bucket": {"forbidenAcls": []}})


def test_a_value_of_the_wrong_type_is_a_schema_error_naming_the_policy():
    with pytest.raises(PolicyConfigError, match=r"no-public-bucket.forbiddenAcls: 'public-read' is not of type 'array'"):
        reconciled({"no-public-bucket": {"forbiddenAcls": "public-read"}})


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"bucket-tags": "block"}, r"bucket-tags must be one of advisory, mandatory, remediate, disabled \(got \"block\"\)"),
        ({"bucket-tags": {"enforcementLevel": 3}}, r"bucket-tags.enforcementLevel must be one of"),
        ({"bucket-tags": 1}, r"bucket-tags must be an enforcement level .* or an object, got 1"),
        ({"all": {"forbiddenAcls": []}}, r"all takes only enforcementLevel, got forbiddenAcls"),
        (["mandatory"], r"must be a JSON object keyed by policy name"),
    ],
)
def test_malformed_entries_are_named(raw, message):
    with pytest.raises(PolicyConfigError, match=message):
        parse_config(raw, source="prod.json")


def test_config_errors_are_usage_errors_so_the_cli_prints_one_line():
    assert issubclass(PolicyConfigError, UsageError)


def test_file_problems_are_clear(tmp_path):
    with pytest.raises(PolicyConfigError, match=r"missing.json does not exist"):
        load_config_file(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"all": "advisory",}')
    with pytest.raises(PolicyConfigError, match=r"bad.json is not valid JSON: .* at line 1 column 20"):
        load_config_file(bad)
    empty = tmp_path / "empty.json"
    empty.write_text("  \n")
    assert load_config_file(empty) == {}
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"all": "mandatory"}))
    assert load_config_file(good) == {"all": PolicyConfig("mandatory", {})}
