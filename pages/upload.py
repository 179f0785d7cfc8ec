"""Your Evidence: add your own extraction sheet to this session's view, validated like the curated data."""

import pandas as pd
import streamlit as st

from components.data import session_atlas, store_uploads
from components.i18n import current_language, t
from components.navigation_guard import ensure_navigation_mode
from evidence.uploads import (
    MAX_BYTES,
    MAX_ROWS,
    template_csv,
    template_xlsx,
    validate_upload,
)

ensure_navigation_mode()  # first deep link on a fresh server: see components/navigation_guard.py

atlas = session_atlas()
zh = current_language() == "zh"
st.title(t("page_upload"))
st.markdown(
    "上传您自己的数据提取表（CSV：UTF-8/带BOM/GBK；XLSX；或与 data/ 相同格式的 YAML）。数据经与收录数据相同的校验，"
    "只保存在本次会话中，不会写入服务器。"
    if zh else
    "Upload your own extraction sheet (CSV in UTF-8, UTF-8 with BOM or GBK; XLSX; or YAML in the data/ format). "
    "It is checked by the same validator as the curated data and lives in this session only: nothing is written to the server."
)
st.caption(f"{'上限' if zh else 'Limits'}: {MAX_BYTES // 1_000_000} MB, {MAX_ROWS} {'行' if zh else 'rows'}.")

left, right = st.columns(2)
left.download_button("模板 (CSV)" if zh else "Template (CSV)", data=template_csv(), file_name="rheumcell-atlas_template.csv", mime="text/csv", key="upload_template_csv")
right.download_button("模板 (Excel，含词表下拉)" if zh else "Template (Excel, with vocabulary drop-downs)", data=lambda: template_xlsx(atlas.vocabulary),
                      file_name="rheumcell-atlas_template.xlsx", mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="upload_template_xlsx")

upload = st.file_uploader("选择文件" if zh else "Choose a file", type=["csv", "xlsx", "yaml", "yml"], key="upload_file")
if upload is not None:
    curated_ids = set(atlas.studies.loc[atlas.studies["origin"] == "curated", "study_id"])
    result = validate_upload(upload.name, upload.getvalue(), atlas.vocabulary, curated_ids)
    if result.problems:
        st.error(("文件未被接受，原因如下（行号为表格行，表头为第1行）：" if zh else "The file was not accepted. Each problem with its row (the header is row 1) and column:"))
        st.dataframe(
            pd.DataFrame([{"row": p.line, "study": p.study, "column": p.field, "problem": p.message} for p in result.problems]),
            hide_index=True, width="stretch",
            column_config={"row": st.column_config.NumberColumn("行" if zh else "Row", format="%d"), "study": st.column_config.TextColumn("研究" if zh else "Study"),
                           "column": st.column_config.TextColumn("列" if zh else "Column"), "problem": st.column_config.TextColumn("问题" if zh else "Problem", width="large")},
        )
    else:
        st.success(f"{len(result.studies)} {'项研究通过校验' if zh else 'studies passed validation'} ({result.rows} {'行' if zh else 'rows'}).")
        if st.button("加入本次会话的视图" if zh else "Add them to my view (this session)", key="upload_add", type="primary"):
            store_uploads(result.studies, upload.name)
            st.rerun()
