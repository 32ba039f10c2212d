"""The tiny pack driven over the real analyzer protocol; one pack process for the module."""

import json
import re

import pytest
from analyzer_support import TINY_PACK, bucket, bucket_policy, inventory
from pulumi_policy.version import VERSION as POLICY_SDK_VERSION

from pipeline.analyzer import PackSession, Secret, StackContext
from pipeline.inventory import UNKNOWN


@pytest.fixture(scope="module")
def session():
    with PackSession(TINY_PACK, StackContext(project="demo", stack="dev")) as running:
        yield running


@pytest.fixture
def pack(session, tmp_path):
    """The session, configured from a config file written by the test (defaults if none)."""

    def configure(config=None):
        path = None
        if config is not None:
            path = tmp_path / "policy-config.json"
            path.write_text(json.dumps(config))
        session.configure(path)
        return session

    configure()
    return configure


def found(result, policy):
    return [v for v in result.violations if v.policy_name == policy]


def test_analyzer_info_lists_the_policies_with_kinds_levels_and_schema(session):
    info = session.info
    assert info.name == "tiny-pack"
    assert session.version == "0.3.0"  # PulumiPolicy.yaml wins, as in the CLI
    assert [(p.name, p.kind, p.enforcement_level) for p in info.policies] == [
        ("bucket-policy-bound", "stack", "mandatory"),
        ("bucket-tags", "resource", "advisory"),
        ("no-public-bucket", "resource", "mandatory"),
    ]
    schema = info.policy("no-public-bucket").config_properties["forbiddenAcls"]
    assert schema["default"] == ["public-read", "public-read-write"]
    assert session.client.get_plugin_info() == POLICY_SDK_VERSION


def test_a_public_bucket_is_a_mandatory_violation_and_a_private_one_is_not(pack):
    result = pack().analyze(inventory(bucket("open", acl="public-read"), bucket("closed")))
    [violation] = found(result, "no-public-bucket")
    assert violation.enforcement_level == "mandatory"
    assert violation.urn == "urn:pulumi:dev::demo::aws:s3/bucket:Bucket::open"
    assert (violation.resource_type, violation.resource_name) == ("aws:s3/bucket:Bucket", "open")
    assert violation.message == "Buckets must not carry a public ACL.\nbucket open has acl public-read"
    assert violation.description == "Buckets must not carry a public ACL."
    assert result.has_mandatory


def test_a_config_property_changes_the_verdict(pack):
    resources = inventory(bucket("open", acl="public-read"), bucket("auth", acl="authenticated-read"))
    result = pack({"no-public-bucket": {"forbiddenAcls": ["authenticated-read"]}}).analyze(resources)
    assert [v.resource_name for v in found(result, "no-public-bucket")] == ["auth"]


def test_configured_levels_reach_the_pack(pack):
    resources = inventory(bucket("open", acl="public-read", tags={}))
    advisory = pack({"all": "advisory"}).analyze(resources)
    assert {v.enforcement_level for v in advisory.violations} == {"advisory"}
    assert not advisory.has_mandatory
    disabled = pack({"no-public-bucket": "disabled", "bucket-tags": "mandatory"}).analyze(resources)
    assert [(v.policy_name, v.enforcement_level) for v in disabled.violations] == [
        ("bucket-tags", "mandatory")
    ]


def test_an_unknown_value_reaches_the_pack_as_unknown_not_as_a_string(pack):
    result = pack({"no-public-bucket": {"forbiddenAcls": [UNKNOWN]}}).analyze(
        inventory(bucket("later", acl=UNKNOWN))
    )
    # Had the pack seen the sentinel as a plain string, it would match forbiddenAcls.
    [violation] = found(result, "no-public-bucket")
    assert violation.enforcement_level == "advisory"
    assert re.search(r"can't run policy 'no-public-bucket' from policy pack 'tiny-pack@v[\d.]+' "
                     r"during preview: string value at \.acl can't be known during preview",
                     violation.message)


def test_a_secret_reaches_the_pack_as_its_plaintext(pack):
    result = pack().analyze(inventory(bucket("hidden", acl=Secret("public-read"))))
    assert [v.resource_name for v in found(result, "no-public-bucket")] == ["hidden"]


def test_analyze_stack_sees_outputs_and_property_dependencies(pack):
    good = bucket("logs")
    result = pack().analyze(inventory(
        good,
        bucket_policy("bound", bucket_id="logs-bucket", depends_on=good.urn),
        bucket_policy("unbound", bucket_id="logs-bucket", depends_on=None),
        # `id` exists only in the bucket's outputs: this verdict needs outputs, not inputs.
        bucket_policy("mismatched", bucket_id="other-bucket", depends_on=good.urn),
    ))
    assert sorted((v.resource_name, v.message.splitlines()[-1]) for v in found(result, "bucket-policy-bound")) == [
        ("mismatched", "mismatched names other-bucket but depends on logs-bucket"),
        ("unbound", "unbound is bound to no bucket of this stack"),
    ]
    assert {v.resource_type for v in found(result, "bucket-policy-bound")} == {
        "aws:s3/bucketPolicy:BucketPolicy"
    }
