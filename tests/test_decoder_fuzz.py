"""Property-based fuzz of the inbound event decoder, over every event type.

``test_catalog.py`` fuzzes free-form objects (which are mostly not events at all). Here
each example starts from a valid event of a type drawn from the whole catalogue and
breaks it one way: a field dropped, a field given a random JSON value, an unknown field
added, a nested source given a random field or value. Whatever comes in, the decoder
either returns events that survive the store's encode/decode round trip, or raises
:class:`InvalidEvent` whose every fault has a JSON pointer and a message, naming the
field when a required one was dropped or an unknown one added. Nothing else may escape.
Bounded: ``max_examples`` per test.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.model.catalog import EVENT_TYPES, decode_stored, encode
from events.model.errors import InvalidEvent
from events.model.inbound import decode_inbound
from tests.conftest import coalition_world, make, registrations

EXAMPLES = 400


def _examples() -> dict[str, dict[str, Any]]:
    """One valid inbound object per event type."""
    found: dict[str, dict[str, Any]] = {}
    for obj in [*registrations(), *coalition_world()]:
        found.setdefault(obj["type"], obj)
    extra = [
        make("group.left", id="gl", group="coalition", member="de"),
        make("warning.issued", id="wi", actor="fr", targets=["gb"], topic="troops"),
        make("strike.reported", id="sr", actor="fr", weapon="drone", target="depot", place="Kyiv"),
        make("claim.made", id="cm", claim="claim-1", actor="fr", about="gb", statement="s"),
        make("claim.disputed", id="cd", claim="claim-1", actor="gb", statement="no"),
        make("condition.changed", id="cc", condition="ceasefire", status="met"),
        make("event.corrected", id="ec", corrects="de-troops", replacement={"stance": "reluctant"}),
        make("dispute.settled", id="ds", actor="fr", topic="troops", stands="paris-declaration", over=["fr-alt"],
             reason="the declaration's text"),
        make("change.confirmed", id="chc", actor="de", topic="troops", earlier="de-troops", later="de-later",
             reason="a new government"),
    ]
    for obj in extra:
        found.setdefault(obj["type"], obj)
    return found


VALID = _examples()
TYPES = sorted(VALID)
#: Fields a valid object of each type may not lose.
REQUIRED = {tag: {f.encode_name for f in msgspec.structs.fields(cls) if f.required} for tag, cls in EVENT_TYPES.items()}
#: Field names each type knows.
KNOWN = {tag: {f.encode_name for f in msgspec.structs.fields(cls)} | {"type"} for tag, cls in EVENT_TYPES.items()}
SEEN: Counter[str] = Counter()

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=15,
)
field_names = st.from_regex(r"[a-z_]{1,12}", fullmatch=True)


def test_every_event_type_has_a_valid_example_that_decodes():
    assert set(VALID) == set(EVENT_TYPES)
    for tag, obj in VALID.items():
        (event,) = decode_inbound(json.dumps(obj).encode())
        assert event.type == tag


@st.composite
def broken(draw) -> tuple[str, str, str, dict[str, Any]]:
    """(type, how it was broken, the field concerned, the object)."""
    tag = draw(st.sampled_from(TYPES))
    obj = json.loads(json.dumps(VALID[tag]))
    how = draw(st.sampled_from(["drop", "set", "add", "source", "retype"]))
    if how == "drop":
        name = draw(st.sampled_from(sorted(obj)))
        del obj[name]
    elif how == "set":
        name = draw(st.sampled_from(sorted((set(obj) | KNOWN[tag]) - {"type"})))
        obj[name] = draw(json_values)
    elif how == "add":
        name = draw(field_names.filter(lambda n: n not in KNOWN[tag]))
        obj[name] = draw(json_values)
    elif how == "source":
        name = draw(st.sampled_from(["outlet", "url", "published", "quote", "file", "page"]))
        obj["sources"][0][name] = draw(json_values)
    else:  # another type's tag on this type's fields
        name = "type"
        obj["type"] = draw(st.sampled_from(TYPES) | st.text(max_size=20))
    return tag, how, name, obj


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(broken())
def test_a_broken_event_of_any_type_decodes_or_is_refused_naming_the_fault(example):
    tag, how, name, obj = example
    SEEN[tag] += 1
    try:
        decoded = decode_inbound(msgspec.json.encode(obj))
    except InvalidEvent as exc:
        assert exc.errors and all(e.pointer.startswith("$") and e.message for e in exc.errors), exc.errors
        pointers = " ".join(e.pointer for e in exc.errors)
        if how == "drop" and name in REQUIRED[tag] | {"type"}:
            assert f"$.{name}" in pointers, (name, exc.errors)
        if how == "add":
            assert f"$.{name}" in pointers, (name, exc.errors)
    else:
        assert len(decoded) == 1
        event = decoded[0]
        assert encode(decode_stored(encode(event))) == encode(event)
        assert how not in ("add",) and not (how == "drop" and name in REQUIRED[tag])


def test_the_fuzz_reached_every_event_type(request):
    """Run after the fuzz above (same module, file order); skipped when it was not selected."""
    fuzz = "test_a_broken_event_of_any_type_decodes_or_is_refused_naming_the_fault"
    if not any(item.name == fuzz for item in request.session.items):
        pytest.skip("the fuzz did not run in this session")
    assert set(SEEN) == set(TYPES), sorted(set(TYPES) - set(SEEN))
    assert sum(SEEN.values()) <= EXAMPLES * 3  # bounded (hypothesis may add a few replays and shrinks)
