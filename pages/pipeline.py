"""Pipeline & innovations: registered trials and platforms without published clinical results. Never pooled."""

import pandas as pd
import streamlit as st

from components.data import session_atlas
from components.i18n import current_language, t
from components.navigation_guard import ensure_navigation_mode
from evidence.display import safe_url, trial_url
from evidence.labels import translate_codes

ensure_navigation_mode()  # first deep link on a fresh server: see components/navigation_guard.py

atlas = session_atlas()
lang = current_language()
st.title(t("page_pipeline"))
st.info(
    "此表列出尚无已发表临床结果的注册试验与创新平台，不计入任何缓解率或安全性统计。"
    if lang == "zh"
    else "Registered trials and platforms without published clinical results. They never feed remission or safety figures.",
    icon="🧪",
)

vocab = atlas.vocabulary
pipeline = translate_codes(atlas.pipeline, vocab, lang)
table = pd.DataFrame({
    "name": pipeline["name"],
    "therapy_class": pipeline["therapy_class"],
    "target": pipeline["target"],
    "engineering": pipeline["engineering"],
    "diseases": atlas.pipeline["diseases"].map(lambda ids: "; ".join(vocab.label("diseases", d, lang) for d in str(ids).split("; ") if d)),
    "stage": atlas.pipeline["stage"].map(lambda s: vocab.label("pipeline_stages", s, lang)),
    "sponsor": pipeline["sponsor"],
    "year": pipeline["year"],
    "trial": atlas.pipeline["nct_ids"].map(trial_url),
    "summary": pipeline["summary"],
    "source": atlas.pipeline["source_url"].map(safe_url),
})
zh = lang == "zh"
st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    column_config={
        "name": st.column_config.TextColumn("名称" if zh else "Name", pinned=True),
        "therapy_class": st.column_config.TextColumn(t("therapy_class")),
        "target": st.column_config.TextColumn(t("target"), width="small"),
        "engineering": st.column_config.TextColumn(t("engineering")),
        "diseases": st.column_config.TextColumn(t("diseases")),
        "stage": st.column_config.TextColumn("阶段" if zh else "Stage", help="preclinical, registered trial without results, or first-in-human report"),
        "sponsor": st.column_config.TextColumn("申办方" if zh else "Sponsor"),
        "year": st.column_config.NumberColumn("年份" if zh else "Year", format="%d", width="small"),
        "trial": st.column_config.LinkColumn("NCT", display_text=r"https://clinicaltrials\.gov/study/(NCT\d+)"),
        "summary": st.column_config.TextColumn("简介" if zh else "Summary", width="large"),
        "source": st.column_config.LinkColumn("出处" if zh else "Source", display_text="↗", width="small"),
    },
)
