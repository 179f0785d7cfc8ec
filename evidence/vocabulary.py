"""The controlled vocabulary: coded ids with English and Chinese labels, read from data/vocabulary.yaml."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from evidence.paths import VOCABULARY_FILE

LANGUAGES = ("en", "zh")

# Categories of vocabulary.yaml whose ids are coded fields of the study record.
CATEGORIES = (
    "diseases",
    "therapy_classes",
    "targets",
    "cell_sources",
    "tissue_sources",
    "engineering",
    "mechanisms",
    "outcome_measures",
    "designs",
    "evidence_levels",
    "pipeline_stages",
    "grades",
    "publication_types",
    "risk_of_bias",
    "appraisal_items",
)


@dataclass(frozen=True)
class Term:
    id: str
    en: str
    zh: str
    definition: str = ""
    source: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def label(self, lang: str = "en") -> str:
        return self.zh if lang == "zh" else self.en

    def definition_in(self, lang: str = "en") -> str:
        """The definition in the reader's language (Chinese where the vocabulary gives one, else English)."""
        return str(self.extra.get("definition_zh") or self.definition) if lang == "zh" else self.definition


@dataclass(frozen=True)
class Vocabulary:
    """Terms by category, in file order; `subtypes` maps a disease id to its subtype terms."""

    terms: dict[str, dict[str, Term]]
    subtypes: dict[str, dict[str, Term]]

    def ids(self, category: str) -> list[str]:
        return list(self.terms[category])

    def has(self, category: str, term_id) -> bool:
        return str(term_id) in self.terms[category]

    def term(self, category: str, term_id) -> Term:
        return self.terms[category][str(term_id)]

    def label(self, category: str, term_id, lang: str = "en") -> str:
        """Label of a term; an unknown or blank id is shown as it is, so nothing disappears from view."""
        if term_id is None or term_id != term_id:  # None or NaN
            return ""
        term = self.terms.get(category, {}).get(str(term_id))
        if term is None and category == "disease_subtypes":
            term = self.all_subtypes.get(str(term_id))
        return term.label(lang) if term else str(term_id)

    def short_label(self, category: str, term_id, lang: str = "en") -> str:
        """The short label (e.g. 'SLE', 'SSc') where the vocabulary gives one, else the full label."""
        term = self.terms.get(category, {}).get(str(term_id))
        short = term.extra.get(f"short_{lang}") if term else None
        return str(short) if short else self.label(category, term_id, lang)

    def labels(self, category: str, lang: str = "en") -> dict[str, str]:
        return {term_id: term.label(lang) for term_id, term in self.terms[category].items()}

    @property
    def all_subtypes(self) -> dict[str, Term]:
        return {tid: term for terms in self.subtypes.values() for tid, term in terms.items()}

    def subtype_labels(self, lang: str = "en") -> dict[str, str]:
        return {tid: term.label(lang) for tid, term in self.all_subtypes.items()}

    def glossary(self, category: str, lang: str = "en") -> list[dict]:
        """Rows of term, definition and defining source for one category (for the About page)."""
        return [
            {"id": term.id, "term": term.label(lang), "definition": term.definition_in(lang), "source": term.source}
            for term in self.terms[category].values()
        ]

    def design_level(self, design: str) -> int | None:
        term = self.terms["designs"].get(design)
        return term.extra.get("evidence_level") if term else None

    def resolve(self, category: str, value) -> str | None:
        """The id a reader meant: the id itself, or an English, Chinese or short label, case-insensitively
        ('SLE', 'sle', '系统性红斑狼疮' -> 'sle'); None when nothing matches."""
        text = str(value).strip().casefold()
        if not text:
            return None
        terms = self.all_subtypes if category == "disease_subtypes" else self.terms.get(category, {})
        for term_id, term in terms.items():
            names = {term_id, term.en, term.zh, term.extra.get("short_en"), term.extra.get("short_zh")}
            if text in {str(name).strip().casefold() for name in names if name}:
                return term_id
        return None

    def choices_text(self, category: str, lang: str = "en") -> str:
        """'sle (Systemic lupus erythematosus), ra (Rheumatoid arthritis), …' for an error message."""
        terms = self.all_subtypes if category == "disease_subtypes" else self.terms.get(category, {})
        return ", ".join(f"{term_id} ({term.label(lang)})" for term_id, term in terms.items())

    def unpooled_measures(self) -> set[str]:
        """Outcome measures never pooled (improvement described in words is not a defined measure)."""
        return {tid for tid, term in self.terms["outcome_measures"].items() if term.extra.get("pooled") is False}

    def trial_designs(self) -> list[str]:
        return [tid for tid, term in self.terms["designs"].items() if term.extra.get("trial")]


def _term(entry: dict) -> Term:
    known = {"id", "en", "zh", "definition", "source", "subtypes"}
    return Term(
        id=str(entry["id"]),
        en=str(entry["en"]),
        zh=str(entry["zh"]),
        definition=str(entry.get("definition", "")),
        source=str(entry.get("source", "")),
        extra={k: v for k, v in entry.items() if k not in known},
    )


def parse_vocabulary(raw: dict) -> Vocabulary:
    terms = {category: {} for category in CATEGORIES}
    subtypes: dict[str, dict[str, Term]] = {}
    for category in CATEGORIES:
        for entry in raw.get(category) or []:
            term = _term(entry)
            terms[category][term.id] = term
            if category == "diseases":
                subtypes[term.id] = {s["id"]: _term(s) for s in entry.get("subtypes") or []}
    return Vocabulary(terms=terms, subtypes=subtypes)


def load_vocabulary(path: Path = VOCABULARY_FILE) -> Vocabulary:
    """The vocabulary, parsed once per version of the file (an edited vocabulary is read again)."""
    stat = Path(path).stat()
    return _parse_file(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=8)
def _parse_file(path: str, mtime_ns: int, size: int) -> Vocabulary:
    with open(path, encoding="utf-8") as handle:
        return parse_vocabulary(yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
