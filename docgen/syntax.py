"""A Jinja syntax error of a DOCX template, said in French with the tag at fault and where it is.

Jinja reports the line of the XML it was given, which means little to the person who wrote the template in
Word. So the document's paragraphs are read again (body, tables, headers, footers, in order), each tag of
their text is parsed alone, and the first one that does not parse is named with its paragraph: « Le modèle
contient une balise invalide : {{ projet.nom } (paragraphe 3 : « } » inattendu) ». A paragraph is what Word
shows ending with ¶; the body's are numbered from 1, table cells included. A block opened and never closed
(``{% if %}`` without ``{% endif %}``) parses alone, so it is reported from Jinja's own message instead.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

from docx.oxml.ns import qn

_OPENERS = {"{{": "}}", "{%": "%}", "{#": "#}"}
_START = re.compile(r"\{[{%#]")
_DOCXTPL_PREFIX = re.compile(r"^\{([{%])(?:p|tr|tc|r|-)?\s")  # {%p if %}, {%tr for %}, {{r rich }}
_BLOCK_PARTS = re.compile(r"Encountered unknown tag '(end\w+|else|elif)'")
SHOWN = 60  # characters of a tag or paragraph quoted at most


def paragraphs(template: bytes) -> Iterator[tuple[str, str]]:
    """(where, text) of every paragraph: « paragraphe N » in the body, « en-tête » and « pied de page »."""
    from docx import Document

    doc = Document(io.BytesIO(template))
    for n, p in enumerate(doc.element.body.iter(qn("w:p")), 1):
        yield f"paragraphe {n}", "".join(t.text or "" for t in p.iter(qn("w:t")))
    seen = set()
    for section in doc.sections:
        for where, part in (("en-tête", section.header), ("pied de page", section.footer)):
            if part.is_linked_to_previous or id(part._element) in seen:
                continue
            seen.add(id(part._element))
            for p in part._element.iter(qn("w:p")):
                yield where, "".join(t.text or "" for t in p.iter(qn("w:t")))


def _short(text: str) -> str:
    text = text.strip()
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"


def tags(text: str) -> Iterator[tuple[str, bool]]:
    """Each tag of a paragraph's text as (tag, closed). An unclosed tag runs to its first ``}`` (or to the
    next tag)."""
    starts = [m.start() for m in _START.finditer(text)]
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        chunk = text[start:end]
        closer = _OPENERS[chunk[:2]]
        at = chunk.find(closer, 2)
        if at >= 0:
            yield chunk[: at + 2], True
            continue
        brace = chunk.find("}", 2)
        yield (chunk[: brace + 1] if brace >= 0 else chunk.rstrip()), False


TOKENS = {
    "end of print statement": "}}",
    "end of statement block": "%}",
    "name": "un nom",
    "end of template": "la fin du texte",
}


def _token(name: str) -> str:
    return TOKENS.get(name, name)


def french(message: str) -> str:
    """Jinja's message in French, for the errors a template author makes."""
    message = message.strip().rstrip(".")
    rules = (
        (r"^unexpected '(.+)'$", "« {0} » inattendu"),
        (r"^unexpected char ['\"](.+)['\"] at \d+$", "caractère « {0} » inattendu"),
        (r"^expected token '(.+)', got '(.+)'$", "« {0} » attendu, « {1} » trouvé"),
        (r"^Expected an expression, got '(.+)'$", "expression attendue, « {0} » trouvé"),
        (r"^Encountered unknown tag '(\w+)'", "balise inconnue « {0} »"),
        (r"^[uU]nexpected end of template", "balise non fermée"),
        (r"^expected name or number$", "nom ou nombre attendu"),
    )
    for pattern, french_text in rules:
        match = re.match(pattern, message, flags=re.S)
        if match:
            return french_text.format(*(_token(g) for g in match.groups()))
    return f"erreur de syntaxe : {message}"


def _parse_alone(env, tag: str) -> str | None:
    """Why ``tag`` does not parse on its own, None when it does (or is only part of a block)."""
    from jinja2 import TemplateSyntaxError

    source = _DOCXTPL_PREFIX.sub(lambda m: "{" + m.group(1) + " ", tag)
    try:
        env.parse(source)
    except TemplateSyntaxError as exc:
        text = exc.message or ""
        if source.startswith("{%") and (
            text.startswith("Unexpected end of template") or _BLOCK_PARTS.match(text)
        ):
            return None  # an opening or closing part of a block: fine alone
        return french(text)
    return None


def _block_message(message: str) -> str | None:
    """The unclosed or mismatched block of Jinja's whole-template message, in French."""
    innermost = re.search(r"innermost block that needs to be closed is '(\w+)'", message)
    unknown = re.match(r"Encountered unknown tag '(\w+)'", message)
    if unknown and innermost:
        return (
            f"Le modèle contient une balise {{% {unknown.group(1)} %}} inattendue : le bloc "
            f"{{% {innermost.group(1)} %}} ouvert avant doit d'abord être fermé par "
            f"{{% end{innermost.group(1)} %}}."
        )
    if innermost:
        block = innermost.group(1)
        return f"Le modèle contient un bloc {{% {block} %}} jamais fermé : ajoutez {{% end{block} %}} après."
    if unknown:
        return f"Le modèle contient une balise inconnue : {{% {unknown.group(1)} %}}."
    return None


def describe(template: bytes, exc) -> str:
    """The French message of ``exc`` (a ``jinja2.TemplateSyntaxError`` raised rendering ``template``)."""
    from docgen.render import environment

    env = environment()
    for where, text in paragraphs(template):
        for tag, closed in tags(text):
            reason = _parse_alone(env, tag)
            if not closed:
                reason = reason or "balise non fermée"
            if reason:
                return f"Le modèle contient une balise invalide : {_short(tag)} ({where} : {reason})."
    block = _block_message(exc.message or "")
    if block:
        return block
    return f"Le modèle contient une erreur de syntaxe : {french(exc.message or '')}."
