"""The event catalogue: strict inbound decoding, lenient stored decoding, upcasting."""

import json

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events.model import catalog
from events.model.catalog import EVENT_TYPES, StanceStated, decode_stored, encode
from events.model.errors import InvalidEvent
from events.model.inbound import decode_inbound
from tests.conftest import make


def body(*objects):
    return json.dumps(objects[0] if len(objects) == 1 else list(objects)).encode()


def test_every_type_has_a_stable_dotted_tag_and_a_docstring():
    for tag, cls in EVENT_TYPES.items():
        assert "." in tag and cls.__struct_config__.tag == tag
        assert cls.__doc__ and cls.__struct_config__.frozen


def test_one_object_or_an_array_decodes():
    one = make("stance.stated", actor="fr", topic="troops", stance="committed")
    assert [e.type for e in decode_inbound(body(one))] == ["stance.stated"]
    assert len(decode_inbound(body(one, one))) == 2


@pytest.mark.parametrize(
    ("patch", "pointer", "words"),
    [
        ({"colour": "blue"}, "$.colour", "unknown field `colour`"),
        ({"position": 3}, "$.position", "assigned by the store"),
        ({"recorded": "2026-01-01T00:00:00Z"}, "$.recorded", "assigned by the store"),
        ({"sources": [{"outlet": "x", "page": 2}]}, "$.sources[0].page", "unknown field `page`"),
        ({"stance": "enthusiastic"}, "$.stance", "'enthusiastic' is not one of: hostile, "),
        ({"occurred": "2026-02-30"}, "$.occurred", "does not exist"),
        ({"id": "../../etc/passwd"}, "$.id", "must be an id: 1 to 128 letters"),
        ({"sources": []}, "$.sources", "must not be empty"),
        ({"summary": "x" * 4001}, "$.summary", "must be at most 4000 characters long"),
        ({"quantity": {"amount": "3", "unit": "x"}}, "$.quantity.amount", "must be a number, not text"),
        ({"type": "stance.guessed"}, "$.type", "unknown event type"),
    ],
)
def test_bad_inbound_events_name_the_fault(patch, pointer, words):
    obj = make("stance.stated", actor="fr", topic="troops", stance="committed")
    obj.update(patch)
    with pytest.raises(InvalidEvent) as caught:
        decode_inbound(body(obj))
    assert any(e.pointer == pointer and words in e.message for e in caught.value.errors), caught.value.errors


def test_every_fault_of_a_batch_is_reported_at_once():
    good = make("stance.stated", actor="fr", topic="troops", stance="committed")
    bad1 = {**good, "stance": "maybe"}
    bad2 = {**good, "occurred": "2026-13"}
    with pytest.raises(InvalidEvent) as caught:
        decode_inbound(body(good, bad1, bad2))
    assert {e.pointer for e in caught.value.errors} == {"$[1].stance", "$[2].occurred"}


def test_malformed_json_and_non_objects_are_refused():
    for raw in (b"{", b"[1, 2]", b'"text"', b"\xff\xfe"):
        with pytest.raises(InvalidEvent):
            decode_inbound(raw)


def test_stored_events_tolerate_unknown_fields_and_fill_defaults():
    stored = b'{"type":"stance.stated","id":"x","occurred":"2026","sources":[{"outlet":"o","future":1}],' \
             b'"summary":"s","actor":"fr","topic":"t","stance":"undecided","added_later":true}'
    event = decode_stored(stored)
    assert isinstance(event, StanceStated) and event.conditions == () and event.quantity is None


def test_encoding_round_trips_and_is_canonical():
    event = decode_inbound(body(make("stance.stated", id="e1", actor="fr", topic="t", stance="committed",
                                     quantity={"amount": 90e9, "unit": "EUR"})))[0]
    assert isinstance(event, StanceStated)
    assert encode(decode_stored(encode(event))) == encode(event)
    assert msgspec.to_builtins(decode_stored(encode(event))) == msgspec.to_builtins(event)


def test_an_upcaster_turns_an_old_schema_into_the_current_one(monkeypatch):
    def rename_position_to_stance(raw):
        raw["stance"] = raw.pop("position_word")
        return raw

    monkeypatch.setitem(catalog.UPCASTERS, ("stance.stated", 1), rename_position_to_stance)
    monkeypatch.setitem(catalog.SCHEMA_VERSIONS, "stance.stated", 2)
    old = b'{"type":"stance.stated","id":"x","occurred":"2026","sources":[{"outlet":"o"}],"summary":"s",' \
          b'"actor":"fr","topic":"t","position_word":"declined"}'
    assert decode_stored(old, schema_version=1).stance == "declined"


def test_a_correction_needs_exactly_one_of_replacement_or_retracted():
    for extra in ({}, {"replacement": {"stance": "declined"}, "retracted": True}):
        with pytest.raises(InvalidEvent):
            decode_inbound(body(make("event.corrected", corrects="e1", **extra)))
    with pytest.raises(InvalidEvent):
        decode_inbound(body(make("event.corrected", corrects="e1", replacement={"type": "claim.made"})))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["type", "id", "occurred", "sources", "summary", "actor", "topic", "stance",
                                        "conditions", "quantity", "x"]), json_values, max_size=9))
def test_the_decoder_either_accepts_or_raises_invalid_event(obj):
    if "type" in obj and not isinstance(obj["type"], str):
        obj["type"] = "stance.stated"
    try:
        decoded = decode_inbound(msgspec.json.encode(obj))
    except InvalidEvent as exc:
        assert exc.errors and all(e.pointer.startswith("$") for e in exc.errors)
    else:
        assert encode(decode_stored(encode(decoded[0]))) == encode(decoded[0])


def test_a_missing_field_is_named_at_its_own_pointer():
    obj = make("stance.stated", actor="fr", topic="troops")
    with pytest.raises(InvalidEvent) as caught:
        decode_inbound(body(obj))
    assert [(e.pointer, e.message) for e in caught.value.errors] == [("$.stance", "missing required field `stance`")]


def test_instants_format_in_text_order_and_bad_ones_are_refused():
    import datetime as dt

    from events.model.clock import format_instant, parse_instant

    early = format_instant(dt.datetime(5, 1, 1, tzinfo=dt.UTC))
    assert early == "0005-01-01T00:00:00.000000Z" and early < format_instant(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    for text in ("0001-01-01T00:00:00+01:00", "2026-01-07T12:00:00", "yesterday"):
        with pytest.raises(InvalidEvent):
            parse_instant(text)
