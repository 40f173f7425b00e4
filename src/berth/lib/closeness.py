"""How closely a name matches a typed abbreviation, in ``[0, 1]`` (the LiquidMetal scoring Quay's
search uses to rank results): every character of the query must appear in order; matches at the
start or at word boundaries score higher, and a name that merely continues after the match scores
0.8 (0.9 when the match started at its first character) per trailing character."""

from __future__ import annotations

NO_MATCH = 0.0
MATCH = 1.0
TRAILING = 0.8
TRAILING_BUT_STARTED = 0.9
BUFFER = 0.85


def closeness(name: str, query: str) -> float:
    """The mean per-character score of ``name`` against ``query`` (0.0: no in-order match)."""
    if not query:
        return TRAILING
    if len(query) > len(name):
        return NO_MATCH
    scores = [NO_MATCH] * len(name)
    lower = name.lower()
    last = -1
    started = False
    for char in query.lower():
        index = lower.find(char, last + 1)
        if index == -1:
            return NO_MATCH
        if index == 0:
            started = True
        if index > 0 and name[index - 1] in " \t":
            scores[index - 1] = MATCH
            _fill(scores, BUFFER, last + 1, index - 1)
        elif name[index].isupper():
            _fill(scores, BUFFER, last + 1, index)
        else:
            _fill(scores, NO_MATCH, last + 1, index)
        scores[index] = MATCH
        last = index
    _fill(scores, TRAILING_BUT_STARTED if started else TRAILING, last + 1, len(scores))
    return sum(scores) / len(scores)


def _fill(scores: list[float], value: float, start: int, stop: int) -> None:
    for i in range(start, stop):
        scores[i] = value
