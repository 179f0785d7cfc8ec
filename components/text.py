"""Showing text that comes from data or uploads: never as live Markdown or HTML."""

import re

MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def escape_markdown(text: str) -> str:
    """Backslash-escape every Markdown/HTML-significant character, so data shows as the literal text it is."""
    return MARKDOWN_SPECIALS.sub(r"\\\1", str(text))
