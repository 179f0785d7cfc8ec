"""The atlas's own classification of a registered trial, from the registry's words only.

Deterministic text rules over the title, the intervention names and the registered conditions:

* therapy class   — CAR-T / CAR-NK / CAAR-T / CAR-Treg / in vivo CAR / MSC / HSCT (several when the record
                    registers several arms, e.g. a CAAR-T arm and a CD19 CAR-T arm)
* target(s)       — antigen groups: antigens written together ("CD19/BCMA", "BCMA-CD19", "CD19 and BCMA",
                    "(BCMA+CD19)", "CD19/20") are one compound target (`cd19_bcma`); antigens in separate arms
                    ("CD19 or CD19-BCMA") are separate targets; products given together in one intervention
                    ("BCMA CART + CD19 CART") are a co-infusion, i.e. one compound target
* cell source     — in vivo for an in vivo CAR; allogeneic when the text says allogeneic / universal / UCAR /
                    off-the-shelf / donor / iPSC / umbilical cord / cord blood; autologous when it says autologous
                    (or the INN suffix "autoleucel"); else unclear
* diseases        — each registered condition mapped to the atlas vocabulary (a basket trial keeps every disease);
                    when no condition maps, the title is read; `autoimmune_unspecified` only when nothing maps
* age group       — from the registered minimum and maximum age
* sponsor class   — from the registry's sponsor class and, for class OTHER, the sponsor's name

Where the words do not say, the answer is "unclear" and the reason goes into the classification note — never a
guess. A short product lexicon (PRODUCTS) fills in what a product code alone does not say; every entry names the
text it rests on (a registry title or summary, an atlas study, or a congress abstract).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

UNCLEAR = "unclear"
ENGINEERED = ("car_t", "car_nk", "caar_t", "car_treg", "in_vivo_car")
UNENGINEERED = ("msc", "hsct")

# ---------------------------------------------------------------------------------------------------------------
# product lexicon: what a product code means when the trial's own words do not say it
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Product:
    name: str
    aliases: tuple[str, ...]
    therapy_class: str | None = None
    target: str | None = None
    cell_source: str | None = None
    basis: str = ""


PRODUCTS: tuple[Product, ...] = (
    Product("KYV-101", ("KYV-101", "KYV101"), "car_t", "cd19", "autologous",
            "registry intervention of NCT06590545: 'KYV-101, an autologous fully-human anti-CD19 CAR T-cell immunotherapy'"),
    Product("CABA-201", ("CABA-201",), "car_t", "cd19", "autologous",
            "registry titles of NCT06328777 ('CABA-201, a CD19-CAR T Cell Therapy') and NCT04422912 ('Autologous CART Cells … CD19-specific … [CABA-201]')"),
    Product("DSG3-CAART", ("DSG3-CAART",), "caar_t", "dsg3", "autologous",
            "registry title of NCT04422912 ('Autologous CART Cells (Desmoglein 3 Chimeric Autoantibody Receptor T Cells [DSG3-CAART]')"),
    Product("zola-cel (CC-97540, BMS-986353)", ("CC-97540", "CC- 97540", "BMS-986353", "BMS-086353", "zola-cel", "zolacabtagene"), "car_t", "cd19", "autologous",
            "registry title of NCT07015983 ('CC-97540 (BMS-986353 or Zola-cel), CD19-Targeted NEX-T CAR T Cells'); INN zolacabtagene autoleucel (NCT07335562)"),
    Product("relma-cel", ("relma-cel", "relmacabtagene"), "car_t", "cd19", "autologous",
            "registry title of NCT05765006 ('CD19-CART(Relma-cel)'); atlas study wang-2025-sle-cd19-relmacel"),
    Product("CNCT19 (inaticabtagene autoleucel)", ("CNCT19", "inaticabtagene"), "car_t", "cd19", "autologous",
            "registry title of NCT06316791 ('CNCT19 Anti CD19 Cell Therapy'); registered condition of NCT06231368 ('Autologous CD19 CAR-T'); "
            "CNCT19 = inaticabtagene autoleucel, a CD19 CAR-T (flcube.com/?p=20884)"),
    Product("SBT777101", ("SBT777101",), "car_treg", "citrullinated_proteins", "autologous",
            "atlas study kohler-2025-ra-car-treg-acr (autologous regulatory T cells with a CAR recognising citrullinated proteins)"),
    Product("MB-CART19.1 (zorpocabtagene autoleucel)", ("MB-CART19.1", "zorpocabtagene"), "car_t", "cd19", "autologous",
            "atlas studies schett-2024-sle-ssc-iim-cd19-castle-acr and hagen-2025-sle-ssc-iim-cd19-castle-acr (MB-CART19.1, autologous CD19 CAR-T)"),
    Product("NKX019", ("NKX019",), "car_nk", "cd19", None,
            "registry title of NCT06518668 ('NKX019, a CD19 CAR NK Cell Therapy')"),
    Product("KN5501", ("KN5501",), "car_nk", "cd19", "allogeneic",
            "registry intervention of NCT06010472 and NCT06337474 ('anti-CD19 CAR NK cells (KN5501)'); atlas study yu-2024-sle-cd19-car-nk-acr "
            "(KN5501, allogeneic CD19 CAR-NK)"),
    Product("KN5601", ("KN5601",), "car_nk", "cd19_bcma", None,
            "registry title of NCT07490041 ('Anti- CD19/BCMA CAR-NK Cell Injection', intervention KN5601) and NCT07283315 (KN5601-K)"),
    Product("RD06-04", ("RD06-04",), "car_t", "cd19", "allogeneic",
            "registry title of NCT06986018 ('Targeted CD19 Universal CAR-T Cell Injection (RD06-04)')"),
    Product("RD06-05", ("RD06-05",), "car_t", "cd19_bcma", "allogeneic",
            "registry titles of NCT07203404 ('Anti-CD19/BCMA Universal CAR-T Cell Therapy RD06-05') and NCT07674147"),
    Product("QT-019C", ("QT-019C",), "car_t", "cd19_bcma", "allogeneic",
            "registry title of NCT07392528 ('UCAR T-cell Therapy Targeting CD19/ BCMA(QT-019C)')"),
    Product("C-CAR168", ("C-CAR168",), "car_t", "cd20_bcma", "autologous",
            "registry interventions of NCT06249438 ('CD20/BCMA-directed CAR-T cells') and NCT07676266 ('… Autologous 2nd generation')"),
    Product("ICG318", ("ICG318",), "car_t", "cd19_bcma", None,
            "registry intervention of NCT07715136 ('ICG318, BCMA-CD19-IL-15/IL-15 sushi Compound CAR-T')"),
    Product("GC012F (AZD0120)", ("GC012F", "AZD0120"), "car_t", "cd19_bcma", "autologous",
            "EULAR 2025 abstract OP0074 and ACR Convergence 2025 abstract (acrabstracts.org/?p=46117): 'GC012F (AZD0120) is a CD19/BCMA dual-targeting CAR-T', autologous"),
    Product("Descartes-08", ("Descartes-08", "Decartes-08"), "car_t", "bcma", "autologous",
            "atlas study chahin-2025-mg-bcma-mrna (autologous anti-BCMA mRNA CAR-T)"),
    Product("CT103A (eque-cel)", ("CT103A", "equecabtagene", "eque-cel"), "car_t", "bcma", "autologous",
            "atlas study qin-2023-nmosd-bcma (CT103A, anti-BCMA CAR-T); NCI Drug Dictionary: equecabtagene autoleucel = "
            "autologous anti-BCMA CAR-T cells CT103A"),
    Product("BRL-301", ("BRL-301",), "car_t", "cd19", "allogeneic",
            "atlas studies wang-2024-iim-ssc-allo-cd19 and wang-2025-sle-allo-cd19 (TyU19/BRL-301, allogeneic anti-CD19 CAR-T)"),
    Product("FT819", ("FT819",), "car_t", "cd19", "allogeneic",
            "atlas pipeline entry ft819-ipsc-cart-sle (iPSC-derived off-the-shelf CD19 CAR-T)"),
    Product("CPTX2309", ("CPTX2309",), "in_vivo_car", "cd19", "in_vivo",
            "atlas pipeline entry cptx2309-in-vivo-cart (CD8-targeted lipid nanoparticle delivering anti-CD19 CAR mRNA)"),
    Product("HN2301", ("HN2301",), "in_vivo_car", "cd19", "in_vivo",
            "atlas pipeline entry hn2301-in-vivo-cart-sle (CD8-targeted mRNA lipid nanoparticle, CD19 CAR)"),
    Product("rapcabtagene autoleucel (YTB323)", ("YTB323", "rapcabtagene"), "car_t", "cd19", "autologous",
            "Cancer Discovery 2023;13:1982 ('YTB323, a novel autologous CD19-directed CAR T-cell therapy'); EULAR 2025 abstract OP0079"),
    Product("obe-cel", ("obe-cel", "obecabtagene"), "car_t", "cd19", "autologous",
            "registry summary of NCT06333483 ('obecabtagene autoleucel (obe-cel), autologous T cells engineered with a CAR targeting CD19')"),
    Product("YTS109", ("YTS109",), "car_t", "cd19", "allogeneic",
            "registry summary of NCT06943937 ('a universal allogeneic STAR-T cell therapy targeting CD19'); Nat Med 2025 (s41591-025-03899-x)"),
    Product("BCT301", ("BCT301",), "car_t", "cd19", "allogeneic",
            "registry summary of NCT07301164 ('an anti-CD19 chemically induced pluripotent stem cell-derived CAR-iT' from healthy-donor cells)"),
    Product("SYS6020", ("SYS6020",), "car_t", None, None,
            "registry title of NCT06688435 ('SYS6020 CAR T-cells')"),
    Product("LCAR-AIO", ("LCAR-AIO",), "car_t", None, None,
            "registry title of NCT06869278 ('LCAR-AIO CAR-T Cells')"),
    Product("IM19", ("IM19",), "car_t", "cd19", "autologous",
            "registry titles of NCT06513429 ('IM19 CAR-T Cell Therapy') and NCT06690359; atlas study zhao-2025-sle-cd19-im19-acr (IM19, autologous anti-CD19 CAR-T)"),
    Product("darvadstrocel (Cx601)", ("darvadstrocel", "Cx601"), "msc", "none", "allogeneic",
            "registry title of NCT03279081 ('Cx601, Adult Allogeneic Expanded Adipose-derived Stem Cells'); NCT04075825 names darvadstrocel (Cx601)"),
)

# ---------------------------------------------------------------------------------------------------------------
# therapy class
# ---------------------------------------------------------------------------------------------------------------

_I = re.IGNORECASE
CLASS_PATTERNS: dict[str, re.Pattern] = {
    "caar_t": re.compile(r"\bCAAR[- ]?T|\bCAART\b|chimeric auto-?antibody receptor", _I),
    "car_treg": re.compile(
        r"\bCAR\W{0,3}(?:[A-Z0-9]+\W{1,3})?T[- ]?regs?\b|CAR[- ]?Treg|chimeric antigen receptor T[- ]regulatory"
        r"|\bCAR\W{0,3}\s*(?:\S+\s+){0,2}Foxp3|Foxp3\W{0,3}\s*(?:\S+\s+){0,2}CAR\b", _I),
    "car_nk": re.compile(
        r"\bCAR[- ]?NK\b|\bNK[- ]?CAR\b|chimeric antigen receptor[- ](?:NK|natural killer)|\bCAR\W{0,3}\s*NK\b"
        r"|\bCAR\b[^|;]{0,20}\bNK[- ]cells?|CAR-[A-Z0-9]+\s+NK[- ]cells?", _I),
    "in_vivo_car": re.compile(r"\bin[- ]vivo\b[^|;]{0,40}(?:CAR|\bLV\b|lentivir|LNP|nanoparticle)|(?:CAR|LNP)[^|;]{0,40}\bin[- ]vivo\b", _I),
    "car_t": re.compile(
        r"\bCAR[- ]?T(?![- ]?reg)(?![a-z])|\bCAR[- ]T[- ]?cells?|\bCARTs?\b|\bCART[- ]?\d|\bcCAR[- ]?T|\bUCAR[- ]?T|\bUCART"
        r"|chimeric antigen receptor[- ](?:modified )?T(?![- ]?reg)\b|chimeric antigen receptors? T[- ]?cells?"
        r"|chimeric antigen receptor[- ]T[- ]lymphocytes|\bSTAR[- ]?T\b|CAR[- ]iT\b|CAR[- ]?γδ|\bCAR[- ]DNT\b"
        r"|T[- ]cells?[^|;]{0,40}chimeric antigen receptor|chimeric antigen receptor[^|;]{0,30}\bT[- ]cells?"
        r"|\bCAR\b[^|;]{0,12}\bT[- ]cells?|CAR-[A-Z0-9]+\s+T[- ]cells?|cabtagene", _I),
    "msc": re.compile(
        r"mesenchymal|\bh?(?:UC-)?MSCs?\b|\bMSC-NP|stromal (?:vascular )?cells?|stromal vascular fraction"
        r"|adipose[- ](?:tissue[- ])?derived (?:stem|stromal|mesenchymal)|\be?ASCs?\b|\bADS?Cs?\b|\bAD-?MSCs?\b", _I),
    "hsct": re.compile(
        r"ha?ematopo(?:i)?etic (?:stem )?cell transplant|\bm?HSCT\b|\ba?HSCT\b|\bAHSCT\b|(?<!mesenchymal )stem cell transplant|bone marrow transplant"
        r"|immuno-?ablation|CD34\+? ?selected|\bHCT\b", _I),
}
# phrases that name a past transplant as a condition ("GVHD after allogeneic haematopoietic cell transplantation")
_PAST_TRANSPLANT = re.compile(
    r"(?:after|following|post)[- ](?:allogeneic |autologous )?(?:ha?ematopo(?:i)?etic|bone marrow|stem)[\w\s-]*?transplant\w*", _I)
_IN_VIVO = re.compile(r"\bin[- ]vivo\b", _I)

# ---------------------------------------------------------------------------------------------------------------
# targets
# ---------------------------------------------------------------------------------------------------------------

ANTIGENS: tuple[tuple[str, re.Pattern], ...] = (
    ("bcma", re.compile(r"\bBCMA\b|B[- ]cell maturation antigen", _I)),
    ("baffr", re.compile(r"\bBAFF[- ]?R\b|\bBAFFR\b", _I)),
    ("baff_ligand", re.compile(r"\bBAFF\b(?![- ]?R\b)", _I)),
    ("dsg3", re.compile(r"\bDSG3|desmoglein[- ]?3", _I)),
    ("musk", re.compile(r"\bMuSK\b", _I)),
    ("cd19", re.compile(r"(?<![A-Z])CD[- ]?19(?!\d)|\bCAR[- ]?T?19(?![\d.]*\d{2})|CART19(?!\d)", _I)),
    ("cd20", re.compile(r"(?<![A-Z])CD[- ]?20(?!\d)", _I)),
    ("cd22", re.compile(r"(?<![A-Z])CD[- ]?22(?!\d)", _I)),
    ("cd70", re.compile(r"(?<![A-Z])CD[- ]?70(?!\d)", _I)),
    ("cd7", re.compile(r"(?<![A-Z])CD[- ]?7(?!\d)", _I)),
    ("cd6", re.compile(r"(?<![A-Z])CD[- ]?6(?!\d)", _I)),
)
COMPOUNDS: dict[frozenset, str] = {
    frozenset({"cd19", "bcma"}): "cd19_bcma",
    frozenset({"cd19", "cd20"}): "cd19_cd20",
    frozenset({"cd20", "bcma"}): "cd20_bcma",
    frozenset({"cd19", "cd70"}): "cd19_cd70",
    frozenset({"bcma", "cd70"}): "bcma_cd70",
    frozenset({"cd19", "cd22", "bcma"}): "cd19_cd22_bcma",
}
# "CD19/20", "CD19 / 70" -> "CD19/CD20": a bare number after a slash continues a CD list
_CD_CONTINUATION = re.compile(r"(CD\s?-?\d+)\s*/\s*(\d+)(?!\d)", _I)
# text between two antigens that keeps them in one compound target (CD19/BCMA, BCMA-CD19, CD19 and BCMA, (BCMA+CD19))
_JOINED = re.compile(r"^[\s/\-+&,、()（）\[\]]*(?:and)?[\s/\-+&,、()（）\[\]]*$", _I)
# text between two antigen groups inside one intervention that means they are given together (a co-infusion)
_TOGETHER = re.compile(r"\+|;|\bplus\b|\bcombined with\b|\band\b", _I)

# an intervention that is a drug, a procedure or a comparator, not the cell product
_NOT_PRODUCT = re.compile(
    r"cyclophosphamide|fludarabin|bendamustine|tocilizumab|rituximab|tafasitamab|placebo|standard|chemotherap|lymphodeplet"
    r"|\bmAb\b|antibod|glucocorticoid|nintedanib|comparator|biopsy|imaging|tomography|questionnaire|puncture|echocardiog"
    r"|x-ray|magnetic resonance|health record|leukapheresis|biospecimen|quality-of-life|STK-009|best available therapy"
    r"|cladribine|ocrelizumab|alemtuzumab|methotrexate|no intervention|control group|\bATG\b", _I)
_CELL_WORDS = re.compile(r"\bCAR(?![a-z])|CAR[- ]?T|CAR\b|cells?\b|injection|\bNK\b|Treg|leucel|cabtagene|MSC|stem cell|transplant", _I)

# ---------------------------------------------------------------------------------------------------------------
# cell source
# ---------------------------------------------------------------------------------------------------------------

_ALLOGENEIC = re.compile(
    r"allogene?ic|allogenic|\buniversal\b|\bUCAR|\bUCART|off[- ]the[- ]shelf|\bdonors?\b|donor[- ]derived|\biPSCs?\b|pluripotent"
    r"|umbilical cord|cord blood|placenta|\bfetal\b|\bh?UC-MSC|\bhUC\b", _I)
_AUTOLOGOUS = re.compile(r"autologous|autoleucel|\bAutoCD\d", _I)

# ---------------------------------------------------------------------------------------------------------------
# diseases: registered condition -> atlas disease ids (first matching patterns win nothing: every match counts)
# ---------------------------------------------------------------------------------------------------------------

DISEASE_PATTERNS: tuple[tuple[str, re.Pattern], ...] = (
    ("sle", re.compile(r"lupus|\bSLE\b|\bLN\b|\bcSLE\b", _I)),
    ("ssc", re.compile(r"sclerod|systemic scleros|\bSSc\b|diffuse cutaneous", _I)),
    ("iim", re.compile(r"myositis|myopath|dermatomyositis|polymyositis|\bIIM\b|\bIMNM\b|anti-?synthetase|\bJDM\b|\bDM\b|\bJIIM\b", _I)),
    ("myasthenia_gravis", re.compile(r"myasth|\bg?MG\b", _I)),
    ("nmosd", re.compile(r"neuromyelitis|\bNMOSD?\b|aquaporin|\bAQP4", _I)),
    ("ms", re.compile(r"multiple sclerosis|\bMS\b|\bRRMS\b|\bPMS\b|\bSPMS\b|\bPPMS\b|\bRMS\b", _I)),
    ("aav", re.compile(r"\bANCA|neutrophil(?:ic)? cytoplasmic|polyangiitis|granulomatosis with|\bGPA\b|\bMPA\b|\bAAV\b|\bAAGN\b", _I)),
    ("sjogren", re.compile(r"sj[öo]gren|sjogren|\bSjD\b|\bpSS\b|\bSS\b", _I)),
    ("ra", re.compile(r"rheumatoid|\bRA\b", _I)),
    ("pemphigus", re.compile(r"pemphig", _I)),
    ("igg4_rd", re.compile(r"igg4", _I)),
    ("aps", re.compile(r"antiphospholipid|\bAPS\b", _I)),
    ("aiha", re.compile(r"ha?emolytic an(?:a)?emia|\bw?AIHA\b|evans syndrome|autoimmune cytopeni", _I)),
    ("itp", re.compile(r"(?<!thrombotic )thrombocytop(?!enic purpura, thrombotic)|\bITP\b", _I)),
    ("cidp", re.compile(r"\bCIDP\b|chronic inflammatory demyelinating", _I)),
    ("jia", re.compile(r"juvenile idiopathic arthritis|polyarticular juvenile|\bJIA\b", _I)),
    ("crohn", re.compile(r"crohn", _I)),
    ("membranous_nephropathy", re.compile(r"membranous nephropathy|\bI?MN\b|PLA2R", _I)),
    ("iga_nephropathy", re.compile(r"IgA nephropathy|\bIgAN\b", _I)),
    ("type1_diabetes", re.compile(r"type 1 diabetes|type one diabetes|\bT1DM?\b", _I)),
    ("graves_disease", re.compile(r"graves", _I)),
    ("gad65_neurological", re.compile(r"stiff[- ]person|\bSPS\b", _I)),
    ("autoimmune_encephalitis", re.compile(r"encephalitis", _I)),
    ("mogad", re.compile(r"\bMOG|myelin oligodendrocyte", _I)),
    ("behcet", re.compile(r"beh[çc]et", _I)),
    ("systemic_vasculitis", re.compile(r"vasculitis", _I)),
)
_AAV = dict(DISEASE_PATTERNS)["aav"]
_TTP = re.compile(r"thrombotic thrombocytopenic purpura", _I)

# ---------------------------------------------------------------------------------------------------------------
# classification
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class Classification:
    therapy_classes: list[str]
    targets: list[str]
    cell_source: str
    diseases: list[str]
    age_group: str
    product: str | None
    notes: list[str] = field(default_factory=list)

    @property
    def classification_note(self) -> str | None:
        return "; ".join(self.notes) if self.notes else None

    def as_fields(self) -> dict:
        return {
            "therapy_classes": self.therapy_classes, "targets": self.targets, "cell_source": self.cell_source,
            "diseases": self.diseases, "age_group": self.age_group, "product": self.product,
            "classification_note": self.classification_note,
        }


def clean(text) -> str:
    """Registry text as shown: HTML entities decoded, whitespace collapsed."""
    return re.sub(r"\s+", " ", html.unescape(str(text or ""))).strip()


def is_product(intervention: str) -> bool:
    """Is this intervention the cell product (not a conditioning drug, comparator or procedure)?"""
    if _CELL_WORDS.search(intervention) or lexicon_products(intervention):
        return True
    return not _NOT_PRODUCT.search(intervention)


def lexicon_products(text: str) -> list[Product]:
    found = []
    for product in PRODUCTS:
        if any(re.search(r"(?<![A-Za-z0-9])" + re.escape(alias) + r"(?![A-Za-z0-9])", text, _I) for alias in product.aliases):
            found.append(product)
    return found


def _antigen_mentions(text: str) -> list[tuple[int, int, str]]:
    text = _CD_CONTINUATION.sub(lambda m: f"{m.group(1)}/CD{m.group(2)}", text)
    spans = []
    for code, pattern in ANTIGENS:
        for match in pattern.finditer(text):
            if not any(s <= match.start() < e for s, e, _ in spans):
                spans.append((match.start(), match.end(), code))
    return sorted(spans), text


def antigen_groups(text: str, together_means_compound: bool = False) -> list[frozenset]:
    """Antigen groups named in one piece of text: each group is one target (one antigen or a compound)."""
    spans, text = _antigen_mentions(text)
    groups: list[set] = []
    previous_end = None
    for start, end, code in spans:
        between = text[previous_end:start] if previous_end is not None else None
        if between is not None and (_JOINED.match(between) or (together_means_compound and _TOGETHER.search(between))):
            groups[-1].add(code)
        else:
            groups.append({code})
        previous_end = end
    return [frozenset(g) for g in groups]


def _targets_of(groups: list[frozenset], notes: list[str]) -> list[str]:
    targets = []
    for group in groups:
        code = next(iter(group)) if len(group) == 1 else COMPOUNDS.get(group)
        if code is None:
            notes.append(f"target: no vocabulary id for the combination {'+'.join(sorted(group))}")
            code = UNCLEAR
        if code not in targets:
            targets.append(code)
    return targets


def title_of(text: str) -> str:
    """The first ' | '-separated part of the joined text (the title)."""
    return text.split(" | ", 1)[0]


def classify_classes(text: str) -> list[str]:
    """Therapy classes named in the joined text (title first, then product interventions, then conditions)."""
    text = _PAST_TRANSPLANT.sub(" ", text)
    found = [name for name, pattern in CLASS_PATTERNS.items() if pattern.search(text)]
    if "in_vivo_car" in found:
        found = [c for c in found if c != "car_t"]  # an in vivo CAR-T is the in vivo class, not an ex vivo CAR-T
    if "car_treg" in found and "car_t" in found and not CLASS_PATTERNS["car_t"].search(title_of(text)):
        # a CAR-Treg record also says "chimeric antigen receptor T-cell therapy" in an intervention; the title decides
        found = [c for c in found if c != "car_t"]
    order = ("car_t", "car_nk", "caar_t", "car_treg", "in_vivo_car", "msc", "hsct")
    return [c for c in order if c in found]


def classify_cell_source(text: str, classes: list[str], products: list[Product], notes: list[str]) -> str:
    if "in_vivo_car" in classes:
        return "in_vivo"
    text = _PAST_TRANSPLANT.sub(" ", text)
    allogeneic, autologous = _ALLOGENEIC.search(text), _AUTOLOGOUS.search(text)
    if allogeneic:
        if autologous:
            notes.append(f"cell source: the text says both '{allogeneic.group(0)}' and '{autologous.group(0)}'; allogeneic wins by rule")
        return "allogeneic"
    if autologous:
        return "autologous"
    sources = {p.cell_source for p in products if p.cell_source}
    if len(sources) == 1:
        notes.append(f"cell source: from the product lexicon ({', '.join(p.name for p in products if p.cell_source)})")
        return sources.pop()
    notes.append("cell source: not stated (no autologous/allogeneic/universal/donor/in vivo wording)")
    return UNCLEAR


def map_condition(condition: str) -> list[str]:
    if _TTP.search(condition):
        condition = _TTP.sub(" ", condition)
    return [code for code, pattern in DISEASE_PATTERNS if pattern.search(condition)
            and not (code == "systemic_vasculitis" and _AAV.search(condition))]


def classify_diseases(conditions: list[str], title: str, notes: list[str], known: set[str] | None = None) -> list[str]:
    diseases: list[str] = []
    unmapped = []
    for condition in conditions:
        codes = map_condition(condition)
        unmapped += [] if codes else [condition]
        diseases += [c for c in codes if c not in diseases]
    if not diseases:
        diseases = [c for c in map_condition(title) if c not in diseases]
        if diseases:
            notes.append("diseases: no registered condition maps to the vocabulary; read from the title")
    if known is not None:
        diseases = [d for d in diseases if d in known]
    if not diseases:
        notes.append("diseases: nothing in the conditions or title maps to a vocabulary disease" +
                     (f" ({'; '.join(unmapped)})" if unmapped else ""))
        return ["autoimmune_unspecified"]
    return diseases


AGE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(year|month|week|day|hour|minute)s?\s*$", _I)
_PER_YEAR = {"year": 1, "month": 12, "week": 52.1775, "day": 365.25, "hour": 8766, "minute": 525960}


def age_in_years(text) -> float | None:
    """'18 Years' -> 18.0, '6 Months' -> 0.5; blank or 'N/A' -> None."""
    match = AGE.match(str(text or ""))
    return float(match.group(1)) / _PER_YEAR[match.group(2).lower()] if match else None


def classify_age_group(min_age, max_age, notes: list[str]) -> str:
    low, high = age_in_years(min_age), age_in_years(max_age)
    if high is not None and high < 18:
        return "paediatric"
    if low is not None and low >= 18:
        return "adult"
    if low is not None and low < 18:
        return "both"
    notes.append("age group: no minimum age registered")
    return UNCLEAR


_ACADEMIC = re.compile(
    r"universit|hospital|college|institut|school|academy|centre|center|clinic|medical|charit|roussy|infirmary|foundation|\bNHS\b"
    r"|research|klinik|h[ôo]pitaux|assistance publique", _I)
_COMPANY = re.compile(r"\b(?:inc|ltd|llc|co|corp|corporation|limited|gmbh|ag|s\.?a\.?u?|plc|bv)\b\.?|biotech|pharma|therapeutics|bioscience|biotherapeutics", _I)
_PERSON = re.compile(r"^(?:dr\.?\s+)?[A-Z][A-Za-z'’.-]+(?:\s+[A-Z][A-Za-z'’.-]*){1,3}(?:,?\s*(?:M\.?D\.?|Ph\.?D\.?|MD|PhD|FAAN)[\s.,]*)*$")

REGISTRY_SPONSOR_CLASSES = {
    "INDUSTRY": "industry", "NIH": "government", "FED": "government", "OTHER_GOV": "government",
    "NETWORK": "network", "INDIV": "investigator",
}


def classify_sponsor(name: str | None, registry_class: str | None) -> str | None:
    """Atlas sponsor class from the registry's class (and, for OTHER, the name); None when no sponsor is known."""
    if not name and not registry_class:
        return None
    registry_class = (registry_class or "").strip().upper()
    if registry_class in REGISTRY_SPONSOR_CLASSES:
        return REGISTRY_SPONSOR_CLASSES[registry_class]
    name = clean(name)
    if registry_class in ("", "UNKNOWN", "AMBIG") and _COMPANY.search(name) and not _ACADEMIC.search(name):
        return "industry" if registry_class == "" else "other"
    if _ACADEMIC.search(name):
        return "academic"
    if _PERSON.match(name) and not _COMPANY.search(name):
        return "investigator"
    return "other"


def product_name(interventions: list[str], products: list[Product]) -> str | None:
    if len(products) == 1:
        return products[0].name
    if products:
        return "; ".join(p.name for p in products)
    names = list(dict.fromkeys(part.strip() for i in interventions if is_product(clean(i)) for part in clean(i).split(";")))
    text = "; ".join(n for n in names if n)
    return (text if len(text) <= 120 else text[:119].rstrip() + "…") or None


def classify(title: str, interventions: list[str], conditions: list[str], min_age=None, max_age=None,
             known_diseases: set[str] | None = None) -> Classification:
    """Classify one registration from its registry text. Pure: the same words always give the same answer."""
    title = clean(title)
    interventions = [clean(i) for i in interventions if clean(i)]
    conditions = [clean(c) for c in conditions if clean(c)]
    notes: list[str] = []
    products_text = [i for i in interventions if is_product(i)]
    products = lexicon_products(" | ".join([title] + products_text))
    text = " | ".join([title] + products_text + conditions)

    classes = classify_classes(text)
    lexicon_used = []
    if not classes:
        classes = list(dict.fromkeys(p.therapy_class for p in products if p.therapy_class))
        lexicon_used += products if classes else []
    if not classes:
        notes.append("therapy class: the title and interventions name no CAR, CAAR, CAR-Treg, in vivo CAR, MSC or HSCT")
        classes = [UNCLEAR]

    # targets: interventions first (each one its own product, co-administered products compound), then the title
    groups: list[frozenset] = []
    for intervention in products_text:
        own = antigen_groups(intervention, together_means_compound=True)
        if not own:
            own = [frozenset({p.target}) for p in lexicon_products(intervention) if p.target and p.target != "none"]
            lexicon_used += [p for p in lexicon_products(intervention) if p.target and p.target != "none"]
        groups += [g for g in own if g not in groups]
    if not groups:
        groups = antigen_groups(title)
    if not groups:
        groups = antigen_groups(" | ".join(conditions))
    if not groups:
        groups = [frozenset({p.target}) for p in products if p.target and p.target != "none"]
        lexicon_used += [p for p in products if p.target and p.target != "none"]
    targets = _targets_of(groups, notes)
    if set(classes) <= set(UNENGINEERED):
        targets = ["none"]
    elif not targets:
        notes.append("target: no antigen named in the title, interventions or conditions")
        targets = [UNCLEAR]

    cell_source = classify_cell_source(text, classes, products, notes)
    diseases = classify_diseases(conditions, title, notes, known_diseases)
    age_group = classify_age_group(min_age, max_age, notes)
    for product in dict.fromkeys(lexicon_used):
        notes.append(f"lexicon {product.name}: {product.basis}")
    return Classification(classes, targets, cell_source, diseases, age_group, product_name(interventions, products), notes)
