"""No « (s) » in what a person reads: « 3 créneaux », « aucun créneau libre », « 1 commentaire » (the count
filter, opencpts/french.py ``count``), never « créneau(x) », « adhérent(e) » or « demande(s) ».

Walked: every template (comments aside), every string literal of the project's Python code (docstrings,
log messages, tests and migrations aside) and the project's own JavaScript. A file that still has one is named
with the line; ``EXCEPTIONS`` lists the files waiting for their owner's fix and must end empty.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A word followed by a parenthesised plural or feminine ending: « demande(s) », « créneau(x) », « né(e) ».
PARENTHESISED = re.compile(r"\w\((?:s|x|e|es|ne|le)\)", re.IGNORECASE)
SKIPPED_DIRS = {".venv", "var", "node_modules", "migrations", "tests", ".git", "vendor", "bench", "scripts"}
TEMPLATE_COMMENT = re.compile(r"{#.*?#}|{% comment %}.*?{% endcomment %}", re.DOTALL)
LOGGING_METHODS = {"debug", "info", "warning", "error", "exception", "critical"}
LOGGERS = {"log", "logger", "logging", "_log", "_logger", "LOG", "LOGGER"}

# Files waiting for their owner's fix, with the reason: each must leave this list once fixed (empty since
# issue 16).
EXCEPTIONS: dict[str, str] = {}


def _walked(pattern: str) -> list[Path]:
    return [
        path
        for path in sorted(ROOT.rglob(pattern))
        if not SKIPPED_DIRS & set(path.relative_to(ROOT).parts[:-1]) and not path.name.startswith("test_")
    ]


def _docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def _log_arguments(tree: ast.AST) -> set[int]:
    """The string constants passed to ``logger.info(...)`` and the like (English, for operators' logs)."""
    ids = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in LOGGING_METHODS
        ):
            for argument in node.args:
                ids.update(id(n) for n in ast.walk(argument))
    return ids


def python_hits(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _docstrings(tree) | _log_arguments(tree)
    return [
        f"{node.lineno}: {node.value[:80]!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skipped
        and PARENTHESISED.search(node.value)
    ]


def text_hits(text: str) -> list[str]:
    return [
        f"{n}: {line.strip()[:80]}"
        for n, line in enumerate(text.splitlines(), 1)
        if PARENTHESISED.search(line)
    ]


def template_hits(path: Path) -> list[str]:
    text = TEMPLATE_COMMENT.sub(lambda m: "\n" * m.group().count("\n"), path.read_text(encoding="utf-8"))
    return text_hits(text)


def javascript_hits(path: Path) -> list[str]:
    lines = [re.sub(r"//.*$", "", line) for line in path.read_text(encoding="utf-8").splitlines()]
    return text_hits("\n".join(lines))


def all_hits() -> dict[str, list[str]]:
    found = {}
    sources = [(p, python_hits) for p in _walked("*.py")]
    sources += [(p, template_hits) for p in _walked("*.html") + _walked("*.txt") if "templates" in p.parts]
    sources += [(p, javascript_hits) for p in _walked("*.js") if "static" in p.parts]
    for path, hits_of in sources:
        hits = hits_of(path)
        if hits:
            found[path.relative_to(ROOT).as_posix()] = hits
    return found


def test_the_walk_finds_a_parenthesised_plural():
    assert PARENTHESISED.search("3 créneau(x) publié(s)")
    assert PARENTHESISED.search("vous êtes prévenu(e)")
    assert not PARENTHESISED.search("Médecin (généraliste)")
    assert not PARENTHESISED.search("if (s) {")


def test_no_parenthesised_plural_in_user_facing_text():
    found = all_hits()
    new = {path: hits for path, hits in found.items() if path not in EXCEPTIONS}
    assert not new, (
        "« (s) » dans un texte lu par une personne (utilisez |compte ou french.count) :\n"
        + "\n".join(f"{path}:{hit}" for path, hits in sorted(new.items()) for hit in hits)
    )
    fixed = sorted(set(EXCEPTIONS) - set(found))
    assert not fixed, f"Ces fichiers n'ont plus de « (s) » : retirez-les de EXCEPTIONS : {fixed}"
