"""The built-in panel catalog (panels/*.yaml) against the three seed reviews in tests/data/seeds.

Every catalog spec must load, carry evidence that can be found in its seed (the quoted sentence, and
the review's reference number cited next to it), and encode the readings the reviews force: the
exosomal miR-19b conflict in CRC (table says radioresistance, text says radiosensitivity) leaves the
direction unset; the falls after radiotherapy (miR-378, miR-574-3p) are change endpoints; the dose
trend (miR-29a-3p, miR-150-5p) is a dose endpoint; every exosomal biomarker row of Table 2 of seed
002 has a panel; "high Axl and low LC3" (seed 001, ref 46) is a boolean rule.

The expected values below are read off the seeds by hand (file and line given in each test).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest

import biomark.panel as bp
from biomark.panel.schema import Evidence, Panel

ROOT = Path(__file__).resolve().parent.parent
SEEDS = Path(__file__).resolve().parent / "data" / "seeds"
PANELS = ROOT / "panels"
SEED_000 = "000_16b9d7f96d470c4d.txt"
SEED_001 = "001_4a8558e15e73a68f.txt"
SEED_002 = "002_d24a42885fe5c4b5.txt"

# --- normalising the seeds' line breaks ------------------------------------------------------------
#
# The seeds are text extracted from PDFs and web pages: words are split at line ends with a hyphen
# ("radiore-\nsistance"), but a real hyphen can also fall at a line end ("miR-\n323a-3p",
# "down-\nregulating"). A quote may therefore show such a place either joined or with its hyphen. The
# seed's line-end hyphens are replaced by a marker (\x00) that the quote may match with "-" or with
# nothing; all other runs of whitespace (including non-breaking spaces and page breaks) become one
# space, and a line break right after a slash ("PI3K/\nAkt") is dropped.

_HYPHEN_AT_LINE_END = re.compile(r"-[ \t\xa0]*\n\s*")
_SLASH_AT_LINE_END = re.compile(r"/[ \t\xa0]*\n\s*")
_WS = re.compile(r"\s+")
MARK = "\x00"


def normalise_seed(text: str) -> str:
    text = _HYPHEN_AT_LINE_END.sub(MARK, text)
    text = _SLASH_AT_LINE_END.sub("/", text)
    return _WS.sub(" ", text)


def normalise_quote(text: str) -> str:
    return _WS.sub(" ", text).strip()


def quote_regex(quote: str) -> re.Pattern[str]:
    """A pattern matching ``quote`` in a normalised seed, joined or hyphen-kept at line-end hyphens."""
    parts = []
    for ch in normalise_quote(quote):
        if ch == "-":
            parts.append(f"(?:-|{MARK})")  # a hyphen in the quote: a real one or a line-end one
        elif ch == " ":
            parts.append(" ")
        else:
            parts.append(re.escape(ch) + f"{MARK}?")  # a joined word may hide a line-end hyphen
    return re.compile("".join(parts))


@functools.cache
def seed_text(name: str) -> str:
    return normalise_seed((SEEDS / name).read_text(encoding="utf-8"))


def find_quote(quote: str, seed: str) -> tuple[int, int] | None:
    m = quote_regex(quote).search(seed)
    return (m.start(), m.end()) if m else None


# --- citations next to a sentence ------------------------------------------------------------------
#
# Seed 002 cites in brackets: [46], [89, 90], [41–44]. Seed 001 cites with superscripts that the text
# extraction glued to the word before them ("recurrence44.", "HCC32,33,34,35.") or as "(ref. 29)".

_BRACKETS = re.compile(r"\[([0-9,\s–\-]{1,40})\]")
_SUPERSCRIPT = re.compile(r"(?<=[A-Za-z)%\]])(\d{1,3}(?:,\d{1,3})*)(?=[\s.,;:)]|$)")
_REF_PAREN = re.compile(r"\(ref\. (\d{1,3})\)")
WINDOW = 700  # characters either side of the quote (a ~450-character figure caption of seed 002
# can stand between a citation and the rest of its sentence, e.g. ref [46] and Fig. 3)


def _expand(group: str) -> set[int]:
    out: set[int] = set()
    for part in group.split(","):
        part = part.strip()
        if not part:
            continue
        m = re.fullmatch(r"(\d+)\s*[–\-]\s*(\d+)", part)
        if m:
            out.update(range(int(m.group(1)), int(m.group(2)) + 1))
        elif part.isdigit():
            out.add(int(part))
    return out


def cited_numbers(text: str, seed_name: str) -> set[int]:
    nums: set[int] = set()
    if seed_name == SEED_002:
        for m in _BRACKETS.finditer(text):
            nums |= _expand(m.group(1))
    else:
        for m in _SUPERSCRIPT.finditer(text):
            nums |= _expand(m.group(1))
        nums |= {int(m.group(1)) for m in _REF_PAREN.finditer(text)}
    return nums


def reference_near(ev: Evidence, seed: str, span: tuple[int, int]) -> bool:
    """Is the evidence's reference cited within WINDOW characters of its quote?"""
    ref = ev.reference
    if not (isinstance(ref, int) or str(ref).isdigit()):
        # Seed 000 is an abstract page without numbered in-text citations; there a figure label
        # that occurs in the seed stands in for the number (see docs/panels.md).
        return ev.seed == SEED_000 and str(ref) in seed
    window = seed[max(0, span[0] - WINDOW): span[1] + WINDOW]
    return int(ref) in cited_numbers(window, ev.seed)


# --- the catalog ---------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def catalog() -> dict[str, Panel]:
    return {p.id: p for p in (bp.load_spec(f) for f in sorted(PANELS.glob("*.yaml")))}


def all_evidence() -> list[tuple[str, int, Evidence]]:
    return [(pid, i, ev) for pid, p in catalog().items() for i, ev in enumerate(p.evidence)]


def panels_with_marker(marker_id: str) -> list[Panel]:
    return [p for p in catalog().values() if marker_id in p.marker_ids]


def test_whole_catalog_loads_through_the_public_loader():
    panels = bp.list_panels()
    assert [p.id for p in panels] == sorted(catalog())  # same files, same ids, no duplicates
    assert len(panels) == len(list(PANELS.glob("*.yaml")))


def test_catalog_has_at_least_30_panels():
    assert len(catalog()) >= 30


def test_file_name_matches_panel_id():
    for f in sorted(PANELS.glob("*.yaml")):
        assert bp.load_spec(f).id == f.stem, f.name


def test_every_spec_has_evidence_with_seed_reference_and_sentence():
    seeds = {p.name for p in SEEDS.iterdir()}
    for pid, p in catalog().items():
        assert p.evidence, pid
        for i, ev in enumerate(p.evidence):
            where = f"{pid} evidence[{i}]"
            assert ev.seed in seeds, where
            if ev.seed != SEED_000:
                assert isinstance(ev.reference, int) or str(ev.reference).isdigit(), where
            assert len(normalise_quote(ev.sentence)) >= 20, where
            assert set(ev.markers) <= set(p.marker_ids), where


def test_every_marker_is_named_by_some_evidence():
    for pid, p in catalog().items():
        named = {m for ev in p.evidence for m in ev.markers}
        assert set(p.marker_ids) <= named, f"{pid}: markers without evidence {set(p.marker_ids) - named}"


@pytest.mark.parametrize(("pid", "i", "ev"), all_evidence(), ids=lambda x: str(x)[:40])
def test_quoted_sentence_is_in_its_seed_and_cites_its_reference(pid, i, ev):
    seed = seed_text(ev.seed)
    span = find_quote(ev.sentence, seed)
    assert span is not None, f"{pid} evidence[{i}]: sentence not found in {ev.seed}: {ev.sentence[:80]}"
    assert reference_near(ev, seed, span), (
        f"{pid} evidence[{i}]: reference {ev.reference} is not cited within {WINDOW} characters"
    )


def test_conflict_sentences_are_quoted_from_the_seeds():
    n = 0
    for pid, p in catalog().items():
        for c in p.conflicts:
            assert len(c.sentences) >= 2, pid  # both sides of the contradiction are quoted
            for s in c.sentences:
                n += 1
                assert find_quote(s, seed_text(SEED_002)) or find_quote(s, seed_text(SEED_001)), (pid, s)
    assert n >= 2


# --- the normaliser itself -----------------------------------------------------------------------


def test_normaliser_joins_hyphenation_and_keeps_real_hyphens():
    seed = normalise_seed("the radiore-\nsistance of miR-\n323a-3p by down-\nregulating PI3K/\nAkt a\xa0 b")
    assert find_quote("the radioresistance of", seed)
    assert find_quote("of miR-323a-3p by", seed)
    assert find_quote("by down-regulating PI3K/Akt", seed)
    assert find_quote("by downregulating", seed)
    assert find_quote("Akt a b", seed)
    assert find_quote("the radioresistance of miR-3233p", seed) is None  # a digit-hyphen is not dropped
    assert find_quote("radio-resistance", seed) is None  # no hyphen where the seed has none


def test_citation_parsing_per_seed_style():
    assert cited_numbers("as shown [41–44] and [89, \n90]", SEED_002) == {41, 42, 43, 44, 89, 90}
    assert cited_numbers("lower HCC recurrence44. (ref. 29) HCC32,33,34,35.", SEED_001) == {44, 29, 32, 33, 34, 35}
    assert cited_numbers("A study in 2019 found", SEED_001) == set()


# --- readings the reviews force ------------------------------------------------------------------


def test_mir19b_crc_conflict_is_recorded_and_direction_left_unset():
    # Seed 002, Table 1: "Exosome miR-19b(↑) CRC ... Promote radioresistance [64]"; text (lines
    # 420-425): "exosomal miR-19b derived from CRC cells ... enhances radiosensitivity".
    hits = panels_with_marker("hsa-miR-19b")
    assert len(hits) == 1
    p = hits[0]
    assert "colorectal" in p.cancer_type.lower()
    assert all(d is None for d in p.marker("hsa-miR-19b").direction.values())
    assert p.marker("hsa-miR-19b").direction  # the endpoint is named, its direction is null
    conflicts = [c for c in p.conflicts if c.marker == "hsa-miR-19b"]
    assert len(conflicts) == 1
    joined = " ".join(conflicts[0].sentences)
    assert "Promote radioresistance" in joined and "radiosensitivity" in joined


def _endpoint_kind_of(marker_id: str) -> dict[str, str | None]:
    (p,) = panels_with_marker(marker_id)
    m = p.marker(marker_id)
    return {p.endpoint(e).kind: d for e, d in m.direction.items()}


@pytest.mark.parametrize("marker", ["hsa-miR-378", "hsa-miR-574-3p"])
def test_fall_after_radiotherapy_is_a_change_endpoint_down(marker):
    # Seed 002: miR-378 "markedly reduced ... following radiotherapy" [51]; miR-574-3p "marked
    # decrease ... in plasma exosomes" after radiotherapy [85].
    assert _endpoint_kind_of(marker) == {"change": "down"}


def test_dose_trend_is_a_dose_endpoint_down_for_both_markers():
    # Seed 002 [52]: "the expression of miR29a-3p ... and miR150-5p is decreased with the increasing
    # radiation dose" (sentence split by Table 1).
    (p,) = panels_with_marker("hsa-miR-29a-3p")
    assert p.marker_ids == ["hsa-miR-29a-3p", "hsa-miR-150-5p"]
    (ep,) = p.endpoints
    assert ep.kind == "dose" and ep.unit == "Gy"
    assert p.directions() == {"hsa-miR-29a-3p": "down", "hsa-miR-150-5p": "down"}


# Table 2 of seed 002 (lines 460-485): every exosomal biomarker row with a named molecule, its
# specimen and its reference number. The breast-cancer "exosome proteome" row names no molecule.
TABLE2 = [
    (["circMYC"], "serum", 38),
    (["hsa-miR-339-5p"], "serum", 46),
    (["hsa-miR-96"], "plasma", 50),
    (["hsa-miR-378"], "serum", 51),
    (["hsa-miR-29a-3p", "hsa-miR-150-5p"], "serum", 52),
    (["HSPA1A"], "plasma", 55),
    (["hsa-miR-663a"], "plasma", 67),
    (["hsa-miR-574-3p"], "serum", 85),
    (["hsa-miR-379-5p", "hsa-miR-654-3p"], "serum", 91),
]


@pytest.mark.parametrize(("markers", "specimen", "ref"), TABLE2)
def test_every_table2_row_has_a_panel(markers, specimen, ref):
    hits = [
        p for p in catalog().values()
        if set(markers) <= set(p.marker_ids) and p.specimen == specimen and p.compartment == "exosome"
        and any(ev.seed == SEED_002 and ev.reference == ref and ev.location == "Table 2" for ev in p.evidence)
    ]
    assert len(hits) == 1, (markers, [p.id for p in hits])


def test_axl_lc3_panel_uses_the_boolean_rule():
    # Seed 001 [46]: "the combination of high Axl and low LC3 expression could significantly predict
    # poorer prognosis".
    hits = [p for p in catalog().values() if "AXL" in p.marker_ids]
    assert len(hits) == 1
    sc = hits[0].scoring
    assert sc.rule == "boolean" and sc.combine == "all"
    assert {(c.marker, c.level) for c in sc.conditions} == {("AXL", "high"), ("MAP1LC3B", "low")}


def test_no_published_weights_are_invented():
    # None of the three reviews gives an effect size or a weight.
    for pid, p in catalog().items():
        assert p.scoring.rule != "weights", pid
        assert all(m.weight is None for m in p.markers), pid


def test_directions_follow_the_role_written_next_to_them():
    # A marker whose role says it promotes radioresistance must be "up" for a radioresistant
    # positive class, one that promotes radiosensitivity "down".
    checked = 0
    for pid, p in catalog().items():
        for m in p.markers:
            for eid, d in m.direction.items():
                ep = p.endpoint(eid)
                if ep.kind != "binary" or ep.positive_class != "radioresistant" or d is None or not m.role:
                    continue
                if m.role.startswith("promotes radioresistance"):
                    assert d == "up", (pid, m.id)
                elif m.role.startswith("promotes radiosensitivity"):
                    assert d == "down", (pid, m.id)
                checked += 1
    assert checked >= 25


def test_canonical_ids():
    # miRNAs carry the miRBase species prefix; circRNAs from circBase keep their hsa_circ_ id.
    for pid, p in catalog().items():
        for m in p.markers:
            if m.type == "miRNA" and m.id != "miR-12":  # miR-12: see hcc_exosomal_mir12_sorafenib notes
                assert m.id.startswith("hsa-miR-"), (pid, m.id)
            if m.type == "circRNA" and "0067835" in m.id:
                assert m.id == "hsa_circ_0067835", pid
    gene_aliases = {"BECN1": "Beclin 1", "SQSTM1": "p62", "MAP1LC3B": "LC3B", "HSPA1A": "HSP70",
                    "CD274": "PD-L1", "BCL2": "BCL-2", "AXL": "Axl", "PROM1": "CD133"}
    seen = set()
    for p in catalog().values():
        for m in p.markers:
            if m.id in gene_aliases:
                assert gene_aliases[m.id] in m.aliases, (p.id, m.id)
                seen.add(m.id)
    assert seen == set(gene_aliases)


def test_reference_check_rejects_a_wrong_number():
    # The miR-96 sentence of seed 002 cites [50]; [99] is cited only in the breast-cancer paragraph
    # and Table 2's last row, thousands of characters away.
    p = catalog()["nsclc_mir96_radioresistance"]
    ev = next(e for e in p.evidence if e.location == "text")
    seed = seed_text(ev.seed)
    span = find_quote(ev.sentence, seed)
    assert span is not None and reference_near(ev, seed, span)
    wrong = ev.model_copy(update={"reference": 99})
    assert not reference_near(wrong, seed, span)
    # and a quote that is not in the seed is not found
    assert find_quote(ev.sentence.replace("markedly higher", "markedly lower"), seed) is None


# --- docs/panels.md stays in step with the catalog -------------------------------------------------

DOCS = ROOT / "docs" / "panels.md"


def test_docs_example_is_a_valid_spec_equal_to_its_catalog_panel():
    from biomark.panel.catalog import panel_from_data, parse_yaml

    text = DOCS.read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(.*?)```", text, re.S)
    assert block is not None
    example = panel_from_data(parse_yaml(block.group(1), "docs/panels.md"), "docs/panels.md")
    assert example == catalog()[example.id]


def test_docs_catalog_table_lists_every_panel():
    text = DOCS.read_text(encoding="utf-8").split("## The built-in catalog", 1)[1]
    rows = re.findall(r"^\| `([a-z0-9_]+)` \|", text, re.M)
    assert sorted(rows) == sorted(catalog())
    assert f"{len(catalog())} panels read off" in text
