"""Compare page building blocks: the side-by-side table, forest plots, safety panel and caveats, in both languages."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components.charts import forest_figure, safety_figure
from components.data import atlas_key
from components.i18n import current_language, t
from evidence import Atlas
from evidence.compare import TherapyComparison
from evidence.sensitivity import sensitivity_table
from evidence.display import grade_marks, marked
from evidence.labels import column_label
from evidence.matrices import therapy_group_label

SAFETY_EVENTS = ["crs_any", "crs_grade3plus", "icans_any", "icans_grade3plus", "serious_infections", "deaths"]


def render_comparison_table(table: pd.DataFrame, atlas: Atlas, method_text: str) -> pd.DataFrame:
    """Draw the side-by-side table; returns it with readable labels (for download)."""
    lang = current_language()
    zh = lang == "zh"
    shown = table.copy()
    shown["therapy_group"] = shown["therapy_group"].map(lambda g: therapy_group_label(g, atlas.vocabulary, lang))
    shown["designs"] = shown["designs"].map(lambda text: "; ".join(atlas.vocabulary.label("designs", d, lang) for d in text.split("; ") if d))
    shown["pooled_text"] = [
        ("" if pd.isna(p) else f"{p:.0%} ({lo:.0%}–{hi:.0%})" + ("" if pooled else (" 单项研究" if zh else " single study")))
        for p, lo, hi, pooled in zip(shown["pooled"], shown["ci_low"], shown["ci_high"], shown["is_pooled"])
    ]
    marks = grade_marks(atlas.vocabulary)
    mark_of = lambda grades: "".join(marks.get(g, "") for g in str(grades or "").split("; ") if g)  # noqa: E731
    # a pooled figure that rests partly on weaker-graded numbers carries their marks and how many cohorts they are
    shown["pooled_text"] = [
        f"{text} {mark_of(grades)} ({k_weak}/{k})" if text and grades else text
        for text, grades, k_weak, k in zip(shown["pooled_text"], shown["weaker_grades"], shown["weaker_k"], shown["k"])
    ]
    for event in SAFETY_EVENTS:
        shown[event] = [f"{text} {mark_of(grades)}" if text and grades else text
                        for text, grades in zip(shown[event], shown.get(f"{event}_weaker_grades", [""] * len(shown)))]
    shown["i2"] = ["—" if pd.isna(v) else f"{v:.0f}%" for v in shown["i2"]]
    shown["tau2"] = ["—" if pd.isna(v) else f"{v:.3f}" for v in shown["tau2"]]
    columns = ["therapy_group", "studies", "patients", "designs", "best_level", "k", "pooled_text", "i2", "tau2", "median_follow_up", "drug_free", *SAFETY_EVENTS]
    config = {
        "therapy_group": st.column_config.TextColumn("疗法" if zh else "Therapy", pinned=True),
        "studies": st.column_config.NumberColumn("研究" if zh else "Studies", format="%d"),
        "patients": st.column_config.NumberColumn("患者" if zh else "Patients", format="%d", help="Counted once per study cohort"),
        "designs": st.column_config.TextColumn("设计" if zh else "Designs"),
        "best_level": st.column_config.NumberColumn("最佳等级" if zh else "Best level", format="%d", help="Oxford CEBM 2011; lower is stronger"),
        "k": st.column_config.NumberColumn("合并研究数" if zh else "k pooled", format="%d", help="Cohorts with responder counts for the measure"),
        "pooled_text": st.column_config.TextColumn("合并比例 (95% CI)" if zh else "Pooled (95% CI)", help=f"{method_text} {t('pooled_grade_help')}"),
        "i2": st.column_config.TextColumn("I²", help="metafor's I²: share of variability due to between-study heterogeneity; — when fewer than two studies"),
        "tau2": st.column_config.TextColumn("τ²", help="Between-study variance on the transformed scale; — when fewer than two studies"),
        "median_follow_up": st.column_config.NumberColumn("中位随访（月）" if zh else "Median follow-up (mo)", format="%.1f"),
        "drug_free": st.column_config.TextColumn("无药缓解" if zh else "Drug-free remission", help="Responders / evaluated where reported"),
        **{event: st.column_config.TextColumn(column_label(event, lang), help="events / patients in the studies that report it") for event in SAFETY_EVENTS},
    }
    st.dataframe(shown[columns], hide_index=True, width="stretch", column_config=config)
    return shown[columns].rename(columns={c: (config[c].get("label") if isinstance(config[c], dict) else c) or c for c in columns})


def render_sensitivity(results: list[TherapyComparison], analyses: dict[str, list[TherapyComparison]], atlas: Atlas) -> pd.DataFrame | None:
    """The sensitivity table beside the main result: shown only where an analysis changes k or the estimate."""
    table = sensitivity_table(results, analyses)
    changed = set(table.loc[table["differs"], "therapy_group"])
    if not changed:
        return None
    lang = current_language()
    shown = table[table["therapy_group"].isin(changed)].copy()
    shown["therapy_group"] = shown["therapy_group"].map(lambda g: therapy_group_label(g, atlas.vocabulary, lang))
    shown["analysis"] = shown["analysis"].map(lambda a: t(f"sensitivity_{a}"))
    shown["estimate"] = ["—" if pd.isna(p) else f"{p:.0%} ({lo:.0%}–{hi:.0%})" + ("" if pooled else f" {t('single_study')}")
                         for p, lo, hi, pooled in zip(shown["pooled"], shown["ci_low"], shown["ci_high"], shown["is_pooled"])]
    st.subheader(t("sensitivity_title"))
    st.caption(t("sensitivity_caption"))
    columns = ["therapy_group", "analysis", "k", "patients_pooled", "estimate"]
    st.dataframe(shown[columns], hide_index=True, width="stretch", column_config={
        "therapy_group": st.column_config.TextColumn(t("therapy")),
        "analysis": st.column_config.TextColumn(t("analysis")),
        "k": st.column_config.NumberColumn("k", format="%d"),
        "patients_pooled": st.column_config.NumberColumn(t("patients_pooled"), format="%d"),
        "estimate": st.column_config.TextColumn(t("pooled_ci")),
    })
    return shown


def forest(result: TherapyComparison, atlas: Atlas, measure: str, choices: tuple) -> go.Figure:
    """The forest plot of one therapy; built once per (data, choices, therapy, measure, language) and shared."""
    return _forest(atlas_key(), choices, result.group, measure, current_language(), result, atlas)


@st.cache_resource(show_spinner=False, max_entries=256)
def _forest(key: tuple, choices: tuple, group: str, measure: str, lang: str, _result: TherapyComparison, _atlas: Atlas) -> go.Figure:
    result, atlas = _result, _atlas
    zh = lang == "zh"
    rows = result.outcome_rows.copy()
    marks = grade_marks(atlas.vocabulary)
    rows["label"] = [marked(label, grade, marks) for label, grade in zip(rows["label"], rows["grade"])]
    rows["text"] = [
        f"{r.label}: {r.responders}/{r.evaluated} = {r.proportion:.0%} (95% CI {r.ci_low:.0%}–{r.ci_high:.0%}); weight {r.weight:.1f}%"
        for r in rows.itertuples()
    ]
    pooled = None
    if result.pooled is not None and result.pooled.pooled:
        p = result.pooled
        pooled = {
            "estimate": p.estimate, "ci_low": p.ci_low, "ci_high": p.ci_high, "pi_low": p.pi_low, "pi_high": p.pi_high,
            "label": "合并估计" if zh else "Pooled (random effects)",
            "text": f"{p.estimate:.0%} (95% CI {p.ci_low:.0%}–{p.ci_high:.0%}); I² {p.i2:.0f}%, τ² {p.tau2:.3f}; k = {p.k}",
        }
    title = f"{therapy_group_label(result.group, atlas.vocabulary, lang)} — {atlas.vocabulary.label('outcome_measures', measure, lang)}"
    labels = {"study": "研究" if zh else "Study (exact 95% CI)", "pooled": "合并" if zh else "Pooled 95% CI",
              "prediction": "预测区间" if zh else "95% prediction interval", "axis": "应答比例" if zh else "Proportion of responders"}
    return forest_figure(rows, pooled, title=title, labels=labels)


def safety_rates(results: list[TherapyComparison], atlas: Atlas, lang: str) -> pd.DataFrame:
    frames = []
    for result in results:
        rates = result.safety[result.safety["patients"] > 0].copy()
        rates["therapy"] = therapy_group_label(result.group, atlas.vocabulary, lang)
        rates["event"] = rates["event"].map(lambda e: column_label(e, lang))
        rates["text"] = [f"{r.therapy}: {r.events}/{r.patients} ({r.proportion:.0%}; 95% CI {r.ci_low:.0%}–{r.ci_high:.0%}); {r.studies} studies"
                         for r in rates.itertuples()]
        frames.append(rates)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


@st.cache_resource(show_spinner=False, max_entries=128)
def _safety_figure(key: tuple, choices: tuple, lang: str, _results: list[TherapyComparison], _atlas: Atlas) -> go.Figure | None:
    rates = safety_rates(_results, _atlas, lang)
    return None if rates.empty else safety_figure(rates, labels={"axis": "发生比例" if lang == "zh" else "Proportion of patients"})


def safety_panel(results: list[TherapyComparison], atlas: Atlas, choices: tuple) -> None:
    lang = current_language()
    zh = lang == "zh"
    figure = _safety_figure(atlas_key(), choices, lang, results, atlas)
    if figure is None:
        st.info("所选疗法没有报告安全性计数。" if zh else "No safety counts are reported for the chosen therapies.")
        return
    st.plotly_chart(figure, width="stretch", key="compare_safety_chart")
    st.caption(
        "安全性人群为研究的全部受治患者（可能跨多个疾病）；未报告的事件不计入分母。"
        if zh else "Safety populations are all treated patients of each study (may span diseases); studies that do not report an event are left out of its denominator."
    )


def caveat_sentences(notes: list[dict], atlas: Atlas) -> list[str]:
    lang = current_language()
    zh = lang == "zh"
    sentences = []
    for note in notes:
        name = therapy_group_label(note["therapy_group"], atlas.vocabulary, lang)
        kind = note["kind"]
        if kind == "no_data":
            sentences.append(f"{name}: " + ("没有该指标的应答计数。" if zh else "no responder counts for this measure."))
        elif kind == "basis":
            designs = ", ".join(atlas.vocabulary.label("designs", d, lang) for d in note["designs"])
            sentences.append(f"{name}: " + (f"基于 {note['k']} 个队列（{designs}）。" if zh else f"based on {note['k']} cohort(s) ({designs})."))
        elif kind == "single_study":
            sentences.append(f"{name}: " + ("仅一项研究，显示该研究的精确置信区间，而非合并估计。" if zh else "a single study — its own exact CI is shown, not a pooled estimate."))
        elif kind == "case_series_only":
            sentences.append(f"{name}: " + ("估计仅基于病例报告/病例系列，无对照。" if zh else "the estimate rests only on case reports / case series, without a control group."))
        elif kind == "heterogeneity":
            sentences.append(f"{name}: " + (f"异质性高（I² = {note['i2']:.0f}%）。" if zh else f"substantial heterogeneity (I² = {note['i2']:.0f}%)."))
        elif kind == "method_sensitive":
            sentences.append(f"{name}: " + (f"不同合并方法的估计相差 {note['spread']:.0%}，结论对方法敏感。" if zh else f"pooling methods disagree by {note['spread']:.0%} — the estimate is sensitive to the method."))
    return sentences
