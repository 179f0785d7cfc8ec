"""Compare Therapies: pooled remission with honest uncertainty — certainty with reasons, sensitivity analyses, forest
plots with grades and risk of bias, durability over time, and safety — side by side, in one disease."""

import pandas as pd
import streamlit as st

from components.compare import (
    caveat_sentences,
    durability_panel,
    forest,
    method_text,
    render_comparison_table,
    render_sensitivity,
    render_summary_of_findings,
    safety_panel,
)
from components.data import (
    article_only_on,
    comparison,
    comparison_choices,
    durability,
    exclude_high_risk_on,
    leave_one_out_refits,
    session_atlas,
    unpublished_trials,
)
from components.downloads import table_download, workbook_download
from components.i18n import current_language, t
from components.navigation_guard import ensure_navigation_mode
from evidence.certainty import rate_certainty
from evidence.compare import PoolMethod, default_therapies, sidebar_therapies
from evidence.matrices import therapy_group_label

ensure_navigation_mode()  # first deep link on a fresh server: see components/navigation_guard.py

atlas = session_atlas()
lang = current_language()
vocab = atlas.vocabulary
st.title(t("page_compare"))
st.caption(t("compare_newest_only"))

filters = st.session_state["filters"]
diseases = [d for d in vocab.ids("diseases") if d in set(atlas.evidence["disease"].astype("object"))]
# the sidebar's disease, class, target and measure choose the first comparison, so a link like
# /compare?disease=sle&class=car_t&target=cd19&measure=doris_remission opens exactly that view
sidebar_disease = next((d for d in filters.diseases if d in diseases), None)
left, middle = st.columns(2)
disease = left.selectbox(t("disease"), diseases, index=diseases.index(sidebar_disease) if sidebar_disease else 0,
                         format_func=lambda d: vocab.label("diseases", d, lang), key="compare_disease")
subtypes = [s for s in vocab.subtypes.get(disease, {}) if s in set(atlas.evidence["disease_subtype"].dropna().astype("object"))]
subtype = middle.selectbox(t("subtype"), [None, *subtypes], format_func=lambda s: "—" if s is None else vocab.label("disease_subtypes", s, lang), key="compare_subtype")

options, _ = comparison_choices(disease, subtype)
if not options:
    st.info(t("no_rows"))
    st.stop()
groups = st.multiselect(t("compare_therapies"), options, default=sidebar_therapies(options, filters) or default_therapies(options), max_selections=6,
                        format_func=lambda g: therapy_group_label(g, vocab, lang), key="compare_groups")
if not groups:
    st.info(t("compare_choose_one"))
    st.stop()

_, measures = comparison_choices(disease, subtype, tuple(groups))
measure_col, model_col, tau_col, test_col = st.columns([2, 2, 1, 1])
sidebar_measure = next((m for m in filters.outcome_measures if m in measures), None)
measure = measure_col.selectbox(t("outcome_measure"), measures or [None], key="compare_measure", index=measures.index(sidebar_measure) if sidebar_measure else 0,
                                format_func=lambda m: "—" if m is None else vocab.label("outcome_measures", m, lang))
models = {"GLMM": t("model_GLMM"), "PLO": t("model_PLO"), "PFT": t("model_PFT")}
model = model_col.radio(t("model"), list(models), format_func=models.get, key="compare_model", help=t("model_help"))
normal_normal = model != "GLMM"
tau2_method = tau_col.radio(t("tau2_estimator"), ["REML", "DL"], horizontal=True, key="compare_tau2", help=t("tau2_estimator_help"), disabled=not normal_normal)
test = test_col.radio(t("interval"), ["z", "knha"], format_func=lambda v: t(f"test_{v}"), key="compare_test", help=t("interval_help"), disabled=not normal_normal)
method = PoolMethod() if model == "GLMM" else PoolMethod("NN", model, tau2_method, test)
if measure:
    st.caption(f"{vocab.term('outcome_measures', measure).definition_in(lang)} · {method_text(method)}")
else:
    st.info(t("compare_no_measure"))

results, table, notes = comparison(disease, subtype, tuple(groups), measure, method)
risk = dict(zip(atlas.studies["study_id"].astype(str), atlas.studies["risk_of_bias"].astype("object").where(atlas.studies["risk_of_bias"].notna(), None)))
certainty = {r.group: rate_certainty(r, measure, risk, unpublished_trials(r.group, disease)) for r in results} if measure else {}
readable = render_comparison_table(table, atlas, method, certainty)
csv_col, xlsx_col = st.columns(2)
with csv_col:
    table_download(readable, f"rheumcell-atlas_compare_{disease}_{measure or 'none'}.csv", t("download_comparison_csv"), "compare_table_csv")
with xlsx_col:
    per_study = [r.outcome_rows.assign(therapy=therapy_group_label(r.group, vocab, lang)) for r in results if not r.outcome_rows.empty]
    workbook_download({"Comparison": readable, "Per-study data": pd.concat(per_study) if per_study else pd.DataFrame()},
                      f"rheumcell-atlas_compare_{disease}_{measure or 'none'}.xlsx", t("download_comparison_xlsx"), "compare_table_xlsx")

if measure:
    render_summary_of_findings(results, certainty, measure, atlas)
    analyses = {}
    if not article_only_on():
        analyses["article_only"] = comparison(disease, subtype, tuple(groups), measure, method, article_only=True)[0]
    if not exclude_high_risk_on():
        analyses["exclude_high_risk"] = comparison(disease, subtype, tuple(groups), measure, method, exclude_high_risk=True)[0]
    if model != "PFT":
        analyses["freeman_tukey"] = comparison(disease, subtype, tuple(groups), measure, PoolMethod("NN", "PFT", "REML"))[0]
    render_sensitivity(results, analyses, leave_one_out_refits(disease, subtype, tuple(groups), measure, method), atlas)

st.subheader(t("keep_in_mind"))
if sentences := caveat_sentences(notes, atlas):
    st.markdown("\n".join(f"- {sentence}" for sentence in sentences))  # one list, one element


def forest_section() -> None:
    columns = st.columns(2)
    for index, result in enumerate(r for r in results if not r.outcome_rows.empty):
        with columns[index % 2]:
            st.plotly_chart(forest(result, atlas, measure, (disease, subtype, method), risk), width="stretch", key=f"compare_forest_{result.group}")
            table_download(result.outcome_rows, f"rheumcell-atlas_forest_{disease}_{measure}_{result.group.replace('|', '-')}.csv",
                           t("download_per_study"), f"compare_forest_csv_{result.group}")


def durability_section() -> None:
    st.caption(t("durability_caption"))
    pooled_groups = [r.group for r in results if not r.outcome_rows.empty] or list(groups)
    chosen = st.selectbox(t("therapy"), pooled_groups, format_func=lambda g: therapy_group_label(g, vocab, lang), key="compare_durability_group")
    durability_panel(*durability(disease, subtype, chosen, measure, method), atlas, key="compare", choices=(disease, subtype, chosen, measure, method))


def safety_section() -> None:
    safety_panel(results, atlas, (disease, subtype, tuple(groups)))


sections = {t("forest_plots"): forest_section, t("durability_title"): durability_section} if measure else {}
sections[t("safety")] = safety_section
# Only the open tab draws its charts: all of them at once (forest plots, durability, cumulative, safety) made the page
# the slowest to render in the browser (bench/RESULTS.md). The tabs track which one is open, as on the Maps page.
for tab, draw in zip(st.tabs(list(sections), key="compare_tab", on_change="rerun"), sections.values()):
    with tab:
        if tab.open:
            draw()
