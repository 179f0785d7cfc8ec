"""Human-readable column names (English / Chinese) with a one-line definition in both languages, and code -> label translation."""

from __future__ import annotations

import pandas as pd

from evidence.vocabulary import Vocabulary

# column -> (English name, Chinese name, English definition, Chinese definition); the definition is shown as a tooltip
COLUMN_LABELS: dict[str, tuple[str, str, str, str]] = {
    "study_id": ("Study", "研究", "Atlas id of the report: first author, year, disease, target or class", "本图谱中该报告的编号：第一作者、年份、疾病、靶点或治疗类别"),
    "first_author": ("First author", "第一作者", "First author of the publication", "文献的第一作者"),
    "year": ("Year", "年份", "Year of publication", "发表年份"),
    "title": ("Title", "标题", "Title of the publication", "文献标题"),
    "journal": ("Journal", "期刊", "Journal", "期刊"),
    "doi": ("DOI", "DOI", "Digital Object Identifier of the publication", "文献的数字对象标识符（DOI）"),
    "pmid": ("PMID", "PMID", "PubMed identifier", "PubMed编号"),
    "nct_ids": ("Trial registration", "试验注册号", "ClinicalTrials.gov identifiers", "ClinicalTrials.gov注册号"),
    "country": ("Country", "国家", "Where patients were treated", "患者接受治疗的国家"),
    "design": ("Design", "研究设计", "Study design", "研究设计"),
    "evidence_level": ("Evidence level", "证据等级", "Oxford CEBM 2011 level: 2 = randomised trial, 3 = controlled cohort, 4 = case series / single-arm trial", "牛津CEBM 2011证据等级：2 = 随机试验，3 = 对照队列研究，4 = 病例系列/单臂试验"),
    "therapy_class": ("Therapy class", "治疗类别", "CAR-T, CAR-NK, CAAR-T, CAR-Treg, MSC or HSCT", "CAR-T、CAR-NK、CAAR-T、CAR-Treg、MSC或HSCT"),
    "therapy": ("Product", "产品", "Product or construct as the study names it", "研究所称的产品或构建体名称"),
    "target": ("Target", "靶点", "Antigen the engineered cells recognise (none for MSC/HSCT)", "经改造细胞所识别的抗原（MSC/HSCT无靶点）"),
    "cell_source": ("Cell source", "细胞来源", "Autologous (the patient's own cells) or allogeneic (a donor's)", "自体（患者自身的细胞）或异体（供者的细胞）"),
    "tissue_source": ("Tissue source", "组织来源", "Tissue the cells come from", "细胞所来源的组织"),
    "engineering": ("Engineering", "改造方式", "How the cells were engineered", "细胞的改造方式"),
    "mechanisms": ("Mechanisms", "作用机制", "How the therapy is thought to act", "该疗法被认为的作用方式"),
    "dose": ("Dose", "剂量", "Dose as reported", "报告的剂量"),
    "conditioning": ("Conditioning", "预处理", "Lymphodepletion (CAR) or mobilisation/conditioning (HSCT) as reported", "报告的淋巴细胞清除（CAR）或动员/预处理（HSCT）方案"),
    "disease": ("Disease", "疾病", "Disease of the cohort", "该队列的疾病"),
    "disease_subtype": ("Subtype", "亚型", "Disease subtype where the study gives one", "研究给出的疾病亚型"),
    "n_patients": ("Patients treated", "治疗例数", "Patients treated in this disease cohort", "该疾病队列中接受治疗的患者数"),
    "outcome_measure": ("Outcome measure", "结局指标", "The study's own outcome measure; see About the data for definitions", "研究自身采用的结局指标；定义见“数据说明”页"),
    "timepoint_months": ("Timepoint (months)", "时间点（月）", "Months after treatment; blank = last follow-up", "治疗后的月数；空白 = 末次随访"),
    "timepoint_label": ("Timepoint as reported", "报告的时间点", "How the study states the timepoint", "研究所述的时间点"),
    "responders": ("Responders", "应答例数", "Patients who met the outcome measure", "达到该结局指标的患者数"),
    "evaluated": ("Evaluated", "评估例数", "Patients assessed for this outcome at this timepoint (the denominator)", "在该时间点接受该结局评估的患者数（分母）"),
    "percent_reported": ("Reported %", "报告百分比", "Percentage reported without a count (e.g. Kaplan–Meier estimate)", "仅报告百分比而无例数（如Kaplan–Meier估计值）"),
    "value": ("Value", "数值", "Continuous result, e.g. mean change of a score", "连续型结果，如评分的平均变化"),
    "value_kind": ("Value kind", "数值类型", "What the value is (mean change, median…)", "该数值的类型（平均变化、中位数……）"),
    "comparator_label": ("Comparator", "对照", "Control arm of a randomised trial", "随机试验的对照组"),
    "comparator_responders": ("Comparator responders", "对照组应答例数", "Responders in the control arm", "对照组的应答例数"),
    "comparator_evaluated": ("Comparator evaluated", "对照组评估例数", "Evaluated in the control arm", "对照组的评估例数"),
    "comparator_percent": ("Comparator %", "对照组百分比", "Reported percentage in the control arm", "对照组报告的百分比"),
    "crs_any": ("CRS (any grade)", "CRS（任何级别）", "Patients with cytokine release syndrome of any grade; blank = not reported", "发生任何级别细胞因子释放综合征的患者数；空白 = 未报告"),
    "crs_grade3plus": ("CRS grade ≥3", "CRS ≥3级", "Patients with grade 3 or higher CRS; blank = not reported", "发生3级及以上CRS的患者数；空白 = 未报告"),
    "icans_any": ("ICANS (any grade)", "ICANS（任何级别）", "Patients with immune effector cell-associated neurotoxicity; blank = not reported", "发生免疫效应细胞相关神经毒性综合征的患者数；空白 = 未报告"),
    "icans_grade3plus": ("ICANS grade ≥3", "ICANS ≥3级", "Patients with grade 3 or higher ICANS; blank = not reported", "发生3级及以上ICANS的患者数；空白 = 未报告"),
    "serious_infections": ("Serious infections", "严重感染", "Patients with a serious infection; blank = not reported", "发生严重感染的患者数；空白 = 未报告"),
    "deaths": ("Treatment-related deaths", "治疗相关死亡", "Deaths attributed to the treatment; blank = not reported", "归因于治疗的死亡例数；空白 = 未报告"),
    "safety_n": ("Safety population", "安全性人群", "Patients in the study's safety analysis (all cohorts)", "研究安全性分析中的患者数（所有队列）"),
    "follow_up_months": ("Follow-up (months)", "随访（月）", "Follow-up as reported (median unless stated)", "报告的随访时间（除非另有说明，为中位数）"),
    "follow_up_kind": ("Follow-up kind", "随访统计方式", "median, mean, longest or fixed", "中位数、平均数、最长或固定随访"),
    "is_current": ("Newest report", "最新报告", "False when a newer report re-reports these patients", "当有更新的报告再次报道这些患者时为False"),
    "supersedes": ("Supersedes", "取代", "Earlier reports of the same patients", "同一批患者的早期报告"),
    "superseded_by": ("Superseded by", "被取代于", "Newer report of the same patients", "同一批患者的更新报告"),
    "related": ("Related reports", "相关报告", "Reports of the same programme", "同一研发项目的其他报告"),
    "origin": ("Origin", "来源", "curated (this atlas) or uploaded (your file, this session only)", "curated（本图谱整理）或 uploaded（您上传的文件，仅限本次会话）"),
    "source_url": ("Source", "出处", "Page where the number was read", "读取该数字的页面"),
    "source_note": ("Source note", "出处说明", "Where in the source the number stands and what it counts", "该数字在出处中的位置及其计数对象"),
    "safety_source_url": ("Safety source", "安全性出处", "Page where the safety counts were read", "读取安全性计数的页面"),
    "safety_source_note": ("Safety source note", "安全性出处说明", "Where the safety counts stand in the source", "安全性计数在出处中的位置"),
    "follow_up_source_url": ("Follow-up source", "随访出处", "Page where follow-up was read", "读取随访信息的页面"),
    "follow_up_source_note": ("Follow-up source note", "随访出处说明", "Where follow-up stands in the source", "随访信息在出处中的位置"),
    "n_source_url": ("Patients source", "例数出处", "Page where the cohort size was read", "读取队列例数的页面"),
    "n_source_note": ("Patients source note", "例数出处说明", "Where the cohort size stands in the source", "队列例数在出处中的位置"),
    "grade": ("Grade", "来源等级", "Where the result was read: article, registry results, the authors' congress abstract, or a secondary report naming the study", "结果的读取来源：论文原文、注册库结果、作者本人的会议摘要，或点名该研究的二手报道"),
    "grades": ("Not from the article", "非原文来源", "Numbers of this row read somewhere other than the article itself: ⓡ registry results, ⓒ congress abstract, ⓢ secondary report; empty = every number read in the article", "本行中并非读自论文原文的数字：ⓡ 注册库结果，ⓒ 会议摘要，ⓢ 二手报道；空白 = 所有数字均读自论文原文"),
    "read_at": ("Read at", "实际阅读页面", "Page where the result was actually read, when it is not the canonical source (a verbatim copy, a secondary text)", "实际读取该结果的页面（当其并非规范出处时，如逐字转载或二手文献）"),
    "n_grade": ("Patients grade", "例数来源等级", "Where the cohort size was read", "队列例数的读取来源"),
    "n_read_at": ("Patients read at", "例数实际阅读页面", "Page where the cohort size was actually read, when not the canonical source", "实际读取队列例数的页面（当其并非规范出处时）"),
    "safety_grade": ("Safety grade", "安全性来源等级", "Where the safety population and counts were read (unless a count has its own)", "安全性人群及计数的读取来源（除非某项计数另有来源）"),
    "safety_read_at": ("Safety read at", "安全性实际阅读页面", "Page where the safety counts were actually read, when not the canonical source", "实际读取安全性计数的页面（当其并非规范出处时）"),
    "follow_up_grade": ("Follow-up grade", "随访来源等级", "Where the follow-up was read", "随访信息的读取来源"),
    "follow_up_read_at": ("Follow-up read at", "随访实际阅读页面", "Page where the follow-up was actually read, when not the canonical source", "实际读取随访信息的页面（当其并非规范出处时）"),
    "publication_type": ("Publication type", "发表类型", "Journal article, letter, congress abstract or preprint", "期刊论文、快报/通信、会议摘要或预印本"),
    "meeting": ("Meeting", "会议", "Congress where the abstract was presented", "展示该摘要的学术会议"),
    "abstract_number": ("Abstract number", "摘要编号", "The congress abstract's number", "会议摘要的编号"),
    "risk_of_bias": ("Risk of bias", "偏倚风险", "Overall study limitations by the atlas's rule from the JBI case-series checklist or RoB 2 (see About the data)", "按本图谱基于JBI病例系列清单或RoB 2的规则判定的整体研究局限性（见“数据说明”页）"),
    "rob_tool": ("Appraisal tool", "评价工具", "JBI case-series checklist, or RoB 2 for randomised trials", "JBI病例系列清单，或用于随机试验的RoB 2"),
    "rob_items": ("Appraisal items", "评价条目", "Each checklist item or RoB 2 domain as the curator answered it from the report", "整理者根据报告对每个清单条目或RoB 2领域所作的回答"),
    "rob_assessed_from": ("Appraised from", "评价依据", "What was read to judge the items (abstract only, full text …)", "评价各条目时所阅读的材料（仅摘要、全文……）"),
    "file": ("File", "文件", "Curated data file", "整理的数据文件"),
    "notes": ("Curator notes", "整理者备注", "Curator's remarks", "整理者的说明"),
}

SAFETY_EVENT_NAMES = {
    "crs_any": ("CRS (any grade)", "CRS（任何级别）"), "crs_grade3plus": ("CRS grade ≥3", "CRS ≥3级"),
    "icans_any": ("ICANS (any grade)", "ICANS（任何级别）"), "icans_grade3plus": ("ICANS grade ≥3", "ICANS ≥3级"),
    "serious_infections": ("Serious infections", "严重感染"), "deaths": ("Treatment-related deaths", "治疗相关死亡"),
}
for _count, (_en, _zh) in SAFETY_EVENT_NAMES.items():
    COLUMN_LABELS[f"{_count}_grade"] = (f"{_en}: grade", f"{_zh}：来源等级", f"Where the {_en} count was read", f"{_zh}计数的读取来源")
    COLUMN_LABELS[f"{_count}_source_url"] = (f"{_en}: source", f"{_zh}：出处", f"Canonical source of the {_en} count", f"{_zh}计数的规范出处")
    COLUMN_LABELS[f"{_count}_read_at"] = (
        f"{_en}: read at", f"{_zh}：实际阅读页面", f"Page where the {_en} count was actually read, when not the canonical source",
        f"实际读取{_zh}计数的页面（当其并非规范出处时）",
    )

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
    english, chinese, _, _ = COLUMN_LABELS.get(column, (column, column, "", ""))
    return chinese if lang == "zh" else english


def column_help(column: str, lang: str = "en") -> str:
    """The column's one-line definition in the reader's language (English unless lang is "zh"); "" for an unknown column."""
    _, _, english, chinese = COLUMN_LABELS.get(column, ("", "", "", ""))
    return chinese if lang == "zh" else english


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
