"""Interface text in English and Chinese: the one message catalogue, `components/messages/*.yaml`.

Each file holds the words of one part of the app (`key: {en: …, zh: …}`), so a translator reviews one folder.
Data labels come from the vocabulary (data/vocabulary.yaml); everything else a page shows goes through `t(key)`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import streamlit as st

from evidence.yaml_source import read_yaml

LANG_KEY = "lang"
LANGUAGES = ("en", "zh")
MESSAGES_DIR = Path(__file__).resolve().parent / "messages"


class CatalogueError(ValueError):
    """A broken catalogue file: named with its key, so a translator can fix it."""


def read_catalogue(folder: Path = MESSAGES_DIR) -> dict[str, tuple[str, str]]:
    """{key: (English, Chinese)} from every YAML file of the folder; a key defined twice or without both languages is refused."""
    text: dict[str, tuple[str, str]] = {}
    where: dict[str, str] = {}
    for path in sorted(folder.glob("*.yaml")):
        entries = read_yaml(path) or {}
        if not isinstance(entries, dict):
            raise CatalogueError(f"{path.name}: expected a mapping of message keys")
        for key, value in entries.items():
            if key in text:
                raise CatalogueError(f"{path.name}: key '{key}' is already defined in {where[key]}")
            if not isinstance(value, dict) or set(value) != set(LANGUAGES) or not all(isinstance(value[lang], str) for lang in LANGUAGES):
                raise CatalogueError(f"{path.name}: key '{key}' needs exactly an 'en' and a 'zh' text")
            text[key], where[key] = (value["en"], value["zh"]), path.name
    return text


@lru_cache(maxsize=1)
def catalogue() -> dict[str, tuple[str, str]]:
    return read_catalogue()


def current_language() -> str:
    return "zh" if st.session_state.get(LANG_KEY) == "zh" else "en"


def t(key: str, **values) -> str:
    english, chinese = catalogue()[key]
    text = chinese if current_language() == "zh" else english
    return text.format(**values) if values else text
