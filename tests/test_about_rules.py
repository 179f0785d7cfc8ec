"""The About page states the thresholds the code uses: a rule changed in code without its text fails here."""

from components.i18n import read_catalogue
from evidence import appraisal, certainty


def test_certainty_thresholds_are_the_ones_stated():
    english = read_catalogue()["about_certainty_text"][0]
    assert f"I² ≥ {certainty.I2_SERIOUS:.0f}%" in english
    assert f"fewer than {certainty.OIS_SERIOUS} patients" in english and f"fewer than {certainty.OIS_VERY_SERIOUS} patients" in english
    assert f"wider than {certainty.CI_WIDTH_SERIOUS * 100:.0f} points" in english and f"wider than {certainty.CI_WIDTH_VERY_SERIOUS * 100:.0f} points" in english
    assert f"wider than {certainty.PI_WIDTH_SERIOUS * 100:.0f} percentage points" in english
    assert f"{certainty.MIN_K_FOR_INCONSISTENCY} or more cohorts" in english


def test_appraisal_thresholds_are_the_ones_stated():
    english = read_catalogue()["about_rob_text"][0]
    assert f"at least {appraisal.JBI_LOW_SHARE:.0%}" in english and "two or more applicable items" in english and appraisal.JBI_HIGH_NO == 2
