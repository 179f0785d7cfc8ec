"""Compare page building blocks: the side-by-side table, summary of findings with certainty, sensitivity analyses,
forest plots with grade marks and risk of bias, durability, safety panel and caveats, in both languages."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components.caching import cache_resource
from components.charts import cumulative_figure, durability_figure, forest_figure, safety_figure
from components.data import atlas_key
from components.i18n import current_language, t
from evidence import Atlas
from evidence.certainty import Certainty
from evidence.compare import PoolMethod, TherapyComparison
from evidence.display import grade_marks, marked
from evidence.labels import column_label
from evidence.matrices import therapy_group_label
from evidence.sensitivity import sensitivity_table

SAFETY_EVENTS = ["crs_any", "crs_grade3plus", "icans_any", "icans_grade3plus", "serious_infections", "deaths"]


def method_text(method: PoolMethod) -> str:
    """One sentence naming the model actually chosen, for captions and the table's help."""
    if method.model == "GLMM":
        return t("method_glmm")
    return t("method_nn", measure=t(f"measure_{method.measure}"), tau2=method.tau2_method, test=t(f"test_{method.test}"))


def _percent_ci(estimate, low, high, pooled=True) -> str:
    if pd.isna(estimate):
        return "—"
    return f"{estimate:.0%} ({low:.0%}–{high:.0%})" + ("" if pooled else f" {t('single_study')}")


def render_comparison_table(table: pd.DataFrame, atlas: Atlas, method: PoolMethod, certainty: dict[str, Certainty | None]) -> pd.DataFrame:
    """Draw the side-by-side table; returns it with readable labels (for download)."""
    lang = current_language()
    shown = table.copy()
    shown["certainty"] = [t(f"certainty_{certainty[g].level}") if certainty.get(g) else "—" for g in shown["therapy_group"]]
    shown["therapy_group"] = shown["therapy_group"].map(lambda g: therapy_group_label(g, atlas.vocabulary, lang))
    shown["designs"] = shown["designs"].map(lambda text: "; ".join(atlas.vocabulary.label("designs", d, lang) for d in text.split("; ") if d))
    shown["pooled_text"] = [_percent_ci(p, lo, hi, pooled) for p, lo, hi, pooled in zip(shown["pooled"], shown["ci_low"], shown["ci_high"], shown["is_pooled"])]
    marks = grade_marks(atlas.vocabulary)
    mark_of = lambda grades: "".join(marks.get(g, "") for g in str(grades or "").split("; ") if g)  # noqa: E731
    # a pooled figure that rests partly on weaker-graded numbers carries their marks and how many cohorts they are
    shown["pooled_text"] = [
        f"{text} {mark_of(grades)} ({k_weak}/{k})" if text != "—" and grades else text
        for text, grades, k_weak, k in zip(shown["pooled_text"], shown["weaker_grades"], shown["weaker_k"], shown["k"])
    ]
    for event in SAFETY_EVENTS:
        shown[event] = [f"{text} {mark_of(grades)}" if text and grades else text
                        for text, grades in zip(shown[event], shown.get(f"{event}_weaker_grades", [""] * len(shown)))]
    shown["i2"] = ["—" if pd.isna(v) else f"{v:.0f}%" for v in shown["i2"]]
    shown["tau2"] = ["—" if pd.isna(v) else f"{v:.3f}" for v in shown["tau2"]]
    columns = ["therapy_group", "studies", "patients", "designs", "best_level", "k", "pooled_text", "certainty", "i2", "tau2",
               "median_follow_up", "drug_free", *SAFETY_EVENTS]
    config = {
        "therapy_group": st.column_config.TextColumn(t("therapy"), pinned=True),
        "studies": st.column_config.NumberColumn(t("studies_short"), format="%d"),
        "patients": st.column_config.NumberColumn(t("patients_short"), format="%d", help=t("patients_once_help")),
        "designs": st.column_config.TextColumn(t("designs")),
        "best_level": st.column_config.NumberColumn(t("best_level"), format="%d", help=t("best_level_help")),
        "k": st.column_config.NumberColumn(t("k_pooled"), format="%d", help=t("k_pooled_help")),
        "pooled_text": st.column_config.TextColumn(t("pooled_ci"), help=f"{method_text(method)} {t('pooled_grade_help')}"),
        "certainty": st.column_config.TextColumn(t("certainty"), help=t("certainty_help")),
        "i2": st.column_config.TextColumn("I²", help=t("i2_help")),
        "tau2": st.column_config.TextColumn("τ²", help=t("tau2_help")),
        "median_follow_up": st.column_config.NumberColumn(t("median_follow_up"), format="%.1f"),
        "drug_free": st.column_config.TextColumn(t("drug_free"), help=t("drug_free_help")),
        **{event: st.column_config.TextColumn(column_label(event, lang), help=t("safety_cell_help")) for event in SAFETY_EVENTS},
    }
    st.dataframe(shown[columns], hide_index=True, width="stretch", column_config=config)
    return shown[columns].rename(columns={c: (config[c].get("label") if isinstance(config[c], dict) else c) or c for c in columns})


def _reason_text(reason) -> str:
    values = dict(reason.values)
    for name in ("share", "ci_width", "pi_width"):
        if name in values and values[name] == values[name]:  # not NaN
            values[name] = f"{values[name]:.0%}"
    if "i2" in values:
        values["i2"] = "—" if values["i2"] != values["i2"] else f"{values['i2']:.0f}%"
    return t(f"reason_{reason.key}", **values)


def render_summary_of_findings(results: list[TherapyComparison], certainty: dict[str, Certainty | None], measure: str, atlas: Atlas) -> pd.DataFrame | None:
    """Summary-of-findings table: per therapy the pooled result, its certainty and a numbered footnote per downgrade."""
    lang = current_language()
    rows, footnotes = [], []
    for result in results:
        rating = certainty.get(result.group)
        if rating is None:
            continue
        marks = []
        for reason in rating.downgrades:
            footnotes.append(f"{len(footnotes) + 1}. {t('domain_' + reason.domain)} (−{reason.steps}): {_reason_text(reason)}")
            marks.append(str(len(footnotes)))
        pooled = result.pooled
        rows.append({
            "therapy": therapy_group_label(result.group, atlas.vocabulary, lang),
            "outcome": atlas.vocabulary.label("outcome_measures", measure, lang),
            "k": pooled.k, "patients": int(result.outcome_rows["evaluated"].sum()),
            "estimate": _percent_ci(pooled.estimate, pooled.ci_low, pooled.ci_high, pooled.pooled),
            "certainty": f"{t('certainty_' + rating.level)}" + (f" ({', '.join(marks)})" if marks else ""),
            "start": t(f"certainty_start_{rating.start}"),
        })
    if not rows:
        return None
    st.subheader(t("sof_title"))
    st.caption(t("sof_caption"))
    table = pd.DataFrame(rows)
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "therapy": st.column_config.TextColumn(t("therapy")), "outcome": st.column_config.TextColumn(t("outcome_measure")),
        "k": st.column_config.NumberColumn("k", format="%d"), "patients": st.column_config.NumberColumn(t("patients_pooled"), format="%d"),
        "estimate": st.column_config.TextColumn(t("pooled_ci")),
        "certainty": st.column_config.TextColumn(t("certainty"), help=t("certainty_help")),
        "start": st.column_config.TextColumn(t("certainty_start"), help=t("certainty_start_help")),
    })
    if footnotes:  # one element for all of them: the browser's cost is per element (bench/RESULTS.md)
        st.caption("\n".join(footnotes))
    return table


def render_sensitivity(results: list[TherapyComparison], analyses: dict[str, list[TherapyComparison]], loo: dict[str, pd.DataFrame],
                       atlas: Atlas) -> pd.DataFrame | None:
    """The sensitivity table beside the main result: leave-one-out extremes and every named re-analysis."""
    table = sensitivity_table(results, analyses, loo)
    if table.empty or not table["analysis"].ne("main").any():
        return None
    lang = current_language()
    shown = table.copy()
    shown["therapy_group"] = shown["therapy_group"].map(lambda g: therapy_group_label(g, atlas.vocabulary, lang))
    shown["analysis"] = [t(f"sensitivity_{a}", study=detail) for a, detail in zip(shown["analysis"], shown["detail"])]
    shown["estimate"] = [_percent_ci(p, lo, hi, pooled) for p, lo, hi, pooled in zip(shown["pooled"], shown["ci_low"], shown["ci_high"], shown["is_pooled"])]
    shown["differs"] = [t("sensitivity_differs") if d else "" for d in shown["differs"]]
    st.subheader(t("sensitivity_title"))
    st.caption(t("sensitivity_caption"))
    columns = ["therapy_group", "analysis", "k", "patients_pooled", "estimate", "differs"]
    st.dataframe(shown[columns], hide_index=True, width="stretch", column_config={
        "therapy_group": st.column_config.TextColumn(t("therapy")),
        "analysis": st.column_config.TextColumn(t("analysis")),
        "k": st.column_config.NumberColumn("k", format="%d"),
        "patients_pooled": st.column_config.NumberColumn(t("patients_pooled"), format="%d"),
        "estimate": st.column_config.TextColumn(t("pooled_ci")),
        "differs": st.column_config.TextColumn(t("sensitivity_changes")),
    })
    return shown


def forest(result: TherapyComparison, atlas: Atlas, measure: str, choices: tuple, risk: dict[str, str | None]) -> go.Figure:
    """The forest plot of one therapy; built once per (data, choices, therapy, measure, language) and shared."""
    return _forest(atlas_key(), choices, result.group, measure, current_language(), result, atlas, risk)


@cache_resource(max_entries=256)
def _forest(key: tuple, choices: tuple, group: str, measure: str, lang: str, _result: TherapyComparison, _atlas: Atlas, _risk: dict) -> go.Figure:
    result, atlas = _result, _atlas
    rows = result.outcome_rows.copy()
    marks = grade_marks(atlas.vocabulary)
    rows["label"] = [marked(label, grade, marks) for label, grade in zip(rows["label"], rows["grade"])]
    rows["rob"] = [atlas.vocabulary.label("risk_of_bias", _risk.get(s), lang) if _risk.get(s) else t("rob_not_appraised") for s in rows["study_id"]]
    rows["text"] = [
        f"{r.label}: {r.responders}/{r.evaluated} = {r.proportion:.0%} (95% CI {r.ci_low:.0%}–{r.ci_high:.0%}); {t('weight')} {r.weight:.1f}%; {t('risk_of_bias')}: {r.rob}"
        for r in rows.itertuples()
    ]
    pooled = None
    if result.pooled is not None and result.pooled.pooled:
        p = result.pooled
        i2 = "—" if p.i2 is None else f"{p.i2:.0f}%"
        pooled = {
            "estimate": p.estimate, "ci_low": p.ci_low, "ci_high": p.ci_high, "pi_low": p.pi_low, "pi_high": p.pi_high,
            "label": t("pooled_label_glmm") if p.model == "GLMM" else t("pooled_label_nn"),
            "text": f"{p.estimate:.0%} (95% CI {p.ci_low:.0%}–{p.ci_high:.0%}); I² {i2}, τ² {p.tau2:.3f}; k = {p.k}",
        }
    title = f"{therapy_group_label(result.group, atlas.vocabulary, lang)} — {atlas.vocabulary.label('outcome_measures', measure, lang)}"
    labels = {"study": t("forest_study"), "pooled": t("forest_pooled"), "prediction": t("forest_prediction"),
              "axis": t("forest_axis"), "rob": t("risk_of_bias")}
    return forest_figure(rows, pooled, title=title, labels=labels)


def durability_panel(points: pd.DataFrame, missing: int, cumulative: pd.DataFrame, atlas: Atlas, key: str, choices: tuple) -> None:
    """Responders over months since infusion, one line per cohort; and the cumulative pooled estimate by year.
    `choices` (disease, subtype, group, measure, method) names what the panel shows, so its figures are built once."""
    lang = current_language()
    if points.empty:
        st.info(t("durability_none"))
    else:
        st.plotly_chart(_durability_figures(atlas_key(), choices, lang, points, cumulative, atlas)[0], width="stretch", key=f"{key}_durability")
    if missing:
        st.caption(t("durability_missing", n=missing))
    if len(cumulative) >= 1:
        st.markdown(f"**{t('cumulative_title')}**")
        st.plotly_chart(_durability_figures(atlas_key(), choices, lang, points, cumulative, atlas)[1], width="stretch", key=f"{key}_cumulative")


@cache_resource(max_entries=128)
def _durability_figures(key: tuple, choices: tuple, lang: str, _points: pd.DataFrame, _cumulative: pd.DataFrame,
                        _atlas: Atlas) -> tuple[go.Figure | None, go.Figure | None]:
    # shared figures, as the forest plots: st.plotly_chart only reads them; building both was a fifth of a rerun
    marks = grade_marks(_atlas.vocabulary)
    durability = cumulative = None
    if not _points.empty:
        points = _points.assign(text=[
            f"{marked(p.label, p.grade, marks)}: {p.responders}/{p.evaluated} ({p.proportion:.0%}; 95% CI {p.ci_low:.0%}–{p.ci_high:.0%}) · {p.timepoint_months:g} {t('months_short')}"
            for p in _points.itertuples()
        ])
        durability = durability_figure(points, labels={"x": t("durability_x"), "y": t("durability_y")})
    if len(_cumulative) >= 1:
        rows = _cumulative.assign(text=[f"{r.year}: {_percent_ci(r.estimate, r.ci_low, r.ci_high, r.pooled)}; k = {r.k}, {r.patients} {t('patients_short')}; + {r.added}"
                                        for r in _cumulative.itertuples()])
        cumulative = cumulative_figure(rows, labels={"x": t("year"), "y": t("forest_axis")})
    return durability, cumulative


def safety_rates(results: list[TherapyComparison], atlas: Atlas, lang: str) -> pd.DataFrame:
    frames = []
    for result in results:
        rates = result.safety[result.safety["patients"] > 0].copy()
        rates["therapy"] = therapy_group_label(result.group, atlas.vocabulary, lang)
        rates["event"] = rates["event"].map(lambda e: column_label(e, lang))
        rates["text"] = [f"{r.therapy}: {r.events}/{r.patients} ({r.proportion:.0%}; 95% CI {r.ci_low:.0%}–{r.ci_high:.0%}); {r.studies} {t('studies_short')}"
                         for r in rates.itertuples()]
        frames.append(rates)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


@cache_resource(max_entries=128)
def _safety_figure(key: tuple, choices: tuple, lang: str, _results: list[TherapyComparison], _atlas: Atlas) -> go.Figure | None:
    rates = safety_rates(_results, _atlas, lang)
    return None if rates.empty else safety_figure(rates, labels={"axis": t("safety_axis")})


def safety_panel(results: list[TherapyComparison], atlas: Atlas, choices: tuple) -> None:
    figure = _safety_figure(atlas_key(), choices, current_language(), results, atlas)
    if figure is None:
        st.info(t("safety_none"))
        return
    st.plotly_chart(figure, width="stretch", key="compare_safety_chart")
    st.caption(t("safety_caption"))


def caveat_sentences(notes: list[dict], atlas: Atlas) -> list[str]:
    lang = current_language()
    sentences = []
    for note in notes:
        name = therapy_group_label(note["therapy_group"], atlas.vocabulary, lang)
        values = {k: v for k, v in note.items() if k not in ("therapy_group", "kind")}
        if "designs" in values:
            values["designs"] = ", ".join(atlas.vocabulary.label("designs", d, lang) for d in values["designs"])
        if "i2" in values:
            values["i2"] = f"{values['i2']:.0f}%"
        if "spread" in values:
            values["spread"] = f"{values['spread']:.0%}"
        sentences.append(f"{name}: {t('caveat_' + note['kind'], **values)}")
    return sentences
