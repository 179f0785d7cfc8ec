"""Every page through Streamlit's AppTest, as a reader would use it: filters, URL, language, what is shown."""

from __future__ import annotations

from collections import Counter

import pytest
from streamlit.testing.v1 import AppTest

from components.filters import MORE_CHOICES, MORE_OPEN_KEY
from components.i18n import read_catalogue
from evidence.filters import Filters, filter_evidence
from evidence.paths import PROJECT_ROOT

PAGES = ["pages/home.py", "pages/explorer.py", "pages/maps.py", "pages/compare.py", "pages/trials.py", "pages/upload.py", "pages/about.py"]


def open_app(query: dict | None = None, lang: str | None = None) -> AppTest:
    app = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=60)
    for name, value in (query or {}).items():
        app.query_params[name] = value
    if lang:
        app.query_params["lang"] = lang
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def go(app: AppTest, page: str) -> AppTest:
    app.switch_page(page)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def show_more_filters(app: AppTest) -> AppTest:
    app.toggle(key=MORE_OPEN_KEY).set_value(True).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_more_filters_are_drawn_only_when_asked_and_keep_their_values(atlas):
    app = go(open_app(), "pages/explorer.py")
    hidden = {f"flt_{name}" for name in MORE_CHOICES} | {"flt_countries"}
    assert hidden.isdisjoint(m.key for m in app.multiselect)  # not drawn: the cheap rerun of every page
    show_more_filters(app).multiselect(key="flt_designs").set_value(["rct"]).run()
    app.number_input(key="flt_min_patients").set_value(5).run()
    app.toggle(key=MORE_OPEN_KEY).set_value(False).run()
    assert hidden.isdisjoint(m.key for m in app.multiselect)
    expected = filter_evidence(atlas.evidence, Filters(designs=("rct",), min_patients=5))
    assert len(expected) > 0
    for _ in range(2):  # the values outlive runs in which their widgets are not drawn
        assert explorer_study_ids(app) == Counter(expected["study_id"])
        app.switch_page("pages/explorer.py").run()
    summary = [c.value for c in app.sidebar.caption if c.value.startswith("Also filtering")]
    assert summary and "Randomised controlled trial" in summary[0] and "5" in summary[0]
    assert show_more_filters(app).multiselect(key="flt_designs").value == ["rct"]


def test_a_link_with_a_more_filter_applies_it_and_says_so(atlas):
    app = go(open_app({"design": "rct"}, lang="zh"), "pages/explorer.py")
    assert explorer_study_ids(app) == Counter(filter_evidence(atlas.evidence, Filters(designs=("rct",)))["study_id"])
    assert any(c.value.startswith("另有筛选") for c in app.sidebar.caption)


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_in_both_languages(page, lang):
    app = go(open_app(lang=lang), page)
    assert app.title, "every page has a title"
    if lang == "zh":
        assert any("\u4e00" <= ch <= "\u9fff" for ch in app.title[0].value)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_with_filters(page):
    go(open_app({"disease": "sle", "class": "car_t,msc", "from": "2010"}), page)


def explorer_study_ids(app: AppTest) -> Counter:
    grid = app.dataframe[0].value
    return Counter(grid["study_id"])


def test_explorer_shows_exactly_the_filtered_rows(atlas):
    app = go(open_app(), "pages/explorer.py")
    assert explorer_study_ids(app) == Counter(filter_evidence(atlas.evidence, Filters())["study_id"])
    app.multiselect(key="flt_diseases").set_value(["ssc"]).run()
    app.multiselect(key="flt_therapy_classes").set_value(["hsct", "car_t"]).run()
    expected = filter_evidence(atlas.evidence, Filters(diseases=("ssc",), therapy_classes=("hsct", "car_t")))
    assert len(expected) > 0
    assert explorer_study_ids(app) == Counter(expected["study_id"])
    grid = app.dataframe[0].value
    assert set(grid["disease"]) == {"Systemic sclerosis"}
    studies = app.metric[0]
    assert int(studies.value) == expected["study_id"].nunique()


@pytest.mark.parametrize(
    ("widget", "value", "filters"),
    [
        ("flt_targets", ["cd19"], Filters(targets=("cd19",))),
        ("flt_subtypes", ["lupus_nephritis"], Filters(subtypes=("lupus_nephritis",))),
        ("flt_designs", ["rct"], Filters(designs=("rct",))),
        ("flt_cell_sources", ["allogeneic"], Filters(cell_sources=("allogeneic",))),
        ("flt_engineering", ["lentiviral"], Filters(engineering=("lentiviral",))),
        ("flt_outcome_measures", ["efs"], Filters(outcome_measures=("efs",))),
        ("flt_evidence_levels", [2], Filters(evidence_levels=(2,))),
        ("flt_tissue_sources", ["umbilical_cord"], Filters(tissue_sources=("umbilical_cord",))),
    ],
)
def test_each_sidebar_filter_reaches_the_grid(atlas, widget, value, filters):
    app = show_more_filters(go(open_app(), "pages/explorer.py"))
    app.multiselect(key=widget).set_value(value).run()
    expected = filter_evidence(atlas.evidence, filters)
    assert len(expected) > 0
    assert explorer_study_ids(app) == Counter(expected["study_id"])


def test_text_year_size_and_tier_filters_reach_the_grid(atlas):
    app = go(open_app(), "pages/explorer.py")
    app.text_input(key="flt_text").input("stem").run()
    app.slider(key="flt_years").set_value((2012, 2020)).run()
    show_more_filters(app).number_input(key="flt_min_patients").set_value(10).run()
    app.radio(key="flt_tier").set_value("trials").run()
    expected = filter_evidence(atlas.evidence, Filters(text="stem", year_from=2012, year_to=2020, min_patients=10, tier="trials"))
    assert len(expected) > 0
    assert explorer_study_ids(app) == Counter(expected["study_id"])


def test_url_round_trip_reopens_the_same_view(atlas):
    app = go(open_app(), "pages/explorer.py")
    app.multiselect(key="flt_diseases").set_value(["sle"]).run()
    app.radio(key="flt_tier").set_value("no_case_reports").run()
    params = {name: app.query_params[name] for name in app.query_params}
    assert params["disease"] in (["sle"], "sle") and params["tier"] in (["no_case_reports"], "no_case_reports")
    first = explorer_study_ids(app)
    reopened = go(open_app({k: v[0] if isinstance(v, list) else v for k, v in params.items()}), "pages/explorer.py")
    assert explorer_study_ids(reopened) == first
    assert first == Counter(filter_evidence(atlas.evidence, Filters(diseases=("sle",), tier="no_case_reports"))["study_id"])


@pytest.mark.parametrize("page", PAGES)
def test_hand_edited_urls_never_crash_and_say_what_was_ignored(page):
    app = go(open_app({"disease": "sle,<img src=x onerror=alert(1)>", "from": "abc", "tier": "x" * 500, "lang": "xx", "level": "99"}), page)
    notes = " ".join(info.value for info in app.info)
    assert "ignored" in notes


MAP_TABS = ["Therapy × disease", "Target × disease", "Mechanism × disease", "Remission outcomes"]


@pytest.mark.parametrize("query", [{}, {"disease": "sle,ssc", "class": "car_t,hsct"}])
def test_maps_draw_each_matrix_only_when_its_tab_is_open(query):
    app = go(open_app(query), "pages/maps.py")
    assert len(app.get("plotly_chart")) == 1  # the first tab; the hidden ones build nothing
    for tab in MAP_TABS[1:]:
        app.session_state["maps_tab"] = tab
        app.run()
        assert not app.exception and len(app.get("plotly_chart")) == 1, tab
    app.session_state["maps_tab"] = MAP_TABS[0]
    app.run()
    app.radio(key="maps_colour").set_value("proportion").run()
    assert not app.exception and len(app.get("plotly_chart")) == 1


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_compare_draws_only_the_open_tab(lang):
    app = go(open_app({"lang": lang, "disease": "sle", "class": "car_t", "target": "cd19", "measure": "doris_remission"}), "pages/compare.py")
    catalogue = read_catalogue()
    tabs = [catalogue[key][lang == "zh"] for key in ("forest_plots", "durability_title", "safety")]
    assert [tab.label for tab in app.tabs] == tabs
    forests = [chart for chart in app.get("plotly_chart") if chart.proto.id and "compare_forest" in chart.proto.id]
    assert len(app.get("plotly_chart")) == len(forests) == 1  # one therapy chosen: one forest plot, nothing else drawn
    app.session_state["compare_tab"] = tabs[1]
    app.run()
    assert not app.exception and len(app.get("plotly_chart")) == 2  # responders over time, cumulative estimate
    app.session_state["compare_tab"] = tabs[2]
    app.run()
    assert not app.exception and len(app.get("plotly_chart")) == 1


@pytest.mark.parametrize(
    ("disease", "groups"),
    [
        ("sle", ["car_t|cd19", "msc|umbilical_cord", "hsct|autologous"]),
        ("sle", ["car_t|cd19_bcma", "msc|mixed"]),
        ("ms", ["hsct|autologous", "msc|bone_marrow"]),
    ],
)
def test_compare_three_therapy_sets_in_two_diseases(atlas, disease, groups):
    app = go(open_app(), "pages/compare.py")
    app.selectbox(key="compare_disease").set_value(disease).run()
    app.multiselect(key="compare_groups").set_value(groups).run()
    assert not app.exception
    table = app.dataframe[0].value
    assert len(table) == len(groups)
    subheaders = [s.value for s in app.subheader]
    if app.selectbox(key="compare_measure").value is not None:
        assert "Summary of findings" in subheaders and [tab.label for tab in app.tabs] == ["Forest plots", "Durability", "Safety"]
    for model in ("PFT", "PLO", "GLMM"):
        app.radio(key="compare_model").set_value(model).run()
        assert not app.exception
    app.radio(key="compare_model").set_value("PLO").run()
    app.radio(key="compare_tau2").set_value("DL").run()
    app.radio(key="compare_test").set_value("knha").run()
    assert not app.exception


def _weaker_rows(atlas):
    rows = atlas.evidence
    return rows[(rows["grade"].notna() & (rows["grade"].astype("object") != "article") & rows["responders"].notna())]


def test_article_only_switch_blanks_weaker_numbers_on_the_explorer(atlas):
    weaker = _weaker_rows(atlas)
    assert len(weaker), "the curated table holds numbers read only in registries, congress abstracts or secondary reports"
    app = go(open_app({"study": ",".join(sorted(set(weaker["study_id"].astype(str))))}), "pages/explorer.py")
    grid = app.dataframe[0].value
    assert grid["result"].str.contains("[ⓡⓒⓢ]").any()
    assert any("ⓢ" in caption.value or "ⓒ" in caption.value for caption in app.caption)  # the legend
    app.toggle(key="flt_article_only").set_value(True).run()
    assert not app.exception
    grid = app.dataframe[0].value
    assert not grid["result"].str.contains("[ⓡⓒⓢ]").any()
    assert len(grid) == len(filter_evidence(atlas.evidence, Filters(study_ids=tuple(sorted(set(weaker["study_id"].astype(str)))))))  # rows stay
    assert any("hidden" in info.value for info in app.info)
    assert app.query_params.get("grade") == ["article"] or app.query_params.get("grade") == "article"


def test_article_only_from_the_url_changes_maps_and_compare(atlas):
    weaker = _weaker_rows(atlas)
    sle_cart = weaker[(weaker["disease"].astype("object") == "sle") & (weaker["therapy_class"].astype("object") == "car_t")]
    assert len(sle_cart), "SLE CAR-T figures include numbers read only outside the article"
    measure = sle_cart["outcome_measure"].astype("object").value_counts().index[0]
    full = go(open_app({"disease": "sle", "measure": measure}), "pages/maps.py")
    masked = go(open_app({"disease": "sle", "measure": measure, "grade": "article"}), "pages/maps.py")
    assert any("hidden" in info.value for info in masked.info)
    assert not any("hidden" in info.value for info in full.info)
    # a measure whose SLE CAR-T · CD19 pool changes when only article-read numbers count
    from evidence.compare import compare_therapy, comparison_base
    from evidence.provenance import article_only

    def pooled(source, m):
        result = compare_therapy(comparison_base(source.evidence, "sle"), source.safety, "car_t|cd19", m)
        return (result.pooled.k, round(result.pooled.estimate, 9)) if result.pooled else (0, None)

    masked_atlas = article_only(atlas)
    pooled_measures = set(sle_cart["outcome_measure"].astype("object")) - atlas.vocabulary.unpooled_measures()
    changed = sorted(m for m in pooled_measures if pooled(atlas, m) != pooled(masked_atlas, m))
    assert changed, "some SLE CAR-T · CD19 pool rests on weaker-graded numbers"
    compare = go(open_app(), "pages/compare.py")
    compare.selectbox(key="compare_disease").set_value("sle").run()
    compare.multiselect(key="compare_groups").set_value(["car_t|cd19"]).run()
    compare.selectbox(key="compare_measure").set_value(changed[0]).run()
    assert not compare.exception
    assert "Sensitivity analyses" in [s.value for s in compare.subheader]
    sensitivity = next(frame.value for frame in compare.dataframe if "analysis" in frame.value.columns)
    assert {"Main analysis (all grades)", "Only numbers read in the article itself"} <= set(sensitivity["analysis"])
    article_row = sensitivity[sensitivity["analysis"] == "Only numbers read in the article itself"].iloc[0]
    assert article_row["differs"] == "changes the result"
    compare_masked = go(open_app({"grade": "article"}), "pages/compare.py")
    compare_masked.selectbox(key="compare_disease").set_value("sle").run()
    assert any("hidden" in info.value for info in compare_masked.info)
    analyses = {a for frame in compare_masked.dataframe if "analysis" in frame.value.columns for a in frame.value["analysis"]}
    assert "Only numbers read in the article itself" not in analyses  # already the main analysis


@pytest.mark.parametrize("typed", ["SLE", "系统性红斑狼疮"])
def test_url_with_a_label_opens_those_rows(atlas, typed):
    app = go(open_app({"disease": typed}), "pages/explorer.py")
    assert explorer_study_ids(app) == Counter(filter_evidence(atlas.evidence, Filters(diseases=("sle",)))["study_id"])
    assert not [info for info in app.info if "ignored" in info.value]
