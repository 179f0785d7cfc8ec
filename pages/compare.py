"""Compare Therapies: pooled remission with honest uncertainty, forest plots and safety side by side, in one disease."""

import pandas as pd
import streamlit as st

from components.compare import (
    caveat_sentences,
    forest,
    render_comparison_table,
    render_sensitivity,
    safety_panel,
)
from components.data import article_only_on, comparison, comparison_choices, session_atlas
from components.downloads import table_download, workbook_download
from components.i18n import current_language, t
from components.navigation_guard import ensure_navigation_mode
from evidence.compare import (
    default_therapies,
)
from evidence.matrices import therapy_group_label

ensure_navigation_mode()  # first deep link on a fresh server: see components/navigation_guard.py

atlas = session_atlas()
lang = current_language()
zh = lang == "zh"
vocab = atlas.vocabulary
st.title(t("page_compare"))
st.caption(
    "比较只使用每个队列的最新报告（不受侧栏证据层级影响），以免同一患者被计两次。"
    if zh else "The comparison always uses the newest report of each cohort (whatever the sidebar tier), so no patient enters a pool twice."
)

diseases = [d for d in vocab.ids("diseases") if d in set(atlas.evidence["disease"].astype("object"))]
left, middle = st.columns(2)
disease = left.selectbox(t("disease"), diseases, format_func=lambda d: vocab.label("diseases", d, lang), key="compare_disease")
subtypes = [s for s in vocab.subtypes.get(disease, {}) if s in set(atlas.evidence["disease_subtype"].dropna().astype("object"))]
subtype = middle.selectbox(t("subtype"), [None, *subtypes], format_func=lambda s: "—" if s is None else vocab.label("disease_subtypes", s, lang), key="compare_subtype")

options, _ = comparison_choices(disease, subtype)
if not options:
    st.info(t("no_rows"))
    st.stop()
groups = st.multiselect(
    "疗法（2–6种）" if zh else "Therapies (2–6)", options, default=default_therapies(options), max_selections=6,
    format_func=lambda g: therapy_group_label(g, vocab, lang), key="compare_groups",
)
if not groups:
    st.info("请选择至少一种疗法。" if zh else "Choose at least one therapy.")
    st.stop()

_, measures = comparison_choices(disease, subtype, tuple(groups))
measure_col, pool_col, tau_col = st.columns([2, 1, 1])
measure = measure_col.selectbox(t("outcome_measure"), measures or [None], key="compare_measure",
                                format_func=lambda m: "—" if m is None else vocab.label("outcome_measures", m, lang))
pool_measure = pool_col.radio("转换" if zh else "Transformation", ["PLO", "PFT"], horizontal=True, key="compare_pool_measure",
                              help="PLO = logit (0.5 added to 0% / 100% studies); PFT = Freeman–Tukey double arcsine")
tau2_method = tau_col.radio("τ² 估计" if zh else "τ² estimator", ["DL", "REML"], horizontal=True, key="compare_tau2",
                            help="DL = DerSimonian–Laird; REML = restricted maximum likelihood")
method_text = (f"随机效应模型：{pool_measure} 转换，τ² 采用 {tau2_method}；置信区间基于正态近似；I² 按 metafor 定义。"
               if zh else f"Random-effects, {pool_measure} transformation, τ² by {tau2_method}; z-based 95% CI; I² as in metafor (typical within-study variance).")
if measure:
    st.caption(f"{vocab.term('outcome_measures', measure).definition} · {method_text}")
else:
    st.info("所选疗法没有带应答计数的结局；仍显示患者数与安全性。" if zh else "No outcome with responder counts for these therapies; patients and safety are still shown.")

results, table, notes = comparison(disease, subtype, tuple(groups), measure, pool_measure, tau2_method)
readable = render_comparison_table(table, atlas, method_text)
csv_col, xlsx_col = st.columns(2)
with csv_col:
    table_download(readable, f"rheumcell-atlas_compare_{disease}_{measure or 'none'}.csv", "下载比较表 (CSV)" if zh else "Download comparison (CSV)", "compare_table_csv")
with xlsx_col:
    per_study = [r.outcome_rows.assign(therapy=therapy_group_label(r.group, vocab, lang)) for r in results if not r.outcome_rows.empty]
    workbook_download({"Comparison": readable, "Per-study data": pd.concat(per_study) if per_study else pd.DataFrame()},
                      f"rheumcell-atlas_compare_{disease}_{measure or 'none'}.xlsx", "下载比较表 (Excel)" if zh else "Download comparison and per-study data (Excel)", "compare_table_xlsx")

render_sensitivity(results, {"article_only": comparison(disease, subtype, tuple(groups), measure, pool_measure, tau2_method, article_only=True)[0]}
                   if measure and not article_only_on() else {}, atlas)

st.subheader("要点与注意" if zh else "What to keep in mind")
for sentence in caveat_sentences(notes, atlas):
    st.markdown(f"- {sentence}")

if measure:
    st.subheader("森林图" if zh else "Forest plots")
    columns = st.columns(2)
    for index, result in enumerate(r for r in results if not r.outcome_rows.empty):
        with columns[index % 2]:
            st.plotly_chart(forest(result, atlas, measure, (disease, subtype, pool_measure, tau2_method)), width="stretch", key=f"compare_forest_{result.group}")
            table_download(result.outcome_rows, f"rheumcell-atlas_forest_{disease}_{measure}_{result.group.replace('|', '-')}.csv",
                           "下载研究数据" if zh else "Per-study data (CSV)", f"compare_forest_csv_{result.group}")

st.subheader(t("safety"))
safety_panel(results, atlas, (disease, subtype, tuple(groups)))
