"""Titles to URL slugs: ASCII letters and digits, words joined by one hyphen."""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 60


def slugify(text: str, max_length: int = MAX_LENGTH) -> str:
    """`Crème Brûlée, 2 ways!` → `creme-brulee-2-ways`; at most ``max_length`` characters,
    cut at a word boundary when it can be."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower()))
    if len(slug) <= max_length:
        return slug
    cut = slug[: max_length + 1].rpartition("-")[0]
    return cut or slug[:max_length]
