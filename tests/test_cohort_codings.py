"""Issue 14: silent wrong answers and the clinical codings real files use.

Every test here asserts a behaviour (a warning, a refusal, a type, a count, a label) that the bug it
guards would change; none asserts a performance number.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import biomark
from biomark.codings import event_codes
from biomark.errors import InputError
from biomark.io.clinical import read_clinical
from biomark.synthetic import simulate

PANEL = "escc_mir339_radiotherapy"
FAST = dict(cv=(2, 1), bootstrap=0, permutations=0)


@pytest.fixture(scope="module")
def surv(tmp_path_factory):
    """A simulated survival cohort written as files: expression.csv, and the clinical columns."""
    d = tmp_path_factory.mktemp("surv")
    panel = biomark.load_panel(PANEL)
    c, _ = simulate(panel, 80, seed=3, endpoint="overall_survival")
    c.expression.rename_axis("id").to_csv(d / "expr.csv")
    clin = c.clinical.rename(columns={"overall_survival_time": "time", "overall_survival_event": "event"})
    return d, clin


def _write(d, clin, name="clin.csv"):
    p = d / name
    clin.rename_axis("id").to_csv(p)
    return p


# --- numeric covariates with missing values stay numeric -----------------------------------------


def test_ecog_and_age_with_na_are_numeric(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("id,ECOG,Age (years),stage\nP1,0,61,II\nP2,1,NA,III\nP3,2,70,NA\nP4,NA,55.5,II\nP5,.,N/A,-\n")
    clin = read_clinical(p)
    assert clin["ECOG"].dtype == np.float64 and clin["Age (years)"].dtype == np.float64
    assert clin["ECOG"].isna().tolist() == [False, False, False, True, True]
    assert clin["Age (years)"].isna().sum() == 2
    assert clin["stage"].isna().tolist() == [False, False, True, False, True]  # text stays text, NA is missing


def test_na_values_are_configurable(tmp_path):
    p = tmp_path / "c.csv"
    p.write_text("id,ECOG\nP1,0\nP2,unknown\nP3,-99\n")
    clin = read_clinical(p, na_values=["unknown", "-99"])
    assert clin["ECOG"].dtype == np.float64 and clin["ECOG"].isna().tolist() == [False, True, True]


def test_covariates_with_na_are_one_numeric_term_and_missing_samples_are_counted(surv):
    d, clin = surv
    clin = clin.copy()
    rng = np.random.default_rng(0)
    ecog = rng.integers(0, 3, len(clin)).astype(object)
    ecog[:4] = "NA"
    age = rng.normal(60, 8, len(clin)).round(1).astype(object)
    age[4:7] = ""
    clin["ECOG"], clin["Age (years)"] = ecog, age
    c = biomark.read_cohort(d / "expr.csv", _write(d, clin), panel=PANEL)
    r = biomark.validate(PANEL, c, endpoint="overall_survival", covariates=["ECOG", "Age (years)"], **FAST)
    terms = [t.term for t in r.sections.survival.cox_adjusted.terms]
    assert "ECOG" in terms and "Age (years)" in terms
    assert not any(t.startswith(("ECOG_", "Age (years)_")) for t in terms)  # no dummies
    dropped = r.data["cohort"]["qc"]["dropped"]
    assert dropped == {"no value in covariate 'ECOG'": 4, "no value in covariate 'Age (years)'": 3}
    assert r.data["cohort"]["n_analysed"] == len(clin) - 7
    assert any("left out: no value in covariate 'ECOG'" in w for w in r.data["warnings"])


def test_covariate_with_a_binary_endpoint_is_used_not_dropped():
    # issue 14 asked for "used or refused, never silently dropped"; issue 16 uses it as the clinical model
    panel = biomark.load_panel(PANEL)
    c, _ = simulate(panel, 60, seed=1, endpoint="radioresistance")
    c = c.__class__(**{**c.__dict__, "clinical": c.clinical.assign(age=np.arange(60.0))})
    r = biomark.validate(panel, c, endpoint="radioresistance", covariates=["age"], **FAST)
    assert r.data["added_value"]["clinical_columns"] == ["age"]
    assert [t["term"] for t in r.data["added_value"]["clinical_model"]][:2] == ["(Intercept)", "age"]
    plain = biomark.validate(panel, c, endpoint="radioresistance", **FAST)
    assert "added_value" not in plain.data or plain.data["added_value"] != r.data["added_value"]


# --- event codings ---------------------------------------------------------------------------------


@pytest.mark.parametrize("event, censored", [
    ("1", "0"), ("TRUE", "FALSE"), ("yes", "no"), ("Dead", "Alive"), ("deceased", "living"),
    ("event", "censored"), ("1:DECEASED", "0:LIVING"), ("1:Recurred/Progressed", "0:DiseaseFree"),
])
def test_event_codings_real_files_use(event, censored):
    e = pd.Series([event, censored, "NA", None, censored], name="OS_STATUS", dtype=object)
    from biomark.codings import NA_VALUES, numeric_or_text

    codes = event_codes(numeric_or_text(e, NA_VALUES), "clin.tsv")
    assert codes[[0, 1, 4]].tolist() == [1.0, 0.0, 0.0] and np.isnan(codes[[2, 3]]).all()


def test_unknown_event_coding_is_refused_naming_column_and_option():
    e = pd.Series(["DOD", "NED", "AWD"], name="vital")
    with pytest.raises(InputError, match=r"column 'vital'.*'AWD', 'DOD', 'NED'.*--event-value"):
        event_codes(e, "clin.csv")


def test_event_value_names_the_event_labels(surv):
    d, clin = surv
    clin = clin.assign(event=np.where(clin["event"] == 1, "DOD", "AWD"))
    with pytest.raises(InputError, match="--event-value"):
        biomark.read_cohort(d / "expr.csv", _write(d, clin, "dod.csv"), panel=PANEL).survival()
    c = biomark.read_cohort(d / "expr.csv", _write(d, clin, "dod.csv"), panel=PANEL, event_value="DOD")
    s = c.survival()
    assert s.event.tolist() == (clin["event"] == "DOD").astype(float).tolist()


# --- binary outcomes: --positive / --negative ------------------------------------------------------


def test_positive_and_negative_label_sets_drop_other_labels_with_a_count(tmp_path):
    panel = biomark.load_panel(PANEL)
    c, _ = simulate(panel, 60, seed=2, endpoint="radioresistance")
    y = c.clinical["radioresistance"].to_numpy()
    resp = np.where(y == panel.endpoint("radioresistance").positive_class, "CR", "PD").astype(object)
    resp[1::6] = np.where(resp[1::6] == "CR", "PR", "SD")
    resp[::10] = "NE"
    c.expression.rename_axis("id").to_csv(tmp_path / "e.csv")
    pd.DataFrame({"response": resp}, index=c.expression.index).rename_axis("id").to_csv(tmp_path / "c.csv")
    coh = biomark.read_cohort(tmp_path / "e.csv", tmp_path / "c.csv", panel=PANEL, positive="CR,PR", negative="SD,PD")
    o = coh.outcome("response", positive_class="ignored")
    n_ne = int((resp == "NE").sum())
    assert o.n_dropped == n_ne and o.dropped == {"label 'NE' in 'response' is neither --positive nor --negative": n_ne}
    assert o.y.tolist() == [1.0 if v in ("CR", "PR") else 0.0 for v in resp if v != "NE"]
    with pytest.raises(InputError, match="needs two: pass --positive LABEL.*--negative"):
        biomark.read_cohort(tmp_path / "e.csv", tmp_path / "c.csv", panel=PANEL, positive="CR,PR"
                            ).outcome("response", positive_class="x")


# --- time unit ---------------------------------------------------------------------------------------


def test_time_unit_is_taken_from_the_option_and_reported(surv):
    d, clin = surv
    c = biomark.read_cohort(d / "expr.csv", _write(d, clin), panel=PANEL, time_unit="years")
    r = biomark.validate(PANEL, c, endpoint="overall_survival", **FAST)
    assert r.data["survival"]["time_unit"] == "years" and r.data["endpoint"]["time_unit"] == "years"
    from biomark.report import render_html

    assert "time in years" in render_html(r)


def test_days_labelled_as_months_warn(surv):
    d, clin = surv
    days = clin.assign(time=clin["time"] * 30.44)  # the simulated months, written in days
    c = biomark.read_cohort(d / "expr.csv", _write(d, days, "days.csv"), panel=PANEL)
    r = biomark.validate(PANEL, c, endpoint="overall_survival", **FAST)
    assert any(w.startswith("median follow-up") and "--time-unit" in w for w in r.data["warnings"])
    ok = biomark.validate(PANEL, biomark.read_cohort(d / "expr.csv", _write(d, days, "days.csv"), panel=PANEL,
                                                     time_unit="days"), endpoint="overall_survival", **FAST)
    assert not any(w.startswith("median follow-up") for w in ok.data["warnings"])


# --- miRNA arms through the reader: warnings reach results and the report ----------------------------


def test_other_arm_alone_is_not_used(tmp_path):
    p = tmp_path / "e.csv"
    p.write_text("id,hsa-miR-339-3p,hsa-miR-21-5p\nP1,1,2\nP2,2,3\n")
    with pytest.raises(InputError, match="none of the"):
        biomark.read_cohort(p, panel=PANEL)


def test_both_arms_with_accession_pick_5p_row(tmp_path):
    p = tmp_path / "e.csv"
    p.write_text("name,P1,P2,P3\nhsa-miR-339-3p,9,9,9\nhsa-miR-339-5p (MIMAT0000764),1,2,3\n")
    c = biomark.read_cohort(p, panel=PANEL, samples_as="columns")
    assert c.expression["hsa-miR-339-5p"].tolist() == [1.0, 2.0, 3.0]


def _no_armless_alias():
    """The catalog panel with its armless alias 'miR-339' removed."""
    panel = biomark.load_panel(PANEL)
    m = panel.markers[0].model_copy(update={"aliases": ["miR-339-5p"]})
    return panel.model_copy(update={"markers": [m]})


def test_armless_and_precursor_names_are_warned_in_cohort_warnings(tmp_path):
    p = tmp_path / "e.csv"
    p.write_text("id,hsa-mir-339,miR-339\nP1,1,2\nP2,2,3\n")
    with pytest.raises(InputError, match="none of the"):
        biomark.read_cohort(p, panel=_no_armless_alias())  # neither is used without allow_armless
    spec = _no_armless_alias().model_copy(update={"allow_armless": True})
    c = biomark.read_cohort(p, panel=spec)
    assert c.qc["matched"] == {"miR-339": {"marker": "hsa-miR-339-5p", "how": "armless"}}
    assert any("names no arm" in w for w in c.warnings)
    assert any("precursor" in w and "hsa-mir-339" in w for w in c.warnings)


def test_armless_alias_of_the_spec_matches_with_a_warning_in_the_report(tmp_path):
    panel = biomark.load_panel(PANEL)
    c0, _ = simulate(panel, 40, seed=4, endpoint="radioresistance")
    c0.expression.rename(columns={"hsa-miR-339-5p": "miR-339"}).rename_axis("id").to_csv(tmp_path / "e.csv")
    c0.clinical.rename_axis("id").to_csv(tmp_path / "c.csv")
    c = biomark.read_cohort(tmp_path / "e.csv", tmp_path / "c.csv", panel=PANEL)
    assert c.qc["matched"]["miR-339"]["how"] == "exact" and any("armless alias" in w for w in c.warnings)
    r = biomark.validate(PANEL, c, endpoint="radioresistance", **FAST)
    assert any("names no arm" in w for w in r.data["cohort"]["warnings"])
    from biomark.report import render_html

    html = render_html(r)
    qc = html[html.index('<section id="qc">'):]
    assert "names no arm" in qc[:qc.index("</section>")]


# --- score: new data far from the training data --------------------------------------------------


def _fit_model(tmp_path):
    from biomark.model import PanelModel

    panel = biomark.load_panel(PANEL)
    c, _ = simulate(panel, 60, seed=5, endpoint="radioresistance")
    model = PanelModel(panel=panel, method="signed_z", endpoint="radioresistance").fit(c.levels(panel))
    model.save(tmp_path / "model.json")
    return c, model


def test_score_warns_per_marker_when_new_data_are_shifted(tmp_path):
    from biomark.scoring import score_file

    c, model = _fit_model(tmp_path)
    same = c.expression.rename_axis("id")
    same.to_csv(tmp_path / "same.csv")
    (same + 6.0).to_csv(tmp_path / "shifted.csv")  # a baseline 6 log2 units higher
    s0 = score_file(model, tmp_path / "same.csv", tmp_path / "s0.csv")
    assert abs(s0.marker_shift_sd["hsa-miR-339-5p"]) < 1e-9 and not any("training SDs" in w for w in s0.warnings)
    s1 = score_file(model, tmp_path / "shifted.csv", tmp_path / "s1.csv", chunk_rows=7)  # streamed in chunks
    sd = float(model.scale_[0])
    assert s1.marker_shift_sd["hsa-miR-339-5p"] == pytest.approx(6.0 / sd, rel=1e-9)
    assert [w for w in s1.warnings if "training SDs above" in w and "hsa-miR-339-5p" in w]
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "biomark", "score", "--model", tmp_path / "model.json", "--expression",
                        tmp_path / "shifted.csv", "--out", tmp_path / "s2.csv", "--json"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert any(line.startswith("warning: ") and "training SDs above" in line for line in r.stderr.splitlines())
    import json

    assert json.loads(r.stdout)["marker_shift_sd"]["hsa-miR-339-5p"] == pytest.approx(6.0 / sd, rel=1e-9)


# --- the command line: shared options and counts on stderr ----------------------------------------


def _recist_files(tmp_path):
    panel = biomark.load_panel(PANEL)
    c, _ = simulate(panel, 60, seed=2, endpoint="radioresistance")
    pos = (c.clinical["radioresistance"] == panel.endpoint("radioresistance").positive_class).to_numpy()
    lab = np.where(pos, "CR", "PD").astype(object)
    lab[::10] = "NE"
    lab[5] = "NA"
    c.expression.rename_axis("id").to_csv(tmp_path / "e.csv")
    pd.DataFrame({"best_response": lab}, index=c.expression.index).rename_axis("id").to_csv(tmp_path / "c.csv")
    return int((lab == "NE").sum())


def _cli(*args):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "biomark", *map(str, args)], capture_output=True, text=True,
                          timeout=300)


def test_validate_and_fit_count_left_out_samples_per_reason(tmp_path):
    n_ne = _recist_files(tmp_path)
    common = ("--panel", PANEL, "--expression", tmp_path / "e.csv", "--clinical", tmp_path / "c.csv",
              "--outcome", "best_response", "--positive", "CR,PR", "--negative", "SD,PD")
    r = _cli("validate", *common, "--cv", "2", "--repeats", "1", "--bootstrap", "0", "--permutations", "0",
             "--json", tmp_path / "r.json", "--report", tmp_path / "r.html")
    assert r.returncode == 0, r.stderr
    assert f"warning: {n_ne} sample(s) left out: label 'NE' in 'best_response' is neither --positive nor " \
           "--negative" in r.stderr
    assert "warning: 1 sample(s) left out: no value in 'best_response'" in r.stderr
    html = (tmp_path / "r.html").read_text()
    qc = html[html.index('<section id="qc">'):]
    assert "left out: label &#39;NE&#39;" in qc[:qc.index("</section>")] or "left out: label 'NE'" in qc
    f = _cli("fit", *common, "--out", tmp_path / "m.json")
    assert f.returncode == 0, f.stderr
    assert f"warning: {n_ne} sample(s) left out: label 'NE'" in f.stdout


def test_a_coding_for_another_endpoint_kind_is_refused_not_ignored(surv):
    d, clin = surv
    c = biomark.read_cohort(d / "expr.csv", _write(d, clin), panel=PANEL, positive="CR")
    with pytest.raises(InputError, match="--positive applies to binary endpoints.*is survival"):
        biomark.validate(PANEL, c, endpoint="overall_survival", **FAST)


def test_fit_refuses_a_coding_for_another_endpoint_kind(tmp_path):
    _recist_files(tmp_path)
    r = _cli("fit", "--panel", PANEL, "--expression", tmp_path / "e.csv", "--clinical", tmp_path / "c.csv",
             "--outcome", "best_response", "--positive", "CR,PR", "--negative", "SD,PD", "--event-value", "DOD",
             "--out", tmp_path / "m.json")
    assert r.returncode == 2 and r.stderr.startswith("error: --event-value applies to survival endpoints")
    assert not (tmp_path / "m.json").exists()
