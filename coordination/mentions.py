"""@mentions in messages: find them in a text, and render a text with its mentions highlighted.

A mention is "@" (at the start of the text or after a character that is not a letter or a digit, so that
e-mail addresses are not mentions) followed by a member's "Prénom Nom" or last name, compared without case
nor accents. The longest name wins ("@Marie Martin" before "@Martin"). A name shared by several members is
ambiguous: nobody is mentioned for it and the author is told which names were ambiguous.
"""

from __future__ import annotations

import dataclasses
import functools
import unicodedata

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


@functools.lru_cache(maxsize=4096)  # a text has few distinct characters; folding each is the slow part
def _fold_char(ch: str) -> str:
    """One character, lower case and without accent, still one character (so positions map 1:1)."""
    folded = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c)).lower()
    return folded if len(folded) == 1 else ch.lower()[:1] or ch


def fold(text: str) -> str:
    return "".join(_fold_char(ch) for ch in text)


def _name_key(name: str) -> str:
    return " ".join(fold(name).split())


@dataclasses.dataclass(frozen=True)
class Found:
    start: int  # position of "@" in the text
    end: int  # end of the name
    user_id: int | None  # None: ambiguous
    name: str  # the name as written (without "@")


@dataclasses.dataclass
class Parsed:
    mentions: list[Found]
    ambiguous: list[str]

    @property
    def user_ids(self) -> list[int]:
        seen: list[int] = []
        for found in self.mentions:
            if found.user_id is not None and found.user_id not in seen:
                seen.append(found.user_id)
        return seen


def name_table(people) -> dict[str, set[int]]:
    """Folded "prénom nom" and "nom" -> the ids of the people answering to it. ``people``: (id, first,
    last)."""
    table: dict[str, set[int]] = {}
    for user_id, first_name, last_name in people:
        last = _name_key(last_name or "")
        full = _name_key(f"{first_name or ''} {last_name or ''}")
        for key in {last, full}:
            if key:
                table.setdefault(key, set()).add(user_id)
    return table


def _boundary_after(folded: str, end: int) -> bool:
    return end >= len(folded) or not folded[end].isalnum()


def find(text: str, table: dict[str, set[int]]) -> Parsed:
    """The mentions of ``text`` among the names of ``table`` (see name_table)."""
    folded = fold(text)
    keys = sorted(table, key=len, reverse=True)
    mentions: list[Found] = []
    ambiguous: list[str] = []
    position = folded.find("@")
    while position != -1:
        if position == 0 or not folded[position - 1].isalnum():
            for key in keys:
                end = position + 1 + len(key)
                if folded.startswith(key, position + 1) and _boundary_after(folded, end):
                    ids = table[key]
                    name = text[position + 1 : end]
                    if len(ids) == 1:
                        mentions.append(Found(position, end, next(iter(ids)), name))
                    else:
                        mentions.append(Found(position, end, None, name))
                        if name not in ambiguous:
                            ambiguous.append(name)
                    position = end - 1
                    break
        position = folded.find("@", position + 1)
    return Parsed(mentions, ambiguous)


def highlight(text: str, table: dict[str, set[int]]) -> SafeString:
    """``text`` escaped, line breaks as <br>, and the mentions of the people of ``table`` in <mark>.

    Every piece of the text is escaped before it is assembled: nothing the user typed is marked safe.
    """
    out: list[str] = []
    cursor = 0
    for found in find(text, table).mentions:
        if found.user_id is None:
            continue
        out.append(escape(text[cursor : found.start]))
        out.append(f'<mark class="mention">{escape(text[found.start : found.end])}</mark>')
        cursor = found.end
    out.append(escape(text[cursor:]))
    html = "".join(out).replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>")
    return mark_safe(html)  # noqa: S308 - assembled from escaped pieces only
