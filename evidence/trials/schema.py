"""The trial record (one registration in data/trials.yaml) as a pydantic model, and the trial vocabulary.

Registry facts (id, title, status, phases, dates, enrolment, countries, sponsor, conditions, interventions, ages,
primary endpoint) are kept as the registry states them, blank where the page read did not show them. The atlas's own
classification (therapy classes, targets, cell source, diseases, age group, sponsor class) comes from
`evidence.trials.rules`; a coded field may be "unclear", and then `classification_note` says why.

Validate with `Trial.model_validate(raw, context={"vocabulary": trial_vocabulary()})`.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import AfterValidator, BeforeValidator, Field, StrictInt, ValidationInfo, model_validator

from evidence.paths import VOCABULARY_FILE
from evidence.schema import Record
from evidence.vocabulary import Vocabulary, _term, load_vocabulary
from evidence.trials.rules import ENGINEERED, UNCLEAR, UNENGINEERED

TRIAL_CATEGORIES = ("trial_statuses", "trial_phases", "sponsor_classes", "age_groups")

# Registry identifiers: ClinicalTrials.gov, the Chinese Clinical Trial Registry (new ChiCTR2000012345 and old
# ChiCTR-TRC-12002345 forms), EudraCT (2009-016442-74) and the EU CTIS (2023-508236-60-00).
REGISTRY_ID_PATTERNS = {
    "ctgov": re.compile(r"^NCT\d{8}$"),
    "chictr": re.compile(r"^ChiCTR(?:\d{10}|-[A-Z]{2,5}-\d{8})$"),
    "eudract": re.compile(r"^\d{4}-\d{6}-\d{2}$"),
    "ctis": re.compile(r"^\d{4}-5\d{5}-\d{2}-\d{2}$"),
}
REGISTRY_HOSTS = {
    "ctgov": ("clinicaltrials.gov", "www.clinicaltrials.gov"),
    "chictr": ("www.chictr.org.cn", "chictr.org.cn"),
    "eudract": ("www.clinicaltrialsregister.eu",),
    "ctis": ("euclinicaltrials.eu",),
}
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")


def registry_of(trial_id: str) -> str | None:
    return next((name for name, pattern in REGISTRY_ID_PATTERNS.items() if pattern.match(trial_id)), None)


def registry_url_for(trial_id: str) -> str | None:
    """The registry's own page for an identifier."""
    registry = registry_of(trial_id)
    if registry == "ctgov":
        return f"https://clinicaltrials.gov/study/{trial_id}"
    if registry == "chictr":
        return f"https://www.chictr.org.cn/searchprojEN.html?regno={trial_id}"
    if registry == "eudract":
        return f"https://www.clinicaltrialsregister.eu/ctr-search/search?query={trial_id}"
    if registry == "ctis":
        return f"https://euclinicaltrials.eu/search-for-clinical-trials/?lang=en&EUCT={trial_id}"
    return None


@lru_cache(maxsize=4)
def trial_vocabulary(path: Path = VOCABULARY_FILE) -> Vocabulary:
    """The atlas vocabulary plus the trial categories (trial_statuses, trial_phases, sponsor_classes, age_groups)."""
    base = load_vocabulary(path)
    with open(path, encoding="utf-8") as handle:
        raw = yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    extra = {category: {str(e["id"]): _term(e) for e in raw.get(category) or []} for category in TRIAL_CATEGORIES}
    return Vocabulary(terms={**base.terms, **extra}, subtypes=base.subtypes)


def _coded(category: str, unclear: bool = False) -> AfterValidator:
    """A vocabulary id of `category` (or "unclear" where the rules may leave it open)."""

    def check(value, info: ValidationInfo):
        vocab = (info.context or {}).get("vocabulary")
        if value is None or (unclear and value == UNCLEAR) or vocab is None or category not in vocab.terms:
            return value
        if not vocab.has(category, value):
            ids = vocab.ids(category)
            allowed = ", ".join(ids) if len(ids) <= 14 else f"see {category} in data/vocabulary.yaml"
            extra = " or unclear" if unclear else ""
            raise ValueError(f"'{value}' is not in the vocabulary of {category} (allowed: {allowed}{extra})")
        return value

    return AfterValidator(check)


def _date_text(value):
    """A registry date: YYYY-MM-DD or YYYY-MM (the registry gives month precision for many dates)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    if not DATE_PATTERN.match(text):
        raise ValueError(f"'{text}' is not a date like 2024-05-17 or 2024-05")
    year, month = int(text[:4]), int(text[5:7])
    if not (1990 <= year <= 2100 and 1 <= month <= 12):
        raise ValueError(f"'{text}' is not a plausible registry date")
    if len(text) == 10:
        dt.date.fromisoformat(text)
    return text


RegistryDate = Annotated[str | None, BeforeValidator(_date_text)]
def _https(url: str) -> str:
    if not url.startswith("https://"):
        raise ValueError(f"must be an https:// address (got '{url}')")
    return url


Https = Annotated[str, AfterValidator(_https)]


def _registry_id(value: str) -> str:
    if registry_of(value) is None:
        raise ValueError(f"'{value}' is not a registry id: NCT + 8 digits, ChiCTR2000012345 (or ChiCTR-XXX-12345678), "
                         "EudraCT 2009-016442-74 or CTIS 2023-508236-60-00")
    return value


RegistryId = Annotated[str, AfterValidator(_registry_id)]


class Trial(Record):
    """One registration: registry facts, the atlas's classification, and where and when it was read."""

    id: RegistryId
    title: str | None = Field(default=None, min_length=5)
    status: Annotated[str | None, _coded("trial_statuses")] = None
    phases: list[Annotated[str, _coded("trial_phases")]] = Field(default_factory=list)
    start_date: RegistryDate = None
    primary_completion_date: RegistryDate = None
    last_update_date: RegistryDate = None
    enrolment: Annotated[StrictInt, Field(ge=0)] | None = None
    enrolment_type: Literal["actual", "estimated"] | None = None
    countries: list[str] = Field(default_factory=list)
    lead_sponsor: str | None = None
    sponsor_class: Annotated[str | None, _coded("sponsor_classes")] = None
    conditions: list[str] = Field(default_factory=list)
    interventions: list[str] = Field(default_factory=list)
    min_age: str | None = None
    max_age: str | None = None
    primary_endpoint: str | None = None
    secondary_ids: list[RegistryId] = Field(default_factory=list)

    therapy_classes: list[Annotated[str, _coded("therapy_classes", unclear=True)]] = Field(min_length=1)
    targets: list[Annotated[str, _coded("targets", unclear=True)]] = Field(min_length=1)
    cell_source: Annotated[str, _coded("cell_sources", unclear=True)]
    diseases: list[Annotated[str, _coded("diseases")]] = Field(min_length=1)
    age_group: Annotated[str, _coded("age_groups", unclear=True)]
    product: str | None = None
    classified_by: Literal["rules", "curator"] = "rules"
    classification_note: str | None = None

    snapshot_date: dt.date
    registry_url: Https
    source_url: Https | None = None
    source_note: str | None = Field(default=None, min_length=10)
    listed_by: Literal["reference_list", "curator_search", "registry_import"]

    @model_validator(mode="after")
    def consistent(self):
        registry = registry_of(self.id)
        host = re.sub(r"^https://([^/]+)/.*$", r"\1", self.registry_url + "/")
        if host not in REGISTRY_HOSTS[registry]:
            raise ValueError(f"registry_url must be a page of the {registry} registry ({', '.join(REGISTRY_HOSTS[registry])}), got host '{host}'")
        if registry in ("ctgov", "chictr") and self.id not in self.registry_url:
            raise ValueError(f"registry_url does not name {self.id}")
        if self.snapshot_date > dt.date.today():
            raise ValueError(f"snapshot_date {self.snapshot_date} is in the future")
        if self.title is None and self.source_note is None:
            raise ValueError("a trial without a title needs a source_note saying what was read")
        if self.enrolment_type is not None and self.enrolment is None:
            raise ValueError("enrolment_type is given but enrolment is blank")
        coded = [*self.therapy_classes, *self.targets, self.cell_source, self.age_group]
        if UNCLEAR in coded and not self.classification_note:
            raise ValueError("a field is 'unclear': say why in classification_note")
        if self.classified_by == "curator" and not self.classification_note:
            raise ValueError("classified_by: curator needs a classification_note saying what was read and where")
        if len(set(self.targets)) != len(self.targets) or len(set(self.therapy_classes)) != len(self.therapy_classes):
            raise ValueError("therapy_classes and targets list each value once")
        classes = set(self.therapy_classes) - {UNCLEAR}
        if classes and classes <= set(UNENGINEERED) and self.targets != ["none"]:
            raise ValueError("an MSC or HSCT trial has no antigen target: targets must be [none]")
        if classes & set(ENGINEERED) and self.targets == ["none"]:
            raise ValueError("an engineered-cell trial needs an antigen target (or unclear)")
        if "in_vivo_car" in classes and self.cell_source not in ("in_vivo", UNCLEAR):
            raise ValueError("an in vivo CAR has cell_source in_vivo")
        if self.cell_source == "in_vivo" and "in_vivo_car" not in classes:
            raise ValueError("cell_source in_vivo belongs to in vivo CAR trials (therapy class in_vivo_car)")
        return self

    @property
    def registry(self) -> str:
        return registry_of(self.id)

    @property
    def start_year(self) -> int | None:
        return int(self.start_date[:4]) if self.start_date else None


REGISTRY_FIELDS = (
    "title", "status", "phases", "start_date", "primary_completion_date", "last_update_date", "enrolment",
    "enrolment_type", "countries", "lead_sponsor", "sponsor_class", "conditions", "interventions", "min_age",
    "max_age", "primary_endpoint",
)
CLASSIFICATION_FIELDS = ("therapy_classes", "targets", "cell_source", "diseases", "age_group", "product", "classification_note")
