"""Every interface string goes through the one catalogue: no page or component holds an inline language ternary,
every literal t("key") exists, and a broken catalogue file is refused with its file and key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from components.i18n import CatalogueError, read_catalogue
from evidence.paths import PROJECT_ROOT

# the catalogue itself (components/i18n.py) is where the one language choice is made
SOURCES = sorted([*(PROJECT_ROOT / "pages").glob("*.py"), *(p for p in (PROJECT_ROOT / "components").glob("*.py") if p.name != "i18n.py"), PROJECT_ROOT / "app.py"])
TERNARY = re.compile(r"""if\s+(zh|lang\s*==\s*["']zh["']|current_language\(\)\s*==\s*["']zh["'])\s+else""")
LITERAL_KEY = re.compile(r"""\bt\(\s*["']([a-z0-9_]+)["']\s*[,)]""")


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_no_inline_language_ternary(path):
    hits = [f"{path.name}:{number}" for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if TERNARY.search(line)]
    assert hits == [], f"move these strings into components/messages/: {hits}"


def test_every_literal_key_is_in_the_catalogue():
    catalogue = read_catalogue()
    missing = sorted({f"{path.name}: {key}" for path in SOURCES for key in LITERAL_KEY.findall(path.read_text(encoding="utf-8")) if key not in catalogue})
    assert missing == []


def test_catalogue_has_both_languages_for_every_key():
    for key, (english, chinese) in read_catalogue().items():
        assert isinstance(english, str) and isinstance(chinese, str), key
        if english:
            assert chinese, f"{key} has no Chinese text"


@pytest.mark.parametrize(("text", "words"), [
    ("a_key:\n  en: Hello\n", "needs exactly an 'en' and a 'zh'"),
    ("a_key:\n  en: Hello\n  zh: 你好\n  fr: Bonjour\n", "needs exactly an 'en' and a 'zh'"),
    ("- not a mapping\n", "expected a mapping"),
])
def test_a_broken_catalogue_file_is_refused(tmp_path, text, words):
    (tmp_path / "x.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(CatalogueError, match=words):
        read_catalogue(tmp_path)


def test_a_key_defined_twice_is_refused(tmp_path):
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text("same:\n  en: One\n  zh: 一\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="b.yaml: key 'same' is already defined in a.yaml"):
        read_catalogue(tmp_path)
