"""ARN and wildcard matching on resolved policy variables: text from the policy keeps its
wildcards and its ARN segments, text from the request is matched character for character."""

from __future__ import annotations

from gatehouse_guard.arns import arn_like, resource_matches, wildcard_match
from hypothesis import given, settings
from hypothesis import strategies as st

alphabet = st.sampled_from(list("ab:/*?x-1"))
texts = st.lists(alphabet, max_size=14).map("".join)
fast = settings(max_examples=200, deadline=None)


@fast
@given(texts, texts, st.integers(min_value=0, max_value=14))
def test_policy_text_cut_into_pieces_matches_as_the_whole_text(pattern, value, cut):
    pieces = ((pattern[:cut], False), (pattern[cut:], False))
    assert wildcard_match(pieces, value) == wildcard_match(pattern, value)
    assert resource_matches(pieces, value) == resource_matches(pattern, value)
    assert arn_like(pieces, value) == arn_like(pattern, value)


@fast
@given(texts, texts)
def test_literal_text_matches_only_itself(literal, value):
    assert wildcard_match(((literal, True),), value) == (literal == value)


def test_a_literal_colon_still_cuts_an_arn_segment():
    # `${aws:SourceArn}` resolves to a whole ARN: its colons are segment boundaries.
    arn = "arn:aws:execute-api:eu-west-1:111122223333:abc/live/GET/x"
    assert arn_like(((arn, True),), arn)
    assert not arn_like((("arn:aws:execute-api:eu-west-1:", False), ("111122223333:abc/*", True)), arn)
    assert arn_like((("arn:aws:execute-api:eu-west-1:", False), ("111122223333", True), (":abc/*", False)), arn)
