"""The ``commitments`` command: run the server, load and move data, and ask the log questions.

Each command reads the same answers as the HTTP API (``service.answers``) and prints a
table, or with ``--json`` the API's JSON. Bad input ends with a one-line message and
exit code 2; ``verify`` exits 1 when it finds problems.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import msgspec

from events import CommitmentError, Event, InvalidEvent, decode_inbound, keys, proposals, subscriptions, verify
from events.model.clock import parse_instant
from events.model.dates import parse_day
from events.model.errors import InvalidDate
from events.model.views import ConditionState
from events.preview import preview as dry_run
from events.store import BackupFailed, parse_database_url
from service import answers, backups, formats, panel, seeding, spreadsheet, tables, transfer
from service.bootstrap import Services, open_services, resolve_token
from service.live import feed
from service.settings import Settings, SettingsError, declaration

_json = msgspec.json.Encoder()


class BadInput(click.ClickException):
    """A usage or data error: one line on stderr, exit code 2."""

    exit_code = 2


class _Group(click.Group):
    """Turns the core's and the settings' errors into :class:`BadInput` instead of tracebacks."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (CommitmentError, SettingsError) as error:
            detail = error.detail if isinstance(error, CommitmentError) else str(error)
            raise BadInput(" ".join(detail.split())) from None
        except BrokenPipeError:  # the reader went away (``| head``): stop quietly
            _silence_stdout()
            sys.exit(1)
        except OSError as error:
            raise BadInput(f"{error.strerror or error}: {getattr(error, 'filename', '') or ''}".rstrip(": ")) from None


def _silence_stdout() -> None:
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _from_env(name: str) -> str:
    """``env VARIABLE; default VALUE`` for an option's help, from the setting's one declaration."""
    declared = declaration(name)
    return f"env {declared.variable}; default {declared.default}"


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--database", envvar=declaration("database").variable, default=None, metavar="PATH|URL",
              help="The database file, or a sqlite:///relative.db, sqlite:////absolute.db or postgresql:// URL"
                   f" [{_from_env('database')}].")
@click.pass_context
def main(ctx: click.Context, database: str | None) -> None:
    """Who promised what, on which conditions, and when that changed.

    \b
    Examples:
      commitments serve --seed-if-empty
      commitments stance fr --at 2026-01-07
      commitments --database ./other.db export > backup.ndjson
    """
    try:
        ctx.obj = Settings.from_env(database=database)
    except SettingsError as error:
        raise BadInput(str(error)) from None


def _settings() -> Settings:
    return click.get_current_context().find_root().obj


@contextmanager
def _services(settings: Settings | None = None, *, create: bool = False) -> Iterator[Services]:
    """The store and clock for one command; only commands that load data (``create=True``) may make a database."""
    services = open_services(settings or _settings(), create=create)
    try:
        yield services
    finally:
        services.close()


def _emit_json(document: Any) -> None:
    click.echo(_json.encode(document).decode())


def _day(value: str | None, name: str, services: Services) -> dt.date:
    if value is None:
        return services.clock.now().date()
    try:
        return parse_day(value)
    except InvalidDate:
        raise click.BadParameter(f"{value!r} is not a day; use YYYY-MM-DD, e.g. 2026-01-07", param_hint=name) from None


def _instant(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return parse_instant(value, "--known-at")
    except InvalidEvent:
        raise click.BadParameter(f"{value!r} is not an RFC 3339 instant; use e.g. 2026-01-07T12:00:00Z",
                                 param_hint="--known-at") from None


def _tty() -> bool:
    return sys.stderr.isatty()


def _database_here(ctx: click.Context, _: click.Parameter, value: str | None) -> None:
    if value is not None:
        root = ctx.find_root()
        root.obj = root.obj.replace(database=value)


#: ``--database`` after the command name too (``commitments verify --database x.db``), as before it.
database_option = click.option("--database", default=None, metavar="PATH|URL", expose_value=False,
                               callback=_database_here, is_eager=True,
                               help="The database (the same as the global option before the command).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON (the HTTP API's shape).")
at_option = click.option("--at", metavar="DATE", help="The day to answer for (YYYY-MM-DD) [default: today].")
known_at_option = click.option("--known-at", metavar="INSTANT",
                               help="Answer as the log stood at this RFC 3339 instant, e.g. 2026-01-07T12:00:00Z.")


# --- serving --------------------------------------------------------------------------


@main.command()
@click.option("--host", default=None, help=f"Interface to listen on [{_from_env('host')}].")
@click.option("--port", type=click.IntRange(0, 65535), default=None, help=f"Port [{_from_env('port')}].")
@database_option
@click.option("--seed-if-empty", is_flag=True, help="Load the seed timeline when the log is empty.")
@click.option("--private", is_flag=True,
              help=f"Reads need the token too [env {declaration('read_requires_token').variable}=1].")
@click.option("--access-log", is_flag=True, help="Log every request (off by default: a reverse proxy usually does).")
def serve(host: str | None, port: int | None, seed_if_empty: bool, private: bool, access_log: bool) -> None:
    """Run the HTTP API (and print where to find it).

    The write token comes from COMMITMENTS_TOKEN, or from commitments.token beside the
    database; on the first start it is generated, saved there (mode 0600) and printed once.

    \b
    Example:
      commitments serve --port 8000 --database ./data/commitments.db --seed-if-empty
    """
    import uvicorn

    from service.app import create_app

    settings = _settings().replace(host=host, port=port, seed_if_empty=seed_if_empty or None,
                                   read_requires_token=private or None)
    token = resolve_token(settings)
    settings = settings.replace(token=token.value)
    if settings.seed_if_empty:
        # Seeded here, before the app starts, so that the operator reads what happened (the app would seed too).
        with _services(settings, create=True) as services:
            seeded = seeding.seed_if_empty(services.store)
        if seeded is not None:
            click.echo(f"Seeded the empty log with {len(seeded.appended)} events (the Coalition of the Willing"
                       f" timeline); it ends at position {seeded.last_position}.")
    app = create_app(settings, freeze_after_start=True)
    if token.generated:
        where = f"saved to {token.path}" if token.path else "not saved: the database is in memory"
        click.echo(f"Write token ({where}; shown only this once):\n  {token.value}")
    shown = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    base = f"http://{shown}:{settings.port}"
    click.echo(f"Page:     {base}/")
    click.echo(f"API docs: {base}/schema  (Swagger UI: {base}/schema/swagger)")
    click.echo(f"Feed:     {base}/feed")
    # Feed streams never end by themselves: on Ctrl-C, give them a moment, then cut them (clients resume).
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info", timeout_graceful_shutdown=5,
                access_log=access_log)


# --- loading and moving data ---------------------------------------------------------


@main.command()
@database_option
@click.option("--file", "path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Another seed file [default: seeds/coalition.yaml].")
def seed(path: str | None) -> None:
    """Load the seed timeline; loading it again appends nothing new.

    \b
    Example:
      commitments seed
    """
    with _services(create=True) as services:
        before = services.store.last_position()
        result = seeding.load_seed(services.store, path)
    new = result.last_position - before
    if new:
        click.echo(f"Appended {new} seed events; the log ends at position {result.last_position}.")
    else:
        click.echo(f"Nothing new: all {len(result.appended)} seed events were already stored.")


@main.command("import")
@database_option
@click.argument("file", type=click.File("rb"))
@click.option("--batch-size", type=click.IntRange(1, None), default=None,
              help="Events per append for lines without a recorded instant [default: the whole file is one append].")
@click.option("--format", "fmt", type=click.Choice(["ndjson", "csv"]), default="ndjson", show_default=True,
              help="NDJSON lines, or rows of the CSV template (`commitments template`).")
def import_(file: Any, batch_size: int, fmt: str) -> None:
    """Append events from an NDJSON file (one event object per line; - reads stdin), or a CSV file.

    Lines from `commitments export` keep their recorded instants and who recorded them:
    lines that share an instant are appended together, as they were originally. Lines
    without one are one append, recorded now (--batch-size splits them). The whole file is
    one transaction: a bad line stores nothing. Events already stored are skipped, so
    running an import again is safe. With --format csv the rows of the spreadsheet
    template are one append; a bad header, or each bad row by number and column, is
    reported and nothing is stored.

    \b
    Examples:
      commitments --database ./restored.db import backup.ndjson
      commitments import --format csv events.csv
    """
    if fmt == "csv":
        batch, rows = spreadsheet.read_rows(file.read())
        with _services(create=True) as services:
            try:
                result = services.store.append(batch)
            except CommitmentError as error:
                raise spreadsheet.by_row(error, rows) from None
        appended = len(result.appended) if result.created else 0
        click.echo(f"Read {len(batch)} rows, appended {appended} events; the log ends at position"
                   f" {result.last_position}.")
        return
    size = _file_size(file)
    with _services(create=True) as services:
        if size and _tty():
            with click.progressbar(length=size, label="Importing", file=sys.stderr) as bar:
                report = transfer.import_lines(services.store, file, batch_size=batch_size, progress=bar.update)
        else:
            report = transfer.import_lines(services.store, file, batch_size=batch_size)
    click.echo(f"Read {report.read} events, appended {report.appended} in {report.appends} appends; "
               f"the log ends at position {report.last_position}.")


def _file_size(file: Any) -> int | None:
    """The size of a regular file, for the progress bar; None for stdin or a pipe."""
    try:
        return os.fstat(file.fileno()).st_size if file.seekable() else None
    except (OSError, ValueError, AttributeError):
        return None


@main.command()
@database_option
@click.option("--output", "-o", type=click.File("wb"), default="-", help="Where to write [default: stdout].")
def export(output: Any) -> None:
    """Write the whole log as NDJSON: each line an event plus its position and recorded instant.

    \b
    Example:
      commitments export > backup.ndjson
    """
    with _services() as services:
        for line in transfer.export_lines(services.store):
            output.write(line)
    output.flush()


@main.command()
@click.option("--from", "source", required=True, metavar="URL", help="The database to copy from.")
@click.option("--to", "target", required=True, metavar="URL", help="The database to copy into (empty, or a copy).")
def migrate(source: str, target: str) -> None:
    """Copy a log from one database to another and rebuild its projections there.

    Each original append is appended again with its recorded instant, in one
    transaction, so answers as of any `known_at` and the change records come out the
    same; running it again copies only what is missing. Then the target is verified.

    \b
    Example:
      commitments migrate --from sqlite:///data/commitments.db --to postgresql://localhost/commitments
    """
    settings = _settings()
    with _services(settings.replace(database=source)) as origin:
        if origin.store.last_position() == 0:
            raise BadInput(f"the source {source} holds no events: nothing to migrate")
        with _services(settings.replace(database=target), create=True) as copy:
            report = transfer.import_lines(copy.store, transfer.export_lines(origin.store))
            problems = verify(copy.store)
            left_behind = len(subscriptions.every(origin.store))
            target_hooks = subscriptions.settle(copy.store, copy.clock.now())
    click.echo(f"Copied {report.appended} of {report.read} events in {report.appends} appends; "
               f"the target ends at position {report.last_position}.")
    if left_behind:
        click.echo(f"Webhook subscriptions are not copied ({left_behind} in the source): register them on the target"
                   " if it should deliver.")
    if target_hooks.paused is not None:
        click.echo(f"Webhooks of the target are paused: {target_hooks.paused.reason}.")
    if problems:
        raise click.ClickException("the copy does not verify: " + "; ".join(problems))


# --- questions -------------------------------------------------------------------------


def _conditions_text(conditions: Iterable[ConditionState]) -> str:
    return ", ".join(f"{c.id} ({c.status})" for c in conditions)


@main.command()
@database_option
@click.argument("actor")
@at_option
@known_at_option
@click.option("--topic", default=None, help="Only this topic.")
@json_option
def stance(actor: str, at: str | None, known_at: str | None, topic: str | None, as_json: bool) -> None:
    """One actor's stances on a day, with commitment status and conditions.

    \b
    Example:
      commitments stance fr --at 2026-01-07
    """
    with _services() as services:
        document = answers.actor_stances(services.store, actor, _day(at, "--at", services), _instant(known_at), topic)
    if as_json:
        return _emit_json(document)
    rows = [(s.topic, s.stance, s.status, _conditions_text(s.conditions), formats.human_date(s.since_text), s.certain,
             _versions(s))
            for s in document.stances]
    click.echo(f"{document.actor} on {document.at}" + (f" (as known at {document.known_at})" if known_at else ""))
    click.echo(tables.render(["topic", "stance", "status", "conditions", "dated", "certain", "disputed by"], rows))


def _versions(row: Any) -> str:
    """The competing versions of a disputed stance, each with the events that report it."""
    return "; ".join(f"{_version_text(other)} ({', '.join(e.event_id for e in other.evidence)})"
                     for other in row.alternatives)


def _cell(row: Any) -> str:
    """A matrix cell: the stance, its commitment status, and a mark when competing reports stand."""
    text = f"{row.stance} ({row.status})" if row.status else row.stance
    if row.disputed:
        versions = dict.fromkeys(_version_text(other) for other in row.alternatives)  # one mention per reading
        text += " [disputed: " + "; ".join(versions) + "]"
    return text


def _version_text(version: Any) -> str:
    """A version's stance, with the conditions it names (competing reports often differ only in those)."""
    conditions = ", ".join(condition.id for condition in version.conditions)
    return f"{version.stance} if {conditions}" if conditions else version.stance


@main.command()
@database_option
@at_option
@known_at_option
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@click.option("--disputed", is_flag=True, help="Only the cells where competing reports stand.")
@click.option("--as-of-position", type=click.IntRange(min=1), default=None,
              help="Read exactly as the log stood at this position.")
@json_option
def matrix(at: str | None, known_at: str | None, as_csv: bool, disputed: bool, as_of_position: int | None,
           as_json: bool) -> None:
    """Every actor's stance on every topic on a day: actors down, topics across.

    A disputed cell shows the answer (the most cautious version, unless an editor settled it)
    and, in brackets, the versions competing with it.

    \b
    Examples:
      commitments matrix --at 2026-01-07 --csv > matrix.csv
      commitments matrix --at 2026-01-07 --disputed
    """
    with _services() as services:
        document = answers.matrix(services.store, _day(at, "--at", services), _instant(known_at),
                                  disputed=True if disputed else None, as_of_position=as_of_position)
    if as_json:
        return _emit_json(document)
    topics = sorted({row.topic for row in document.rows})
    cells: dict[str, dict[str, str]] = {}
    for row in document.rows:
        cells.setdefault(row.actor, {})[row.topic] = _cell(row)
    rows = [[actor, *(cells[actor].get(t, "") for t in topics)] for actor in sorted(cells)]
    headers = ["actor", *topics]
    if not as_csv:
        return click.echo(tables.render(headers, rows))
    # A CSV export cites what it is (docs/api.md, "Citable answers"): the position and the question that gives it again.
    question = f"/stances?at={document.at}" + ("&disputed=true" if disputed else "")
    click.echo(f"# commitments matrix read at log position {document.position}\n"
               f"# query: {question}&as_of_position={document.position}\n" + tables.to_csv(headers, rows), nl=False)


@main.command()
@database_option
@at_option
@known_at_option
@json_option
def pending(at: str | None, known_at: str | None, as_json: bool) -> None:
    """Conditions still pending on a day, and the commitments that wait on them.

    \b
    Example:
      commitments pending --at 2026-01-07
    """
    with _services() as services:
        document = answers.conditions(services.store, _day(at, "--at", services), _instant(known_at), "pending")
    if as_json:
        return _emit_json(document)
    rows = []
    for condition in document.conditions:
        deadline = formats.human_date(condition.deadline) if condition.deadline else None
        overdue = f"since {formats.human_date(condition.overdue_since)}" if condition.overdue_since else ""
        first = (condition.id, condition.kind, deadline, overdue, condition.description[:50])
        waiting = [f"{d.actor} on {d.topic} ({d.stance})" for d in condition.dependents] or [""]
        rows.append((*first, waiting[0]))
        rows.extend(("", "", "", "", "", more) for more in waiting[1:])
    click.echo(tables.render(["condition", "kind", "deadline", "overdue", "description", "dependents"], rows))


@main.command()
@database_option
@click.option("--format", "fmt", type=click.Choice(formats.FORMATS), default="native", show_default=True,
              help="native (a table, or JSON with --json), timelinejs or vis (always JSON).")
@click.option("--from", "start", metavar="DATE", default=None, help="Only what reaches this day or later.")
@click.option("--to", "end", metavar="DATE", default=None, help="Only what starts on this day or earlier.")
@click.option("--actor", default=None, help="Only events naming this actor.")
@click.option("--topic", default=None, help="Only events naming this topic.")
@json_option
def timeline(fmt: str, start: str | None, end: str | None, actor: str | None, topic: str | None,
             as_json: bool) -> None:
    """The dated events in date order, as a table or as native, TimelineJS3 or vis-timeline JSON.

    \b
    Example:
      commitments timeline --format timelinejs > timeline.json
    """
    with _services() as services:
        first = None if start is None else _day(start, "--from", services)
        last = None if end is None else _day(end, "--to", services)
        document = answers.timeline(services.store, fmt, today=services.clock.now().date(), start=first, end=last,
                                    actor=actor, topic=topic)
    if as_json or not isinstance(document, formats.NativeTimeline):  # TimelineJS3 and vis-timeline: always JSON
        return _emit_json(document)
    rows = [(formats.human_date(e.date), e.precision, e.type, e.headline[:70], e.recorded_by) for e in document.events]
    click.echo(tables.render(["when", "precision", "type", "headline", "recorded by"], rows))


@main.command()
@database_option
@click.argument("query")
@click.option("--type", "type_", default=None, help="Only events of this type.")
@click.option("--actor", default=None, help="Only events naming this actor.")
@click.option("--topic", default=None, help="Only events naming this topic.")
@click.option("--from", "start", metavar="DATE", default=None, help="Only events dated this day or later.")
@click.option("--to", "end", metavar="DATE", default=None, help="Only events dated this day or earlier.")
@known_at_option
@click.option("--as-of-position", type=click.IntRange(min=1), default=None,
              help="Search exactly as the log stood at this position.")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True, help="Hits to show.")
@json_option
def search(query: str, type_: str | None, actor: str | None, topic: str | None, start: str | None,
           end: str | None, known_at: str | None, as_of_position: int | None, limit: int, as_json: bool) -> None:
    """Search the events' words: best matches first, with the facets of every match.

    QUERY: words (all must match; stemmed, no case or diacritics), "a phrase", prefix*,
    a OR b, -excluded (docs/api.md).

    \b
    Examples:
      commitments search turkiye
      commitments search '"coalition of the willing" -france' --from 2026-01-01 --json
    """
    with _services() as services:
        first = None if start is None else _day(start, "--from", services)
        last = None if end is None else _day(end, "--to", services)
        document = answers.search(services.store, query, type=type_, actor=actor, topic=topic, start=first,
                                  end=last, known_at=_instant(known_at), as_of_position=as_of_position,
                                  limit=limit)
    if as_json:
        return _emit_json(document)
    hits = [msgspec.to_builtins(hit) for hit in document.hits]
    rows = [(hit["position"], hit["type"], hit["occurred"], _plain(hit["snippet"])[:90]) for hit in hits]
    click.echo(tables.render(["position", "type", "date", "snippet"], rows))
    facets = "; ".join(f"{name}: " + ", ".join(f"{value} {count}" for value, count in list(counts.items())[:5])
                       for name, counts in msgspec.structs.asdict(document.facets).items() if counts)
    click.echo(f"{document.total} found at log position {document.position}" + (f" ({facets})" if facets else ""))


@main.command("panel")
@database_option
@click.option("--from", "start", metavar="DATE", required=True, help="The first day (YYYY-MM-DD).")
@click.option("--to", "end", metavar="DATE", required=True, help="The last day (YYYY-MM-DD).")
@click.option("--step", type=click.Choice(panel.STEPS), default="day", show_default=True,
              help="A row per day, per week (every 7th day) or per month (the same day each month).")
@click.option("--actor", default=None, help="Only this actor's rows.")
@click.option("--topic", default=None, help="Only this topic's rows.")
@known_at_option
@click.option("--as-of-position", type=click.IntRange(min=1), default=None,
              help="Read exactly as the log stood at this position.")
@click.option("--csv", "as_csv", is_flag=True, help="Write CSV (with the position and query in # comments) instead"
                                                      " of JSON.")
def panel_command(start: str, end: str, step: str, actor: str | None, topic: str | None, known_at: str | None,
           as_of_position: int | None, as_csv: bool) -> None:
    """A panel of stances: one row per (date, actor, topic) with a stance, streamed (same as GET /panel).

    Columns: date, actor, topic, stance, rank, status, pending_conditions, disputed, certain,
    since. Every date is read at one log position, which the output names.

    \b
    Examples:
      commitments panel --from 2025-01-01 --to 2025-12-31 --step week --csv > panel.csv
      commitments panel --from 2026-01-01 --to 2026-01-31 --actor fr
    """
    with _services() as services:
        first, last = _day(start, "--from", services), _day(end, "--to", services)
        position = answers.position(services.store, _instant(known_at), as_of_position)
        asked = panel.plan(services.store, first, last, step, actor=actor, topic=topic, position=position)
        chunks = panel.csv_chunks if as_csv else panel.json_chunks
        for chunk in chunks(services.store, asked):
            click.echo(chunk, nl=False)  # bytes go to stdout's binary stream as they come
        if not as_csv:
            click.echo()


def _plain(snippet: str) -> str:
    """A snippet for a terminal: matches in brackets instead of HTML marks."""
    return snippet.replace("<mark>", "[").replace("</mark>", "]")


# --- maintenance -----------------------------------------------------------------------


@main.command()
@database_option
@click.argument("path", required=False, type=click.Path(path_type=Path))
def backup(path: Path | None) -> None:
    """Copy the database to a new file now, and check the copy before saying so (SQLite).

    PATH is the new file, or a folder to put a dated file in; by default a dated file in the
    backup folder (COMMITMENTS_BACKUP_DIR, else backups/ beside the database), where the
    scheduled backups count it among the newest they keep. The copy is a consistent snapshot
    (VACUUM INTO; appends go on meanwhile) that must pass SQLite's integrity check and hold the
    log up to its last position; otherwise nothing is kept and the command fails. It never
    overwrites a file. On PostgreSQL use pg_dump (docs/deploy.md).

    \b
    Examples:
      commitments backup
      commitments backup /mnt/offsite/before-upgrade.db
    """
    settings = _settings()
    if parse_database_url(settings.database).backend == "postgresql":
        raise click.ClickException(backups.PG_DUMP_ADVICE)
    with _services(settings) as services:
        try:
            target = backups.destination(path, settings.backup_path, services.clock.now())
        except ValueError as error:
            raise BadInput(str(error)) from None
        try:
            made = backups.take(services.store, target)
        except BackupFailed as error:
            raise click.ClickException(f"the backup failed, nothing was kept: {error}") from None
    size = made.path.stat().st_size / 1_000_000
    click.echo(f"Backed up the log through position {made.position} to {made.path} ({size:.1f} MB; integrity"
               " checked).")


@main.command()
@database_option
def rebuild() -> None:
    """Recompute every projection from the log (after a bug fix in a projection, say).

    \b
    Example:
      commitments rebuild
    """
    with _services() as services:
        if _tty():
            with click.progressbar(length=max(services.store.last_position(), 1), label="Rebuilding",
                                   file=sys.stderr) as bar:
                done = services.store.rebuild(progress=_bar_progress(bar))
        else:
            done = services.store.rebuild()
    click.echo(f"Rebuilt the projections from {done} events.")


def _bar_progress(bar: Any) -> Callable[[int, int], None]:
    def report(done: int, total: int) -> None:
        bar.update(done - bar.pos)

    return report


@main.command("verify")
@database_option
def verify_command() -> None:
    """Check the log (gap-free positions, monotonic recorded time) and that projections equal a rebuild.

    Exits 1 when it finds a problem.

    \b
    Example:
      commitments verify
    """
    with _services() as services:
        problems = verify(services.store)
        hooks = subscriptions.state(services.store)
        waiting = len(subscriptions.every(services.store))
    for problem in problems:
        click.echo(f"problem: {problem}")
    for line in _webhook_notes(hooks, waiting):
        click.echo(f"note: {line}")
    if problems:
        sys.exit(1)
    click.echo("The log and its projections are consistent.")


def _webhook_notes(state: subscriptions.WebhooksState, count: int) -> list[str]:
    """What a command that opens a database says about its webhooks when they do not simply deliver."""
    notes = []
    if state.copy_of is not None:
        notes.append(f"this database is a copy: its webhooks ({count} subscriptions) were registered in"
                     f" {state.copy_of}; opened by the service as {state.database}, they start paused"
                     " (restored in place of the original, they go on)")
    if state.paused is not None:
        notes.append(f"webhooks are paused since {state.paused.since}: {state.paused.reason}")
    return notes


# --- proposals ----------------------------------------------------------------------------


@main.command()
def template() -> None:
    """Print the CSV template for drafting events in a spreadsheet: the header and an example row.

    One row per event; list cells (conditions, signatories) separated by ';'; one source per
    row (outlet, url, published, quote). Read it back with `commitments import --format csv`
    or `commitments propose`.

    \b
    Example:
      commitments template > events.csv
    """
    click.echo(spreadsheet.template(), nl=False)


def _read_batch(path: Path, fmt: str | None) -> list[Event]:
    """The events of a proposal file: JSON (one event or an array), or the spreadsheet template (``.csv``)."""
    data = path.read_bytes()
    if (fmt or ("csv" if path.suffix.lower() == ".csv" else "json")) == "csv":
        return spreadsheet.read_events(data)
    try:
        return decode_inbound(data)
    except InvalidEvent as refused:
        raise BadInput(f"{path}: {' '.join(refused.detail.split())}") from None


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


by_option = click.option("--by", default=keys.BOOTSTRAP, show_default=True, metavar="NAME",
                         help="The key name the decision is attributed to (the CLI runs on the service's host).")


@main.command()
@database_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default=None,
              help="The file's format [default: csv for a .csv file, else json].")
@click.option("--note", default=None, help="Why, for the reviewer.")
@by_option
def propose(file: Path, fmt: str | None, note: str | None, by: str) -> None:
    """Propose the events of FILE for review, and show what accepting them would do now.

    FILE holds one event or a JSON array of them, or rows of the CSV template
    (`commitments template`). Nothing reaches the log until a reviewer accepts it.

    \b
    Example:
      commitments propose events.csv --by alice --note "from the Paris communique"
    """
    batch = _read_batch(file, fmt)
    with _services() as services:
        proposal = proposals.propose(services.store, batch, by, note)
        seen = dry_run(services.store, proposal.batch())
    click.echo(f"Proposal {proposal.id} by {proposal.proposed_by}: would append"
               f" {_count(len(seen.would_append), 'event')}, {_count(len(seen.changes), 'change record')}.")
    for fault in seen.problems:
        click.echo(f"  problem: {fault.pointer}: {fault.message}")


@main.command("proposals")
@database_option
@click.option("--status", type=click.Choice(proposals.STATUSES), default=None, help="Only proposals with it.")
@json_option
def proposals_list(status: str | None, as_json: bool) -> None:
    """List the proposals, oldest first: id, status, who proposed, when, who decided.

    \b
    Example:
      commitments proposals --status open
    """
    with _services() as services:
        found = proposals.listing(services.store, status)
    if as_json:
        _emit_json({"proposals": found})
        return
    click.echo(tables.render(["id", "status", "proposed by", "created", "events", "decided by", "note"],
                             [[p.id, p.status, p.proposed_by, p.created, len(p.batch()), p.decided_by,
                               (p.reason or p.note or "")[:50]] for p in found]))


@main.command()
@database_option
@click.argument("proposal_id", metavar="ID")
@by_option
def accept(proposal_id: str, by: str) -> None:
    """Accept proposal ID: append its events (recorded by --by, proposed by its proposer) in one transaction.

    Refused when the log no longer takes them (the proposal stays open), and under
    COMMITMENTS_REVIEW=required when --by is its proposer.

    \b
    Example:
      commitments accept p-01jq3k2m4n5p6q7r8s9t0v1w2x --by bob
    """
    with _services() as services:
        required = services.settings.review == "required"
        result = proposals.accept(services.store, proposal_id, by, not_by_proposer=required)
    appended = len(result.appended) if result.created else 0
    click.echo(f"Appended {_count(appended, 'event')} of {proposal_id}; the log ends at position"
               f" {result.last_position}.")


@main.command()
@database_option
@click.argument("proposal_id", metavar="ID")
@click.option("--reason", required=True, help="Why, for the proposer.")
@by_option
def reject(proposal_id: str, reason: str, by: str) -> None:
    """Reject proposal ID with a reason.

    \b
    Example:
      commitments reject p-01jq3k2m4n5p6q7r8s9t0v1w2x --reason "the source does not say so" --by bob
    """
    with _services() as services:
        rejected = proposals.reject(services.store, proposal_id, by, reason)
    click.echo(f"Rejected {rejected.id} ({rejected.decided}): {rejected.reason}")


# --- keys ---------------------------------------------------------------------------------


@main.group("keys")
def keys_group() -> None:
    """API keys with roles: reader, editor, reviewer, admin.

    Keys are stored as salted hashes: a key is printed once, when it is issued, and
    never again. Every append records the name of the key that made it.

    \b
    Examples:
      commitments keys add alice --role editor
      commitments keys list
      commitments keys revoke alice
    """


@keys_group.command("add")
@database_option
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(keys.ROLES), help="What the key may do.")
def keys_add(name: str, role: str) -> None:
    """Issue a key for NAME with a role; the key is printed once, alone on the last line.

    \b
    Example:
      commitments keys add alice --role editor
    """
    with _services() as services:
        view, key = keys.issue(services.store, name, role)
    click.echo(f"Issued the {view.role} key of {view.name} (created {view.created}); it is shown only this once:")
    click.echo(key)


@keys_group.command("list")
@database_option
@json_option
def keys_list(as_json: bool) -> None:
    """List the keys: name, role, created, last used, revoked (never the keys themselves).

    \b
    Example:
      commitments keys list
    """
    with _services() as services:
        found = keys.listing(services.store)
    if as_json:
        _emit_json({"keys": found})
        return
    click.echo(tables.render(["name", "role", "created", "last used", "revoked"],
                             [[k.name, k.role, k.created, k.last_used, k.revoked] for k in found]))


@keys_group.command("revoke")
@database_option
@click.argument("name")
def keys_revoke(name: str) -> None:
    """Revoke NAME's key: every instance of the service refuses it from its next request on.

    \b
    Example:
      commitments keys revoke alice
    """
    with _services() as services:
        view = keys.withdraw(services.store, name)
    click.echo(f"Revoked the {view.role} key of {view.name} ({view.revoked}).")


# --- webhooks -------------------------------------------------------------------------------


@main.group()
def webhooks() -> None:
    """Whether this database's webhooks deliver; pause and resume them.

    Webhooks are bound to the database they were registered in. When the service opens a
    copy (a backup restored on another host or at another path, a staging or demo copy),
    they start paused, so that the copy does not post to the original's receivers.

    \b
    Examples:
      commitments webhooks status
      commitments --database ./staging.db webhooks resume
    """


@webhooks.command("status")
@database_option
def webhooks_status() -> None:
    """Say whether webhooks deliver, why not if they do not, and which database this is.

    \b
    Example:
      commitments webhooks status
    """
    with _services() as services:
        state = subscriptions.state(services.store)
        count = len(subscriptions.every(services.store))
    click.echo(f"This database: {state.database}.")
    notes = _webhook_notes(state, count)
    for line in notes:
        click.echo(line[0].upper() + line[1:] + ".")
    if not notes:
        click.echo(f"Webhooks deliver: {count} subscriptions.")


@webhooks.command("pause")
@database_option
def webhooks_pause() -> None:
    """Stop every webhook delivery until `commitments webhooks resume` (nothing is skipped).

    A running server stops delivering after the delivery it is making. Pause a clone of a
    PostgreSQL database made with pg_basebackup before serving it: it keeps the original's
    system identifier, so the service cannot tell it is a copy.

    \b
    Example:
      commitments webhooks pause
    """
    with _services() as services:
        state = subscriptions.pause(services.store, services.clock.now())
    assert state.paused is not None
    click.echo(f"Webhooks are paused since {state.paused.since}: {state.paused.reason}.")


@webhooks.command("resume")
@database_option
def webhooks_resume() -> None:
    """Let webhooks deliver again, each subscription from where it stopped, and bind them to this database.

    In a copy of the database, resume only if the copy should post to the receivers its
    subscriptions name (delete them and register your own first, otherwise). A running
    server notices within 30 seconds (POST /subscriptions/resume: at once).

    \b
    Example:
      commitments webhooks resume
    """
    with _services() as services:
        state = subscriptions.resume(services.store, services.clock.now())
        count = len(subscriptions.every(services.store))
    click.echo(f"Webhooks deliver again: {count} subscriptions, each from where it stopped ({state.database}).")


@main.command()
@database_option
@click.option("--after", type=click.IntRange(0), default=0, show_default=True,
              help="Start after this change sequence number.")
@click.option("--once", is_flag=True, help="Print what is there now and exit.")
@click.option("--interval", type=click.FloatRange(0.05), default=1.0, show_default=True, help="Seconds between polls.")
@click.option("--actor", default=None, help="Only this actor's changes.")
@click.option("--topic", default=None, help="Only changes on this topic.")
@json_option
def tail(after: int, once: bool, interval: float, actor: str | None, topic: str | None, as_json: bool) -> None:
    """Follow the stance-change feed (polling the database); Ctrl-C stops.

    With --json each line is one change record, the same JSON the HTTP feed sends.

    \b
    Example:
      commitments tail --after 0 --once --json
    """
    with _services() as services:
        try:
            for change in feed.follow(services.store, after=after, interval=interval, once=once, actor=actor,
                                      topic=topic):
                click.echo(feed.change_json(change) if as_json else _change_line(change))
        except KeyboardInterrupt:
            pass


def _change_line(change: Any) -> str:
    before = change.before.stance or "none"
    after = change.after.stance or "none"
    status = f" ({change.after.status})" if change.after.status else ""
    return (f"#{change.seq} {change.effective} {change.actor} on {change.topic}: {before} -> {after}{status}"
            f" [{change.kind}, event {change.event_id}]")

