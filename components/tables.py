"""The Explorer grid with a column_config on every column, and the full record of one study."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.data import grid_rows
from components.i18n import current_language, t
from components.text import escape_markdown
from evidence import Atlas
from evidence.display import (
    doi_url,
    grade_marks,
    marked,
    pubmed_url,
    safe_url,
    timepoint_text,
    trial_url,
)
from evidence.filters import Filters
from evidence.labels import column_help, column_label, translate_codes

MAX_GRID_ROWS = 2000  # the grid never receives more rows than a reader can scroll; downloads carry everything


def _config(lang: str) -> dict:
    label = lambda column: column_label(column, lang)  # noqa: E731 - a short local alias keeps the table below legible
    return {
        "study": st.column_config.TextColumn(t("upload_study"), help=t("explorer_study_help"), pinned=True, width="medium"),
        "disease": st.column_config.TextColumn(label("disease"), help=column_help("disease", lang)),
        "disease_subtype": st.column_config.TextColumn(label("disease_subtype"), help=column_help("disease_subtype", lang)),
        "therapy_class": st.column_config.TextColumn(label("therapy_class"), help=column_help("therapy_class", lang)),
        "target": st.column_config.TextColumn(label("target"), help=column_help("target", lang), width="small"),
        "therapy": st.column_config.TextColumn(label("therapy"), help=column_help("therapy", lang)),
        "design": st.column_config.TextColumn(label("design"), help=column_help("design", lang)),
        "evidence_level": st.column_config.NumberColumn(label("evidence_level"), help=column_help("evidence_level", lang), format="%d", width="small"),
        "n_patients": st.column_config.NumberColumn(label("n_patients"), help=column_help("n_patients", lang), format="%d", width="small"),
        "outcome_measure": st.column_config.TextColumn(label("outcome_measure"), help=column_help("outcome_measure", lang)),
        "timepoint": st.column_config.TextColumn(t("explorer_timepoint"), help=t("explorer_timepoint_help")),
        "result": st.column_config.TextColumn(
            t("durability_y"),
            help=t("explorer_result_help"),
            width="small",
        ),
        "proportion": st.column_config.ProgressColumn(
            t("explorer_proportion"), help=t("explorer_proportion_help"), format="percent", min_value=0.0, max_value=1.0, width="small"
        ),
        "percent_reported": st.column_config.NumberColumn(label("percent_reported"), help=column_help("percent_reported", lang), format="%.1f%%", width="small"),
        "value": st.column_config.NumberColumn(label("value"), help=column_help("value", lang), width="small"),
        "grades": st.column_config.TextColumn(label("grades"), help=t("grade_help"), width="small"),
        "crs_any": st.column_config.NumberColumn(label("crs_any"), help=column_help("crs_any", lang), format="%d", width="small"),
        "crs_grade3plus": st.column_config.NumberColumn(label("crs_grade3plus"), help=column_help("crs_grade3plus", lang), format="%d", width="small"),
        "icans_any": st.column_config.NumberColumn(label("icans_any"), help=column_help("icans_any", lang), format="%d", width="small"),
        "icans_grade3plus": st.column_config.NumberColumn(label("icans_grade3plus"), help=column_help("icans_grade3plus", lang), format="%d", width="small"),
        "follow_up_months": st.column_config.NumberColumn(label("follow_up_months"), help=column_help("follow_up_months", lang), format="%.1f", width="small"),
        "doi_url": st.column_config.LinkColumn("DOI", help=column_help("doi", lang), display_text=r"https://doi\.org/(.*)"),
        "pubmed_url": st.column_config.LinkColumn("PMID", help=column_help("pmid", lang), display_text=r"https://pubmed\.ncbi\.nlm\.nih\.gov/(\d+)/", width="small"),
        "trial_url": st.column_config.LinkColumn("NCT", help=column_help("nct_ids", lang), display_text=r"https://clinicaltrials\.gov/study/(NCT\d+)", width="small"),
        "source_link": st.column_config.LinkColumn(label("source_url"), help=column_help("source_url", lang), display_text="↗", width="small"),
        "source_note": st.column_config.TextColumn(label("source_note"), help=column_help("source_note", lang)),
        "origin": st.column_config.TextColumn(label("origin"), help=column_help("origin", lang), width="small"),
        "study_id": st.column_config.TextColumn(label("study_id"), help=column_help("study_id", lang)),
    }


def evidence_grid(filters: Filters, key: str) -> str | None:
    """Draw the filtered evidence; returns the study id of the selected row, if any."""
    lang = current_language()
    rows = grid_rows(filters, lang, MAX_GRID_ROWS)
    st.caption(t("grade_legend"))
    event = st.dataframe(
        rows,
        column_config=_config(lang),
        hide_index=True,
        width="stretch",
        height=min(560, 38 + 35 * max(len(rows), 1)),
        on_select="rerun",
        selection_mode="single-row",
        key=key,
    )
    selected = event.selection.rows if event and event.selection else []
    return rows.iloc[selected[0]]["study_id"] if selected and selected[0] < len(rows) else None


OPEN_PARAM = "open"  # ?open=<study id> opens a study's record: a link to one study can be shared


def opened_study(selected: str | None, atlas: Atlas) -> str | None:
    """The study to show in full: the selected row, else a valid ?open= id from the URL; keeps the URL in step."""
    if selected:
        st.query_params[OPEN_PARAM] = selected
        return selected
    requested = st.query_params.get(OPEN_PARAM)
    if requested and requested in set(atlas.studies["study_id"]):
        return requested
    if requested:
        del st.query_params[OPEN_PARAM]
    return None


def _facts_table(pairs: list[tuple[str, object]]) -> None:
    frame = pd.DataFrame([(name, "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)) for name, value in pairs], columns=["field", "value"])
    st.dataframe(frame, hide_index=True, width="stretch", column_config={"field": st.column_config.TextColumn(" ", width="medium"), "value": st.column_config.TextColumn(" ", width="large")})


def _grade_label(grade, atlas: Atlas, lang: str) -> str:
    """'ⓢ Secondary report' (the mark, then the grade's name); blank for a blank number."""
    if not isinstance(grade, str):
        return ""
    mark = grade_marks(atlas.vocabulary).get(grade, "")
    return f"{mark} {atlas.vocabulary.label('grades', grade, lang)}".strip()


def _links(*urls) -> str | None:
    """The first https address of a '; '-joined list (the grid's link column takes one address)."""
    for value in urls:
        for url in str(value).split("; ") if isinstance(value, str) else ():
            if safe_url(url):
                return safe_url(url)
    return None


def study_detail(study_id: str, atlas: Atlas) -> None:
    """Everything the atlas holds on one study: citation, therapy, every outcome and timepoint with its grade, safety
    with the grade of each count, sources (canonical and read-at), overlaps."""
    lang = current_language()
    marks = grade_marks(atlas.vocabulary)
    study_rows = atlas.studies[atlas.studies["study_id"] == study_id]
    if study_rows.empty:
        st.warning(f"Unknown study: {study_id}")
        return
    study = translate_codes(study_rows, atlas.vocabulary, lang).iloc[0]
    raw = study_rows.iloc[0]
    st.markdown(f"#### {escape_markdown(str(study['title']))}")
    venue = study["meeting"] if isinstance(raw["meeting"], str) and raw["meeting"] else study["journal"]
    number = f" · {raw['abstract_number']}" if isinstance(raw["abstract_number"], str) and raw["abstract_number"] else ""
    st.caption(escape_markdown(f"{study['first_author']} et al. · {venue}{number} · {study['year']} · {study['design']} · {study['publication_type']}"))
    links = {"DOI": doi_url(raw["doi"]), "PubMed": pubmed_url(raw["pmid"]), "ClinicalTrials.gov": trial_url(raw["nct_ids"])}
    columns = st.columns(len(links))
    for column, (name, url) in zip(columns, links.items()):
        if url:
            column.link_button(name, url)
    follow_up = raw["follow_up_months"]
    _facts_table([
        *((column_label(c, lang), study[c]) for c in ("therapy_class", "therapy", "target", "cell_source", "tissue_source",
                                                        "engineering", "mechanisms", "dose", "conditioning", "evidence_level",
                                                        "country", "nct_ids")),
        (column_label("follow_up_months", lang), marked(f"{follow_up:g}", raw["follow_up_grade"], marks) if pd.notna(follow_up) else t("not_reported")),
        (column_label("follow_up_kind", lang), study["follow_up_kind"]),
        (column_label("notes", lang), study["notes"]),
    ])
    st.caption(t("grade_legend"))
    rows = atlas.evidence[atlas.evidence["study_id"] == study_id]
    outcomes = translate_codes(rows, atlas.vocabulary, lang)
    st.markdown(f"**{t('outcomes')}**")
    count_text = lambda value, grade: marked(str(value), grade, marks) if pd.notna(value) else ""  # noqa: E731
    outcome_table = pd.DataFrame({
        column_label("disease", lang): outcomes["disease"].astype("object"),
        column_label("disease_subtype", lang): outcomes["disease_subtype"].astype("object"),
        column_label("n_patients", lang): [count_text(n, g) for n, g in zip(rows["n_patients"], rows["n_grade"])],
        column_label("outcome_measure", lang): outcomes["outcome_measure"].astype("object"),
        column_label("timepoint_label", lang): [timepoint_text(m, lab) for m, lab in zip(rows["timepoint_months"], rows["timepoint_label"])],
        column_label("responders", lang): [count_text(v, g) for v, g in zip(rows["responders"], rows["grade"])],
        column_label("evaluated", lang): rows["evaluated"],
        column_label("percent_reported", lang): [count_text(v, g) for v, g in zip(rows["percent_reported"], rows["grade"])],
        column_label("value", lang): [count_text(v, g) for v, g in zip(rows["value"], rows["grade"])],
        column_label("comparator_label", lang): rows["comparator_label"],
        column_label("grade", lang): [_grade_label(g, atlas, lang) if pd.notna(m) else "" for g, m in zip(rows["grade"], rows["outcome_measure"])],
        column_label("source_url", lang): rows["source_url"].fillna(rows["n_source_url"]).map(safe_url),
        column_label("read_at", lang): [_links(r) for r in rows["read_at"]],
        column_label("source_note", lang): rows["source_note"].fillna(rows["n_source_note"]),
    })
    link = st.column_config.LinkColumn(display_text="↗")
    st.dataframe(outcome_table, hide_index=True, width="stretch",
                 column_config={column_label("source_url", lang): link, column_label("read_at", lang): link})
    safety = atlas.safety[atlas.safety["study_id"] == study_id]
    st.markdown(f"**{t('safety')}**")
    if safety.empty:
        st.text(t("not_reported"))
    else:
        row = safety.iloc[0]
        counts = [("safety_n", "safety_grade"), *((c, f"{c}_grade") for c in ("crs_any", "crs_grade3plus", "icans_any", "icans_grade3plus", "serious_infections", "deaths"))]
        _facts_table([
            *((column_label(c, lang), marked(str(row[c]), row[g], marks) if pd.notna(row[c]) else t("not_reported")) for c, g in counts),
            (column_label("safety_grade", lang), _grade_label(row["safety_grade"], atlas, lang)),
            (column_label("safety_source_note", lang), row["safety_source_note"]),
        ])
        buttons = st.columns(2)
        url = safe_url(row["safety_source_url"])
        if url:
            buttons[0].link_button(column_label("safety_source_url", lang), url)
        read_at = _links(row["safety_read_at"])
        if read_at:
            buttons[1].link_button(column_label("safety_read_at", lang), read_at)
    _limitations(raw, atlas, lang)
    overlaps = [(column_label(c, lang), raw[c]) for c in ("supersedes", "superseded_by", "related") if isinstance(raw[c], str) and raw[c]]
    if overlaps:
        st.markdown(f"**{t('overlap')}**")
        _facts_table(overlaps)


def _limitations(raw: pd.Series, atlas: Atlas, lang: str) -> None:
    """The study's limitations: the overall judgement by the atlas's rule, then every item as the curator answered it."""
    st.markdown(f"**{t('study_limitations')}**")
    if not isinstance(raw["risk_of_bias"], str):
        st.text(t("rob_not_appraised"))
        return
    vocab = atlas.vocabulary
    tool = t(f"rob_tool_{raw['rob_tool']}")
    st.caption(f"{vocab.label('risk_of_bias', raw['risk_of_bias'], lang)} · {tool} · {t('rob_assessed_from')}: {raw['rob_assessed_from']}")
    items = [part.split(": ", 1) for part in str(raw["rob_items"]).split("; ") if ": " in part]
    _facts_table([(vocab.label("appraisal_items", name, lang), vocab.label("appraisal_items", answer, lang)) for name, answer in items])
