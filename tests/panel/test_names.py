"""Marker-name resolution (issue 2, part 3): table-driven cases."""

from __future__ import annotations

import re

import pytest

from biomark.errors import MarkerResolutionError
from biomark.panel.names import Target, is_precursor, match_name, normalize, resolve_markers

TARGETS = [
    ("hsa-miR-339-5p", []),
    ("hsa-miR-340-5p", []),
    ("hsa-miR-29a-3p", []),
    ("hsa-miR-96", ["miR-96-5p"]),
    ("hsa_circ_0067835", ["circFOXO3"]),
    ("circMYC", ["hsa_circ_0085533"]),
    ("BECN1", ["Beclin 1", "Beclin-1"]),
    ("SQSTM1", ["p62"]),
    ("MAP1LC3B", ["LC3B"]),
    ("HSPA1A", ["HSP70"]),
    ("lncRNA-HULC", ["HULC"]),
]

MATCHES = [
    # miRBase names with or without the species prefix
    ("hsa-miR-339-5p", "hsa-miR-339-5p", "exact"),
    ("miR-339-5p", "hsa-miR-339-5p", "exact"),
    # arm-suffix case, dashes, underscores, spaces, dots
    ("miR-340-5P", "hsa-miR-340-5p", "exact"),
    ("MIR_340_5P", "hsa-miR-340-5p", "exact"),
    ("hsa miR 29a 3p", "hsa-miR-29a-3p", "exact"),
    ("hsa.miR.29a.3p", "hsa-miR-29a-3p", "exact"),
    # a trailing parenthesised accession is not part of the name
    ("hsa-miR-339-5p (MIMAT0000764)", "hsa-miR-339-5p", "exact"),
    ("miR-340-5p(MIMAT0004692) ", "hsa-miR-340-5p", "exact"),
    # a newer armed name against a panel's armless id (an alias names the 5p arm: only 5p fits)
    ("hsa-miR-96-5p", "hsa-miR-96", "exact"),  # listed alias
    # circBase ids
    ("hsa_circ_0067835", "hsa_circ_0067835", "exact"),
    ("circ_0067835", "hsa_circ_0067835", "exact"),
    ("circ-0067835", "hsa_circ_0067835", "exact"),
    ("CIRC 0067835", "hsa_circ_0067835", "exact"),
    ("circ_0085533", "circMYC", "exact"),
    ("circ-MYC", "circMYC", "exact"),
    # gene symbols vs protein names given as aliases
    ("Beclin 1", "BECN1", "exact"),
    ("beclin1", "BECN1", "exact"),
    ("BECN1", "BECN1", "exact"),
    ("p62", "SQSTM1", "exact"),
    ("SQSTM1", "SQSTM1", "exact"),
    ("LC3B", "MAP1LC3B", "exact"),
    ("map1lc3b", "MAP1LC3B", "exact"),
    ("HSP70", "HSPA1A", "exact"),
    ("hsp-70", "HSPA1A", "exact"),
    ("HULC", "lncRNA-HULC", "exact"),
    ("  miR-339-5p  ", "hsa-miR-339-5p", "exact"),
]


@pytest.mark.parametrize("name, marker, how", MATCHES)
def test_name_matches(name, marker, how):
    assert match_name(name, TARGETS) == (marker, how)


NON_MATCHES = ["miR-33", "miR-3395p", "miR-339-3p-x",
               # issue 14: the other arm, an armless name without allow_armless, a precursor name
               "hsa-miR-339-3p", "miR-340-3p", "hsa-miR-29a-5p", "miR-339", "hsa-mir-29a", "hsa-mir-339",
               "miR-96-3p",  # hsa-miR-96 lists the alias miR-96-5p: the 3p arm is the other arm
               "circ_006783", "LC3A", "HSP90", "mmu-miR-34a", "", "p6"]


@pytest.mark.parametrize("name", NON_MATCHES)
def test_names_that_match_nothing(name):
    assert match_name(name, TARGETS) == (None, "")


def test_armless_name_matching_two_arms_is_an_error_listing_candidates():
    targets = [Target("hsa-miR-21-5p", [], True), Target("hsa-miR-21-3p", [], True)]
    with pytest.raises(MarkerResolutionError, match=r"'miR-21' is ambiguous: it matches hsa-miR-21-3p, hsa-miR-21-5p"):
        match_name("miR-21", targets)


def test_alias_shared_by_two_markers_is_ambiguous():
    targets = [("MAP1LC3A", ["LC3"]), ("MAP1LC3B", ["LC3"])]
    with pytest.raises(MarkerResolutionError, match=r"'lc3' is ambiguous: it matches MAP1LC3A, MAP1LC3B"):
        match_name("lc3", targets)


def test_resolve_reports_missing_and_unmatched():
    m = resolve_markers(["miR-339-5P", "circ-0067835", "age", "p62"], TARGETS, source="expr.csv")
    assert m.columns == {"miR-339-5P": "hsa-miR-339-5p", "circ-0067835": "hsa_circ_0067835", "p62": "SQSTM1"}
    assert m.unmatched == ["age"]
    assert m.missing == [t for t, _ in TARGETS if t not in {"hsa-miR-339-5p", "hsa_circ_0067835", "SQSTM1"}]


def test_two_columns_for_one_marker_is_an_error():
    with pytest.raises(MarkerResolutionError, match=r"expr.csv: 2 columns match marker 'SQSTM1': 'p62', 'SQSTM1'"):
        resolve_markers(["p62", "SQSTM1"], TARGETS, source="expr.csv")


def test_exact_name_beats_armless_duplicate():
    m = resolve_markers(["miR-339-5p", "miR-339"], TARGETS)
    assert m.columns == {"miR-339-5p": "hsa-miR-339-5p"}
    assert m.unmatched == ["miR-339"]


def test_normalize_is_idempotent_and_separator_free():
    for name, _, _ in MATCHES:
        k = normalize(name)
        assert normalize(k) == k
        assert not any(c in k for c in "_ .")
        assert re.fullmatch(r"([a-z0-9]|(?<=\d)-(?=\d))*", k), k  # a dash survives only between digits


# --- issue 14: miRNA arms are never guessed --------------------------------------------------


def test_other_arm_is_never_used_even_alone():
    m = resolve_markers(["hsa-miR-339-3p"], TARGETS, source="expr.csv")
    assert m.columns == {} and m.unmatched == ["hsa-miR-339-3p"] and "hsa-miR-339-5p" in m.missing
    assert len(m.warnings) == 1 and "other arm of marker hsa-miR-339-5p" in m.warnings[0]


def test_both_arms_with_an_accession_in_the_5p_name_pick_the_5p_row():
    m = resolve_markers(["hsa-miR-339-3p", "hsa-miR-339-5p (MIMAT0000764)"], TARGETS)
    assert m.columns == {"hsa-miR-339-5p (MIMAT0000764)": "hsa-miR-339-5p"}
    assert m.unmatched == ["hsa-miR-339-3p"]


def test_armless_name_is_refused_with_a_warning_unless_the_spec_allows_it():
    m = resolve_markers(["miR-339"], TARGETS, source="expr.csv")
    assert m.columns == {}
    assert len(m.warnings) == 1 and "allow_armless" in m.warnings[0] and m.warnings[0].startswith("expr.csv: ")


def test_allowed_armless_match_is_a_warning():
    targets = [Target("hsa-miR-339-5p", [], allow_armless=True)]
    m = resolve_markers(["miR-339"], targets, source="expr.csv")
    assert m.columns == {"miR-339": "hsa-miR-339-5p"} and m.how == {"miR-339": "armless"}
    assert len(m.warnings) == 1 and "names no arm" in m.warnings[0]


def test_armed_name_for_an_armless_spec_id_is_a_warning():
    m = resolve_markers(["miR-96-3p"], [("hsa-miR-96", [])])
    assert m.columns == {"miR-96-3p": "hsa-miR-96"}
    assert len(m.warnings) == 1 and "names no arm" in m.warnings[0]


def test_precursor_name_never_matches_a_mature_marker_and_says_so():
    targets = [Target("hsa-miR-339-5p", ["miR-339"], allow_armless=True), ("hsa-miR-21", [])]
    m = resolve_markers(["hsa-mir-339", "hsa-mir-21"], targets, source="expr.csv")
    assert m.columns == {}
    assert len(m.warnings) == 2 and all("precursor" in w for w in m.warnings)
    assert is_precursor("hsa-mir-339") and not is_precursor("hsa-miR-339") and not is_precursor("mir_339_5p")


def test_precursor_name_matches_a_spec_name_written_as_a_precursor():
    assert match_name("hsa-mir-21", [("hsa-miR-21", ["hsa-mir-21"])]) == ("hsa-miR-21", "exact")


def test_panel_allow_armless_reaches_the_targets():
    from biomark.panel import load_panel
    from biomark.panel.names import panel_targets

    panel = load_panel("escc_mir339_radiotherapy")
    assert not any(t.allow_armless for t in panel_targets(panel))
    allowed = panel.model_copy(update={"allow_armless": True})
    assert all(t.allow_armless for t in panel_targets(allowed))
    assert allowed.content_hash() != panel.content_hash()


def test_armless_alias_of_an_armed_marker_matches_with_a_warning():
    m = resolve_markers(["miR-339", "hsa-miR-339-3p"], [("hsa-miR-339-5p", ["miR-339"])])
    assert m.columns == {"miR-339": "hsa-miR-339-5p"} and m.how["miR-339"] == "exact"  # the spec lists it
    assert m.unmatched == ["hsa-miR-339-3p"] and len(m.warnings) == 2
    assert "armless alias" in m.warnings[0] and "other arm" in m.warnings[1]
