"""Hostile input: text never becomes live HTML/Markdown, only https links are clickable, URLs cannot crash a page,
and the server settings refuse cross-origin use."""

from __future__ import annotations

import io
import re
import tomllib

import pandas as pd
import pytest

from components.text import escape_markdown
from evidence.display import display_rows, safe_url
from evidence.filters import Filters, filter_evidence
from evidence.paths import PROJECT_ROOT
from tests.test_pages import PAGES, go, open_app
from tests.test_uploads import HOSTILE, real_rows


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JAVASCRIPT:alert(1)", " javascript:alert(1)", "data:text/html,<script>", "http://example.org",
                                 "https://ok.org/a b", "https://ok.org/\"onmouseover=", "vbscript:msgbox", "", None, 42])
def test_only_clean_https_urls_become_links(url):
    assert safe_url(url) is None


def test_a_javascript_link_in_the_table_is_not_clickable(atlas):
    """Defence in depth: even if a bad URL got past the schema, the grid would not link it."""
    view = filter_evidence(atlas.evidence, Filters()).head(3).copy()
    view["source_url"] = ["javascript:alert(document.cookie)", "https://pubmed.ncbi.nlm.nih.gov/1/", "data:text/html,x"]
    links = display_rows(view, atlas.vocabulary)["source_link"].tolist()
    assert [link for link in links if isinstance(link, str)] == ["https://pubmed.ncbi.nlm.nih.gov/1/"]


UNESCAPED_MARKUP = re.compile(r"(?<!\\)[<>\[\]()]")  # a tag or link character without a backslash before it


def test_markdown_escaping_leaves_no_live_markup():
    escaped = escape_markdown(HOSTILE)
    assert UNESCAPED_MARKUP.search(escaped) is None
    assert escaped.replace("\\", "") == HOSTILE  # nothing lost: only backslashes added


def test_hostile_uploaded_text_is_shown_escaped_in_the_study_record():
    app = go(open_app(), "pages/upload.py")
    frame = real_rows()
    for column in ("title", "journal", "first_author", "product", "dose"):
        frame.loc[0, column] = HOSTILE
    app.file_uploader(key="upload_file").set_value(("hostile.csv", frame.to_csv(index=False).encode(), "text/csv")).run()
    app.button(key="upload_add").click().run()
    app.query_params["open"] = "my-mackensen-2022"
    go(app, "pages/explorer.py")
    shown = [element.value for element in [*app.markdown, *app.caption] if "alert" in element.value]
    assert shown  # the record is shown …
    assert all(UNESCAPED_MARKUP.search(text) is None for text in shown)  # … as text, never as markup


NASTY_QUERIES = [
    {"disease": "'; DROP TABLE studies; --"},
    {"q": "<script>alert(1)</script>" * 50, "from": "2030", "to": "1999"},
    {"class": ",,,,", "target": "cd19,cd19,cd19", "min_n": "1e9"},
    {"study": "../../etc/passwd", "open": "../../etc/passwd"},
    {"level": "2,abc,-1", "tier": "", "lang": "zh"},
    {"measure": "\u0000\u202e", "country": "中国,China"},
]


@pytest.mark.parametrize("query", NASTY_QUERIES)
@pytest.mark.parametrize("page", PAGES)
def test_nasty_query_strings_never_crash_any_page(page, query):
    go(open_app(query), page)


def test_server_settings_refuse_cross_origin_use():
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["enableCORS"] is True  # CORS *protection*: no other origin may use the app
    assert config["server"]["allowedHosts"] == ["localhost", "127.0.0.1"]
    assert config["browser"]["gatherUsageStats"] is False
    assert 0 < config["server"]["maxUploadSize"] <= 10
    assert config["client"]["showErrorDetails"] == "none"


def test_exports_of_uploaded_hostile_rows_are_neutralised(atlas):
    from evidence.export import to_csv_bytes
    from evidence.uploads import merge_uploads, validate_upload

    frame = real_rows()
    frame.loc[0, "title"] = "=HYPERLINK(\"https://evil.example\")"
    result = validate_upload("f.csv", frame.to_csv(index=False).encode(), atlas.vocabulary, set(atlas.studies["study_id"]))
    merged = merge_uploads(atlas, {"studies": result.studies})
    view = filter_evidence(merged.evidence, Filters(study_ids=("my-mackensen-2022",)))
    exported = pd.read_csv(io.BytesIO(to_csv_bytes(view, merged.vocabulary)), encoding="utf-8-sig")
    assert exported["Title"][0].startswith("'=")
