"""Plain text of posts and comments, rendered safely: everything is escaped, line breaks are kept
(paragraphs on blank lines), and web addresses (http, https, www.) become links. No HTML of the author ever
reaches the page: the only tags produced are <p>, <br> and <a href="http(s)://...">."""

import re

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

# An address stops at white space, quotes and angle brackets; punctuation that ends a sentence is left out.
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?»)]}"


def _split_trailing(url: str) -> tuple[str, str]:
    trail = ""
    while url and url[-1] in _TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break  # a closing parenthesis that belongs to the address (Wikipedia style)
        url, trail = url[:-1], url[-1] + trail
    return url, trail


def _line(line: str) -> str:
    parts, pos = [], 0
    for match in _URL.finditer(line):
        url, trail = _split_trailing(match.group())
        if url.lower() in ("http://", "https://", "www."):
            continue
        href = url if url.lower().startswith(("http://", "https://")) else "https://" + url
        parts.append(escape(line[pos : match.start()]))
        parts.append(format_html('<a href="{}" rel="nofollow noopener noreferrer">{}</a>', href, url))
        parts.append(escape(trail))
        pos = match.end()
    parts.append(escape(line[pos:]))
    return "".join(parts)


def render(value: str) -> SafeString:
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return mark_safe("")
    paragraphs = re.split(r"\n[ \t]*\n\s*", text)
    html = "\n".join(
        "<p>" + "<br>\n".join(_line(line) for line in p.split("\n")) + "</p>" for p in paragraphs
    )
    return mark_safe(html)  # every piece above was escaped or built by format_html


def excerpt(value: str, length: int = 280) -> str:
    """The beginning of a text for the feed, cut on a word boundary."""
    text = " ".join((value or "").split())
    if len(text) <= length:
        return text
    cut = text[:length].rsplit(" ", 1)[0]
    return cut + " …"
