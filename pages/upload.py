"""Your Evidence: add your own extraction sheet to this session's view, validated like the curated data."""

import pandas as pd
import streamlit as st

from components.data import session_atlas, store_uploads
from components.i18n import t
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
st.title(t("page_upload"))
st.markdown(t("upload_intro"))
st.caption(f"{t('upload_limits')}: {MAX_BYTES // 1_000_000} MB, {MAX_ROWS} {t('upload_rows')}.")

left, right = st.columns(2)
left.download_button(t("upload_template_csv"), data=template_csv(), file_name="rheumcell-atlas_template.csv", mime="text/csv", key="upload_template_csv")
right.download_button(t("upload_template_excel_with_vocabulary_drop"), data=lambda: template_xlsx(atlas.vocabulary),
                      file_name="rheumcell-atlas_template.xlsx", mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="upload_template_xlsx")

upload = st.file_uploader(t("upload_choose_a_file"), type=["csv", "xlsx", "yaml", "yml"], key="upload_file")
if upload is not None:
    curated_ids = set(atlas.studies.loc[atlas.studies["origin"] == "curated", "study_id"])
    result = validate_upload(upload.name, upload.getvalue(), atlas.vocabulary, curated_ids)
    if result.problems:
        st.error((t("upload_the_file_was_not_accepted")))
        st.dataframe(
            pd.DataFrame([{"row": p.line, "study": p.study, "column": p.field, "problem": p.message} for p in result.problems]),
            hide_index=True, width="stretch",
            column_config={"row": st.column_config.NumberColumn(t("upload_row"), format="%d"), "study": st.column_config.TextColumn(t("upload_study")),
                           "column": st.column_config.TextColumn(t("upload_column")), "problem": st.column_config.TextColumn(t("upload_problem"), width="large")},
        )
    else:
        st.success(f"{len(result.studies)} {t('upload_studies_passed_validation')} ({result.rows} {t('upload_rows')}).")
        if st.button(t("upload_add_them_to_my_view"), key="upload_add", type="primary"):
            store_uploads(result.studies, upload.name)
            st.rerun()
