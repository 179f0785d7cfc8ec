"""Tables shaped for reading on screen: labels for codes, safe links, result as "r / n" with its proportion.

Links: only https:// addresses are ever shown as links (a `javascript:` or `http:` URL from data or an upload
would otherwise be clickable in a link column); identifiers become links only through fixed https templates.
"""

from __future__ import annotations

import re

import pandas as pd

from evidence.labels import translate_codes
from evidence.tables import SAFETY_COUNTS
from evidence.vocabulary import Vocabulary

NCT_PATTERN = re.compile(r"NCT\d{8}")
DOI_URL = "https://doi.org/{}"
PUBMED_URL = "https://pubmed.ncbi.nlm.nih.gov/{}/"
TRIAL_URL = "https://clinicaltrials.gov/study/{}"

# Column order of the Explorer grid (display name -> column of display_rows)
EXPLORER_COLUMNS = [
    "study", "disease", "disease_subtype", "therapy_class", "target", "outcome_measure", "timepoint", "result",
    "proportion", "grades", "percent_reported", "value", "n_patients", "design", "evidence_level", "therapy",
    "crs_any", "crs_grade3plus", "icans_any", "icans_grade3plus", "follow_up_months", "doi_url", "pubmed_url",
    "trial_url", "source_link", "source_note", "origin", "study_id",
]


def safe_url(url) -> str | None:
    """The URL if it is an https:// address without spaces or control characters, otherwise None."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if url.lower().startswith("https://") and not re.search(r"[\s\x00-\x1f<>\"']", url):
        return url
    return None


def doi_url(doi) -> str | None:
    return DOI_URL.format(doi) if isinstance(doi, str) and re.fullmatch(r"10\.\d{4,9}/\S+", doi) else None


def pubmed_url(pmid) -> str | None:
    return PUBMED_URL.format(int(pmid)) if pd.notna(pmid) else None


def trial_url(nct_ids) -> str | None:
    match = NCT_PATTERN.search(nct_ids) if isinstance(nct_ids, str) else None
    return TRIAL_URL.format(match.group(0)) if match else None


def grade_marks(vocab: Vocabulary) -> dict[str, str]:
    """grade id -> the compact mark shown beside a value ('' for numbers read in the article itself)."""
    return {grade: str(vocab.term("grades", grade).extra.get("mark", "")) for grade in vocab.ids("grades")}


def marked(text: str, grade, marks: dict[str, str]) -> str:
    """`text` with its grade's mark after it; a blank value stays blank (not reported is never marked)."""
    mark = marks.get(grade, "") if isinstance(grade, str) else ""
    return f"{text} {mark}" if text and mark else text


def weaker_grades(row_grades: dict[str, object], marks: dict[str, str], vocab: Vocabulary, lang: str = "en") -> str:
    """One line naming every number of a row that was not read in the article: 'ⓢ result · ⓒ safety'."""
    parts = []
    for what, grade in row_grades.items():
        if isinstance(grade, str) and marks.get(grade):
            parts.append(f"{marks[grade]} {what}")
    return " · ".join(dict.fromkeys(parts))


def timepoint_text(months, label) -> str:
    if isinstance(label, str) and label:
        return label
    if pd.isna(months):
        return ""
    return f"{months:g} mo"


# what each grade column of an evidence row vouches for, as the grid names it
ROW_GRADE_PARTS = {
    "grade": ("result", "结果"), "n_grade": ("n", "例数"), "follow_up_grade": ("follow-up", "随访"),
    "safety_grade": ("safety", "安全性"), **{f"{c}_grade": ("safety", "安全性") for c in SAFETY_COUNTS},
}


def _row_grades(view: pd.DataFrame, marks: dict[str, str], vocab: Vocabulary, lang: str) -> list[str]:
    columns = [c for c in ROW_GRADE_PARTS if c in view.columns]
    if not columns:
        return [""] * len(view)
    names = {c: ROW_GRADE_PARTS[c][1 if lang == "zh" else 0] for c in columns}
    # only the distinct grade combinations are spelled out (a large table has few of them)
    combos = view[columns].astype("object")
    keys = list(map(tuple, combos.where(combos.notna(), None).to_numpy()))
    spelled = {key: weaker_grades({names[c]: g for c, g in zip(columns, key)}, marks, vocab, lang) for key in set(keys)}
    return [spelled[key] for key in keys]


def display_rows(view: pd.DataFrame, vocab: Vocabulary, lang: str = "en") -> pd.DataFrame:
    """The evidence rows for the Explorer grid: EXPLORER_COLUMNS, sorted by disease, therapy, year (newest first)."""
    frame = translate_codes(view, vocab, lang)
    shown = pd.DataFrame(index=view.index)
    shown["study"] = view["first_author"].astype("object") + " " + view["year"].astype("string").astype("object")
    for column in ("disease", "disease_subtype", "therapy_class", "target", "therapy", "design", "outcome_measure", "origin", "study_id", "source_note"):
        shown[column] = frame[column].astype("object")
    for column in ("evidence_level", "n_patients", "crs_any", "crs_grade3plus", "icans_any", "icans_grade3plus"):
        shown[column] = view[column]
    shown["follow_up_months"] = view["follow_up_months"]
    shown["percent_reported"] = view["percent_reported"]
    shown["value"] = view["value"]
    shown["timepoint"] = [timepoint_text(m, label) for m, label in zip(view["timepoint_months"], view["timepoint_label"])]
    marks = grade_marks(vocab)
    has_count = view["responders"].notna() & view["evaluated"].notna()
    grades = view["grade"].astype("object") if "grade" in view else pd.Series(None, index=view.index, dtype="object")
    shown["result"] = [marked(f"{r} / {e}", g, marks) if ok else "" for r, e, ok, g in zip(view["responders"], view["evaluated"], has_count, grades)]
    shown["grades"] = _row_grades(view, marks, vocab, lang)
    evaluated = view["evaluated"].astype("Float64")
    shown["proportion"] = (view["responders"].astype("Float64") / evaluated.where(evaluated > 0)).astype("float64")
    shown["doi_url"] = view["doi"].map(doi_url)
    shown["pubmed_url"] = view["pmid"].map(pubmed_url)
    shown["trial_url"] = view["nct_ids"].map(trial_url)
    shown["source_link"] = view["source_url"].fillna(view["n_source_url"]).map(safe_url)
    disease_rank = {code: rank for rank, code in enumerate(vocab.ids("diseases"))}
    class_rank = {code: rank for rank, code in enumerate(vocab.ids("therapy_classes"))}
    order = shown.assign(
        _disease=view["disease"].astype("object").map(disease_rank),
        _class=view["therapy_class"].astype("object").map(class_rank),
        _year=view["year"],
    ).sort_values(["_disease", "_class", "_year", "study"], ascending=[True, True, False, True])
    text_columns = [c for c in EXPLORER_COLUMNS if shown[c].dtype == object and c not in ("doi_url", "pubmed_url", "trial_url", "source_link")]
    order[text_columns] = order[text_columns].fillna("")
    return order[EXPLORER_COLUMNS].reset_index(drop=True)
