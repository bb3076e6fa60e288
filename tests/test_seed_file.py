"""Checks on the seed files themselves (no store needed).

They guard what the store relies on when the seed is loaded: strict decoding,
stable unique ids, sources that name one of the five articles, and registration
order (every actor, topic, condition, claim or event an event refers to must be
defined earlier in the file). A few checks mirror the acceptance criteria so that
an edit to the seed that would break them fails here first.

The rest hold the seed to its sources (docs/seed-data.md): every quote is in the
article it cites, near the name of the speaker it is attributed to; no prose is
copied from an article; competing accounts stay separate events and are listed in
the docs; and the findings of the read against the sources stay fixed (each test
names the article and paragraph its expectation rests on).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import unicodedata
from collections import Counter
from pathlib import Path

import msgspec.yaml
import pytest

from events import dates
from events.model import vocabulary
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

SOURCES_DIR = Path("/work/shared/sources")
SEED_DOC = Path(__file__).resolve().parents[1] / "docs" / "seed-data.md"
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
    assert 120 <= len(seed) <= 220


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
        ("pl", "logistics-hub", "delivered", None),  # 004: a hub "since the start of Russia's full-scale invasion"
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


# --- held to the sources: quotes, speakers, own words --------------------------------


def _plain(text: str) -> str:
    """Lower case, straight quotes, no accents, single spaces: the form quotes and names are compared in."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", text).lower()


@pytest.fixture(scope="module")
def articles() -> dict[str, str]:
    """The five articles, in :func:`_plain` form, by file name."""
    if not all((SOURCES_DIR / name).is_file() for name in SOURCE_FILES):
        pytest.skip(f"the source articles are not at {SOURCES_DIR} (they are not part of the repository)")
    return {name: _plain((SOURCES_DIR / name).read_text(encoding="utf-8")) for name in SOURCE_FILES}


def _speaker_key(speaker: str) -> str:
    """The name an article must use for a speaker: the last word before any comma or bracket, cut to
    seven letters (so that "Zelenskyy" matches the "Zelensky" of some articles)."""
    return _plain(re.split(r"[(,]", speaker)[0].split()[-1])[:7]


def test_every_quote_is_in_the_article_it_cites(seed, supplement, articles):
    missing = [(e.id, s.file, s.quote) for e in seed + supplement for s in e.sources
               if s.quote and _plain(s.quote) not in articles[s.file]]
    assert missing == []


def test_a_quoted_stance_names_the_person_the_article_quotes(seed, articles):
    """The speaker's name stands within a paragraph or two of the quote in the article."""
    faults = []
    for event in seed:
        if not isinstance(event, StanceStated):
            continue
        for source in event.sources:
            if not source.quote:
                continue
            if event.speaker is None:
                faults.append(f"{event.id}: a quote without a speaker")
                continue
            text = articles[source.file]
            at = text.find(_plain(source.quote))
            if _speaker_key(event.speaker) not in text[max(0, at - 700):at + 700]:
                faults.append(f"{event.id}: {event.speaker!r} is not named near the quote in {source.file}")
    assert faults == []


def test_every_speaker_is_named_in_every_article_the_event_cites(seed, articles):
    faults = [f"{e.id}: {e.speaker!r} not in {s.file}" for e in seed if isinstance(e, StanceStated) and e.speaker
              for s in e.sources if _speaker_key(e.speaker) not in articles[s.file]]
    assert faults == []


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", _plain(text))


def test_no_prose_is_copied_from_an_article(seed, supplement, articles):
    """No run of seven words of a summary, statement, description, purpose, title or name is in an article."""
    runs = set()
    for text in articles.values():
        words = _words(text)
        runs.update(tuple(words[i:i + 7]) for i in range(len(words) - 6))
    copied = []
    for event in seed + supplement:
        prose = [event.summary] + [getattr(event, f) for f in ("statement", "description", "purpose", "title", "name")
                                   if isinstance(getattr(event, f, None), str)]
        for text in prose:
            words = _words(text)
            copied += [(event.id, " ".join(words[i:i + 7])) for i in range(len(words) - 6)
                       if tuple(words[i:i + 7]) in runs]
    assert copied == []


# --- competing accounts -------------------------------------------------------------


def _accounts(events: list[Event]):
    """(actor, topic, stance, conditions, event id, earliest, latest) for every stance fact of the seed."""
    for event in events:
        span = dates.parse(event.occurred)
        for actor, topic, stance, conditions in _stance_items(event):
            yield actor, topic, stance, frozenset(conditions), event.id, span.earliest, span.latest


def competing_reports(events: list[Event]) -> dict[tuple[str, str], set[str]]:
    """What the disputes core shows as competing: per (actor, topic), the events whose dates overlap
    another event's and whose stance or conditions differ from it."""
    out: dict[tuple[str, str], set[str]] = {}
    for a, b in itertools.combinations(list(_accounts(events)), 2):
        same_key, other_event = a[:2] == b[:2], a[4] != b[4]
        overlap = a[5] <= b[6] and b[5] <= a[6]
        if same_key and other_event and overlap and a[2:4] != b[2:4]:
            out.setdefault(a[:2], set()).update({a[4], b[4]})
    return out


def test_the_conflicting_accounts_tag_marks_exactly_the_competing_stances(seed):
    competing = set().union(*competing_reports(seed).values())
    tagged = {e.id for e in seed if list(_stance_items(e)) and "conflicting-accounts" in e.tags}
    assert competing == tagged


def test_docs_list_every_competing_report(seed):
    """docs/seed-data.md's "Competing reports" table names each disputed (actor, topic) with all its events."""
    section = SEED_DOC.read_text(encoding="utf-8").split("## Competing reports", 1)[1].split("\n## ", 1)[0]
    listed: dict[tuple[str, str], set[str]] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and re.fullmatch(r"`[a-z-]+`", cells[0]) and re.fullmatch(r"`[a-z-]+`", cells[1]):
            key = (cells[0].strip("`"), cells[1].strip("`"))
            listed[key] = set(re.findall(r"`([0-9a-z-]+)`", "|".join(cells[2:])))
    expected = competing_reports(seed)
    assert set(listed) == set(expected)
    assert {k: listed[k] & v for k, v in expected.items()} == expected


def test_italy_is_two_reports_from_two_articles_that_disagree(seed):
    """002 ("expressed reluctance") and 004 ("so far ruling out") are kept apart, with overlapping dates."""
    italy = [e for e in seed if isinstance(e, StanceStated) and (e.actor, e.topic) == ("it", "troops-in-ukraine")]
    assert {(e.stance, tuple(s.file for s in e.sources)) for e in italy} == {
        ("reluctant", ("002_4679cc5323775f28.txt",)), ("declined", ("004_619a187213077d11.txt",))}
    spans = [dates.parse(e.occurred) for e in italy]
    assert spans[0].earliest <= spans[1].latest and spans[1].earliest <= spans[0].latest
    assert competing_reports(seed)[("it", "troops-in-ukraine")] == {e.id for e in italy}


# --- the findings of the read against the sources ----------------------------------


def test_ukraine_signed_the_paris_declaration(seed):
    """000 and 001: signed "by Zelenskyy alongside" Macron and Starmer; the US "agreed" but did not sign."""
    (paris,) = [e for e in seed if isinstance(e, DeclarationSigned) and e.declaration == "paris-declaration"]
    assert {"ua", "fr", "gb", "coalition"} <= set(paris.signatories)
    assert "us" not in paris.signatories


def test_no_declaration_gives_ukraine_the_allies_obligations(seed):
    """A signatory takes every provision: where Ukraine signs, each account's content is its own stance event."""
    assert [e.id for e in seed if isinstance(e, DeclarationSigned) and "ua" in e.signatories and e.provisions] == []


def test_polands_logistics_hub_is_delivered_since_the_full_scale_invasion(seed):
    """004: the hub role, "much as it has done since the start of Russia's full-scale invasion"."""
    hub = [e for e in seed if isinstance(e, StanceStated) and (e.actor, e.topic) == ("pl", "logistics-hub")]
    assert [(e.stance, e.occurred) for e in hub] == [("delivered", "2022-02/2026-01-06")]


def test_spain_is_not_ranked_with_the_uk_french_declaration_of_intent(seed):
    """002 "indicated willingness ... pending approval", 004 "open to contributing": willingness, not a commitment."""
    rank = vocabulary.STANCE_RANK
    spain = [e for e in seed if isinstance(e, StanceStated) and (e.actor, e.topic) == ("es", "troops-in-ukraine")]
    france = _stance_at(seed, "fr", "troops-in-ukraine", "2026-01-07")
    assert spain and all(rank[e.stance] < rank["conditional"] <= rank[france[0]] for e in spain)
    assert {frozenset(e.conditions) for e in spain} == {frozenset({"parliament-es"}), frozenset()}


def test_the_us_monitoring_role_is_credited_to_whoever_each_report_quotes(seed):
    """001 credits Zelenskyy, 003 Macron, 000 and 004 say it in their own words; no report quotes a US official."""
    monitoring = {s.file: e.speaker for e in seed if isinstance(e, StanceStated)
                  and (e.actor, e.topic) == ("us", "ceasefire-monitoring") for s in e.sources}
    assert monitoring == {
        "000_8150be52b7967df9.txt": None,
        "001_fc4d3fbbc072ac3c.txt": "President Volodymyr Zelenskyy (and his office's list of key elements)",
        "003_1c99f61823479160.txt": "President Emmanuel Macron",
        "004_619a187213077d11.txt": None,
    }


def test_different_triggers_are_different_conditions(seed):
    """A ceasefire (002, 004), a peace deal (003), the end of hostilities (001; "postwar", 004)."""
    conditions = {(e.actor, e.id): set(e.conditions) for e in seed if isinstance(e, StanceStated)}
    assert conditions[("fr", "2026-01-06-fr-troops-intent-ceasefire")] == {"ceasefire"}
    assert conditions[("fr", "2026-01-06-fr-troops-intent-peace-deal")] == {"peace-deal"}
    assert conditions[("coalition", "2026-01-06-coalition-force-per-001")] == {"end-of-hostilities"}
    assert conditions[("se", "2025-se-supports-postwar-force")] == {"end-of-hostilities"}
    assert conditions[("nl", "2026-01-06-nl-guarantees-if-peace")] == {"peace"}


def test_each_figure_for_the_coalitions_size_is_its_own_claim_with_its_own_source(seed):
    """34 (000), 35 (002, 003, 004), "around 30" (004's caption) and 26 offering personnel (004)."""
    counts = [e for e in seed if isinstance(e, ClaimMade) and "member-count" in e.tags]
    assert all(len({s.file for s in e.sources}) == 1 for e in counts)
    by_figure = Counter(re.search(r"\b(2[6-9]|3[0-9])\b", e.statement).group(1) for e in counts)
    assert by_figure == {"34": 1, "35": 3, "30": 1, "26": 1}


@pytest.mark.parametrize(
    ("event_id", "occurred", "wording"),
    [
        ("2026-01-06-it-ruling-out-troops", "../2026-01-06", '004: "so far ruling out"'),
        ("2026-01-06-de-no-troops-in-ukraine", "../2026-01-06", '004: "so far ruling out"'),
        ("2026-01-06-ru-refuses-ceasefire", "../2026-01-06", '000, 001: "has so far refused"'),
        ("2025-pl-troops-declined-since-founding", "2025-03/2026-01-06", '004: "since the Coalition was formed"'),
        ("2026-01-06-pl-logistics-hub", "2022-02/2026-01-06", '004: "since the start of ... full-scale invasion"'),
        ("2025-ie-un-mandated-peacekeepers", "../2026-01-05", '004: "has previously said"'),
        ("2025-12-zelenskyy-coalition-not-exactly-willing", "2025-12-29/2026-01-04", '000: "Last week"'),
        ("2025-12-31-macron-new-year-promise", "2025-12-31", '004: "New Year\'s Eve address"'),
        ("2026-01-06-es-open-to-troops", "2026-01-06/2026-01-11", '004: "after Tuesday\'s summit"'),
        ("2026-01-06-ru-warns-troops-legitimate-targets", "2026-01-06/2026-01-11", '004: "this week", a reply'),
        ("2026-01-09-zelenskyy-us-guarantees-near-final", "2026-01-09", '004: "on Friday"'),
        ("2026-01-09-kyiv-air-strike", "2026-01-09", '004: "on Friday" (caption)'),
        ("2025-12-berlin-800k-pledge", "2025-12", '000: "the December Berlin summit"'),
    ],
)
def test_dates_say_what_the_wording_says(seed, event_id, occurred, wording):
    """Standing positions start open or where the source says; relative dates resolve against Tuesday 6 January."""
    assert {e.id: e.occurred for e in seed}[event_id] == occurred, wording


def test_coverage_table_names_every_event_under_every_article_it_cites(seed):
    """docs/seed-data.md has one coverage section per article; every dated event is listed under each file it
    cites, and every id listed there cites that file."""
    doc = SEED_DOC.read_text(encoding="utf-8").split("## Coverage", 1)[1].split("\n## ", 1)[0]
    sections = dict(re.findall(r"### (\d{3})_\w+\.txt.*?\n(.*?)(?=\n### |\Z)", doc, flags=re.S))
    cited = {e.id: {s.file[:3] for s in e.sources} for e in seed if not isinstance(e, REGISTRATIONS)}
    assert set(sections) == {name[:3] for name in SOURCE_FILES}
    listed = {prefix: set(re.findall(r"`([0-9]{4}-[0-9a-z-]+)`", text)) for prefix, text in sections.items()}
    missing = sorted(f"{i} under {p}" for i, files in cited.items() for p in files if i not in listed[p])
    wrong = sorted(f"{i} under {p}" for p, ids in listed.items() for i in ids if p not in cited.get(i, {p: None}))
    unknown = sorted(i for ids in listed.values() for i in ids if i not in cited)
    assert (missing, wrong, unknown) == ([], [], [])
