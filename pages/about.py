"""About the data: inclusion rules and curation log, evidence levels, glossary, limitations, citation, changelog."""

import pandas as pd
import streamlit as st

from components.data import full_atlas, session_atlas
from components.i18n import current_language, t
from components.navigation_guard import ensure_navigation_mode
from evidence.about import curation_log, grade_table, releases

ensure_navigation_mode()  # first deep link on a fresh server: see components/navigation_guard.py

atlas = session_atlas()
lang = current_language()
zh = lang == "zh"
vocab = atlas.vocabulary
st.title(t("page_about"))
st.warning(t("not_advice"), icon="⚠️")

st.subheader("纳入标准" if zh else "What is included")
st.markdown(
    "- 已发表的临床报告（病例报告、病例系列、队列、登记研究、I–III期试验、随机对照试验），涉及CAR-T、CAR-NK、CAAR-T、CAR-Treg、间充质干细胞和造血干细胞移植；\n"
    "- 风湿免疫及相关自身免疫病；\n- 每个数字均在原文（摘要或全文）中核对，并记录出处链接与整理者自己的说明；未能核对的数字留空。"
    if zh else
    "- Published clinical reports (case report, case series, cohort, registry, phase 1–3 trial, RCT) of CAR-T, CAR-NK, CAAR-T, CAR-Treg, mesenchymal stem/stromal cells and haematopoietic stem cell transplantation;\n"
    "- in rheumatic and related autoimmune diseases;\n- every number read in the source (abstract or full text) and stored with its link and the curator's own note; numbers that could not be verified are left blank."
)
with st.expander("检索与整理记录" if zh else "Search and curation log"):
    st.markdown(curation_log())

st.subheader(t("about_grades_title"))
st.markdown(t("about_grades_text"))
st.dataframe(grade_table(full_atlas(), lang), hide_index=True, width="stretch", column_config={
    "mark": st.column_config.TextColumn(t("grade_mark"), width="small"),
    "grade": st.column_config.TextColumn(t("grade"), width="small"),
    "definition": st.column_config.TextColumn(t("definition"), width="large"),
    "numbers": st.column_config.NumberColumn(t("grade_numbers"), format="%d", help=t("grade_numbers_help")),
    "share": st.column_config.ProgressColumn(t("grade_share"), format="percent", min_value=0.0, max_value=1.0),
})

st.subheader("证据等级" if zh else "Levels of evidence (Oxford CEBM 2011)")
levels = pd.DataFrame([{"level": term_id, "meaning": vocab.label("evidence_levels", term_id, lang)} for term_id in vocab.ids("evidence_levels")])
designs = pd.DataFrame([{"design": vocab.label("designs", d, lang), "level": vocab.design_level(d)} for d in vocab.ids("designs")])
left, right = st.columns(2)
left.dataframe(levels, hide_index=True, width="stretch", column_config={"level": st.column_config.TextColumn(t("evidence_level"), width="small"), "meaning": st.column_config.TextColumn(" ")})
right.dataframe(designs, hide_index=True, width="stretch", column_config={"design": st.column_config.TextColumn(t("design")), "level": st.column_config.NumberColumn(t("evidence_level"), format="%d")})

glossary_config = {
    "id": None,
    "term": st.column_config.TextColumn("术语" if zh else "Term", width="medium"),
    "definition": st.column_config.TextColumn("定义" if zh else "Definition", width="large"),
    "source": st.column_config.TextColumn("来源" if zh else "Defining source", width="medium"),
}
st.subheader("结局指标词汇表" if zh else "Glossary of outcome measures")
st.dataframe(pd.DataFrame(vocab.glossary("outcome_measures", lang)), hide_index=True, width="stretch", column_config=glossary_config)
st.subheader("作用机制" if zh else "Mechanisms")
st.dataframe(pd.DataFrame(vocab.glossary("mechanisms", lang)), hide_index=True, width="stretch", column_config=glossary_config)
st.subheader("治疗类别" if zh else "Therapy classes")
st.dataframe(pd.DataFrame(vocab.glossary("therapy_classes", lang)), hide_index=True, width="stretch", column_config=glossary_config)

st.subheader("局限性" if zh else "Known limitations")
st.markdown(
    "- 多数证据来自单臂、小样本研究，缺乏对照；\n- 同一批患者可能被多次报告：默认视图只保留每个队列的最新报告；\n"
    "- 发表偏倚：阳性结果更易发表；\n- 各研究的缓解定义不同，不可互相换算；\n- 仅收录能在检索工具中核对的文献，覆盖并不完整。"
    if zh else
    "- Most evidence comes from small single-arm studies without a control group;\n"
    "- the same patients are often reported again with longer follow-up: the default view keeps only the newest report of each cohort;\n"
    "- publication bias: positive results are more likely to be published;\n"
    "- remission definitions differ between studies and are never converted into one another;\n"
    "- only reports that could be verified in our sources are included, so coverage is incomplete."
)

st.subheader(t("cite_atlas"))
st.code(
    f"RheumCell Atlas, data version {atlas.release.version} (checked {atlas.release.checked.isoformat()}). "
    "Cite the original studies for any figure you use.",
    language=None,
)
st.subheader("数据版本记录" if zh else "Data releases")
st.dataframe(releases(), hide_index=True, width="stretch")
