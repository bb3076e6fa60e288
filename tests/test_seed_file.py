"""Checks on the seed files themselves (no store needed).

They guard what the store relies on when the seed is loaded: strict decoding,
stable unique ids, sources that name one of the five articles, and registration
order (every actor, topic, condition, claim or event an event refers to must be
defined earlier in the file). A few checks mirror the acceptance criteria so that
an edit to the seed that would break them fails here first.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import msgspec.yaml
import pytest

from events import dates
from events.model.catalog import (
    ActorRegistered,
    ClaimDisputed,
    ClaimMade,
    ConditionChanged,
    ConditionDeclared,
    DeclarationSigned,
    Event,
    GroupFounded,
    GroupJoined,
    StanceStated,
    StrikeReported,
    TopicDefined,
    WarningIssued,
)
from events.model.inbound import events_from_objects
from seeds import MEMBERSHIP_SEED_PATH, SEED_PATH, read_seed

SOURCE_FILES = {
    "000_8150be52b7967df9.txt",
    "001_fc4d3fbbc072ac3c.txt",
    "002_4679cc5323775f28.txt",
    "003_1c99f61823479160.txt",
    "004_619a187213077d11.txt",
}
REQUIRED_ACTORS = {"ua", "fr", "gb", "us", "de", "pl", "it", "es", "nl", "tr", "ie", "se", "dk", "ca", "ru", "eu",
                   "coalition"}
REQUIRED_TOPICS = {"troops-in-ukraine", "ceasefire-monitoring", "security-guarantee", "armed-forces-support",
                   "financing", "logistics-hub", "supporting-deployment", "maritime-security", "sanctions"}
REQUIRED_CONDITIONS = {"ceasefire": "trigger", "ratification": "ratification", "parliament-de": None,
                       "parliament-nl": None, "parliament-es": None, "un-mandate": "mandate"}
REGISTRATIONS = (ActorRegistered, TopicDefined, ConditionDeclared)


@pytest.fixture(scope="module")
def seed() -> list[Event]:
    """The main seed, as the loader returns it."""
    return read_seed()


@pytest.fixture(scope="module")
def supplement() -> list[Event]:
    """The optional membership supplement."""
    return read_seed(MEMBERSHIP_SEED_PATH)


def _earliest(text: str) -> dt.date:
    return dates.parse(text).earliest


def _defined_in_order(events: list[Event], known: dict[str, set[str]] | None = None) -> list[str]:
    """Walk the events in order; return a fault for each reference not defined earlier."""
    defined: dict[str, set[str]] = {k: set(v) for k, v in (known or {}).items()}
    faults = []
    for event in events:
        for kind, ref, field in event.references():
            if ref not in defined.get(kind, set()):
                faults.append(f"{event.id}: {field} names {kind} '{ref}' before it is defined")
        for kind, ref in event.defines():
            defined.setdefault(kind, set()).add(ref)
        defined.setdefault("event", set()).add(event.id)
    return faults


def _defined(events: list[Event]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for event in events:
        for kind, ref in event.defines():
            out.setdefault(kind, set()).add(ref)
        out.setdefault("event", set()).add(event.id)
    return out


def _stance_items(event: Event):
    """(actor, topic, stance, conditions) for every stance the event sets."""
    if isinstance(event, StanceStated):
        yield event.actor, event.topic, event.stance, event.conditions
    elif isinstance(event, DeclarationSigned):
        for signatory in event.signatories:
            for provision in event.provisions:
                yield signatory, provision.topic, provision.stance, provision.conditions
    elif isinstance(event, WarningIssued) and event.topic is not None:
        yield event.actor, event.topic, "hostile", ()


def _stance_at(events: list[Event], actor: str, topic: str, day: str):
    """The stance in effect: latest earliest-day <= day, same-day ties to the later event."""
    when = dt.date.fromisoformat(day)
    found = None
    for index, event in enumerate(events):
        start = _earliest(event.occurred)
        if start > when:
            continue
        for a, t, stance, conditions in _stance_items(event):
            if (a, t) == (actor, topic) and (found is None or (start, index) >= found[0]):
                found = ((start, index), stance, tuple(conditions))
    return None if found is None else found[1:]


# --- decoding ---------------------------------------------------------------------


def test_seed_path_is_next_to_the_loader():
    assert SEED_PATH.name == "coalition.yaml"
    assert SEED_PATH.is_file()


def test_file_decodes_strictly(seed):
    objects = msgspec.yaml.decode(SEED_PATH.read_bytes())
    assert isinstance(objects, list)
    assert len(events_from_objects(objects)) == len(objects) == len(seed)
    assert 60 <= len(seed) <= 110


def test_supplement_decodes_strictly(supplement):
    assert supplement and all(isinstance(e, GroupJoined) for e in supplement)


# --- ids --------------------------------------------------------------------------


def test_every_event_has_an_id(seed, supplement):
    assert [e for e in seed + supplement if not e.id] == []


def test_ids_are_unique_across_both_files(seed, supplement):
    counts = Counter(e.id for e in seed + supplement)
    assert [i for i, n in counts.items() if n > 1] == []


# --- sources ----------------------------------------------------------------------


def test_every_event_names_an_outlet_and_a_source_file(seed, supplement):
    faults = []
    for event in seed + supplement:
        if not event.sources:
            faults.append(f"{event.id}: no source")
        for source in event.sources:
            if not source.outlet.strip():
                faults.append(f"{event.id}: empty outlet")
            if source.file not in SOURCE_FILES:
                faults.append(f"{event.id}: file {source.file!r} is not one of the five articles")
            if source.published is None:
                faults.append(f"{event.id}: no published date")
    assert faults == []


def test_quotes_are_short(seed, supplement):
    long_quotes = [(e.id, s.quote) for e in seed + supplement for s in e.sources
                   if s.quote and len(s.quote.split()) > 12]
    assert long_quotes == []


# --- registration order -----------------------------------------------------------


def test_every_reference_is_defined_earlier(seed):
    assert _defined_in_order(seed) == []


def test_supplement_references_resolve_against_the_main_seed(seed, supplement):
    assert _defined_in_order(supplement, known=_defined(seed)) == []


def test_registrations_come_first_then_date_order(seed):
    kinds = [isinstance(e, REGISTRATIONS) for e in seed]
    first_other = kinds.index(False)
    assert all(kinds[:first_other]) and not any(kinds[first_other:])
    starts = [_earliest(e.occurred) for e in seed[first_other:]]
    assert starts == sorted(starts)


def test_required_ids_exist(seed):
    defined = _defined(seed)
    assert defined["actor"] >= REQUIRED_ACTORS
    assert defined["topic"] >= REQUIRED_TOPICS
    assert set(REQUIRED_CONDITIONS) <= defined["condition"]
    actors = {e.actor: e for e in seed if isinstance(e, ActorRegistered)}
    assert actors["coalition"].kind == "coalition" and actors["coalition"].name == "Coalition of the Willing"
    assert actors["eu"].kind == "organisation"
    assert all(actors[a].kind == "state" for a in REQUIRED_ACTORS - {"coalition", "eu"})
    conditions = {e.condition: e for e in seed if isinstance(e, ConditionDeclared)}
    for name, kind in REQUIRED_CONDITIONS.items():
        if kind is not None:
            assert conditions[name].kind == kind


# --- content the acceptance criteria rely on --------------------------------------


def test_founding_is_march_2025_by_the_uk_and_france(seed):
    (founding,) = [e for e in seed if isinstance(e, GroupFounded)]
    assert founding.group == "coalition" and set(founding.founders) == {"gb", "fr"}
    assert founding.occurred == "2025-03" and dates.parse(founding.occurred).precision == "month"


def test_no_french_or_british_stance_before_march_2025(seed):
    early = [e.id for e in seed for a, *_ in _stance_items(e)
             if a in {"fr", "gb"} and _earliest(e.occurred) < dt.date(2025, 3, 1)]
    assert early == []


def test_only_the_founders_are_members_in_april_2025(seed):
    joined_early = [e.id for e in seed if isinstance(e, GroupJoined) and _earliest(e.occurred) <= dt.date(2025, 4, 1)]
    assert joined_early == []


def test_supplement_joins_fall_between_founding_and_summit(supplement):
    for event in supplement:
        parsed = dates.parse(event.occurred)
        assert parsed.earliest >= dt.date(2025, 3, 1) and parsed.latest <= dt.date(2026, 1, 6)


def test_ceasefire_is_never_marked_met(seed):
    assert [e.id for e in seed if isinstance(e, ConditionChanged) and e.condition == "ceasefire"] == []


@pytest.mark.parametrize(
    ("actor", "topic", "stance", "conditions"),
    [
        ("pl", "troops-in-ukraine", "declined", None),
        ("pl", "logistics-hub", "committed", None),
        ("fr", "troops-in-ukraine", "conditional", {"ceasefire"}),
        ("de", "troops-in-ukraine", "declined", None),
        ("de", "supporting-deployment", "conditional", {"parliament-de"}),
    ],
)
def test_stances_on_7_january_2026(seed, actor, topic, stance, conditions):
    found = _stance_at(seed, actor, topic, "2026-01-07")
    assert found is not None and found[0] == stance
    if conditions:
        assert conditions <= set(found[1])


def test_commitments_wait_on_the_ceasefire(seed):
    waiting = {(e.actor, e.topic) for e in seed if isinstance(e, StanceStated)
               and "ceasefire" in e.conditions and e.stance in {"conditional", "committed"}}
    assert ("us", "ceasefire-monitoring") in waiting


def test_oreshnik_strike_is_dated_9_january_2026(seed):
    strikes = [e for e in seed if isinstance(e, StrikeReported) and "Oreshnik" in (e.weapon or "")]
    assert [e.occurred for e in strikes] == ["2026-01-09"]
    assert strikes[0].actor == "ru"


def test_russian_warning_targets_troops_in_ukraine(seed):
    warnings = [e for e in seed if isinstance(e, WarningIssued)]
    assert any(e.actor == "ru" and e.topic == "troops-in-ukraine" for e in warnings)


def test_both_member_counts_are_kept_as_claims(seed):
    claims = {e.claim for e in seed if isinstance(e, ClaimMade)}
    assert {"coalition-members-34", "coalition-members-35"} <= claims


def test_drone_claim_is_made_and_disputed(seed):
    made = {e.claim for e in seed if isinstance(e, ClaimMade) and e.actor == "ru"}
    disputed = {e.claim for e in seed if isinstance(e, ClaimDisputed)}
    assert "kremlin-drone-attack-on-putin-residence" in made & disputed


def test_quantities_for_the_pledges(seed):
    stated = {e.id: e for e in seed if isinstance(e, StanceStated)}
    eu = stated["2025-12-eu-90bn-joint-debt"]
    assert (eu.actor, eu.quantity.amount, eu.quantity.unit, eu.period) == ("eu", 90e9, "EUR", "2026/2027")
    berlin = stated["2025-12-berlin-800k-pledge"]
    assert berlin.quantity.amount == 800_000
