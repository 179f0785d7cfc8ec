"""The Trials page: its pure helpers (evidence.trials.landscape) on the real trial table and on hand-made frames, and
the page through AppTest in both languages — filters, the table against filter_trials, the downloads, hostile URLs."""

from __future__ import annotations

import io
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager

from components.i18n import read_catalogue
from components.trials import PUBLISHED_OPEN_KEY
from evidence.filters import Filters, filter_evidence
from evidence.trials import landscape as lands
from evidence.trials.schema import trial_vocabulary
from evidence.trials.table import filter_trials, load_trial_tables, target_disease_counts
from tests.test_pages import go, open_app

CATALOGUE = read_catalogue()


def text(key: str, lang: str = "en", **values) -> str:
    english, chinese = CATALOGUE[key]
    return (chinese if lang == "zh" else english).format(**values)


@pytest.fixture(scope="module")
def tables():
    return load_trial_tables()


@pytest.fixture(scope="module")
def vocab():
    return trial_vocabulary()


# -- pure helpers -----------------------------------------------------------------------------------------------------

def test_the_sidebar_maps_onto_trial_filters_and_the_rest_is_named_as_ignored():
    filters = Filters(diseases=("sle",), therapy_classes=("car_t",), targets=("cd19",), cell_sources=("autologous",),
                      designs=("rct",), year_from=2015, tier="all", text="x")
    query = lands.trial_query(filters, statuses=["recruiting"], start_year_from=2020)
    assert (query.diseases, query.therapy_classes, query.targets, query.cell_sources) == (("sle",), ("car_t",), ("cd19",), ("autologous",))
    assert query.statuses == ("recruiting",) and query.start_year_from == 2020 and query.phases == ()
    assert set(lands.ignored_filters(filters)) == {"designs", "year_from", "tier", "text"}
    assert lands.ignored_filters(Filters(diseases=("sle",))) == []


@pytest.mark.parametrize("page", [
    {}, {"statuses": ("recruiting",)}, {"phases": ("phase1", "phase2")}, {"sponsor_classes": ("industry",)},
    {"countries": ("China", "Germany")}, {"start_year_from": 2023, "start_year_to": 2025},
])
def test_select_is_filter_trials(tables, page):
    query = lands.trial_query(Filters(diseases=("sle", "ssc"), therapy_classes=("car_t",)), **page)
    assert lands.select(tables, query) == sorted(filter_trials(tables, diseases=("sle", "ssc"), therapy_classes=("car_t",), **page))


def test_headline_numbers_count_the_selected_rows(tables):
    ids = filter_trials(tables, diseases=("sle",))
    rows = lands.selected_rows(tables, ids)
    frame = tables.trials[tables.trials["trial_id"].isin(ids)]
    numbers = lands.headline(rows)
    assert numbers["trials"] == len(ids) == len(rows)
    assert numbers["recruiting"] == int((frame["status"] == "recruiting").sum()) > 0
    assert numbers["enrolment"] == int(frame["enrolment"].sum()) and numbers["enrolment_stated"] == int(frame["enrolment"].notna().sum())
    assert numbers["with_publication"] == int((frame["linked_studies"] != "").sum()) > 0
    assert numbers["no_results"] == int(frame["no_results_in_atlas"].sum())
    starts = rows["start_date"].fillna("")
    assert list(starts[starts != ""]) == sorted(starts[starts != ""], reverse=True)  # newest first, undated last
    assert (starts.iloc[-1] == "") == (starts == "").any()


def test_trial_cells_keep_the_chosen_axes_and_leave_out_msc_and_hsct(tables):
    ids = filter_trials(tables, diseases=("sle",))
    cells = lands.trial_cells(tables, ids, diseases=("sle",))
    assert set(cells["disease"]) == {"sle"}  # a basket trial's other diseases are not drawn
    assert "none" not in set(cells["target"]) and "unclear" in set(cells["target"])
    everything = target_disease_counts(tables, ids)
    sle = everything[(everything["disease"] == "sle") & (everything["target"] != "none")].reset_index(drop=True)
    pd.testing.assert_frame_equal(cells, sle)
    assert set(lands.trial_cells(tables, ids, targets=("cd19",))["target"]) == {"cd19"}


def test_compare_cells_names_each_state():
    trials = pd.DataFrame({"target": ["cd19", "bcma", "unclear"], "disease": ["sle", "sle", "sle"], "trials": [3, 2, 4],
                           "trial_ids": ["A; B; C", "D; E", "F; G; H; I"]})
    evidence = pd.DataFrame({"target": ["cd19", "cd7"], "disease": ["sle", "sle"], "studies": [5, 1], "patients": [40, 3],
                             "study_ids": ["s1; s2", "s3"], "weaker_grades": ["", ""]})
    cells = lands.compare_cells(trials, evidence).set_index("target")
    assert cells.loc["cd19", "state"] == lands.BOTH and (cells.loc["cd19", "trials"], cells.loc["cd19", "studies"]) == (3, 5)
    assert cells.loc["bcma", "state"] == lands.TRIALS_ONLY and cells.loc["bcma", "studies"] == 0
    assert cells.loc["cd7", "state"] == lands.EVIDENCE_ONLY and cells.loc["cd7", "trials"] == 0 and cells.loc["cd7", "trial_ids"] == ""
    assert cells.loc["unclear", "state"] == lands.UNMATCHED
    assert lands.cell_trial_ids(cells.reset_index(), "sle", "bcma") == ["D", "E"]
    assert lands.cell_trial_ids(cells.reset_index(), "ra", "bcma") == []


def test_starts_phases_and_countries_add_up(tables, vocab):
    ids = filter_trials(tables)
    rows = lands.selected_rows(tables, ids)
    dated = set(rows.loc[rows["start_year"].notna(), "trial_id"])
    by_class = lands.starts_per_year(tables, ids, "therapy_class")
    pairs = tables.therapy_classes[tables.therapy_classes["trial_id"].isin(dated)]
    assert by_class["trials"].sum() == len(pairs.drop_duplicates())
    by_target = lands.starts_per_year(tables, ids, "target", top=3)
    assert by_target["group"].nunique() <= 4 and lands.OTHER_GROUP in set(by_target["group"])
    mix = lands.phase_mix(rows, vocab.ids("trial_phases"))
    assert mix["trials"].sum() == len(rows)  # each trial once
    assert "phase1; phase2" in set(mix["phase"]) and mix["phase"].iloc[-1] == ""  # combined phases; "not stated" last
    assert lands.phase_key("phase2; phase1", vocab.ids("trial_phases")) == "phase1; phase2"
    countries = lands.country_counts(tables, ids)
    assert countries["trials"].sum() == len(tables.countries.drop_duplicates())
    assert countries["trials"].is_monotonic_decreasing and countries["country"].iloc[0] == "China"


def test_readable_trials_label_codes_in_either_language(tables, vocab):
    rows = lands.selected_rows(tables, filter_trials(tables, statuses=("recruiting",), diseases=("sle",)))
    english, chinese = (lands.readable_trials(rows, vocab, lang, unclear) for lang, unclear in (("en", "Unclear"), ("zh", "不明确")))
    assert list(english.columns) == list(lands.TABLE_COLUMNS)
    assert set(english["status"]) == {"Recruiting"} and set(chinese["status"]) == {"招募中"}
    assert english["diseases"].str.contains("Systemic lupus erythematosus").all()
    unclear = rows["targets"] == "unclear"
    assert unclear.any() and set(chinese.loc[unclear, "targets"]) == {"不明确"}
    assert list(english["trial_id"]) == list(rows["trial_id"])
    text_columns = [c for c in english.columns if c not in ("enrolment", "no_results_in_atlas")]
    assert not english[text_columns].isna().any().any()  # blank where the registry gives nothing, never "None"


def test_explorer_filters_show_exactly_the_studies(atlas):
    # the reader's filters already show the study: kept, the study filter added
    study = "deng-2017-sle-msc"
    kept = lands.explorer_filters(Filters(diseases=("sle",)), [study], atlas.evidence)
    assert kept == Filters(diseases=("sle",), study_ids=(study,))
    # they hide it: only the study filter (and the switches) remain
    relaxed = lands.explorer_filters(Filters(diseases=("ra",), article_only=True), [study], atlas.evidence)
    assert relaxed == Filters(study_ids=(study,), article_only=True)
    # an earlier report of a cohort needs every report, not only the newest
    both = ["harris-2018-ms-msc", "harris-2021-ms-msc"]
    assert not atlas.studies.set_index("study_id").loc["harris-2018-ms-msc", "is_current"]
    widened = lands.explorer_filters(Filters(), both, atlas.evidence)
    assert widened.tier == "all" and set(filter_evidence(atlas.evidence, widened)["study_id"]) == set(both)
    link = lands.explorer_link(both, atlas.studies, "zh")
    query = parse_qs(urlsplit(link).query)
    assert link.startswith("explorer?") and query == {"study": [",".join(both)], "open": ["harris-2021-ms-msc"], "tier": ["all"], "lang": ["zh"]}
    assert lands.explorer_link([], atlas.studies) is None


def test_innovations_are_what_the_trial_table_does_not_hold(atlas, tables):
    registered = lands.registered_ids(tables)
    rows = lands.innovations(atlas.pipeline, registered)
    assert {"preclinical", "first_in_human"} <= set(rows["stage"])
    assert set(atlas.pipeline.loc[atlas.pipeline["stage"] != "registered_trial", "id"]) <= set(rows["id"])
    for entry in rows[rows["stage"] == "registered_trial"].itertuples():  # registered, but not in the trial table
        assert not registered & set(str(entry.nct_ids).split("; "))
    in_table = atlas.pipeline[(atlas.pipeline["stage"] == "registered_trial") & atlas.pipeline["nct_ids"].isin(registered)]
    assert len(in_table) and not set(in_table["id"]) & set(rows["id"])
    sle = lands.innovations(atlas.pipeline, registered, diseases=("sle",))
    assert len(sle) and sle["diseases"].str.contains("sle").all()
    assert lands.innovations(atlas.pipeline, registered, therapy_classes=("car_nk",))["therapy_class"].eq("car_nk").all()


# -- the page ---------------------------------------------------------------------------------------------------------

def trials_page(query: dict | None = None, lang: str | None = None):
    return go(open_app(query, lang=lang), "pages/trials.py")


def trial_table(app) -> pd.DataFrame:
    return next(frame.value for frame in app.dataframe if "registry" in frame.value.columns)


def table_ids(app) -> set[str]:
    return {link.rsplit("#", 1)[-1] for link in trial_table(app)["registry"]}


def metrics(app) -> dict[str, str]:
    return {metric.label: metric.value for metric in app.metric}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_page_renders_in_both_languages(tables, lang):
    app = trials_page(lang=lang)
    assert app.title[0].value == text("page_trials", lang)
    assert text("trials_never_pooled", lang) in [info.value for info in app.info]
    captions = " ".join(caption.value for caption in app.caption)
    assert "CAR-T Rheumatology & Autoimmune Trials Monitor" in captions and "2026-08-22" in captions
    assert text("trials_innovations_title", lang) in [s.value for s in app.subheader]
    assert table_ids(app) == set(tables.trials["trial_id"])
    shown = metrics(app)
    assert shown[text("trials_kpi_trials", lang)] == f"{len(tables.trials):,}"
    assert shown[text("trials_kpi_published", lang)] == str(int((tables.trials["n_linked_studies"] > 0).sum()))
    assert shown[text("trials_kpi_no_results", lang)] == str(int(tables.trials["no_results_in_atlas"].sum()))
    assert shown[text("trials_kpi_enrolment", lang)] == f"{int(tables.trials['enrolment'].sum()):,}"
    tabs = [text(key, lang) for key in ("trials_tab_cells", "trials_chart_starts", "trials_chart_phases", "trials_chart_countries")]
    assert [tab.label for tab in app.tabs] == tabs
    assert len(app.get("plotly_chart")) == 1  # the open tab only: target × disease
    for tab, charts in zip(tabs[1:], (1, 1, 2)):  # starts; phases; country map and bars
        app.session_state["trials_tab"] = tab
        app.run()
        assert not app.exception and len(app.get("plotly_chart")) == charts, tab
    if lang == "zh":
        assert set(trial_table(app)["status"]) - {""} <= set(trial_vocabulary().labels("trial_statuses", "zh").values())


def test_sidebar_filters_from_the_url_reach_the_table(tables):
    app = trials_page({"disease": "sle", "class": "car_t,msc", "from": "2010", "design": "rct"})
    assert table_ids(app) == filter_trials(tables, diseases=("sle",), therapy_classes=("car_t", "msc"))
    scope = next(caption.value for caption in app.caption if caption.value.startswith(text("trials_sidebar_scope")))
    assert scope.endswith(text("trials_sidebar_ignored_now", names=", ".join(sorted([text("design"), text("years")]))))
    assert not any(c.value.startswith(text("trials_sidebar_scope")) and "Not applied" in c.value for c in trials_page({"disease": "sle"}).caption)


def test_sidebar_and_page_widgets_reach_the_table(tables):
    app = trials_page()
    app.multiselect(key="flt_diseases").set_value(["ssc"]).run()
    assert table_ids(app) == filter_trials(tables, diseases=("ssc",))
    app.multiselect(key="trials_status").set_value(["recruiting", "not_yet_recruiting"]).run()
    app.multiselect(key="trials_phase").set_value(["phase1"]).run()
    expected = filter_trials(tables, diseases=("ssc",), statuses=("recruiting", "not_yet_recruiting"), phases=("phase1",))
    assert len(expected) > 0 and table_ids(app) == expected
    app.multiselect(key="trials_sponsor").set_value(["industry"]).run()
    app.multiselect(key="trials_country").set_value(["China"]).run()
    app.slider(key="trials_years").set_value((2024, 2025)).run()
    assert not app.exception
    expected = filter_trials(tables, diseases=("ssc",), statuses=("recruiting", "not_yet_recruiting"), phases=("phase1",),
                             sponsor_classes=("industry",), countries=("China",), start_year_from=2024, start_year_to=2025)
    assert table_ids(app) == expected if expected else not any("registry" in f.value.columns for f in app.dataframe)
    assert metrics(app)["Trials"] == str(len(expected))


def test_a_selection_without_trials_says_so():
    app = trials_page({"disease": "jia"})
    app.multiselect(key="trials_status").set_value(["withdrawn"]).run()
    assert not app.exception
    assert text("trials_none_selected") in [info.value for info in app.info]
    assert metrics(app)["Trials"] == "0"
    assert text("trials_innovations_title") in [s.value for s in app.subheader]  # the innovations still show


@pytest.fixture()
def downloads(monkeypatch):
    """Every file a download button hands to Streamlit, by file name."""
    files: dict[str, bytes] = {}
    original = MediaFileManager.add

    def add(self, path_or_data, mimetype, coordinates, file_name=None, is_for_static_download=False):
        if file_name:
            files[file_name] = path_or_data
        return original(self, path_or_data, mimetype, coordinates, file_name=file_name, is_for_static_download=is_for_static_download)

    monkeypatch.setattr(MediaFileManager, "add", add)
    return files


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_downloads_hold_exactly_the_filtered_trials(tables, downloads, lang):
    app = trials_page({"disease": "sle", "class": "car_t"}, lang=lang)
    app.multiselect(key="trials_status").set_value(["recruiting"]).run()
    expected = filter_trials(tables, diseases=("sle",), therapy_classes=("car_t",), statuses=("recruiting",))
    assert len(expected) > 5 and table_ids(app) == expected
    buttons = {button.label: button for button in app.get("download_button")}
    assert set(buttons) >= {"CSV", "Excel"}
    csv_name = next(name for name in downloads if name.startswith("rheumcell-atlas_trials_") and name.endswith("_sle-car_t.csv"))
    id_column = text("trials_col_trial_id", lang)
    table = pd.read_csv(io.BytesIO(downloads[csv_name]), encoding="utf-8-sig")
    assert set(table[id_column]) == expected and len(table) == len(expected)
    assert text("trials_col_no_results_in_atlas", lang) in table.columns and text("trials_col_linked_studies", lang) in table.columns
    assert set(table[text("trials_col_status", lang)]) == {trial_vocabulary().label("trial_statuses", "recruiting", lang)}
    workbook = openpyxl.load_workbook(io.BytesIO(downloads[csv_name[:-4] + ".xlsx"]))
    assert workbook.sheetnames == [text("trials_sheet_trials", lang), text("trials_sheet_about", lang)]
    sheet = pd.read_excel(io.BytesIO(downloads[csv_name[:-4] + ".xlsx"]), sheet_name=0)
    assert set(sheet[id_column]) == expected and list(sheet.columns) == list(table.columns)
    about = pd.read_excel(io.BytesIO(downloads[csv_name[:-4] + ".xlsx"]), sheet_name=1)
    assert "recruiting" in " ".join(about.iloc[:, 1].astype(str))


def test_a_download_neutralises_formulas(tables, vocab):
    from components.trials import EXPORT_ORDER
    from evidence.export import neutralise_formulas

    rows = lands.selected_rows(tables, filter_trials(tables, diseases=("sle",)))
    rows = rows.assign(title=["=HYPERLINK(\"http://x\")"] + list(rows["title"].iloc[1:]))
    readable = neutralise_formulas(lands.readable_trials(rows, vocab, "en", "Unclear")[EXPORT_ORDER])
    assert readable["title"].iloc[0].startswith("'=") and readable["enrolment"].dtype != object


@pytest.mark.parametrize(("query", "applies"), [
    ({"disease": "sle,<script>alert(1)</script>", "target": "unclear", "class": "'; DROP TABLE", "from": "abc", "to": "1e9"},
     {"diseases": ("sle",)}),
    ({"study": "../../etc/passwd", "open": "<img src=x>", "q": "=HYPERLINK()", "country": "Narnia"}, {}),
    ({"tier": "x" * 500, "lang": "xx", "source": "in_vivo", "level": "99"}, {"cell_sources": ("in_vivo",)}),
])
def test_hostile_urls_never_crash_the_page(tables, query, applies):
    app = trials_page(query)
    assert app.title[0].value == "Clinical trials"
    assert table_ids(app) == filter_trials(tables, **applies)  # only what the vocabulary knows reaches the trials
    notes = " ".join(info.value for info in app.info)
    assert ("ignored" in notes) == any(k in query for k in ("target", "tier"))


def test_an_explorer_link_of_the_table_opens_exactly_its_studies(atlas, tables):
    app = trials_page({"disease": "ms"})
    table = trial_table(app)
    linked = table[table["explorer"].notna()]
    assert len(linked) == int((tables.trials[tables.trials["trial_id"].isin(table_ids(app))]["n_linked_studies"] > 0).sum()) > 0
    row = linked[linked["linked_studies"].str.contains("; ")].iloc[0]  # a trial with two reports
    params = {name: values[0] for name, values in parse_qs(urlsplit(row["explorer"]).query).items()}
    explorer = go(open_app(params), "pages/explorer.py")
    assert set(explorer.dataframe[0].value["study_id"]) == set(row["linked_studies"].split("; "))
    assert params["open"] in [m.value for m in explorer.markdown if m.value.startswith("####")][0] or explorer.subheader


def test_trials_never_reach_the_evidence_figures(atlas):
    """The trial page adds no study and no number: the evidence the other pages pool is the same with or without it."""
    before = filter_evidence(atlas.evidence, Filters(diseases=("sle",)))
    trials_page({"disease": "sle"})
    assert filter_evidence(atlas.evidence, Filters(diseases=("sle",))).equals(before)
    assert not set(load_trial_tables().trials["trial_id"]) & set(atlas.studies["study_id"])


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_trials_publications_button_opens_exactly_its_studies_in_the_explorer(atlas, tables, lang):
    """Under filters that hide the trial's studies (another disease's basket, an evidence tier), the button still shows
    them: the sidebar is set to exactly those studies and the Explorer opens the newest one."""
    app = trials_page({"disease": "ms", "tier": "trials"}, lang=lang)
    shown = tables.trials[tables.trials["trial_id"].isin(table_ids(app)) & (tables.trials["n_linked_studies"] > 0)]
    trial = shown[shown["linked_studies"].str.contains("harris-2018")].iloc[0]  # an earlier report: needs every report
    studies = trial["linked_studies"].split("; ")
    assert not [b for b in app.button if str(b.key).startswith("trials_table_open_")]  # drawn only once the expander opens
    app.session_state[PUBLISHED_OPEN_KEY] = True  # the reader opens "trials with a published report"
    app.run()
    button = app.button(key=f"trials_table_open_{trial['trial_id']}")
    assert button.label == text("trials_open_publications", lang, trial=trial["trial_id"], n=len(studies))
    button.click().run()
    assert not app.exception, [e.value for e in app.exception]
    assert app.title[0].value == text("page_explorer", lang)
    assert set(app.dataframe[0].value["study_id"]) == set(studies)
    assert app.session_state["flt_study_ids"] == sorted(studies) and app.session_state["flt_tier"] == "all"
    newest = lands.newest_study(studies, atlas.studies)
    params = {name: app.query_params.get(name) for name in app.query_params}
    assert params["open"] in (newest, [newest]) and set(str(params["study"]).strip("[]'").split(",")) == set(studies)
