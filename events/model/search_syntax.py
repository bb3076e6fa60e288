"""The search box's query language, parsed once in Python and written out in each backend's syntax.

Words are matched stemmed and without case or diacritics; ``"two words"`` is a phrase; ``oresh*`` a prefix;
``a OR b`` either; ``-word`` excludes. Words next to each other must all match. Parsing here, rather than
handing the text to FTS5 or ``to_tsquery``, means a malformed query is refused with its fault named, and no
backend ever sees syntax it could fail on.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

from events.model.errors import CommitmentError, FieldError

#: Longest query accepted, in characters, and most terms: a search box's question, not a document.
MAX_QUERY_CHARS = 500
MAX_TERMS = 32

_WORD = re.compile(r"[^\W_]+")  # letters and digits: FTS5's unicode61 and PostgreSQL split words alike
_TOKEN = re.compile(r'"[^"]*"|\S+')


class InvalidQuery(CommitmentError):
    """A search query the language cannot read (an unbalanced quote, a lone operator, no word at all)."""

    title = "Invalid query"

    def __init__(self, detail: str):
        super().__init__(detail, [FieldError("q", detail)])


def fold(text: str) -> str:
    """Lower case without diacritics, one character for one wherever the base letter is one character
    ("Türkiye" -> "turkiye"), so that both backends index and query the same letters."""
    if text.isascii():  # ASCII letters fold to their lower case: most texts take no per-character work
        return text.lower()
    return "".join(map(_fold_char, text))


@functools.lru_cache(maxsize=8192)
def _fold_char(char: str) -> str:
    """One character folded (memoized: a text repeats few distinct characters, and decomposing is slow)."""
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)).lower()
    return base if len(base) == 1 else char


def words(text: str) -> list[str]:
    """The folded words of a text, as the index sees them."""
    return _WORD.findall(fold(text))


@dataclass(frozen=True)
class Term:
    """One thing to match: a word, a phrase of several, or a prefix (its last word); ``excluded`` for ``-``."""

    words: tuple[str, ...]
    prefix: bool = False
    excluded: bool = False


#: Terms ANDed together; each entry is one term or several alternatives joined by OR.
Query = tuple[tuple[Term, ...], ...]


def parse(text: str) -> Query:
    """Read a query; raises :class:`InvalidQuery` naming the fault."""
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidQuery(f"the query has {len(text)} characters; at most {MAX_QUERY_CHARS} are read")
    if text.count('"') % 2:
        raise InvalidQuery('the query has an unbalanced quote: close the phrase with a second "')
    tokens = _TOKEN.findall(text)
    if not tokens:
        raise InvalidQuery("the query is empty: give at least one word")
    groups: list[list[Term]] = []
    joining = False
    for token in tokens:
        if token == "OR":
            if not groups or joining:
                raise InvalidQuery("OR needs a word on each side (it is at the start or after another OR)")
            joining = True
            continue
        term = _term(token)
        if term is None:
            continue
        if joining:
            if term.excluded or groups[-1][0].excluded:
                raise InvalidQuery(f"'-' cannot be joined with OR (near '{token}'); exclude words outside an OR")
            groups[-1].append(term)
        else:
            groups.append([term])
        joining = False
    if joining:
        raise InvalidQuery("OR needs a word on each side (it ends the query)")
    if not groups:
        raise InvalidQuery(f"the query {text!r} has no word to look for (only punctuation)")
    if sum(len(group) for group in groups) > MAX_TERMS:
        raise InvalidQuery(f"the query has more than {MAX_TERMS} terms")
    if all(group[0].excluded for group in groups):
        raise InvalidQuery("the query only excludes words: give at least one word to look for")
    return tuple(tuple(group) for group in groups)


def _term(token: str) -> Term | None:
    excluded = token.startswith("-")
    body = token[1:] if excluded else token
    if excluded and not body:
        raise InvalidQuery("a lone '-' excludes nothing: write it right before a word (-word)")
    if body.startswith('"'):
        found = tuple(words(body.strip('"')))
        if not found:
            if excluded:
                raise InvalidQuery(f"{token} excludes an empty phrase")
            return None
        return Term(found, excluded=excluded)
    prefix = body.endswith("*")
    stem = body.rstrip("*")
    if body.count("*") > 1 or "*" in stem:
        raise InvalidQuery(f"'{token}': '*' may only end a word, once (oresh*)")
    found = tuple(words(stem))
    if not found:
        if prefix:
            raise InvalidQuery(f"'{token}' has no word before its '*'")
        return None  # punctuation alone ("--", "&"): nothing to look for, nothing wrong
    return Term(found, prefix=prefix, excluded=excluded)


def fts5(query: Query) -> str:
    """The query in SQLite FTS5's syntax (every word quoted, so no word is read as an operator)."""
    def one(term: Term) -> str:
        return '"' + " ".join(term.words) + '"' + ("*" if term.prefix else "")

    positive = [group for group in query if not group[0].excluded]
    out = " AND ".join("(" + " OR ".join(one(t) for t in group) + ")" for group in positive)
    for group in query:
        if group[0].excluded:
            out += " NOT " + one(group[0])
    return out


def tsquery(query: Query) -> str:
    """The query in PostgreSQL's ``to_tsquery`` syntax (words are letters and digits only, so nothing to escape)."""
    def one(term: Term) -> str:
        parts = list(term.words)
        if term.prefix:
            parts[-1] += ":*"
        text = " <-> ".join(parts)
        return ("!" if term.excluded else "") + "(" + text + ")"

    return " & ".join("(" + " | ".join(one(t) for t in group) + ")" for group in query)


_SUFFIXES = ("ings", "ing", "edly", "ed", "es", "s", "ly")


def _stem(word: str) -> str:
    """A rough English stem, for marking snippets only: the index's own stemmer decides what matches."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)].rstrip("e")
    return word.rstrip("e") if len(word) > 3 else word


def marks_word(query: Query, word: str) -> bool:
    """Whether a folded word of a text is one the query looks for (to mark it in a snippet)."""
    for group in query:
        for term in group:
            if term.excluded:
                continue
            for index, wanted in enumerate(term.words):
                last = index == len(term.words) - 1
                if word == wanted or _stem(word) == _stem(wanted) or (last and term.prefix and word.startswith(wanted)):
                    return True
    return False


def snippet(query: Query, text: str, *, around: int = 12, mark: tuple[str, str] = ("<mark>", "</mark>")) -> str:
    """A few words of ``text`` around its first matched word, every matched word between ``mark``."""
    spans = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    folded = fold(text)  # one character for one, so spans of the folded text are spans of the text
    hits = [i for i, (start, end) in enumerate(spans) if marks_word(query, folded[start:end])]
    if not spans:
        return ""
    first = hits[0] if hits else 0
    lo, hi = max(0, first - around // 3), min(len(spans), first - around // 3 + around)
    lo = max(0, min(lo, hi - around))
    start, end = spans[lo][0], spans[hi - 1][1]
    out, cursor = [], start
    for i in hits:
        if lo <= i < hi:
            s, e = spans[i]
            out += [text[cursor:s], mark[0], text[s:e], mark[1]]
            cursor = e
    out.append(text[cursor:end])
    return ("…" if lo > 0 else "") + "".join(out) + ("…" if hi < len(spans) else "")
