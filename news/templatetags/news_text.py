from django import template

from news import text

register = template.Library()


@register.filter(name="news_text")
def news_text(value):
    """Escape a post's or comment's text, keep its line breaks and link its web addresses."""
    return text.render(value)


@register.filter(name="news_excerpt")
def news_excerpt(value, length=280):
    return text.render(text.excerpt(value, int(length)))
