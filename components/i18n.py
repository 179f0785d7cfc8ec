"""Interface text in English and Chinese. Data labels come from the vocabulary; these are the app's own words."""

from __future__ import annotations

import streamlit as st

LANG_KEY = "lang"

TEXT: dict[str, tuple[str, str]] = {
    "app_title": ("RheumCell Atlas", "风湿免疫细胞治疗证据图谱"),
    "tagline": (
        "What has been reported for cell therapies in rheumatic immune diseases — every number traceable to its source.",
        "细胞治疗在风湿免疫病中已报告了什么——每个数字都可追溯到原始文献。",
    ),
    "page_home": ("Overview", "概览"),
    "page_explorer": ("Evidence Explorer", "证据检索"),
    "page_maps": ("Evidence Maps", "证据图谱"),
    "page_compare": ("Compare Therapies", "疗法比较"),
    "page_pipeline": ("Pipeline & Innovations", "在研管线与创新"),
    "page_upload": ("Your Evidence", "上传证据"),
    "page_about": ("About the Data", "数据说明"),
    "language": ("Language", "语言"),
    "filters": ("Filters", "筛选"),
    "tier": ("Evidence tier", "证据层级"),
    "tier_newest": ("Newest report of each cohort", "每个队列的最新报告"),
    "tier_best": ("Best available evidence", "现有最佳证据"),
    "tier_trials": ("Trials only: phase 1 and above", "仅临床试验（I期及以上）"),
    "tier_no_case_reports": ("Exclude case reports", "排除病例报告"),
    "tier_all": ("All reports (patients may repeat)", "全部报告（患者可能重复）"),
    "disease": ("Disease", "疾病"),
    "subtype": ("Disease subtype", "疾病亚型"),
    "therapy_class": ("Therapy class", "治疗类别"),
    "target": ("Target", "靶点"),
    "cell_source": ("Cell source", "细胞来源"),
    "tissue_source": ("Tissue source", "组织来源"),
    "engineering": ("Engineering", "改造方式"),
    "design": ("Study design", "研究设计"),
    "evidence_level": ("Evidence level (CEBM)", "证据等级（CEBM）"),
    "outcome_measure": ("Outcome measure", "结局指标"),
    "country": ("Country", "国家"),
    "years": ("Publication year", "发表年份"),
    "min_patients": ("Minimum cohort size", "最小队列例数"),
    "search": ("Search title, product, author", "检索标题、产品、作者"),
    "more_filters": ("More filters", "更多筛选"),
    "reset": ("Reset filters", "重置筛选"),
    "map_cell_filter": ("Showing only the {n} studies of a map cell.", "仅显示某图谱单元格中的 {n} 项研究。"),
    "clear_map_cell": ("Show all studies again", "显示全部研究"),
    "studies": ("Studies", "研究数"),
    "patients": ("Patients (counted once)", "患者数（不重复计）"),
    "patients_repeat": ("Patients (may repeat)", "患者数（可能重复）"),
    "diseases": ("Diseases", "疾病数"),
    "therapy_classes": ("Therapy classes", "治疗类别数"),
    "data_checked": ("Data checked", "数据核对日期"),
    "data_version": ("Data version", "数据版本"),
    "ignored_params": ("Some link parameters were ignored", "部分链接参数已忽略"),
    "no_rows": ("No study matches these filters. Remove a filter to see more.", "没有符合筛选条件的研究。请减少筛选条件。"),
    "evidence_rows": ("Evidence rows", "证据条目"),
    "study_detail": ("Study detail", "研究详情"),
    "pick_study": ("Select a row in the table to see the full record of that study.", "在表格中选择一行以查看该研究的完整记录。"),
    "downloads": ("Download exactly these rows", "下载当前筛选结果"),
    "download_csv": ("CSV", "CSV"),
    "download_xlsx": ("Excel", "Excel"),
    "download_bib": ("BibTeX", "BibTeX"),
    "download_ris": ("RIS", "RIS"),
    "outcomes": ("Outcomes", "结局"),
    "safety": ("Safety", "安全性"),
    "provenance": ("Sources", "出处"),
    "overlap": ("Overlapping reports", "重叠报告"),
    "not_reported": ("not reported", "未报告"),
    "cite_atlas": ("How to cite", "引用方式"),
    "uploaded_badge": ("Including {n} uploaded studies (this session only)", "包含 {n} 项上传的研究（仅本次会话）"),
    "remove_uploads": ("Remove uploaded studies", "移除上传的研究"),
    "article_only": ("Only numbers read in the article itself", "仅显示在论文原文中读到的数字"),
    "article_only_help": (
        "Every number carries a provenance grade. With this on, numbers read only in a registry, a congress abstract "
        "or a secondary report are treated as not reported: studies stay listed, those values go blank, and maps, "
        "counts, pooled results and downloads follow.",
        "每个数字都标有来源等级。开启后，仅见于注册库、会议摘要或二手报道的数字视为未报告：研究仍然列出，"
        "但这些数值留空，图谱、计数、合并结果和下载随之改变。",
    ),
    "article_only_on": (
        "Only numbers read in the article itself are shown: {n} numbers read only in a registry, a congress abstract or a secondary report are hidden (treated as not reported).",
        "仅显示在论文原文中读到的数字：{n} 个仅见于注册库、会议摘要或二手报道的数字已隐藏（视为未报告）。",
    ),
    "exclude_high_risk": ("Exclude studies at high risk of bias", "排除高偏倚风险研究"),
    "exclude_high_risk_help": (
        "Leaves out every study whose overall risk of bias is high by the atlas's rule (JBI case-series checklist, RoB 2 for randomised trials; see About the data). Maps, counts, pools and downloads follow.",
        "按图谱规则（JBI病例系列清单；随机对照试验用RoB 2，见数据说明）排除总体偏倚风险高的研究。图谱、计数、合并结果和下载随之改变。",
    ),
    "exclude_high_risk_on": (
        "{n} studies at high risk of bias are left out (switch in the sidebar).",
        "已排除 {n} 项高偏倚风险研究（侧栏开关）。",
    ),
    "grade": ("Grade", "来源等级"),
    "grade_help": (
        "Where the number was read: no mark = the article itself; ⓡ registry results; ⓒ the authors' congress abstract; ⓢ a secondary report naming the study. Blank = not reported.",
        "数字的来源：无标记 = 论文原文；ⓡ 注册库结果；ⓒ 作者的会议摘要；ⓢ 点名该研究的二手报道。空白 = 未报告。",
    ),
    "grade_legend": (
        "Marks beside a number: none = read in the article itself · ⓡ registry results · ⓒ authors' congress abstract · ⓢ secondary report naming the study · — not reported",
        "数字旁的标记：无 = 论文原文 · ⓡ 注册库结果 · ⓒ 作者会议摘要 · ⓢ 点名该研究的二手报道 · — 未报告",
    ),
    "read_at": ("Read at", "实际阅读页面"),
    "sensitivity_title": ("Sensitivity analyses", "敏感性分析"),
    "sensitivity_caption": (
        "The same pool under another reading of the data, shown for therapies where it changes the number of cohorts or the estimate.",
        "在另一种数据取舍下重新合并；仅显示改变纳入队列数或估计值的疗法。",
    ),
    "sensitivity_main": ("Main analysis (all grades)", "主分析（全部来源等级）"),
    "sensitivity_article_only": ("Only numbers read in the article itself", "仅论文原文数字"),
    "therapy": ("Therapy", "疗法"),
    "analysis": ("Analysis", "分析"),
    "patients_pooled": ("Patients pooled", "合并患者数"),
    "pooled_ci": ("Pooled (95% CI)", "合并比例 (95% CI)"),
    "single_study": ("single study", "单项研究"),
    "about_grades_title": ("How far to trust each number: provenance grades", "每个数字的可信程度：来源等级"),
    "about_grades_text": (
        "Every number in the atlas — cohort size, each outcome, follow-up, each safety count — says where it was read. "
        "Stored copies of many recent articles stop before their results, so some numbers could be read only in a trial "
        "registry, in the authors' congress abstract, or in a secondary report (journal club, review, society or news "
        "item) that names the study and states the count. Those numbers are shown with a mark and can be hidden with the "
        "sidebar switch *Only numbers read in the article itself*: they are then treated as not reported, so every map, "
        "count, pooled result and download follows. A secondary number is entered only when stated there as a count (or "
        "a percentage with its denominator), never when the secondary text computed it; its note names that text. "
        "A blank always means not reported — never zero.",
        "图谱中的每个数字（队列例数、每项结局、随访、每项安全性计数）都注明其读取来源。许多近期论文的存档副本在结果部分之前即被截断，"
        "因此部分数字只能在临床试验注册库、作者的会议摘要，或点名该研究并给出例数的二手报道（期刊俱乐部、综述、学会或新闻）中读到。"
        "这些数字带有标记，可用侧栏开关“仅显示在论文原文中读到的数字”隐藏：隐藏后视为未报告，所有图谱、计数、合并结果和下载随之改变。"
        "二手来源的数字仅在其以例数（或带分母的百分比）明确给出时录入，绝不录入二手文献自行计算的数字；备注中注明该二手来源。"
        "空白始终表示未报告，而非零。",
    ),
    "grade_mark": ("Mark", "标记"),
    "definition": ("Definition", "定义"),
    "grade_numbers": ("Numbers", "数字个数"),
    "grade_numbers_help": (
        "Numeric facts in the curated table at this grade: cohort sizes, outcomes, follow-ups, safety populations and safety counts",
        "整理数据中处于该等级的数字：队列例数、结局、随访、安全性人群及安全性计数",
    ),
    "grade_share": ("Share", "占比"),
    "pooled_grade_help": (
        "A mark after the estimate (ⓡ ⓒ ⓢ) means some pooled cohorts rest on numbers not read in the article itself; (j/k) says how many.",
        "估计值后的标记（ⓡ ⓒ ⓢ）表示部分合并队列的数字并非读自论文原文；(j/k) 表示其数量。",
    ),
    "cell_weaker_grades": ("Includes numbers not read in the article: {grades}", "含非原文来源的数字：{grades}"),
    "publication_type": ("Publication type", "发表类型"),
    "not_advice": (
        "The atlas helps read the literature. It is not treatment advice.",
        "本图谱用于辅助阅读文献，不构成治疗建议。",
    ),
}


def current_language() -> str:
    return "zh" if st.session_state.get(LANG_KEY) == "zh" else "en"


def t(key: str, **values) -> str:
    english, chinese = TEXT[key]
    text = chinese if current_language() == "zh" else english
    return text.format(**values) if values else text
