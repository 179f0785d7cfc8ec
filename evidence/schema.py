"""The study record as pydantic models: types, vocabulary membership and the count invariants of the protocol.

Validate with `Study.model_validate(raw, context={"vocabulary": vocab})`; without a vocabulary in the
context the coded fields are checked for type only.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    ValidationInfo,
    field_validator,
    model_validator,
)

DOI_PATTERN = re.compile(r"^10\.\d{4,9}/\S+$")
NCT_PATTERN = re.compile(r"^NCT\d{8}$")
STUDY_ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
FIRST_YEAR = 1990  # the first autologous HSCT reports in autoimmune disease date from the mid-1990s


def _coded(category: str) -> AfterValidator:
    """Accept only ids of one vocabulary category (checked when a vocabulary is in the validation context)."""

    def check(value, info: ValidationInfo):
        vocab = (info.context or {}).get("vocabulary")
        if value is not None and vocab is not None and not vocab.has(category, value):
            ids = vocab.ids(category)
            allowed = ", ".join(ids) if len(ids) <= 12 else f"see {category} in data/vocabulary.yaml"
            raise ValueError(f"'{value}' is not in the vocabulary of {category} (allowed: {allowed})")
        return value

    return AfterValidator(check)


def _https_only(url: str) -> str:
    if not url.startswith("https://"):
        raise ValueError(f"source_url must start with https:// (got '{url}')")
    return url


SourceUrl = Annotated[str, AfterValidator(_https_only)]
OptCount = Annotated[StrictInt, Field(ge=0)] | None

# Provenance grades of DATA_PROTOCOL.md v2, strongest first: where the number was actually read.
GRADES = ("article", "registry", "congress", "secondary")
Grade = Literal["article", "registry", "congress", "secondary"]
PUBLICATION_TYPES = ("journal_article", "letter", "congress_abstract", "preprint")
# A secondary number names the text it was read in, in the note: "Secondary: <who said it, where>".
SECONDARY_MARK = re.compile(r"secondary\s*:\s*\S.{3,}", re.IGNORECASE)


def _read_at_urls(value):
    """`read_at` is one https address or a list of them (two secondary texts stating the same number)."""
    if value is None:
        return None
    urls = [value] if isinstance(value, str) else list(value)
    if not urls:
        raise ValueError("read_at is empty: give the https address of the page read, or leave the field out")
    for url in urls:
        if not isinstance(url, str) or not url.strip().startswith("https://"):
            raise ValueError(f"read_at must be https:// addresses (got '{url}')")
    return tuple(url.strip() for url in urls)


ReadAt = Annotated[str | list[str] | tuple[str, ...] | None, AfterValidator(_read_at_urls)]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Sourced(Record):
    source_url: SourceUrl
    source_note: str = Field(min_length=10)


class Provenance(Sourced):
    """Where one number comes from: the canonical source, the page actually read, its grade and the curator's note."""

    grade: Grade
    read_at: ReadAt = None

    @model_validator(mode="after")
    def grade_rules(self):
        if self.grade == "secondary":
            if not self.read_at:
                raise ValueError("grade 'secondary' needs read_at: the address of the secondary text the number was read in")
            if not SECONDARY_MARK.search(self.source_note):
                raise ValueError("grade 'secondary' needs the secondary source named in source_note as 'Secondary: <source>'")
        if self.read_at and self.source_url in self.read_at and len(self.read_at) == 1:
            raise ValueError("read_at repeats source_url: leave read_at out when the canonical page is the one read")
        return self

    @property
    def read_at_text(self) -> str | None:
        return "; ".join(self.read_at) if self.read_at else None


class CountProvenance(Provenance):
    """A safety count read somewhere other than the safety block's own source."""


class PatientCount(Provenance):
    value: Annotated[StrictInt, Field(ge=1)]


class FollowUp(Provenance):
    value: Annotated[float, Field(gt=0, le=400)]
    kind: Literal["median", "mean", "range_max", "fixed", "minimum"]


class Comparator(Record):
    label: str
    responders: OptCount = None
    evaluated: OptCount = None
    percent: Annotated[float, Field(ge=0, le=100)] | None = None


class Outcome(Provenance):
    measure: Annotated[str, _coded("outcome_measures")]
    timepoint_months: Annotated[float, Field(ge=0, le=400)] | None = None
    timepoint_label: str | None = None
    responders: OptCount = None
    evaluated: OptCount = None
    percent: Annotated[float, Field(ge=0, le=100)] | None = None
    value: float | None = None
    value_kind: str | None = None
    comparator: Comparator | None = None

    @model_validator(mode="after")
    def counts_are_consistent(self):
        if self.responders is not None and self.evaluated is None:
            raise ValueError("responders is given but evaluated (the denominator) is blank")
        if self.responders is not None and self.evaluated is not None and self.responders > self.evaluated:
            raise ValueError(f"responders ({self.responders}) exceed evaluated ({self.evaluated})")
        if self.responders is None and self.percent is None and self.value is None:
            raise ValueError("an outcome needs responders, percent or value")
        if self.value is not None and not self.value_kind:
            raise ValueError("value is given without value_kind (e.g. 'mean change')")
        return self


class Cohort(Record):
    disease: Annotated[str, _coded("diseases")]
    subtype: str | None = None
    n_patients: PatientCount
    outcomes: list[Outcome] = Field(default_factory=list)

    @field_validator("subtype")
    @classmethod
    def subtype_belongs_to_disease(cls, value, info: ValidationInfo):
        vocab = (info.context or {}).get("vocabulary")
        disease = info.data.get("disease")
        if value is not None and vocab is not None and disease is not None:
            allowed = vocab.subtypes.get(disease, {})
            if value not in allowed:
                raise ValueError(f"'{value}' is not a subtype of {disease} (allowed: {', '.join(allowed) or 'none'})")
        return value

    @model_validator(mode="after")
    def evaluated_within_cohort(self):
        for index, outcome in enumerate(self.outcomes):
            if outcome.evaluated is not None and outcome.evaluated > self.n_patients.value:
                raise ValueError(
                    f"outcomes[{index}] ({outcome.measure}): evaluated ({outcome.evaluated}) "
                    f"exceeds n_patients ({self.n_patients.value})"
                )
        return self


SAFETY_COUNT_FIELDS = ("crs_any", "crs_grade3plus", "icans_any", "icans_grade3plus", "serious_infections", "deaths")


class Safety(Provenance):
    """Study-level safety. The block's provenance covers every count, except those listed in `count_provenance`."""

    n_patients: Annotated[StrictInt, Field(ge=1)]
    crs_any: OptCount = None
    crs_grade3plus: OptCount = None
    icans_any: OptCount = None
    icans_grade3plus: OptCount = None
    serious_infections: OptCount = None
    deaths: OptCount = None
    count_provenance: dict[Literal[SAFETY_COUNT_FIELDS], CountProvenance] = Field(default_factory=dict)

    def provenance_of(self, count: str) -> Provenance:
        return self.count_provenance.get(count, self)

    @model_validator(mode="after")
    def events_within_population(self):
        for name in self.count_provenance:
            if getattr(self, name) is None:
                raise ValueError(f"count_provenance.{name} is given but {name} is blank")
        for name in ("crs_any", "crs_grade3plus", "icans_any", "icans_grade3plus", "serious_infections", "deaths"):
            events = getattr(self, name)
            if events is not None and events > self.n_patients:
                raise ValueError(f"{name} ({events}) exceeds the safety population n_patients ({self.n_patients})")
        for severe, anygrade in (("crs_grade3plus", "crs_any"), ("icans_grade3plus", "icans_any")):
            high, low = getattr(self, severe), getattr(self, anygrade)
            if high is not None and low is not None and high > low:
                raise ValueError(f"{severe} ({high}) exceeds {anygrade} ({low})")
        return self


class Citation(Record):
    first_author: str = Field(min_length=2)
    year: StrictInt
    title: str = Field(min_length=5)
    journal: str = Field(min_length=2)
    publication_type: Literal[PUBLICATION_TYPES] = "journal_article"
    meeting: str | None = None  # congress abstracts: e.g. "EULAR 2024 Congress"
    abstract_number: str | None = None  # congress abstracts: e.g. "OP0141"
    doi: str | None = None
    pmid: Annotated[StrictInt, Field(ge=1, le=99_999_999)] | None = None
    nct_ids: list[str] = Field(default_factory=list)
    country: str | None = None

    @field_validator("year")
    @classmethod
    def plausible_year(cls, year: int) -> int:
        last = dt.date.today().year + 1
        if not FIRST_YEAR <= year <= last:
            raise ValueError(f"year {year} is outside {FIRST_YEAR}–{last}")
        return year

    @field_validator("doi")
    @classmethod
    def well_formed_doi(cls, doi):
        if doi is not None and not DOI_PATTERN.match(doi):
            raise ValueError(f"'{doi}' is not a bare DOI like 10.1056/NEJMoa2107954")
        return doi

    @field_validator("nct_ids")
    @classmethod
    def well_formed_nct(cls, ids):
        bad = [i for i in ids if not NCT_PATTERN.match(i)]
        if bad:
            raise ValueError(f"not NCT + 8 digits: {', '.join(bad)}")
        return ids

    @model_validator(mode="after")
    def has_identifier(self):
        if self.publication_type == "congress_abstract":
            # a congress abstract is citable by DOI, or by meeting + year + abstract number
            if not self.meeting:
                raise ValueError("a congress abstract needs its meeting (e.g. 'ACR Convergence 2024')")
            if self.doi is None and self.pmid is None and not self.abstract_number:
                raise ValueError("a congress abstract needs a DOI or its abstract number")
        elif self.doi is None and self.pmid is None:
            raise ValueError("a study needs a DOI or a PMID")
        if self.publication_type != "congress_abstract" and (self.meeting or self.abstract_number):
            raise ValueError("meeting and abstract_number belong to congress abstracts (set publication_type: congress_abstract)")
        return self


class Therapy(Record):
    therapy_class: Annotated[str, _coded("therapy_classes")]
    product: str = Field(min_length=2)
    target: Annotated[str, _coded("targets")]
    cell_source: Annotated[str, _coded("cell_sources")]
    tissue_source: Annotated[str | None, _coded("tissue_sources")] = None
    engineering: Annotated[str, _coded("engineering")]
    mechanisms: list[Annotated[str, _coded("mechanisms")]] = Field(min_length=1)
    dose: str | None = None
    conditioning: str | None = None

    @model_validator(mode="after")
    def engineered_cells_have_target(self):
        engineered = self.therapy_class in {"car_t", "car_nk", "caar_t", "car_treg"}
        if engineered and self.target == "none":
            raise ValueError(f"a {self.therapy_class} therapy needs an antigen target")
        if not engineered and self.target != "none":
            raise ValueError(f"a {self.therapy_class} therapy has no antigen target: use 'none'")
        return self


class LimitationItem(Record):
    answer: str
    note: str | None = None  # what in the report supports the answer (own words)


class Limitations(Record):
    """Study limitations as the curator read them in the report: JBI case-series items, or RoB 2 domains for RCTs."""

    tool: Literal["jbi_case_series", "rob2"]
    items: dict[str, LimitationItem]
    assessed_from: str = Field(min_length=5)  # what was read to judge: "abstract only", "abstract and full text"

    @model_validator(mode="after")
    def items_fit_the_tool(self):
        from evidence.appraisal import JBI_ANSWERS, JBI_ITEMS, ROB2_ANSWERS, ROB2_DOMAINS

        names, answers = (ROB2_DOMAINS, ROB2_ANSWERS) if self.tool == "rob2" else (JBI_ITEMS, JBI_ANSWERS)
        missing = [n for n in names if n not in self.items]
        unknown = [n for n in self.items if n not in names]
        if missing or unknown:
            raise ValueError(f"{self.tool} items: missing {', '.join(missing) or 'none'}; unknown {', '.join(unknown) or 'none'} (expected {', '.join(names)})")
        for name, item in self.items.items():
            if item.answer not in answers:
                raise ValueError(f"items.{name}: '{item.answer}' is not one of {', '.join(answers)}")
        return self

    @property
    def overall(self) -> str:
        from evidence.appraisal import overall_judgement

        return overall_judgement(self.tool, {name: item.answer for name, item in self.items.items()})


class Study(Record):
    id: Annotated[str, Field(pattern=STUDY_ID_PATTERN.pattern)]
    citation: Citation
    design: Annotated[str, _coded("designs")]
    evidence_level: Annotated[StrictInt, Field(ge=1, le=5)] | None = None
    therapy: Therapy
    follow_up_months: FollowUp | None = None
    supersedes: list[str] = Field(default_factory=list)
    related: list[str] = Field(default_factory=list)
    cohorts: list[Cohort] = Field(min_length=1)
    safety: Safety | None = None
    limitations: Limitations | None = None
    notes: str | None = None

    @model_validator(mode="after")
    def rcts_use_rob2(self):
        if self.limitations is not None:
            wanted = "rob2" if self.design == "rct" else "jbi_case_series"
            if self.limitations.tool != wanted:
                raise ValueError(f"limitations: a {self.design} study is appraised with {wanted}, not {self.limitations.tool}")
        return self

    @model_validator(mode="after")
    def no_self_reference(self):
        if self.id in self.supersedes or self.id in self.related:
            raise ValueError("a study cannot supersede or relate to itself")
        return self

    @model_validator(mode="after")
    def congress_abstract_has_no_article_grade(self):
        # the article grade means "read in the article's own text"; a congress abstract's numbers are `congress`
        if self.citation.publication_type == "congress_abstract":
            for where, provenance in self.provenances():
                if provenance.grade == "article":
                    raise ValueError(f"{where}: this study is a congress abstract, so its numbers are graded 'congress', not 'article'")
        return self

    def provenances(self):
        """Every (place, provenance) pair of the study's numbers."""
        if self.follow_up_months:
            yield "follow_up_months", self.follow_up_months
        for c, cohort in enumerate(self.cohorts):
            yield f"cohorts[{c}].n_patients", cohort.n_patients
            for o, outcome in enumerate(cohort.outcomes):
                yield f"cohorts[{c}].outcomes[{o}]", outcome
        if self.safety:
            yield "safety", self.safety
            for name, provenance in self.safety.count_provenance.items():
                yield f"safety.count_provenance.{name}", provenance


class PipelineEntry(Sourced):
    id: Annotated[str, Field(pattern=STUDY_ID_PATTERN.pattern)]
    name: str
    therapy_class: Annotated[str, _coded("therapy_classes")]
    target: Annotated[str, _coded("targets")]
    engineering: Annotated[str, _coded("engineering")]
    cell_source: Annotated[str | None, _coded("cell_sources")] = None
    diseases: list[Annotated[str, _coded("diseases")]] = Field(min_length=1)
    stage: Annotated[str, _coded("pipeline_stages")]
    nct_ids: list[str] = Field(default_factory=list)
    sponsor: str | None = None
    year: StrictInt | None = None
    summary: str


class ReleaseEntry(Record):
    """One data release in data/RELEASES.yaml: newest first."""

    version: Annotated[str, Field(min_length=1, max_length=20)]
    checked: dt.date
    summary: str = Field(min_length=5)

    @field_validator("version", mode="before")
    @classmethod
    def version_as_text(cls, value):
        return str(value) if isinstance(value, (int, float)) else value

    @field_validator("checked")
    @classmethod
    def checked_not_in_the_future(cls, checked: dt.date) -> dt.date:
        if checked > dt.date.today():
            raise ValueError(f"checked date {checked.isoformat()} is in the future")
        if checked.year < FIRST_YEAR:
            raise ValueError(f"checked date {checked.isoformat()} is before {FIRST_YEAR}")
        return checked


class ReleaseLog(Record):
    releases: list[ReleaseEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def newest_first(self):
        dates = [release.checked for release in self.releases]
        if dates != sorted(dates, reverse=True):
            raise ValueError("releases must be listed newest first")
        return self


class VocabularyTerm(BaseModel):
    """A term of data/vocabulary.yaml: id and both labels are required; other keys (definition, source, short
    labels, subtypes, flags) are free."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)
    id: Annotated[str | int, Field()]
    en: str = Field(min_length=1)
    zh: str = Field(min_length=1)
