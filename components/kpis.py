"""The row of headline numbers above a view."""

import streamlit as st

from components.i18n import t
from evidence.summary import Summary


def kpi_row(summary: Summary) -> None:
    studies, patients, diseases, classes = st.columns(4)
    studies.metric(t("studies"), summary.studies)
    patients.metric(t("patients_repeat") if summary.patients_may_repeat else t("patients"), summary.patients)
    diseases.metric(t("diseases"), summary.diseases)
    classes.metric(t("therapy_classes"), summary.therapy_classes)
