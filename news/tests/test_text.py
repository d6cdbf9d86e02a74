"""Posts and comments are plain text: escaped, line breaks kept, web addresses linked, nothing else."""

from news.text import excerpt, render


def test_html_and_script_are_escaped():
    html = render(
        '<script>alert("x")</script><b onmouseover="steal()">gras</b> & <img src=x onerror=alert(1)>'
    )
    assert "<script" not in html and "<b" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "&amp;" in html


def test_line_breaks_and_paragraphs():
    assert render("Ligne 1\nLigne 2\n\nParagraphe 2") == "<p>Ligne 1<br>\nLigne 2</p>\n<p>Paragraphe 2</p>"
    assert render("a\r\nb") == "<p>a<br>\nb</p>"
    assert render("   ") == ""


def test_web_addresses_become_safe_links():
    html = render("Inscription : https://exemple.fr/rcp?x=1&y=2. Voir aussi www.ameli.fr, merci.")
    assert (
        '<a href="https://exemple.fr/rcp?x=1&amp;y=2" rel="nofollow noopener noreferrer">'
        "https://exemple.fr/rcp?x=1&amp;y=2</a>." in html
    )
    assert (
        '<a href="https://www.ameli.fr" rel="nofollow noopener noreferrer">www.ameli.fr</a>, merci.' in html
    )


def test_a_parenthesis_belonging_to_the_address_is_kept():
    html = render("(voir https://fr.wikipedia.org/wiki/CPTS_(santé))")
    assert 'href="https://fr.wikipedia.org/wiki/CPTS_(santé)"' in html and html.endswith("</a>)</p>")


def test_no_other_scheme_is_linked_and_quotes_cannot_break_out():
    html = render('javascript:alert(1) data:text/html,<b>x</b> https://a.fr/"onmouseover="alert(1)')
    assert html.count("<a ") == 1
    assert 'href="https://a.fr/"' in html  # the address stops at the quote
    assert "&quot;onmouseover=&quot;alert(1)" in html
    assert "javascript:alert(1)" in html and 'href="javascript' not in html


def test_a_bare_scheme_is_not_a_link():
    assert "<a " not in render("Le site commence par https:// puis le nom.")


def test_excerpt_cuts_on_a_word():
    text = "mot " * 100
    cut = excerpt(text, 30)
    assert cut.endswith(" …") and len(cut) <= 32 and "  " not in cut
    assert excerpt("court\n\ntexte") == "court texte"
