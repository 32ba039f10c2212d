"""The wire form the render hands `check`'s analysis stream (pipeline/render.py WireProperties)
is exactly what encoding the inventory's dicts gives (pipeline/analyzer/wire.py to_struct), for
every shipped stack, as rendered and as its first deploy's preview sees it (unknowns)."""

import pytest

from pipeline.analyzer.wire import to_struct
from pipeline.stack_files import shipped_stacks
from tests.program_support import render_cached


@pytest.mark.parametrize("preview", [False, True], ids=["rendered", "first-deploy"])
@pytest.mark.parametrize("stack", shipped_stacks())
def test_the_wire_form_is_what_encoding_the_inventory_gives(stack, preview):
    # The render shared with the other tests of this run (tests/program_support.py): its
    # monitor's calls of on_resource are kept, in order, with a copy of each wire form.
    seen = []
    inventory = render_cached(stack, preview=preview,
                              on_resource=lambda resource, wire: seen.append((resource, wire)))
    assert [resource for resource, _ in seen] == list(inventory.resources)
    for resource, wire in seen:
        assert wire.inputs == to_struct(resource.inputs), resource.urn
        assert wire.outputs == to_struct(resource.outputs), resource.urn
