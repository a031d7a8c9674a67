"""biomark panels ledger: directions across specs, contradictions between specs flagged (issue 19)."""

from __future__ import annotations

from biomark.cli import cli
from biomark.cli._common import run_main
from biomark.panel.catalog import catalog_dir, list_panels, load_spec
from biomark.panel.ledger import contradictions, ledger


def _user_spec(tmp_path, direction: str):
    text = (catalog_dir() / "hcc_lats1_sorafenib.yaml").read_text(encoding="utf-8")
    text = text.replace("id: hcc_lats1_sorafenib", "id: user_lats1").replace(
        "sorafenib_resistance: up ", f"sorafenib_resistance: {direction} ")
    d = tmp_path / "mine"
    d.mkdir()
    (d / "user_lats1.yaml").write_text(text, encoding="utf-8")
    return d


def test_catalog_has_no_contradiction_between_specs_and_tarbp2_is_a_recorded_conflict():
    entries = ledger(list_panels())
    assert contradictions(entries) == []
    tarbp2 = [e for e in entries if e.marker == "TARBP2"]
    assert len(tarbp2) == 1 and tarbp2[0].direction is None and tarbp2[0].conflict


def test_a_user_spec_against_the_catalog_is_flagged(tmp_path):
    d = _user_spec(tmp_path, "down")
    entries = ledger([*list_panels(), load_spec(d / "user_lats1.yaml")], "LATS1")
    [c] = contradictions(entries)
    assert c.up == ("hcc_lats1_sorafenib",) and c.down == ("user_lats1",)


def test_sensitivity_is_the_reverse_axis_of_resistance(tmp_path):
    d = _user_spec(tmp_path, "up")
    text = (d / "user_lats1.yaml").read_text(encoding="utf-8").replace("sorafenib_resistance", "sorafenib_sensitivity")
    (d / "user_lats1.yaml").write_text(text, encoding="utf-8")
    entries = ledger([*list_panels(), load_spec(d / "user_lats1.yaml")], "LATS1")
    [c] = contradictions(entries)  # up for sensitivity = down for resistance
    assert c.axis == "sorafenib_resistance" and c.down == ("user_lats1",)


def test_cli_ledger(tmp_path, capsys):
    d = _user_spec(tmp_path, "down")
    assert run_main(cli, ["panels", "ledger", "LATS1", "--panels", str(d)]) == 0
    assert "CONTRADICTION LATS1" in capsys.readouterr().out
    assert run_main(cli, ["panels", "ledger", "NO_SUCH_MARKER"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:")
