"""The trial table: classification rules on real registry titles, the record schema, the table and its links.

The rule inputs below are real ClinicalTrials.gov registry text (brief titles, intervention names, conditions) of
registrations in data/trials.yaml; registry titles are facts, quoted here as test inputs only.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from evidence.__main__ import main
from evidence.paths import DATA_DIR
from evidence.trials import filter_trials, load_trial_records, load_trial_tables, load_trials, target_disease_counts
from evidence.trials.ctgov import reclassify
from evidence.trials.links import link_table, results_overdue, study_trials, trial_flags
from evidence.trials.rules import age_in_years, antigen_groups, classify, classify_sponsor, map_condition
from evidence.trials.schema import Trial, registry_of, trial_vocabulary
from evidence.trials.store import dump_trials, validate_trials_text

VOCAB = trial_vocabulary()


def rules(title, interventions=(), conditions=(), min_age="18 Years", max_age=None):
    return classify(title, list(interventions), list(conditions), min_age, max_age, set(VOCAB.ids("diseases")))


# ------------------------------------------------------------------------------------------------ therapy class + target

@pytest.mark.parametrize("title, interventions, classes, targets", [
    # a CD19/BCMA compound or co-infusion is one compound target
    ("A Study of CD19/BCMA Chimeric Antigen Receptor T Cells Therapy for Patients With Refractory Systemic Lupus Erythematosus",
     ["Assigned Interventions CD19/BCMA CAR T-cells"], ["car_t"], ["cd19_bcma"]),
    ("BCMA-CD19 cCAR T Cell Treatment of Relapsed/Refractory Systemic Lupus Erythematosus (SLE)", ["BCMA-CD19 cCAR T cells"], ["car_t"], ["cd19_bcma"]),
    ("Universal CAR-T Cell Therapy for Refractory Lupus Nephritis", ["BCMA CART + CD19 CART"], ["car_t"], ["cd19_bcma"]),
    ("CAR-T Cells Therapy for Patients With Autoimmune Diseases",
     ["Anti-BCMA and CD19 CART cells will be injected intravenously on a one-time basis"], ["car_t"], ["cd19_bcma"]),
    ("FIT-(BCMA+CD19)-CAR-T Cells in Recurrent/Refractory Autoimmune Diseases Patients.", ["FIT-(BCMA+CD19)-CAR-T Cells"], ["car_t"], ["cd19_bcma"]),
    ("Universal Chimeric Antigen Receptor T-Cell （UCAR T-cell） Therapy Targeting CD19/B Cell Maturation Antigen （CD19/BCMA） in Patients With r/r Neurological Autoimmune Diseases",
     ["UCAR T-cell"], ["car_t"], ["cd19_bcma"]),
    # separate arms stay separate targets
    ("Clinical Study on Targeted CD19 or CD19-BCMA CAR-T Therapy for Autoimmune Diseases", ["CD19 or CD19-BCMA CAR-T"], ["car_t"], ["cd19", "cd19_bcma"]),
    ("Universal CAR-T Cells in Patients with Refractory Autoimmune Diseases of the Nervous System.",
     ["Universal BCMA CAR-T", "Universal BCMA CAR-T; Universal CD19 CAR-T", "Universal CD19 CAR-T"], ["car_t"], ["bcma", "cd19_bcma", "cd19"]),
    # a CAAR-T is not a CD19 CAR-T; a trial registering both a CAAR-T and a CD19 CAR-T arm keeps both
    ("Open-label Study to Evaluate the Safety of Various Dosing Regimens of MuSK-CAART for MuSK Myasthenia Gravis", ["MuSK-CAART"], ["caar_t"], ["musk"]),
    ("A Phase 1/2, Open-label, Safety and Dosing Study of Autologous CART Cells (Desmoglein 3 Chimeric Autoantibody Receptor T Cells "
     "[DSG3-CAART] or CD19-specific Chimeric Antigen Receptor T Cells [CABA-201]) in Subjects With Active, Pemphigus Vulgaris (RESET-PV)",
     ["CABA-201", "DSG3-CAART"], ["car_t", "caar_t"], ["cd19", "dsg3"]),
    # CAR-NK, CAR-Treg, in vivo CAR
    ("An Exploratory Clinical Study of Anti-CD19 CAR NK Cells in the Treatment of Systemic Lupus Erythematosus", ["anti-CD19 CAR NK cells (KN5501)"], ["car_nk"], ["cd19"]),
    ("Allogeneic CD6 Chimeric Antigen Receptor T Regulatory Cells (CD6-CAR Tregs) for the Treatment of Patients With Chronic Graft Versus Host Disease After Allogeneic Hematopoietic Cell Transplantation",
     ["Chimeric Antigen Receptor T-Cell Therapy", "Tafasitamab", "Leukapheresis"], ["car_treg"], ["cd6"]),
    ("A Study of BEN301 Injection in the Treatment of Autoimmune Diseases", ["CD4⁺ CAR⁺ Foxp3⁺ cells"], ["car_treg"], ["unclear"]),
    ("In Vivo CAR-T for Refractory Graves' Disease", ["In Vivo CAR-T Therapy"], ["in_vivo_car"], ["unclear"]),
    ("the Safety and Efficacy of Targeted BCMA In Vivo LV Injection for Recurrent or Refractory Autoimmune Diseases", ["V001-BCMA"], ["in_vivo_car"], ["bcma"]),
    # antigens written in short forms, and words that are not antigens
    ("CHT105 for the Treatment of Refractory Lupus Nephritis", ["anti-CD19/70 CAR T cells (CHT105)"], ["car_t"], ["cd19_cd70"]),
    ("Study of BCMA/CD70 CAR-T Therapy for Refractory cSLE", ["anti-BCMA/CD70-CAR-T cells"], ["car_t"], ["bcma_cd70"]),
    ("A Clinical Study Exploring the Safety, Efficacy and Cell Metabolic Dynamics of Universal CD19 / 20 Car-t Cell Injection in Moderate to Severe Refractory Systemic Lupus Erythematosus",
     ["CAR-T Therapy"], ["car_t"], ["cd19_cd20"]),
    ("Anti-CD19-CD3E-CAR-T Cells in Relapsed/Refractory Autoimmune Disease", ["Anti-CD19-CD3E-CAR-T Cells"], ["car_t"], ["cd19"]),
    ("An Exploratory Study of CD19/CD22/BCMA CAR-T Cells (BZE2204) in Subjects With Relapsed or Refractory Autoimmune Diseases",
     ["CD19/CD22/BCMA CAR-T cells(BZE2204)"], ["car_t"], ["cd19_cd22_bcma"]),
    ("Safety and Efficacy of BAFF-R CART for Refractory Neuroimmune Diseases", ["BAFF-R CART"], ["car_t"], ["baffr"]),
    ("BAFF CAR-T Cells (LMY-920) for Systemic Lupus Erythematosus", ["LMY-920"], ["car_t"], ["baff_ligand"]),
    ("KYSA-7: A Study of Anti-CD19 CAR T-Cell Therapy, in Subjects With Refractory Primary and Secondary Progressive Multiple Sclerosis",
     ["Anti-CD20 mAB", "KYV-101", "Standard lymphodepletion regimen"], ["car_t"], ["cd19"]),  # the antibody arm is no CAR target
    ("MB-CART19.1 in Refractory SLE", ["MB-CART19.1"], ["car_t"], ["cd19"]),
    # a product code alone: the lexicon, which names its source
    ("Dual Target CAR-T Cell Treatment for Refractory Systemic Lupus Erythematosus (SLE) Patients", ["GC012F injection"], ["car_t"], ["cd19_bcma"]),
    ("Descartes-08 CAR-T Cells in Generalized Myasthenia Gravis (MG)", ["Descartes-08"], ["car_t"], ["bcma"]),
    # MSC and HSCT carry no antigen target; a product code nobody has explained stays unclear
    ("Allogeneic Mesenchymal Stem Cells Transplantation for Systemic Sclerosis (SSc)", ["Allogeneic Mesenchymal Stem Cells (AlloMSC)"], ["msc"], ["none"]),
    ("Scleroderma: Cyclophosphamide or Transplantation (SCOT)", ["mHSCT", "cyclophosphamide"], ["hsct"], ["none"]),
    ("Effect of Mesenchymal Stem Cell Transplantation for Lupus Nephritis", [], ["msc"], ["none"]),  # not an HSCT
    ("Autoimmune Disease Treatment With Mesenchymal Stem Cells (MSCs) and CAR-T Cells", ["fetal MSCs combined with 4SCAR T cells"], ["car_t", "msc"], ["unclear"]),
    ("F01 in the Treatment of Autoimmune Diseases", ["After preconditioning with Fludarabine and Cyclophosphamide, F01 will be evaluated."], ["unclear"], ["unclear"]),
])
def test_therapy_class_and_target_rules_on_real_titles(title, interventions, classes, targets):
    result = rules(title, interventions)
    assert (result.therapy_classes, result.targets) == (classes, targets)
    if "unclear" in classes + targets:
        assert result.classification_note


@pytest.mark.parametrize("title, interventions, conditions, source", [
    ("Universal CAR-T Cells (BRL-301) in Relapse or Refractory Autoimmune Diseases", ["BRL-301"], [], "allogeneic"),
    ("CRISPR-Edited Allogeneic Anti-CD19 CAR-T Cell Therapy, in Patients With Refractory Systemic Lupus Erythematosus (GALLOP)", ["CB-010"], [], "allogeneic"),
    ("A Study of Healthy Donor CD19-targeted Allogeneic CAR T Cells in Participants With Severe, Refractory Autoimmune Diseases", ["BMS-986515"], [], "allogeneic"),
    ("A Phase 1 Study of FT819 in B-cell Mediated Autoimmune Disease", ["FT819"], [], "allogeneic"),  # iPSC product, via the lexicon
    ("UCAR T-cell Therapy Targeting CD19/BCMA in Patients With r/r Systemic Lupus Erythematosus", ["UCAR T-cell group"], [], "allogeneic"),
    ("Autologous CD19 Car T-Cell Therapy For Severe Refractory Systemic Lupus Erythematosus (SLE)", ["CD19 CAR-T cells"], [], "autologous"),
    ("Relmacabtagene Autoleucel for the Treatment of Systemic Sclerosis", ["Relma-cel"], [], "autologous"),
    ("CNCT19 for Patients With Autoimmune Hemolytic Anemia After Failure ≥3 Lines of Therapy.", ["CNCT19 CAR-T cell therapy"],
     ["Autoimmune Hemolytic Anemia", "Autologous CD19 CAR-T"], "autologous"),
    ("Evaluation of Safety, Pharmacokinetics and Pharmacodynamics of Arnovie101, an mRNA-LNP-Based In Vivo CAR-T Therapy, for the Treatment of B Cell-Mediated Autoimmune Diseases (SLE and AIHA)",
     ["Arnovie101 Infusion Intravenous"], [], "in_vivo"),
    ("Anti-CD19 CAR-NK Cells in Refractory/Relapsed Systemic Lupus Erythematosus", ["anti-CD19 CAR-NK cells"], [], "unclear"),
    # the allogeneic transplant the patients once had is not the cell source of the product
    ("Autologous CD6-CAR Treg Cells for Patients With Stage 3 Type 1 Diabetes", ["AutoCD6-CAR Treg cells"], [], "autologous"),
])
def test_cell_source_rules(title, interventions, conditions, source):
    result = rules(title, interventions, conditions)
    assert result.cell_source == source
    if source == "unclear":
        assert "cell source: not stated" in result.classification_note


@pytest.mark.parametrize("conditions, title, diseases", [
    (["Systemic Lupus Erythematosus", "Lupus Nephritis"], "", ["sle"]),
    (["Scleroderma", "Autoimmune Diseases"], "", ["ssc"]),
    (["Idiopathic Inflammatory Myopathy", "Dermatomyositis", "Anti-Synthetase Syndrome", "Immune-Mediated Necrotizing Myopathy", "Juvenile Dermatomyositis"], "", ["iim"]),
    (["Antineutrophil Cytoplasmic Antibody-associated Vasculitis"], "", ["aav"]),
    (["Neuromyelitis Optica Spectrum Disorder", "Myasthenia Gravis", "Multiple Sclerosis", "Chronic Inflammatory Demyelinating Polyradiculoneuropathy"], "",
     ["nmosd", "myasthenia_gravis", "ms", "cidp"]),
    # a basket trial keeps every disease
    (["Systemic Lupus Erythematosus (SLE)", "Sjogren's Syndrome", "Systemic Sclerosis", "Inflammatory Myopathy", "ANCA Associated Vasculitis", "Antiphospholipid Syndrome"], "",
     ["sle", "sjogren", "ssc", "iim", "aav", "aps"]),
    (["Warm Autoimmune Hemolytic Anemia (WAIHA)", "ITP - Immune Thrombocytopenia"], "", ["aiha", "itp"]),
    (["Lupus Nephritis", "IgG4-related Disease"], "", ["sle", "igg4_rd"]),
    (["SSC RA SS IIM"], "", ["ssc", "iim", "sjogren", "ra"]),
    (["Stiff-Person Syndrome", "SPS"], "", ["gad65_neurological"]),
    (["Acquired Thrombotic Thrombocytopenic Purpura", "Behcet Disease"], "", ["behcet"]),  # TTP is not ITP
    # "Sclerosis" alone is neither SSc nor MS
    (["SLE", "Sclerosis", "ANCA Associated Vasculitis", "MS"], "", ["sle", "aav", "ms"]),
    # nothing maps in the conditions: the title is read; nothing anywhere: autoimmune_unspecified
    (["Safety", "Effective"], "Anti-CD19 CAR-T Cell Therapy in Participants With Moderate to Severe Active Systemic Lupus Erythematosus", ["sle"]),
    (["Autoimmune Diseases"], "CAR-T Cells Targeting Autoimmune Diseases", ["autoimmune_unspecified"]),
])
def test_disease_mapping_from_conditions(conditions, title, diseases):
    result = rules(title, [], conditions)
    assert result.diseases == diseases
    if diseases == ["autoimmune_unspecified"]:
        assert "nothing in the conditions or title maps" in result.classification_note


@pytest.mark.parametrize("min_age, max_age, group", [
    ("18 Years", None, "adult"), ("18 Years", "65 Years", "adult"), ("5 Years", "17 Years", "paediatric"),
    ("12 Years", None, "both"), ("2 Years", "30 Years", "both"), ("6 Months", "17 Years", "paediatric"),
    (None, None, "unclear"), (None, "70 Years", "unclear"),
])
def test_age_group_from_registered_ages(min_age, max_age, group):
    assert rules("CD19 CAR-T in SLE", [], ["SLE"], min_age, max_age).age_group == group
    assert age_in_years("6 Months") == 0.5 and age_in_years("N/A") is None


@pytest.mark.parametrize("name, registry_class, expected", [
    ("Cabaletta Bio", "INDUSTRY", "industry"), ("National Institute of Allergy and Infectious Diseases (NIAID)", "NIH", "government"),
    ("Zhejiang University", "OTHER", "academic"), ("The Children's Hospital of Zhejiang University School of Medicine", "OTHER", "academic"),
    ("Marcela V. Maus, M.D.,Ph.D.", "OTHER", "investigator"), ("YANRU WANG", "OTHER", "investigator"),
    ("Essen Biotech", "OTHER", "other"), ("China Immunotech (Beijing) Biotechnology Co., Ltd.", None, "industry"),
])
def test_sponsor_class(name, registry_class, expected):
    assert classify_sponsor(name, registry_class) == expected


def test_antigen_groups_and_condition_mapping_helpers():
    assert antigen_groups("CD19/BCMA and CD20") == [frozenset({"cd19", "bcma", "cd20"})]
    assert antigen_groups("CD19 or BCMA") == [frozenset({"cd19"}), frozenset({"bcma"})]
    assert map_condition("Myelin Oligodendrocyte Glycoprotein Antibody-Associated Disease (MOGAD)") == ["mogad"]


# ------------------------------------------------------------------------------------------------ schema and validation

def record(**overrides) -> dict:
    base = {
        "id": "NCT99000101", "title": "A test registration of CD19 CAR-T in SLE", "status": "recruiting", "phases": ["phase1"],
        "therapy_classes": ["car_t"], "targets": ["cd19"], "cell_source": "autologous", "diseases": ["sle"], "age_group": "adult",
        "snapshot_date": "2026-08-22", "registry_url": "https://clinicaltrials.gov/study/NCT99000101", "listed_by": "registry_import",
    }
    base.update(overrides)
    return base


def problems_of(*records) -> list:
    text = yaml.safe_dump({"trials": list(records)}, sort_keys=False, allow_unicode=True)
    return validate_trials_text(text, VOCAB)[1]


@pytest.mark.parametrize("trial_id, registry", [
    ("NCT05938725", "ctgov"), ("ChiCTR2600122319", "chictr"), ("ChiCTR-TRC-12002345", "chictr"),
    ("2012-000518-13", "eudract"), ("2023-508236-60-00", "ctis"), ("NCT123", None), ("CHICTR2600122319", None), ("2012-0518-13", None),
])
def test_registry_id_formats(trial_id, registry):
    assert registry_of(trial_id) == registry


@pytest.mark.parametrize("overrides, field, message", [
    ({"id": "NCT1234"}, "id", "not a registry id"),
    ({"registry_url": "https://clinicaltrials.gov/study/NCT00000000"}, "-", "does not name NCT99000102"),
    ({"registry_url": "https://example.org/NCT99000102"}, "-", "must be a page of the ctgov registry"),
    ({"registry_url": "http://clinicaltrials.gov/study/NCT99000102"}, "registry_url", "https://"),
    ({"status": "ongoing"}, "status", "not in the vocabulary of trial_statuses"),
    ({"phases": ["phase7"]}, "phases[0]", "not in the vocabulary of trial_phases"),
    ({"diseases": ["flu"]}, "diseases[0]", "not in the vocabulary of diseases"),
    ({"targets": ["unclear"]}, "-", "say why in classification_note"),
    ({"therapy_classes": ["msc"]}, "-", "targets must be [none]"),
    ({"start_date": "2024-13"}, "start_date", "plausible"),
    ({"start_date": "May 2024"}, "start_date", "not a date"),
    ({"enrolment": -1}, "enrolment", "greater than or equal to 0"),
    ({"snapshot_date": (dt.date.today() + dt.timedelta(days=3)).isoformat()}, "-", "in the future"),
    ({"cell_source": "in_vivo"}, "-", "in vivo CAR trials"),
    ({"colour": "blue"}, "colour", "unknown field"),
])
def test_validation_names_file_line_trial_and_field(overrides, field, message):
    second = {**record(id="NCT99000102", registry_url="https://clinicaltrials.gov/study/NCT99000102"), **overrides}
    problems = problems_of(record(), second)
    assert len(problems) == 1, problems
    problem = problems[0]
    assert problem.file == "trials.yaml" and problem.line is not None and problem.line > 1
    assert problem.field == field and message in problem.message
    assert str(problem).startswith(f"trials.yaml:{problem.line}: ")


def test_a_registration_listed_twice_is_a_problem():
    problems = problems_of(record(), record())
    assert [p.field for p in problems] == ["id"] and "listed 2 times" in problems[0].message


def test_cli_validate_reports_trial_problems_in_the_usual_format(tmp_path, capsys):
    data = tmp_path / "data"
    (data / "studies").mkdir(parents=True)
    for name in ("vocabulary.yaml", "RELEASES.yaml"):
        (data / name).write_text((DATA_DIR / name).read_text(encoding="utf-8"), encoding="utf-8")
    (data / "trials.yaml").write_text(yaml.safe_dump({"trials": [record(status="ongoing")]}, sort_keys=False), encoding="utf-8")
    assert main(["validate", str(data)]) == 1
    out = capsys.readouterr().out
    assert "trials.yaml:" in out and ": NCT99000101: status: 'ongoing' is not in the vocabulary of trial_statuses" in out


# ------------------------------------------------------------------------------------------------ the curated table

@pytest.fixture(scope="module")
def table():
    return load_trial_records(DATA_DIR / "trials.yaml", VOCAB)


@pytest.fixture(scope="module")
def tables():
    return load_trial_tables(DATA_DIR)


def test_the_table_holds_the_reference_list_and_curated_additions(table):
    by_origin = {origin: [t for t in table if t.listed_by == origin] for origin in ("reference_list", "curator_search")}
    assert len(by_origin["reference_list"]) == 275
    assert all(t.snapshot_date == dt.date(2026, 8, 22) and t.registry == "ctgov" for t in by_origin["reference_list"])
    curated = by_origin["curator_search"]
    assert len(curated) >= 30 and {"msc", "hsct"} <= {c for t in curated for c in t.therapy_classes}
    assert {t.registry for t in table} >= {"ctgov", "chictr", "eudract"}
    assert all(t.source_note for t in curated)


def test_rule_classified_entries_match_the_rules(table):
    """The table is what the rules say; a rules change must be followed by `python -m evidence trials reclassify --write`."""
    changes, _ = reclassify(table, VOCAB)
    assert not changes, [t.id for t, _ in changes][:10]


def test_the_table_is_in_canonical_form():
    text = (DATA_DIR / "trials.yaml").read_text(encoding="utf-8")
    trials, problems = validate_trials_text(text, VOCAB)
    assert not problems and dump_trials(trials) == text


def test_every_pipeline_registration_is_in_the_trial_table(table):
    pipeline = yaml.safe_load((DATA_DIR / "pipeline.yaml").read_text(encoding="utf-8"))["entries"]
    ids = {t.id for t in table}
    missing = {nct for entry in pipeline for nct in entry.get("nct_ids") or [] if nct not in ids}
    assert not missing


def test_known_tricky_registrations_are_classified_as_the_rules_promise(table):
    trials = {t.id: t for t in table}
    assert (trials["NCT04422912"].therapy_classes, trials["NCT04422912"].targets) == (["car_t", "caar_t"], ["cd19", "dsg3"])
    assert (trials["NCT05451212"].therapy_classes, trials["NCT05451212"].targets) == (["caar_t"], ["musk"])
    assert trials["NCT06681337"].targets == ["cd19_bcma"] and trials["NCT06681337"].cell_source == "allogeneic"
    assert trials["NCT06917742"].therapy_classes == ["in_vivo_car"] and trials["NCT06917742"].cell_source == "in_vivo"
    assert trials["NCT05859997"].diseases == ["sle", "sjogren", "ssc", "iim", "aav", "aps"]


# ------------------------------------------------------------------------------------------------ links and frames

def test_links_both_ways_and_the_no_results_flag():
    trials = [
        Trial.model_validate(record(id="NCT99000201", registry_url="https://clinicaltrials.gov/study/NCT99000201", status="completed",
                                    secondary_ids=["2020-000979-21"]), context={"vocabulary": VOCAB}),
        Trial.model_validate(record(id="NCT99000202", registry_url="https://clinicaltrials.gov/study/NCT99000202", status="completed"),
                             context={"vocabulary": VOCAB}),
        Trial.model_validate(record(id="NCT99000203", registry_url="https://clinicaltrials.gov/study/NCT99000203", primary_completion_date="2025-06"),
                             context={"vocabulary": VOCAB}),
        Trial.model_validate(record(id="NCT99000204", registry_url="https://clinicaltrials.gov/study/NCT99000204", primary_completion_date="2026-01"),
                             context={"vocabulary": VOCAB}),
    ]
    registrations = {"study-a": ["NCT99000201"], "study-b": ["2020-000979-21", "NCT00000001"], "study-c": []}
    links = link_table(trials, registrations)
    assert links.to_dict("records") == [{"trial_id": "NCT99000201", "study_id": "study-a"}, {"trial_id": "NCT99000201", "study_id": "study-b"}]
    flags = trial_flags(trials, links).set_index("trial_id")
    assert flags.loc["NCT99000201", "linked_studies"] == "study-a; study-b" and not flags.loc["NCT99000201", "no_results_in_atlas"]
    assert flags.loc["NCT99000202", "no_results_in_atlas"]          # completed, no study
    assert flags.loc["NCT99000203", "no_results_in_atlas"]          # primary completion 14 months before the snapshot
    assert not flags.loc["NCT99000204", "no_results_in_atlas"]      # primary completion 7 months before: not yet due
    assert results_overdue(trials[2]) and not results_overdue(trials[3])
    per_study = study_trials(trials, registrations).set_index("study_id")
    assert per_study.loc["study-b", "trial_ids"] == "2020-000979-21" and per_study.loc["study-b", "missing_from_trial_table"] == "NCT00000001"


def test_load_trials_gives_one_row_per_trial_with_links(tables, table):
    frame = load_trials(DATA_DIR)
    assert len(frame) == len(table) and frame["trial_id"].is_unique
    for column in ("title", "status", "phases", "therapy_classes", "targets", "cell_source", "diseases", "sponsor_class", "countries",
                   "start_year", "linked_studies", "n_linked_studies", "no_results_in_atlas", "registry_url", "snapshot_date"):
        assert column in frame.columns
    row = frame.set_index("trial_id").loc["NCT04146051"]
    assert row["linked_studies"] == "chahin-2025-mg-bcma-mrna" and row["start_year"] == 2019 and row["countries"] == "Canada; United States"
    assert set(tables.links["trial_id"]) <= set(frame["trial_id"]) and len(tables.links) >= 10
    assert (frame["n_linked_studies"] > 0).sum() == tables.links["trial_id"].nunique()


def test_filters_and_the_target_by_disease_counts(tables):
    sle_cd19 = filter_trials(tables, diseases=["sle"], targets=["cd19"], therapy_classes=["car_t"])
    assert "NCT06121297" in sle_cd19 and "NCT04146051" not in sle_cd19
    recent_allo = filter_trials(tables, cell_sources=["allogeneic"], start_year_from=2025, statuses=["recruiting", "not_yet_recruiting"])
    frame = tables.trials.set_index("trial_id")
    assert recent_allo and all(frame.loc[i, "cell_source"] == "allogeneic" and frame.loc[i, "start_year"] >= 2025 for i in recent_allo)
    china = filter_trials(tables, countries=["China"], sponsor_classes=["industry"], phases=["phase1"])
    assert china
    counts = target_disease_counts(tables)
    cell = counts[(counts["target"] == "cd19_bcma") & (counts["disease"] == "sle")].iloc[0]
    assert cell["trials"] == len(filter_trials(tables, targets=["cd19_bcma"], diseases=["sle"]))
    only = target_disease_counts(tables, {"NCT05859997"})
    assert set(only["disease"]) == {"sle", "sjogren", "ssc", "iim", "aav", "aps"} and set(only["target"]) == {"cd19"}


def test_trials_never_feed_remission_or_safety_figures():
    """The evidence, pooling and summary code never reads the trial table (registrations are not patients)."""
    import evidence
    root = Path(evidence.__file__).parent
    for path in root.glob("*.py"):
        if path.name not in ("__main__.py", "paths.py"):
            text = path.read_text(encoding="utf-8")
            assert "evidence.trials" not in text and "trials.yaml" not in text, path.name
