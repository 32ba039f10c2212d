"""The engine's wire form for property maps, checked against what the pack's SDK decodes."""

import pytest
from google.protobuf import json_format
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from pipeline.analyzer.wire import SECRET_SIG, SIG_KEY, UNKNOWN, Secret, to_struct


def decoded(props):
    """What a Python pack's Analyze sees: MessageToDict, then the SDK's deserializer."""
    return deserialize_properties(json_format.MessageToDict(to_struct(props)))


def test_secret_is_the_signature_object_on_the_wire_and_plaintext_in_the_pack():
    wire = json_format.MessageToDict(to_struct({"password": Secret("hunter2")}))
    assert wire == {"password": {SIG_KEY: SECRET_SIG, "value": "hunter2"}}
    assert decoded({"password": Secret("hunter2")}) == {"password": "hunter2"}


def test_unknown_stays_the_sentinel_and_the_pack_treats_it_as_unknown():
    props = unknown_checking_proxy(decoded({"policy": UNKNOWN, "name": "api"}))
    assert props["name"] == "api"
    with pytest.raises(UnknownValueError) as raised:
        props["policy"]
    assert raised.value.message == "string value at .policy can't be known during preview"


def test_internal_keys_are_dropped_at_every_level_like_skip_internal_keys():
    wire = json_format.MessageToDict(to_struct({"__defaults": [], "a": {"__meta": 1, "b": 2}}))
    assert wire == {"a": {"b": 2.0}}


def test_numbers_become_doubles_and_tuples_lists():
    assert decoded({"port": 443, "cidrs": ("10.0.0.0/16",), "on": True, "none": None}) == {
        "port": 443.0, "cidrs": ["10.0.0.0/16"], "on": True, "none": None,
    }


def test_a_value_the_engine_cannot_carry_names_its_path():
    with pytest.raises(TypeError, match=r"property urn:x\.rules\[0\]\.to has type object"):
        to_struct({"rules": [{"to": object()}]}, label="urn:x")
