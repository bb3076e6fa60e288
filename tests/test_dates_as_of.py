"""As-of answers around the level 1 dates, on both backends, as docs/dates.md describes them: a fact takes
effect on its date's earliest day (a date-time at its second), is uncertain until its latest day, and every
answer reports the precision of its date."""

from __future__ import annotations

import datetime as dt

from events import queries
from tests.conftest import events, make

D = dt.date


def _stance(occurred: str, stance: str, id_: str, actor: str = "fr", topic: str = "troops") -> dict:
    return make("stance.stated", occurred, id=id_, actor=actor, topic=topic, stance=stance)


def _on(store, day: D, actor: str = "fr", topic: str = "troops"):
    with store.reading() as tx:
        found = queries.stances(tx, day, actor=actor, topic=topic)
    return found[0] if found else None


def test_a_season_takes_effect_on_its_first_day_and_is_certain_once_over(registered):
    registered.append(events(_stance("2024", "undecided", "before"), _stance("2025-21", "supportive", "spring"),
                             _stance("2025-24", "committed", "winter")))
    assert _on(registered, D(2025, 2, 28)).stance == "undecided"
    spring = _on(registered, D(2025, 3, 1))
    assert (spring.stance, spring.since, spring.since_text, spring.precision, spring.certain) == (
        "supportive", "2025-03-01", "2025-21", "season", False)
    assert not _on(registered, D(2025, 5, 31)).certain and _on(registered, D(2025, 6, 1)).certain
    # winter 2025 runs from December 2025 to the end of February 2026
    assert _on(registered, D(2025, 11, 30)).stance == "supportive"
    winter = _on(registered, D(2025, 12, 1))
    assert (winter.stance, winter.precision, winter.certain) == ("committed", "season", False)
    assert not _on(registered, D(2026, 2, 28)).certain and _on(registered, D(2026, 3, 1)).certain


def test_some_year_in_a_decade_counts_from_its_first_year_and_a_later_exact_date_replaces_it(registered):
    registered.append(events(_stance("201X", "supportive", "decade"), _stance("2015-06-01", "committed", "exact")))
    assert _on(registered, D(2009, 12, 31)) is None
    decade = _on(registered, D(2010, 1, 1))
    assert (decade.stance, decade.since, decade.precision, decade.certain) == ("supportive", "2010-01-01", "decade",
                                                                              False)
    assert _on(registered, D(2015, 5, 31)).stance == "supportive"
    # The exact day lies inside "some year in the 2010s": the two reports compete (docs/as-of.md) until an editor
    # confirms that the later one is a change; then it replaces the decade from its day on.
    exact = _on(registered, D(2015, 6, 1))
    assert (exact.stance, exact.disputed, [a.stance for a in exact.alternatives]) == ("supportive", True, ["committed"])
    registered.append(events(make("change.confirmed", "2015-06-02", actor="fr", topic="troops", earlier="decade",
                                  later="exact", reason="the exact report is later")))
    assert (_on(registered, D(2015, 6, 1)).stance, _on(registered, D(2015, 6, 1)).disputed) == ("committed", False)
    with registered.reading() as tx:
        history = queries.history(tx, "fr", "troops")
    assert [(i.valid_from, i.valid_to, i.precision) for i in history] == [
        ("2010-01-01", "2015-06-01", "decade"), ("2015-06-01", None, "day")]


def test_a_year_appended_after_its_decade_wins_from_the_same_first_day(registered):
    registered.append(events(_stance("201X", "supportive", "decade")))
    registered.append(events(_stance("2010", "declined", "year")))
    assert (_on(registered, D(2010, 1, 1)).stance, _on(registered, D(2010, 1, 1)).precision) == ("declined", "year")


def test_an_unknown_end_starts_on_its_start_and_is_never_certain(registered):
    registered.append(events(_stance("2025-06/", "supportive", "unknown-end")))
    assert _on(registered, D(2025, 5, 31)) is None
    answer = _on(registered, D(2025, 6, 1))
    assert (answer.since, answer.since_text, answer.precision, answer.certain) == (
        "2025-06-01", "2025-06/", "unknown-end", False)
    assert not _on(registered, D(2040, 1, 1)).certain  # nobody knows when it ended: never past its span
    with registered.reading() as tx:
        [entry] = [e for e in queries.timeline(tx, start=D(2040, 1, 1)) if e.id == "unknown-end"]
    assert (entry.earliest, entry.latest, entry.precision) == ("2025-06-01", "9999-12-31", "unknown-end")


def test_an_unknown_start_is_in_effect_from_the_first_day_on_record_like_an_open_one(registered):
    registered.append(events(_stance("/2025-06-30", "supportive", "unknown-start"),
                             _stance("../2025-06-30", "committed", "open-start", actor="gb")))
    unknown, open_ = _on(registered, D(2000, 1, 1)), _on(registered, D(2000, 1, 1), actor="gb")
    assert (unknown.since, unknown.precision, unknown.certain) == ("0001-01-01", "unknown-start", False)
    assert (open_.since, open_.precision, open_.certain) == ("0001-01-01", "interval", False)
    assert _on(registered, D(2025, 7, 1)).certain


def test_date_times_order_by_their_time_of_day_whatever_their_log_order(registered):
    registered.append(events(_stance("2026-01-06T18:00:00Z", "committed", "evening")))
    registered.append(events(_stance("2026-01-06T09:30:00+01:00", "declined", "morning"),
                             _stance("2026-01-06", "undecided", "the-day")))
    assert _on(registered, D(2026, 1, 5)) is None
    # A day-precise query date includes the day's instants: the evening is in effect. The day-precise report may
    # mean any time of the day, so it competes with the evening (the morning ends before the evening starts): the
    # answer is the more cautious of the two, the evening's version among the alternatives.
    evening = _on(registered, D(2026, 1, 6))
    assert (evening.stance, evening.disputed, [(a.stance, a.since_text, a.precision) for a in evening.alternatives]) \
        == ("undecided", True, [("committed", "2026-01-06T18:00:00Z", "instant")])
    assert evening.certain is True
    with registered.reading() as tx:
        history = queries.history(tx, "fr", "troops")
        timeline = [e.id for e in queries.timeline(tx, start=D(2026, 1, 6), end=D(2026, 1, 6))]
    assert [i.date_text for i in history] == ["2026-01-06T18:00:00Z"]  # in effect at the end of the day
    assert timeline == ["the-day", "morning", "evening"]  # the day's start, 08:30 UTC, 18:00 UTC


def test_a_date_time_is_in_effect_on_its_day_in_utc(registered):
    registered.append(events(_stance("2026-01-06T23:30:00-05:00", "committed", "late")))
    assert _on(registered, D(2026, 1, 6)) is None
    assert _on(registered, D(2026, 1, 7)).since == "2026-01-07"


def test_members_and_conditions_report_the_precision_of_their_date(registered):
    registered.append(events(
        make("group.founded", "2025-03", group="coalition", founders=["fr"], purpose="guarantees"),
        make("group.joined", "2025-22", group="coalition", member="gb"),
        make("condition.changed", "2026-01-06T10:00:00Z", condition="vote", status="met"),
    ))
    with registered.reading() as tx:
        members = {m.id: m for m in queries.members_of(tx, "coalition", D(2025, 7, 1), None)}
        conditions = {c.id: c for c in queries.conditions(tx, D(2026, 1, 7))}
    assert (members["gb"].since, members["gb"].since_text, members["gb"].precision, members["gb"].certain) == (
        "2025-06-01", "2025-22", "season", False)
    assert (members["fr"].precision, members["fr"].certain) == ("month", True)
    assert (conditions["vote"].status, conditions["vote"].since, conditions["vote"].precision) == (
        "met", "2026-01-06", "instant")
    assert (conditions["ceasefire"].since_text, conditions["ceasefire"].precision) == ("2025-01", "month")
