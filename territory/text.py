import re
import unicodedata


def normalize(text: str) -> str:
    """Lowercase, no accents, hyphens and apostrophes as spaces: 'Culoz-Béon' -> 'culoz beon'."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"[^a-z0-9]+", " ", text)
    text = re.sub(r"\bst\b", "saint", text)
    text = re.sub(r"\bste\b", "sainte", text)
    return text.strip()


# The articles INSEE puts before a commune's name (its TNCC types): « Le Havre », « La Burbanche »,
# « Les Neyrolles », « L'Abergement-Clémenciat », « Las Illas », « Los Masos ».
ARTICLES = ("le", "la", "les", "l", "las", "los")
_LEADING_ARTICLE = re.compile(r"^(?:" + "|".join(ARTICLES) + r") (?=\S)")


def search_key(text: str) -> str:
    """The normalised name without its leading article, so that a search matches with or without it:
    'Le Havre', 'Havre' and 'le havre' all give 'havre'; "L'Abergement-Clémenciat" gives
    'abergement clemenciat'. Used for the stored ``search_name`` of communes and EPCI and for every query
    compared with it."""
    return _LEADING_ARTICLE.sub("", normalize(text))
