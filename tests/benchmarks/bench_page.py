"""Measurement: the page at ``/`` in Debian's chromium through Playwright, against ``commitments serve`` on a
loaded log (127.0.0.1).

* first meaningful paint: from navigation to the overview's items (or counts) and the matrix drawn, and the bytes
  the page transferred by then (encoded sizes, as the network carried them); then until the page is ready (the
  pending conditions, the charts below the matrix and the live feed loaded too);
* a date change: the date field set to a new day until the matrix shows that day (median of ``moves`` days), and
  until the pending conditions show it too (median of ``moves // 2`` more days);
* a pan: a drag of the overview from the mouse's release until the new window's items are drawn (median of ``moves``
  drags).

Each "drawn" waits for the frame after the page put the new content in (vis-timeline draws in an animation frame).
Also the tab's memory after the date changes and pans: its JavaScript heap (``Performance.getMetrics``) and the
resident memory of its renderer process (the largest of chromium's renderers, from ``SystemInfo.getProcessInfo`` and
``/proc``). Screenshots (the weeks the page opens on, and the whole span) go to ``--screenshots`` when given. Run
alone with ``python -m tests.benchmarks.bench_page DATABASE [SIZE]``.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from pathlib import Path

from tests.benchmarks.backends import Database
from tests.benchmarks.common import Figure, log
from tests.benchmarks.server import Server

VIEWPORT = {"width": 1440, "height": 900}
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
#: The first meaningful paint: the overview shows a window (items or counts) and the matrix has the day's cells.
DRAWN = ("() => document.querySelector('#overview-timeline[data-window] .vis-item')"
         " && document.querySelector('#matrix[data-day] td')")
#: Everything the page loads at first is in: the pending conditions, the charts, the live feed's connection.
READY = "() => document.body.dataset.ready === 'true'"
#: Resolves once the frame being prepared has been drawn (animation frame callbacks, then layout and paint).
FRAME = "() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)))"
#: Sets the date field to ``day`` and resolves with the milliseconds until ``selector`` (the matrix, or also the
#: pending conditions) shows it, drawn.
DATE_CHANGE = """async ([day, selector]) => {
  const started = performance.now();
  const field = document.getElementById('at-date');
  field.value = day;
  field.dispatchEvent(new Event('change'));
  const shown = () => [...document.querySelectorAll(selector)].every((element) => element.dataset.day === day);
  while (!shown()) await new Promise((resolve) => requestAnimationFrame(resolve));
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  return performance.now() - started;
}"""
#: Resolves once the overview shows a window other than ``before``, drawn.
NEW_WINDOW = """async (before) => {
  const overview = document.getElementById('overview-timeline');
  while (overview.dataset.window === before) await new Promise((resolve) => requestAnimationFrame(resolve));
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
}"""


def renderer_memory(browser) -> tuple[int, int] | None:
    """Chromium's largest renderer process (the tab's): its private resident bytes (anonymous and shared memory,
    without the mapped chromium binary and libraries that every process shares) and its whole resident set; None
    when /proc cannot say."""
    session = browser.new_browser_cdp_session()
    try:
        processes = session.send("SystemInfo.getProcessInfo")["processInfo"]
    finally:
        session.detach()
    sizes = []
    for process in processes:
        if process["type"] != "renderer":
            continue
        try:
            status = Path(f"/proc/{int(process['id'])}/status").read_text()
        except OSError:
            continue
        kib = {line.split(":")[0]: int(line.split()[1]) for line in status.splitlines()
               if line.startswith(("VmRSS:", "RssAnon:", "RssShmem:"))}
        if "VmRSS" in kib:
            sizes.append(((kib.get("RssAnon", 0) + kib.get("RssShmem", 0)) * 1024, kib["VmRSS"] * 1024))
    return max(sizes, key=lambda size: size[1]) if sizes else None


def _days(first: str, last: str, count: int) -> list[str]:
    """``count`` days spread evenly over [first, last], each different from the one before."""
    import datetime as dt

    start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    step = max(1, (end - start).days // (count + 1))
    return [(start + dt.timedelta(days=step * (i + 1) + (i % 7))).isoformat() for i in range(count)]


def run(base: str, size: int, moves: int, screenshots: Path | None) -> list[Figure]:
    """Open the page on ``base`` and take the figures."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        raise RuntimeError("chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
        context = browser.new_context(viewport=VIEWPORT)
        page = context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        sent: list[int] = []
        cdp.on("Network.loadingFinished", lambda event: sent.append(int(event["encodedDataLength"])))
        page.goto(base + "/")
        page.wait_for_function(DRAWN, timeout=120_000, polling=50)
        page.evaluate(FRAME)
        paint = page.evaluate("() => performance.now()")
        first_bytes = sum(sent)
        page.wait_for_function(READY, timeout=120_000, polling=50)
        ready = page.evaluate("() => performance.now()")
        if screenshots is not None:  # the page opens on about five weeks around its day
            page.screenshot(path=str(screenshots / f"ui-{size // 1000}k-month.png"))
        span = page.evaluate("() => [document.getElementById('at-date').min, document.getElementById('at-date').max]")
        days = _days(span[0], span[1], moves + moves // 2)
        changes = [page.evaluate(DATE_CHANGE, [day, "#matrix"]) for day in days[:moves]]
        whole_days = [page.evaluate(DATE_CHANGE, [day, "#matrix, #conditions"]) for day in days[moves:]]
        pans = []
        box = page.locator("#overview-timeline .vis-center").bounding_box()
        assert box is not None
        y = box["y"] + min(40, box["height"] / 2)
        for i in range(moves):
            before = page.eval_on_selector("#overview-timeline", "el => el.dataset.window")
            page.mouse.move(box["x"] + box["width"] * 0.7, y)
            page.mouse.down()
            page.mouse.move(box["x"] + box["width"] * (0.3 if i % 2 == 0 else 0.9), y, steps=5)
            started = time.perf_counter()
            page.mouse.up()
            page.evaluate(NEW_WINDOW, before)
            pans.append((time.perf_counter() - started) * 1000)
        cdp.send("Performance.enable")
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        heap = metrics.get("JSHeapUsedSize", 0)
        memory = renderer_memory(browser)
        if screenshots is not None:  # the whole span: counts per month
            page.locator("#zoom-all").click()
            page.wait_for_selector("#overview-timeline .vis-item.density", timeout=60_000)
            page.screenshot(path=str(screenshots / f"ui-{size // 1000}k-overview.png"))
        browser.close()
    note = "Debian chromium, headless, 1440x900, through Playwright; server and browser on one 2-core machine"
    return [
        Figure("page_first_paint", "page: first meaningful paint (overview and matrix drawn)", paint, "ms",
               size=size, note=note),
        Figure("page_first_bytes", "page: bytes transferred by the first paint", first_bytes / 1e6, "MB", size=size,
               note=note),
        Figure("page_ready", "page: ready (conditions, charts and the feed loaded too)", ready, "ms", size=size,
               note=note),
        Figure("page_date_change", f"page: date change -> matrix redrawn, median of {moves}",
               statistics.median(changes), "ms", size=size, runs=moves, samples=changes, note=note),
        Figure("page_date_change_whole", f"page: date change -> matrix and pending conditions redrawn, median of "
               f"{len(whole_days)}", statistics.median(whole_days), "ms", size=size, runs=len(whole_days),
               samples=whole_days, note=note),
        Figure("page_pan", f"page: pan -> new window drawn, median of {moves}",
               statistics.median(pans), "ms", size=size, runs=moves, samples=pans, note=note),
        Figure("page_heap", "page: JavaScript heap after the date changes and pans", heap / 1e6, "MB", size=size,
               note=note),
        *([Figure("page_renderer_private", "page: the tab's renderer process, private resident (anonymous + shared)",
                  memory[0] / 1e6, "MB", size=size, note=note),
           Figure("page_renderer_rss", "page: the tab's renderer process, resident (chromium's mapped files too)",
                  memory[1] / 1e6, "MB", size=size, note=note)] if memory is not None else []),
    ]


def measure(database: Database, size: int, moves: int = 20, screenshots: Path | None = None) -> list[Figure]:
    """The page's figures on a server holding ``database``."""
    with Server(database.url, name="page") as server:
        figures = run(server.base, size, moves, screenshots)
    for figure in figures:
        log(f"{figure.label}: {figure.value:.3g} {figure.unit}")
    return figures


def main() -> None:
    """Measure on an existing database: ``python -m tests.benchmarks.bench_page DATABASE [SIZE]``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database", help="an imported log (a SQLite path or URL)")
    parser.add_argument("size", type=int, nargs="?", default=0, help="its number of events, for the figures")
    parser.add_argument("--moves", type=int, default=20)
    parser.add_argument("--screenshots", type=Path, default=None, help="a folder for the two screenshots")
    a = parser.parse_args()
    for figure in measure(Database("sqlite", a.database), a.size, a.moves, a.screenshots):
        print(f"{figure.label}: {figure.value:.4g} {figure.unit}")


if __name__ == "__main__":
    main()
