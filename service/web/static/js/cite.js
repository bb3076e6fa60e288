// "Cite this view": a permalink with the date, the search and the log position the view was read at. Opened, the
// page reads every answer at that position (as_of_position), so it shows the same view after later appends.

/** The position a permalink pins the page to, or null (the log as it stands). */
export function pinnedPosition() {
  const value = new URL(window.location.href).searchParams.get("as_of_position");
  return value && /^[1-9][0-9]{0,17}$/.test(value) ? value : null;
}

/** The search a permalink holds, or "". */
export function pinnedSearch() {
  return new URL(window.location.href).searchParams.get("q") || "";
}

/** Wire the button: ``current()`` gives {day, position, q}; the link appears beside it (and goes to the clipboard). */
export function setupCite(button, link, current) {
  button.addEventListener("click", () => {
    const { day, position, q } = current();
    const url = new URL(window.location.pathname, window.location.origin);
    url.searchParams.set("at", day);
    if (q) url.searchParams.set("q", q);
    url.searchParams.set("as_of_position", String(position));
    link.href = url.toString();
    link.textContent = url.toString();
    link.hidden = false;
    navigator.clipboard?.writeText(url.toString()).catch(() => {}); // a page without clipboard rights still shows it
  });
}
