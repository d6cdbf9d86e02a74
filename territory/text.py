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
