"""Line-based three-way merge of two edits of one text, for the co-edited projet de santé.

Two porteurs open the same version of a chapter (the *base*); one saves (*theirs*, now stored); the other then
saves *mine*. Each side's changes are the line ranges of the base it replaced (``difflib.SequenceMatcher``,
the standard library's diff: no dependency for ~60 lines). Changes of one side only are applied; where the two
sides change the same lines (overlapping ranges, or insertions at the same place), the merge succeeds only if
both made the same change; otherwise it fails (``None``) and the caller refuses the save showing the other
text: no conflict markers are ever written into a chapter. Changes to neighbouring lines (a paragraph each)
merge.

Line endings are normalised to ``\\n`` (browsers send ``\\r\\n``).
"""

from __future__ import annotations

from difflib import SequenceMatcher

Hunk = tuple[int, int, list[str]]  # base[i1:i2] replaced by lines


def normalise(text: str) -> str:
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def _lines(text: str) -> list[str]:
    """The lines, each ending with ``\\n`` (a last line without one gets it: forms strip the text's end)."""
    text = normalise(text)
    if text and not text.endswith("\n"):
        text += "\n"
    return text.splitlines(keepends=True)


def _hunks(base: list[str], other: list[str]) -> list[Hunk]:
    matcher = SequenceMatcher(None, base, other, autojunk=False)
    return [(i1, i2, other[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def _touch(a1: int, a2: int, b1: int, b2: int) -> bool:
    """Whether two changed base ranges collide: they overlap, or one is an insertion inside or at an edge of
    the other (two insertions at the same place collide)."""
    if a1 < b2 and b1 < a2:
        return True
    if a1 == a2 and b1 <= a1 <= b2:
        return True
    return b1 == b2 and a1 <= b1 <= a2


def _apply(base: list[str], start: int, end: int, hunks: list[Hunk]) -> list[str]:
    out, pos = [], start
    for i1, i2, lines in hunks:
        out += base[pos:i1]
        out += lines
        pos = i2
    return out + base[pos:end]


def _groups(mine: list[Hunk], theirs: list[Hunk]) -> list[tuple[int, int, list[Hunk], list[Hunk]]]:
    """The changes of both sides in groups of colliding ones: (start, end, mine, theirs) over the base."""
    tagged = sorted([(h, 0) for h in mine] + [(h, 1) for h in theirs], key=lambda x: (x[0][0], x[0][1], x[1]))
    groups: list[tuple[int, int, list[Hunk], list[Hunk]]] = []
    for hunk, side in tagged:
        i1, i2, _ = hunk
        if groups and _touch(groups[-1][0], groups[-1][1], i1, i2):
            start, end, m, t = groups[-1]
            (m if side == 0 else t).append(hunk)
            groups[-1] = (min(start, i1), max(end, i2), m, t)
        else:
            groups.append((i1, i2, [hunk] if side == 0 else [], [hunk] if side == 1 else []))
    return groups


def merge3(base: str, mine: str, theirs: str) -> str | None:
    """The text with both sides' changes, or None when they change the same lines differently."""
    b, m, t = _lines(base), _lines(mine), _lines(theirs)
    out, pos = [], 0
    for start, end, my_hunks, their_hunks in _groups(_hunks(b, m), _hunks(b, t)):
        mine_part = _apply(b, start, end, my_hunks)
        theirs_part = _apply(b, start, end, their_hunks)
        if my_hunks and their_hunks and mine_part != theirs_part:
            return None
        out += b[pos:start]
        out += mine_part if my_hunks else theirs_part
        pos = end
    return "".join(out + b[pos:])
