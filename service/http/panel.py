"""``/panel``: stances over a range of dates, one row per (date, actor, topic), streamed as CSV or JSON."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.response import Stream

from service import answers, panel
from service.http.errors import READ_PROBLEMS, problem_responses
from service.http.params import (
    ActorFilter,
    AsOfPosition,
    From,
    KnownAt,
    PanelFormat,
    PanelStep,
    Store,
    TopicFilter,
    ToRequired,
    parse_day,
    parse_known_at,
)

CSV = "text/csv"


class PanelController(Controller):
    """Panel exports for researchers."""

    path = "/panel"
    tags = ["stances"]

    @get(
        "/",
        sync_to_thread=True,
        summary="A panel of stances over dates (CSV or JSON)",
        description=(
            "One row per (date, actor, topic) with a stance on that date: `date, actor, topic, stance, rank, status, "
            "pending_conditions, disputed, certain, since`. CSV starts with two `#` comment lines: the log position "
            "the panel was read at and the query that gives it again. JSON is a `PanelDocument`. Rows are streamed; "
            f"a panel that could hold more than {panel.MAX_ROWS:,} rows is refused with 413 before any row is sent."
        ),
        responses={
            200: ResponseSpec(str, media_type="text/csv", generate_examples=False,
                              description="The panel as CSV (or as JSON, `application/json`, with `format=json`)"),
            **problem_responses(*READ_PROBLEMS, 413),
        },
    )
    def panel(self, request: Request, store: Store, from_: From, to: ToRequired, step: PanelStep = "day",
              actor: ActorFilter = None, topic: TopicFilter = None, known_at: KnownAt = None,
              as_of_position: AsOfPosition = None, format_: PanelFormat = None) -> Stream:
        """Stream the panel, read at one log position; 413 when it would be too large."""
        start, end = parse_day(from_, "from"), parse_day(to, "to")
        position = answers.position(store, parse_known_at(known_at), as_of_position)
        asked = panel.plan(store, start, end, step, actor=actor, topic=topic, position=position)
        wants_csv = format_ == "csv" or (format_ is None and "text/csv" in request.headers.get("accept", ""))
        headers = {"X-Log-Position": str(position)}
        if wants_csv:
            headers["Content-Disposition"] = f'attachment; filename="panel-{start}-{end}-{step}.csv"'
            return Stream(panel.csv_chunks(store, asked), media_type=CSV, headers=headers)
        return Stream(panel.json_chunks(store, asked), media_type="application/json", headers=headers)
