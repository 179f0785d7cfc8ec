"""End to end: the real server, headless Chromium through Playwright, clicks and downloads as a reader makes them."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from playwright.sync_api import sync_playwright

from evidence.filters import Filters, filter_evidence
from tests.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, open_page, running_app, wait_rerun

pytestmark = pytest.mark.browser
STREAMLIT_PROBES = ("/_stcore/health", "/_stcore/host-config")
PAGES = ["", "explorer", "maps", "compare", "trials", "upload", "about"]


@pytest.fixture(scope="module")
def app_url():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with running_app() as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, accept_downloads=True)
    tab = context.new_page()
    tab.console_errors = []

    def record(message):
        # Streamlit's frontend first probes <page>/_stcore/health and host-config on a deep link, gets 404 and
        # falls back to the server root: its own base-path discovery, not an error of this app.
        probe = message.location.get("url", "").endswith(STREAMLIT_PROBES)
        if message.type == "error" and not probe:
            tab.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    tab.on("console", record)
    tab.on("pageerror", lambda error: tab.console_errors.append(str(error)))
    yield tab
    context.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders_without_exception_or_console_error(app_url, page, name, lang):
    open_page(page, f"{app_url}/{name}?lang={lang}")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator("h1").count() >= 1
    page.screenshot(path=str(ARTIFACTS / f"{name or 'home'}-{lang}.png"), full_page=True)
    assert page.console_errors == []


def choose(page, label: str, option: str) -> None:
    """Pick an option of a sidebar multiselect by typing into it, as a reader does."""
    box = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(has_text=label).first
    box.click()
    page.keyboard.type(option)
    page.locator('[role="option"]').filter(has_text=option).first.click()
    page.keyboard.press("Escape")
    wait_rerun(page)


def test_filter_by_disease_then_download_exactly_those_rows(app_url, page, atlas):
    open_page(page, f"{app_url}/explorer")
    before = page.locator('[data-testid="stMetricValue"]').first.inner_text()
    choose(page, "Disease", "Systemic sclerosis")
    expected = filter_evidence(atlas.evidence, Filters(diseases=("ssc",)))
    assert page.locator('[data-testid="stMetricValue"]').first.inner_text() == str(expected["study_id"].nunique()) != before
    assert "disease=ssc" in page.url
    with page.expect_download() as download_info:
        page.get_by_role("button", name="CSV", exact=True).click()
    download = download_info.value
    assert download.suggested_filename.endswith("_ssc.csv")
    table = pd.read_csv(io.BytesIO(open(download.path(), "rb").read()), encoding="utf-8-sig")
    assert list(table["Study"]) == list(expected["study_id"])
    assert page.console_errors == []


def click_biggest_bubble(page) -> None:
    """Click the largest bubble of the therapy × disease map, as a reader would, and wait for the rerun."""
    bubbles = page.locator('[data-testid="stPlotlyChart"]').first.locator(".scatterlayer .trace:nth-child(n+2) .point")
    assert bubbles.count() > 0
    biggest = max(range(bubbles.count()), key=lambda i: (bubbles.nth(i).bounding_box() or {"width": 0})["width"])
    bubbles.nth(biggest).click(force=True)
    wait_rerun(page)


def test_clicking_a_map_cell_lists_its_studies(app_url, page):
    open_page(page, f"{app_url}/maps")
    click_biggest_bubble(page)
    listed = page.get_by_text("studies", exact=False)
    assert page.get_by_role("button", name="Show these studies in the Explorer").count() == 1
    assert listed.count() > 0
    page.get_by_role("button", name="Show these studies in the Explorer").click()
    wait_rerun(page)
    assert "/explorer" in page.url and "study=" in page.url
    assert page.locator('[data-testid="stException"]').count() == 0


def open_tab(page, name: str) -> None:
    """Open a tab of the page (the Compare and Trials pages draw only the open one) and wait for its rerun."""
    page.get_by_role("tab", name=name, exact=True).click()
    wait_rerun(page)


def test_compare_page_draws_forest_plots(app_url, page):
    open_page(page, f"{app_url}/compare")
    assert page.get_by_role("tab", name="Forest plots", exact=True).get_attribute("aria-selected") == "true"
    assert page.locator('[data-testid="stPlotlyChart"]').count() >= 1  # the open tab: one forest plot per therapy
    assert page.locator(".js-plotly-plot .scatterlayer").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "compare-forest.png"), full_page=True)
    open_tab(page, "Safety")
    page.locator(".js-plotly-plot .scatterlayer").first.wait_for(timeout=30_000)  # the safety panel, drawn once opened
    assert page.locator('[data-testid="stException"]').count() == 0


def test_upload_round_trip_in_the_browser(app_url, page, tmp_path):
    from tests.test_uploads import real_rows

    sheet = tmp_path / "my-extraction.csv"
    sheet.write_bytes(real_rows().to_csv(index=False).encode("gbk"))
    open_page(page, f"{app_url}/upload")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(sheet))
    page.get_by_role("button", name="Add them to my view (this session)").wait_for(timeout=30_000)
    page.get_by_role("button", name="Add them to my view (this session)").click()
    wait_rerun(page)
    page.get_by_role("link", name="Evidence Explorer").first.click()
    wait_rerun(page)
    page.get_by_text("Including 1 uploaded studies").wait_for(timeout=30_000)
    choose(page, "Disease", "Systemic lupus erythematosus")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="CSV", exact=True).click()
    table = pd.read_csv(download_info.value.path(), encoding="utf-8-sig")
    mine = table[table["Study"] == "my-mackensen-2022"]
    assert list(mine["Origin"]) == ["uploaded"] and list(mine["Responders"]) == [5]
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_grade_marks_show_and_the_article_only_switch_hides_them(app_url, page, atlas, lang):
    """Maps remission cells carry the grade mark of weaker-graded counts; the switch blanks them and says why."""
    weaker = atlas.evidence[(atlas.evidence["grade"].astype("object") == "secondary").fillna(False).astype(bool)
                            & atlas.evidence["responders"].notna() & (atlas.evidence["disease"].astype("object") == "sle")]
    measure = weaker["outcome_measure"].astype("object").value_counts().index[0]
    remission_tab = "缓解结局" if lang == "zh" else "Remission outcomes"
    open_page(page, f"{app_url}/maps?lang={lang}&disease=sle&measure={measure}")
    page.get_by_role("tab", name=remission_tab).click()
    wait_rerun(page)
    cells = page.locator('[data-testid="stPlotlyChart"] .textpoint')
    assert any("ⓢ" in (cells.nth(i).text_content() or "") for i in range(cells.count()))
    page.screenshot(path=str(ARTIFACTS / f"grades-maps-{lang}.png"), full_page=True)
    switch = "仅显示在论文原文中读到的数字" if lang == "zh" else "Only numbers read in the article itself"
    page.locator('[data-testid="stSidebar"] [data-testid="stCheckbox"]').filter(has_text=switch).click()
    wait_rerun(page)
    assert "grade=article" in page.url
    page.get_by_text("已隐藏" if lang == "zh" else "are hidden", exact=False).first.wait_for(timeout=30_000)
    cells = page.locator('[data-testid="stPlotlyChart"] .textpoint')
    assert not any("ⓢ" in (cells.nth(i).text_content() or "") for i in range(cells.count()))
    page.screenshot(path=str(ARTIFACTS / f"grades-maps-article-only-{lang}.png"), full_page=True)
    assert page.console_errors == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_explorer_study_detail_shows_grades(app_url, page, atlas, lang):
    study = atlas.evidence.loc[(atlas.evidence["grade"].astype("object") == "secondary").fillna(False).astype(bool), "study_id"].astype(str).iloc[0]
    open_page(page, f"{app_url}/explorer?lang={lang}&study={study}&open={study}")
    page.get_by_text("ⓢ", exact=False).first.wait_for(timeout=30_000)  # the legend beside the grid and the detail
    page.screenshot(path=str(ARTIFACTS / f"grades-explorer-{lang}.png"), full_page=True)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == []


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_compare_shows_certainty_sensitivity_and_durability_for_sle_cd19(app_url, page, lang):
    """SLE × CD19 CAR-T: the summary of findings with footnotes, the sensitivity table and the durability chart."""
    open_page(page, f"{app_url}/compare?lang={lang}&disease=sle&class=car_t&target=cd19&measure=doris_remission")
    summary, durability = {"en": ("Summary of findings", "Durability"), "zh": ("结果总结", "疗效持久性")}[lang]
    page.get_by_role("heading", name=summary).first.wait_for(timeout=60_000)
    assert page.locator(".js-plotly-plot .scatterlayer").count() >= 1  # the open tab's forest plot
    open_tab(page, durability)
    page.locator('[data-testid="stTabs"] .js-plotly-plot .scatterlayer').first.wait_for(timeout=30_000)
    assert page.locator('[data-testid="stTabs"] .js-plotly-plot').count() >= 1  # the durability chart, drawn once opened
    page.set_viewport_size({"width": 1440, "height": 5200})  # the app scrolls inside its own container: a tall window shows it all
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / f"compare-{lang}.png"))
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == []


CELL_INDEX_JS = """(element, wanted) => {
    const plot = element.querySelector('.js-plotly-plot');
    const cells = plot.data[plot.data.length - 1];  // the click layer: customdata = [disease, target]
    return Array.from(cells.customdata).findIndex(c => c[0] === wanted[0] && c[1] === wanted[1]);
}"""
MAIN_HEIGHT_JS = "() => Math.max(...[...document.querySelectorAll('[data-testid=\"stMain\"], [data-testid=\"stAppViewContainer\"]')].map(e => e.scrollHeight))"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_trials_page_cell_lists_its_trials_and_a_trial_opens_its_study(app_url, page, atlas, lang):
    """Open the Trials page filtered to SLE by the URL, click a target × disease cell, see its trials, then follow a
    trial with a published report to the Explorer and see that study; the country map is drawn with no network."""
    from components.i18n import read_catalogue
    from evidence.trials import landscape as lands
    from evidence.trials.schema import trial_vocabulary
    from evidence.trials.table import filter_trials, load_trial_tables

    catalogue, vocab = read_catalogue(), trial_vocabulary()
    say = lambda key, **values: catalogue[key][1 if lang == "zh" else 0].format(**values)  # noqa: E731
    tables = load_trial_tables()
    linked = dict(zip(tables.trials["trial_id"], tables.trials["linked_studies"]))
    published = {trial for trial, studies in linked.items() if studies}
    # the SLE cell with an antigen target that holds most trials with a published report in the atlas
    cells = lands.trial_cells(tables, filter_trials(tables, diseases=("sle",)), diseases=("sle",))
    cells = cells[cells["target"] != "unclear"].assign(published=lambda f: f["trial_ids"].map(lambda ids: len(set(ids.split("; ")) & published)))
    cell = cells.sort_values(["published", "trials", "target"], ascending=[False, False, True]).iloc[0]
    assert cell["published"] > 0, "some SLE trial with an antigen target has a published report in the atlas"
    cell_trials = cell["trial_ids"].split("; ")
    trial = sorted(set(cell_trials) & published)[0]
    studies = linked[trial].split("; ")
    study = lands.newest_study(studies, atlas.studies)
    outside = []  # every request not served by the app itself (the map must not fetch Plotly's CDN)
    page.on("request", lambda request: outside.append(request.url) if not request.url.startswith((app_url, "data:")) else None)

    open_page(page, f"{app_url}/trials?disease=sle&lang={lang}")
    assert page.locator("h1").first.inner_text() == say("page_trials")
    open_tab(page, say("trials_chart_countries"))
    page.locator(".choroplethlocation").first.wait_for(timeout=30_000)
    assert page.locator(".choroplethlocation").count() == len(lands.country_counts(tables, filter_trials(tables, diseases=("sle",))))
    open_tab(page, say("trials_tab_cells"))
    chart = page.locator('[data-testid="stPlotlyChart"]').first
    index = chart.evaluate(CELL_INDEX_JS, ["sle", cell["target"]])
    assert index >= 0
    chart.locator(".scatterlayer .trace").last.locator(".point").nth(index).click(force=True)
    wait_rerun(page)
    heading = say("trials_cell_heading", n=len(cell_trials), target=vocab.label("targets", cell["target"], lang),
                  disease=vocab.label("diseases", "sle", lang))
    page.get_by_text(heading).wait_for(timeout=30_000)
    newest_first = lands.selected_rows(tables, cell_trials)["trial_id"].iloc[0]
    cell_table = page.locator('[data-testid="stDataFrame"]').first  # the cell's own table, above the page's table
    cell_table.scroll_into_view_if_needed()
    cell_table.locator(f'table[role="grid"][aria-rowcount="{len(cell_trials) + 1}"]').wait_for(state="attached", timeout=30_000)
    first_cell = cell_table.locator('[data-testid="glide-cell-0-0"]')  # glide's accessible copy of the grid
    first_cell.wait_for(state="attached", timeout=30_000)
    assert first_cell.text_content().endswith(f"#{newest_first}")  # its first row: the cell's newest trial, with its registry link
    for listed in sorted(set(cell_trials) & published):
        assert page.get_by_role("button", name=say("trials_open_publications", trial=listed, n=len(linked[listed].split("; ")))).count() == 1
    page.set_viewport_size({"width": 1440, "height": min(int(page.evaluate(MAIN_HEIGHT_JS)) + 40, 9000)})
    page.wait_for_timeout(1500)  # charts redraw at the new size
    page.screenshot(path=str(ARTIFACTS / f"trials-{lang}.png"), full_page=True)
    page.set_viewport_size({"width": 1440, "height": 1000})

    page.get_by_role("button", name=say("trials_open_publications", trial=trial, n=len(studies))).click()
    page.wait_for_url("**/explorer?**", timeout=30_000)
    wait_rerun(page)
    assert f"open={study}" in page.url and "study=" in page.url
    page.get_by_text(str(atlas.studies.set_index("study_id").loc[study, "title"])[:60], exact=False).first.wait_for(timeout=30_000)
    assert page.locator("h1").first.inner_text() == say("page_explorer")  # the reader's language survives the switch
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == []
    assert outside == []


def test_map_cell_to_explorer_keeps_language_and_filters(app_url, page):
    open_page(page, f"{app_url}/maps?lang=zh&disease=sle")
    click_biggest_bubble(page)
    page.get_by_role("button", name="在证据检索中查看这些研究").click()
    wait_rerun(page)
    assert "/explorer" in page.url and "study=" in page.url and "disease=sle" in page.url and "lang=zh" in page.url
    assert page.locator("h1").first.inner_text() == "证据检索"
    assert page.locator('[data-testid="stException"]').count() == 0
