"""Full-text search on both backends: diacritics, stemming, phrases, prefixes, ranking, filters, facets,
reading at a log position, corrections, rebuild, and malformed queries refused with their fault named."""

from __future__ import annotations

import string
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events import queries
from events.model import search_syntax
from events.model.search_syntax import InvalidQuery
from events.tables.search import Filters
from events.verify import verify
from tests.conftest import events, make, registrations


def world():
    return [
        *registrations(),
        make("actor.registered", "2025", id="reg-tr", actor="tr", name="Türkiye", kind="state", aliases=["Turkey"]),
        make("stance.stated", "2026-01-02", id="tr-troops", actor="tr", topic="troops", stance="undecided",
             summary="Ankara is interested in securing the Black Sea"),
        make("warning.issued", "2026-01-03", id="ru-warns", actor="fr", targets=["gb"],
             summary="Paris warned London about the Oreshnik missile"),
        make("stance.stated", "2026-01-04", id="gb-troops", actor="gb", topic="troops", stance="committed",
             summary="London will put troops on the ground after a ceasefire"),
        make("stance.stated", "2026-01-05", id="de-troops", actor="de", topic="troops", stance="declined",
             summary="Berlin sends no ground troops; the ground is not ready"),
        make("stance.stated", "2026-01-05", id="de-money", actor="de", topic="money", stance="committed",
             summary="Berlin pays for drones"),
    ]


def ids(answer) -> list[str]:
    return [hit.event.event.id for hit in answer.hits]


def find(store, text, pos=None, **filters):
    with store.reading() as tx:
        return queries.search(tx, text, pos=pos, filters=Filters(**filters), limit=100)


@pytest.fixture
def searchable(store):
    store.append(events(*world()))
    return store


def test_diacritics_and_case_do_not_matter_either_way(searchable):
    assert ids(find(searchable, "turkiye")) == ids(find(searchable, "TÜRKIYE"))
    found = ids(find(searchable, "turkiye"))
    assert "reg-tr" in found and "tr-troops" in found  # the stance is found by the name of the actor it names
    assert "tr-troops" in ids(find(searchable, "turkey"))  # and by its aliases


def test_english_stemming_finds_other_forms_of_a_word(searchable):
    assert ids(find(searchable, "warning")) == ["ru-warns"]
    assert ids(find(searchable, "warns")) == ["ru-warns"]


def test_a_quoted_phrase_needs_its_words_in_order(searchable):
    assert ids(find(searchable, '"troops on the ground"')) == ["gb-troops"]
    assert set(ids(find(searchable, "ground troops"))) == {"gb-troops", "de-troops"}


def test_a_prefix_finds_longer_words(searchable):
    assert ids(find(searchable, "oresh*")) == ["ru-warns"]
    assert ids(find(searchable, "oresh")) == []


def test_or_and_exclusion(searchable):
    assert set(ids(find(searchable, "ankara OR paris"))) == {"tr-troops", "ru-warns"}
    assert ids(find(searchable, "troops -ceasefire -turkiye", type="stance.stated")) == ["de-troops"]


def test_hits_are_ranked_by_relevance_then_newest_first(searchable):
    # de-troops says "ground" twice, gb-troops once
    assert ids(find(searchable, "ground"))[:2] == ["de-troops", "gb-troops"]


def test_ties_go_to_the_newer_date(store):
    store.append(events(*registrations(), *(
        make("stance.stated", f"2026-01-0{day}", id=f"same-{day}", actor="fr", topic=topic, stance="committed",
             summary="identical words here") for day, topic in ((3, "troops"), (5, "money")))))
    assert ids(find(store, "identical")) == ["same-5", "same-3"]


def test_filters_narrow_and_facets_count_every_match(searchable):
    everything = find(searchable, "troops")  # the topic's definition too: its name is Troops
    assert everything.total == len(everything.hits) == 4
    assert everything.facets["type"] == {"stance.stated": 3, "topic.defined": 1}
    assert everything.facets["actor"] == {"de": 1, "gb": 1, "tr": 1}
    assert everything.facets["topic"] == {"troops": 3}
    assert everything.facets["month"] == {"2026-01": 3, "2025-01": 1}
    assert ids(find(searchable, "troops", actor="gb")) == ["gb-troops"]
    assert ids(find(searchable, "berlin", topic="money")) == ["de-money"]
    assert ids(find(searchable, "london", type="warning.issued")) == ["ru-warns"]
    assert set(ids(find(searchable, "troops", start="2026-01-04", end="2026-01-04"))) == {"gb-troops"}
    assert find(searchable, "troops", start="2026-02-01").total == 0


def test_a_page_keeps_the_total_and_facets_of_every_match(searchable):
    with searchable.reading() as tx:
        page = queries.search(tx, "troops", pos=None, limit=1, offset=1)
    assert page.total == 4 and len(page.hits) == 1 and sum(page.facets["actor"].values()) == 3
    assert ids(page) == ids(find(searchable, "troops"))[1:2]


def test_snippets_mark_the_matched_words(searchable):
    [hit] = find(searchable, "warning").hits
    assert "<mark>warned</mark>" in hit.snippet
    [hit] = find(searchable, "oresh*").hits
    assert "<mark>Oreshnik</mark>" in hit.snippet


def test_a_search_at_a_position_ignores_later_appends_and_corrections(searchable):
    before = searchable.last_position()
    searchable.append(events(
        make("stance.stated", "2026-01-06", id="fr-troops", actor="fr", topic="troops", stance="committed",
             summary="Paris sends a brigade"),
        make("event.corrected", "2026-01-06", id="fix-gb", corrects="gb-troops",
             replacement={"summary": "London will send a brigade after a ceasefire"}),
        make("event.corrected", "2026-01-06", id="drop-tr", corrects="tr-troops", retracted=True),
    ))
    assert set(ids(find(searchable, "brigade"))) == {"fr-troops", "gb-troops"}
    assert ids(find(searchable, "brigade", pos=before)) == []
    assert "tr-troops" not in ids(find(searchable, "ankara"))
    assert ids(find(searchable, "ankara", pos=before)) == ["tr-troops"]
    assert ids(find(searchable, '"troops on the ground"', pos=before)) == ["gb-troops"]
    assert ids(find(searchable, '"troops on the ground"')) == []
    [hit] = find(searchable, "brigade", actor="gb").hits
    assert hit.event.position < before and hit.event.event.summary.startswith("London will send")


def test_the_search_rows_are_what_a_rebuild_writes(searchable):
    searchable.append(events(
        make("stance.stated", "2026-01-07", id="fr-money", actor="fr", topic="money", stance="committed",
             quantity={"amount": 3, "unit": "billion EUR"}, period="2026", conditions=["vote"]),
        make("event.corrected", "2026-01-07", id="fix-fr-money", corrects="fr-money",
             replacement={"quantity": {"amount": 4, "unit": "billion EUR"}}),
    ))
    assert verify(searchable) == []


def test_a_rebuild_gives_the_same_answers(searchable):
    searchable.append(events(make("event.corrected", "2026-01-06", id="fix-de", corrects="de-money",
                                  replacement={"summary": "Berlin pays for shells"})))
    questions = ["berlin", "troops", "turkiye", "drones", "shells"]
    before = {q: (ids(find(searchable, q)), find(searchable, q).facets) for q in questions}
    searchable.rebuild()
    assert {q: (ids(find(searchable, q)), find(searchable, q).facets) for q in questions} == before


@pytest.mark.parametrize(("text", "fault"), [
    ('"troops on', "unbalanced quote"),
    ("OR troops", "OR needs a word"),
    ("troops OR", "OR needs a word"),
    ("troops OR OR money", "OR needs a word"),
    ("troops -", "lone '-'"),
    ("-troops", "only excludes"),
    ("", "empty"),
    ("   ", "empty"),
    ("*", "no word before its '*'"),
    ("tro*ops", "'*' may only end a word"),
    ("!!! ???", "no word to look for"),
    ("x" * 501, "at most 500"),
])
def test_a_malformed_query_is_refused_naming_its_fault(searchable, text, fault):
    with pytest.raises(InvalidQuery) as caught:
        find(searchable, text)
    assert fault in caught.value.detail


@pytest.mark.parametrize("text", ['NEAR(a b)', 'a AND', 'NOT', '(troops', 'troops)', '^troops', 'col:troops',
                                  "'; DROP TABLE events; --", "troops:*", "a & b | !c", "troops <-> money"])
def test_engine_syntax_in_a_query_is_only_words(searchable, text):
    found = find(searchable, text)  # no engine error: the backend only ever sees quoted words
    assert found.total >= 0


def test_folding_keeps_one_character_for_one():
    text = "Türkiye, Élysée, Kraków — ﬁnal"
    assert len(search_syntax.fold(text)) == len(text)
    assert search_syntax.words(text)[:3] == ["turkiye", "elysee", "krakow"]


def _fold_by_character(text: str) -> str:
    """The folding rule spelled out character by character, as the index's documentation states it."""
    out = []
    for char in text:
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)).lower()
        out.append(base if len(base) == 1 else char)
    return "".join(out)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=40) | st.text(alphabet=string.printable, max_size=40))
def test_fold_takes_each_character_to_its_base_letter_whatever_the_text(text):
    assert search_syntax.fold(text) == _fold_by_character(text)


def test_fold_keeps_characters_whose_base_is_not_one_letter():
    assert search_syntax.fold("Türkiye İstanbul ß Æ") == "turkiye istanbul ß æ"
