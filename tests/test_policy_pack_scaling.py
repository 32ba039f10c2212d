"""The pack's shortcuts for large estates (found with `make bench`) give the answers of the plain
code they replace."""

from gatehouse_guard.model import ReferenceIndex, Resource, refers_to
from gatehouse_guard.rules.unknowns import UNKNOWN
from hypothesis import given, settings
from hypothesis import strategies as st

IDS = st.sampled_from(["a", "b", "c", "d"])
URNS = st.sampled_from(["urn:1", "urn:2", "urn:3", ""])
VALUE = st.one_of(IDS, st.just(UNKNOWN), st.none(), st.integers(0, 3), st.lists(IDS, max_size=3))


@st.composite
def targets(draw):
    return [
        Resource("t", f"t{i}", {"id": draw(VALUE), "arn": draw(VALUE)}, draw(URNS))
        for i in range(draw(st.integers(0, 5)))
    ]


@st.composite
def sources(draw):
    deps = draw(st.lists(URNS, max_size=3))
    return Resource("s", "s", {"ref": draw(VALUE)}, "urn:s", {"ref": tuple(deps)} if deps else {})


@settings(max_examples=300, deadline=None)
@given(targets(), sources())
def test_reference_index_finds_what_a_scan_finds(found_in, source):
    scan = next((t for t in found_in if refers_to(source, "ref", t, "id", "arn")), None)
    assert ReferenceIndex(found_in, "id", "arn").first(source, "ref") is scan


def test_the_first_target_in_order_wins_whichever_way_it_matched():
    by_value = Resource("t", "first", {"id": "x"}, "urn:first")
    by_dependency = Resource("t", "second", {"id": "y"}, "urn:second")
    source = Resource("s", "s", {"ref": "x"}, "urn:s", {"ref": ("urn:second",)})
    assert ReferenceIndex([by_value, by_dependency], "id").first(source, "ref") is by_value
    assert ReferenceIndex([by_dependency, by_value], "id").first(source, "ref") is by_dependency
    assert ReferenceIndex([], "id").first(source, "ref") is None
