"""Filters <-> URL query string. Every value read from a URL is checked against the vocabulary;
anything unknown or malformed is dropped with a note for the reader, never raised."""

from __future__ import annotations

from dataclasses import replace

from evidence.filters import TIERS, Filters
from evidence.vocabulary import Vocabulary

# Filters field -> (query key, vocabulary category or None for free values)
CHOICE_KEYS = {
    "diseases": ("disease", "diseases"),
    "subtypes": ("subtype", "disease_subtypes"),
    "therapy_classes": ("class", "therapy_classes"),
    "targets": ("target", "targets"),
    "cell_sources": ("source", "cell_sources"),
    "tissue_sources": ("tissue", "tissue_sources"),
    "engineering": ("eng", "engineering"),
    "designs": ("design", "designs"),
    "evidence_levels": ("level", "evidence_levels"),
    "outcome_measures": ("measure", "outcome_measures"),
    "countries": ("country", None),
    "study_ids": ("study", None),
}
NUMBER_KEYS = {"year_from": ("from", 1990, 2100), "year_to": ("to", 1990, 2100), "min_patients": ("min_n", 1, 100_000)}
MAX_VALUE_LENGTH = 200  # longer values are not ours; ignore rather than echo them
ARTICLE_ONLY_KEY, ARTICLE_ONLY_VALUE = "grade", "article"  # ?grade=article: only numbers read in the article itself
HIGH_RISK_KEY, HIGH_RISK_VALUE = "rob", "exclude_high"  # ?rob=exclude_high: studies at high risk of bias left out
QUERY_KEYS = {key for key, _ in CHOICE_KEYS.values()} | {k for k, _, _ in NUMBER_KEYS.values()} | {"q", "tier", ARTICLE_ONLY_KEY, HIGH_RISK_KEY}


def _allowed(vocab: Vocabulary, category: str) -> set[str]:
    if category == "disease_subtypes":
        return set(vocab.all_subtypes)
    return set(vocab.ids(category))


def to_query_params(filters: Filters) -> dict[str, str]:
    """Only fields that differ from the defaults are written, so a plain URL means the default view."""
    default, params = Filters(), {}
    for name, (key, _) in CHOICE_KEYS.items():
        if getattr(filters, name):
            params[key] = ",".join(str(v) for v in getattr(filters, name))
    for name, (key, _, _) in NUMBER_KEYS.items():
        if getattr(filters, name) is not None:
            params[key] = str(getattr(filters, name))
    if filters.tier != default.tier:
        params["tier"] = filters.tier
    if filters.text.strip():
        params["q"] = filters.text.strip()
    if filters.article_only:
        params[ARTICLE_ONLY_KEY] = ARTICLE_ONLY_VALUE
    if filters.exclude_high_risk:
        params[HIGH_RISK_KEY] = HIGH_RISK_VALUE
    return params


def from_query_params(params: dict, vocab: Vocabulary) -> tuple[Filters, list[str]]:
    """Filters from a URL's query parameters (values are strings, or lists of strings), plus notes on what was ignored."""
    notes, values = [], {}

    def text_of(key):
        raw = params.get(key)
        if isinstance(raw, (list, tuple)):
            raw = ",".join(str(part) for part in raw)
        return None if raw is None else str(raw)

    for name, (key, category) in CHOICE_KEYS.items():
        raw = text_of(key)
        if not raw:
            continue
        if len(raw) > MAX_VALUE_LENGTH * 20:
            notes.append(f"ignored '{key}': value too long")
            continue
        parts = [part.strip() for part in raw.split(",") if part.strip()]
        if category is not None:
            # ids, English and Chinese labels all work (?disease=SLE, ?disease=系统性红斑狼疮)
            resolved = [p if p in _allowed(vocab, category) else vocab.resolve(category, p) for p in parts]
            unknown = [p for p, r in zip(parts, resolved) if r is None]
            if unknown:
                notes.append(f"ignored unknown {key} value(s): {', '.join(u[:40] for u in unknown[:5])}")
            parts = [r for r in resolved if r is not None]
        else:
            parts = [p[:MAX_VALUE_LENGTH] for p in parts]
        if name == "evidence_levels":
            parts = [int(p) for p in parts]
        if parts:
            values[name] = tuple(dict.fromkeys(parts))
    for name, (key, low, high) in NUMBER_KEYS.items():
        raw = text_of(key)
        if raw is None or raw == "":
            continue
        if raw.strip().isdigit() and low <= int(raw) <= high:
            values[name] = int(raw)
        else:
            notes.append(f"ignored '{key}': expected a whole number from {low} to {high}")
    tier = text_of("tier")
    if tier in TIERS:
        values["tier"] = tier
    elif tier:
        notes.append(f"ignored unknown tier: {tier[:40]}")
    text = text_of("q")
    if text:
        values["text"] = text[:MAX_VALUE_LENGTH]
    grade = text_of(ARTICLE_ONLY_KEY)
    if grade == ARTICLE_ONLY_VALUE:
        values["article_only"] = True
    elif grade:
        notes.append(f"ignored '{ARTICLE_ONLY_KEY}': the only value is '{ARTICLE_ONLY_VALUE}'")
    rob = text_of(HIGH_RISK_KEY)
    if rob == HIGH_RISK_VALUE:
        values["exclude_high_risk"] = True
    elif rob:
        notes.append(f"ignored '{HIGH_RISK_KEY}': the only value is '{HIGH_RISK_VALUE}'")
    filters = replace(Filters(), **values)
    if filters.year_from and filters.year_to and filters.year_from > filters.year_to:
        notes.append("ignored the year range: 'from' is after 'to'")
        filters = replace(filters, year_from=None, year_to=None)
    return filters, notes
