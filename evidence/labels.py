"""Human-readable column names (English / Chinese) with a one-line definition, and code -> label translation."""

from __future__ import annotations

import pandas as pd

from evidence.vocabulary import Vocabulary

# column -> (English name, Chinese name, definition shown as a tooltip)
COLUMN_LABELS: dict[str, tuple[str, str, str]] = {
    "study_id": ("Study", "研究", "Atlas id of the report: first author, year, disease, target or class"),
    "first_author": ("First author", "第一作者", "First author of the publication"),
    "year": ("Year", "年份", "Year of publication"),
    "title": ("Title", "标题", "Title of the publication"),
    "journal": ("Journal", "期刊", "Journal"),
    "doi": ("DOI", "DOI", "Digital Object Identifier of the publication"),
    "pmid": ("PMID", "PMID", "PubMed identifier"),
    "nct_ids": ("Trial registration", "试验注册号", "ClinicalTrials.gov identifiers"),
    "country": ("Country", "国家", "Where patients were treated"),
    "design": ("Design", "研究设计", "Study design"),
    "evidence_level": ("Evidence level", "证据等级", "Oxford CEBM 2011 level: 2 = randomised trial, 3 = controlled cohort, 4 = case series / single-arm trial"),
    "therapy_class": ("Therapy class", "治疗类别", "CAR-T, CAR-NK, CAAR-T, CAR-Treg, MSC or HSCT"),
    "therapy": ("Product", "产品", "Product or construct as the study names it"),
    "target": ("Target", "靶点", "Antigen the engineered cells recognise (none for MSC/HSCT)"),
    "cell_source": ("Cell source", "细胞来源", "Autologous (the patient's own cells) or allogeneic (a donor's)"),
    "tissue_source": ("Tissue source", "组织来源", "Tissue the cells come from"),
    "engineering": ("Engineering", "改造方式", "How the cells were engineered"),
    "mechanisms": ("Mechanisms", "作用机制", "How the therapy is thought to act"),
    "dose": ("Dose", "剂量", "Dose as reported"),
    "conditioning": ("Conditioning", "预处理", "Lymphodepletion (CAR) or mobilisation/conditioning (HSCT) as reported"),
    "disease": ("Disease", "疾病", "Disease of the cohort"),
    "disease_subtype": ("Subtype", "亚型", "Disease subtype where the study gives one"),
    "n_patients": ("Patients treated", "治疗例数", "Patients treated in this disease cohort"),
    "outcome_measure": ("Outcome measure", "结局指标", "The study's own outcome measure; see About the data for definitions"),
    "timepoint_months": ("Timepoint (months)", "时间点（月）", "Months after treatment; blank = last follow-up"),
    "timepoint_label": ("Timepoint as reported", "报告的时间点", "How the study states the timepoint"),
    "responders": ("Responders", "应答例数", "Patients who met the outcome measure"),
    "evaluated": ("Evaluated", "评估例数", "Patients assessed for this outcome at this timepoint (the denominator)"),
    "percent_reported": ("Reported %", "报告百分比", "Percentage reported without a count (e.g. Kaplan–Meier estimate)"),
    "value": ("Value", "数值", "Continuous result, e.g. mean change of a score"),
    "value_kind": ("Value kind", "数值类型", "What the value is (mean change, median…)"),
    "comparator_label": ("Comparator", "对照", "Control arm of a randomised trial"),
    "comparator_responders": ("Comparator responders", "对照组应答例数", "Responders in the control arm"),
    "comparator_evaluated": ("Comparator evaluated", "对照组评估例数", "Evaluated in the control arm"),
    "comparator_percent": ("Comparator %", "对照组百分比", "Reported percentage in the control arm"),
    "crs_any": ("CRS (any grade)", "CRS（任何级别）", "Patients with cytokine release syndrome of any grade; blank = not reported"),
    "crs_grade3plus": ("CRS grade ≥3", "CRS ≥3级", "Patients with grade 3 or higher CRS; blank = not reported"),
    "icans_any": ("ICANS (any grade)", "ICANS（任何级别）", "Patients with immune effector cell-associated neurotoxicity; blank = not reported"),
    "icans_grade3plus": ("ICANS grade ≥3", "ICANS ≥3级", "Patients with grade 3 or higher ICANS; blank = not reported"),
    "serious_infections": ("Serious infections", "严重感染", "Patients with a serious infection; blank = not reported"),
    "deaths": ("Treatment-related deaths", "治疗相关死亡", "Deaths attributed to the treatment; blank = not reported"),
    "safety_n": ("Safety population", "安全性人群", "Patients in the study's safety analysis (all cohorts)"),
    "follow_up_months": ("Follow-up (months)", "随访（月）", "Follow-up as reported (median unless stated)"),
    "follow_up_kind": ("Follow-up kind", "随访统计方式", "median, mean, longest or fixed"),
    "is_current": ("Newest report", "最新报告", "False when a newer report re-reports these patients"),
    "supersedes": ("Supersedes", "取代", "Earlier reports of the same patients"),
    "superseded_by": ("Superseded by", "被取代于", "Newer report of the same patients"),
    "related": ("Related reports", "相关报告", "Reports of the same programme"),
    "origin": ("Origin", "来源", "curated (this atlas) or uploaded (your file, this session only)"),
    "source_url": ("Source", "出处", "Page where the number was read"),
    "source_note": ("Source note", "出处说明", "Where in the source the number stands and what it counts"),
    "safety_source_url": ("Safety source", "安全性出处", "Page where the safety counts were read"),
    "safety_source_note": ("Safety source note", "安全性出处说明", "Where the safety counts stand in the source"),
    "follow_up_source_url": ("Follow-up source", "随访出处", "Page where follow-up was read"),
    "follow_up_source_note": ("Follow-up source note", "随访出处说明", "Where follow-up stands in the source"),
    "n_source_url": ("Patients source", "例数出处", "Page where the cohort size was read"),
    "n_source_note": ("Patients source note", "例数出处说明", "Where the cohort size stands in the source"),
    "grade": ("Grade", "来源等级", "Where the result was read: article, registry results, the authors' congress abstract, or a secondary report naming the study"),
    "grades": ("Not from the article", "非原文来源", "Numbers of this row read somewhere other than the article itself: ⓡ registry results, ⓒ congress abstract, ⓢ secondary report; empty = every number read in the article"),
    "read_at": ("Read at", "实际阅读页面", "Page where the result was actually read, when it is not the canonical source (a verbatim copy, a secondary text)"),
    "n_grade": ("Patients grade", "例数来源等级", "Where the cohort size was read"),
    "n_read_at": ("Patients read at", "例数实际阅读页面", "Page where the cohort size was actually read, when not the canonical source"),
    "safety_grade": ("Safety grade", "安全性来源等级", "Where the safety population and counts were read (unless a count has its own)"),
    "safety_read_at": ("Safety read at", "安全性实际阅读页面", "Page where the safety counts were actually read, when not the canonical source"),
    "follow_up_grade": ("Follow-up grade", "随访来源等级", "Where the follow-up was read"),
    "follow_up_read_at": ("Follow-up read at", "随访实际阅读页面", "Page where the follow-up was actually read, when not the canonical source"),
    "publication_type": ("Publication type", "发表类型", "Journal article, letter, congress abstract or preprint"),
    "meeting": ("Meeting", "会议", "Congress where the abstract was presented"),
    "abstract_number": ("Abstract number", "摘要编号", "The congress abstract's number"),
    "risk_of_bias": ("Risk of bias", "偏倚风险", "Overall study limitations by the atlas's rule from the JBI case-series checklist or RoB 2 (see About the data)"),
    "rob_tool": ("Appraisal tool", "评价工具", "JBI case-series checklist, or RoB 2 for randomised trials"),
    "rob_items": ("Appraisal items", "评价条目", "Each checklist item or RoB 2 domain as the curator answered it from the report"),
    "rob_assessed_from": ("Appraised from", "评价依据", "What was read to judge the items (abstract only, full text …)"),
    "file": ("File", "文件", "Curated data file"),
    "notes": ("Curator notes", "整理者备注", "Curator's remarks"),
}

SAFETY_EVENT_NAMES = {
    "crs_any": ("CRS (any grade)", "CRS（任何级别）"), "crs_grade3plus": ("CRS grade ≥3", "CRS ≥3级"),
    "icans_any": ("ICANS (any grade)", "ICANS（任何级别）"), "icans_grade3plus": ("ICANS grade ≥3", "ICANS ≥3级"),
    "serious_infections": ("Serious infections", "严重感染"), "deaths": ("Treatment-related deaths", "治疗相关死亡"),
}
for _count, (_en, _zh) in SAFETY_EVENT_NAMES.items():
    COLUMN_LABELS[f"{_count}_grade"] = (f"{_en}: grade", f"{_zh}：来源等级", f"Where the {_en} count was read")
    COLUMN_LABELS[f"{_count}_source_url"] = (f"{_en}: source", f"{_zh}：出处", f"Canonical source of the {_en} count")
    COLUMN_LABELS[f"{_count}_read_at"] = (f"{_en}: read at", f"{_zh}：实际阅读页面", f"Page where the {_en} count was actually read, when not the canonical source")

GRADE_COLUMNS = ["grade", "n_grade", "safety_grade", "follow_up_grade", *(f"{c}_grade" for c in SAFETY_EVENT_NAMES)]

# column -> vocabulary category whose labels replace the codes
CODED = {
    **{column: "grades" for column in GRADE_COLUMNS},
    "publication_type": "publication_types",
    "risk_of_bias": "risk_of_bias",
    "design": "designs",
    "therapy_class": "therapy_classes",
    "target": "targets",
    "cell_source": "cell_sources",
    "tissue_source": "tissue_sources",
    "engineering": "engineering",
    "disease": "diseases",
    "outcome_measure": "outcome_measures",
}


def column_label(column: str, lang: str = "en") -> str:
    english, chinese, _ = COLUMN_LABELS.get(column, (column, column, ""))
    return chinese if lang == "zh" else english


def column_help(column: str) -> str:
    return COLUMN_LABELS.get(column, ("", "", ""))[2]


def _relabel(series: pd.Series, labels: dict[str, str]) -> pd.Series:
    """Codes -> labels; a categorical is relabelled through its few categories, not row by row."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        categories = series.cat.categories
        names = [labels.get(c, c) for c in categories]
        if len(set(names)) == len(names):
            return series.cat.rename_categories(names).astype("object")
    return series.astype("object").map(lambda v: labels.get(v, v) if isinstance(v, str) else v)


def translate_codes(frame: pd.DataFrame, vocab: Vocabulary, lang: str = "en") -> pd.DataFrame:
    """Replace coded values by their labels (unknown codes are kept as they are)."""
    frame = frame.copy()
    for column, category in CODED.items():
        if column in frame:
            frame[column] = _relabel(frame[column], vocab.labels(category, lang))
    if "disease_subtype" in frame:
        frame["disease_subtype"] = _relabel(frame["disease_subtype"], vocab.subtype_labels(lang))
    if "mechanisms" in frame:
        mechanism = vocab.labels("mechanisms", lang)
        texts = frame["mechanisms"].astype("object")
        translated = {t: "; ".join(mechanism.get(m, m) for m in t.split("; ")) for t in texts.dropna().unique() if isinstance(t, str)}
        frame["mechanisms"] = texts.map(lambda v: translated.get(v, v))
    return frame


def readable_table(frame: pd.DataFrame, vocab: Vocabulary, lang: str = "en") -> pd.DataFrame:
    """Codes translated and columns renamed for people (used by every download)."""
    return translate_codes(frame, vocab, lang).rename(columns={c: column_label(c, lang) for c in frame.columns})
