"""TCGA / UCSC Xena matrices: sample barcodes joined to patient-level clinical rows.

A TCGA sample barcode is ``TCGA-TSS-PPPP-SSV...``: the first 12 characters name the patient, the
two digits after them the sample type (01-09 tumour, 10-19 normal, 20-29 control; NCI GDC
"Sample Type Codes"). A clinical file whose ids are patients (``TCGA-XX-YYYY``) is joined to
every sample of that patient; each sample gets ``patient_id``, ``sample_type_code`` and
``tissue`` (``tumour``/``normal``/``control``) columns, so ``--outcome tissue --positive tumour``
compares tumour with normal tissue.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from biomark.cohort import Cohort
from biomark.errors import InputError
from biomark.io.clinical import join_clinical, read_clinical
from biomark.io.layout import sha256

_SAMPLE = re.compile(r"^TCGA-[A-Z0-9]{2}-[A-Z0-9]{4}-(\d{2})[A-Z]?(?:[-.].*)?$", re.I)
_PATIENT = re.compile(r"^TCGA-[A-Z0-9]{2}-[A-Z0-9]{4}$", re.I)


def is_tcga(ids: list[str]) -> bool:
    """Every id is a TCGA sample barcode (with a sample-type code)."""
    return bool(ids) and all(_SAMPLE.match(i) for i in ids)


def tissue(code: int) -> str:
    """``tumour`` (01-09), ``normal`` (10-19), ``control`` (20-29), else ``other``."""
    return "tumour" if 1 <= code <= 9 else "normal" if 10 <= code <= 19 else "control" if 20 <= code <= 29 else "other"


def barcode_columns(ids: list[str]) -> dict[str, list[str]]:
    """patient_id, sample_type_code and tissue of each sample barcode."""
    codes = [int(_SAMPLE.match(i).group(1)) for i in ids]  # type: ignore[union-attr]
    return {"patient_id": [i[:12].upper() for i in ids], "sample_type_code": [f"{c:02d}" for c in codes],
            "tissue": [tissue(c) for c in codes]}


def join_tcga(cohort: Cohort, clinical: Any, id_column: str | None) -> Cohort:
    """The cohort with sample-level clinical columns: the barcode's own, and the patient's row."""
    ids = cohort.sample_ids
    src = next(iter(cohort.sources))
    cols = barcode_columns(ids)
    warnings = list(cohort.warnings)
    per_patient: dict[str, int] = {}
    for p, t in zip(cols["patient_id"], cols["tissue"], strict=True):
        if t == "tumour":
            per_patient[p] = per_patient.get(p, 0) + 1
    several = {p: n for p, n in per_patient.items() if n > 1}
    if several:
        shown = ", ".join(f"{p} ({n})" for p, n in list(several.items())[:5])
        warnings.append(f"{src}: {len(several)} patient(s) have several tumour samples ({shown}); each sample is "
                        "one row: keep one per patient (e.g. the -01A vial) if samples must be independent")
    extra: dict[str, list[Any]] = {}
    clin_src = None
    lost: list[str] = []
    if clinical is not None:
        clin_src = str(clinical)
        table = read_clinical(Path(clinical), id_column=id_column, strict_id=id_column is not None)
        keys = [str(i) for i in table.index]
        if keys and all(_PATIENT.match(k) for k in keys):
            by = {k.upper(): n for n, k in enumerate(keys)}
        elif keys and all(_SAMPLE.match(k) for k in keys):
            cohort = replace(cohort, warnings=warnings)
            return join_clinical(cohort, Path(clinical), clin_src, id_column, strict_id=id_column is not None)
        else:
            raise InputError(f"{clin_src}: ids are neither TCGA patients (TCGA-XX-YYYY) nor sample barcodes "
                             f"(e.g. '{keys[0] if keys else ''}'); give the clinical id column with "
                             "--clinical-id-column")
        rows = [by.get(p) for p in cols["patient_id"]]
        for c in table.columns:
            if c in cols:
                raise InputError(f"{clin_src}: column '{c}' is also a column biomark derives from the barcodes; "
                                 "rename it")
            vals = table[c].tolist()
            extra[c] = [vals[r] if r is not None else None for r in rows]
        lost = [i for i, r in zip(ids, rows, strict=True) if r is None]
        if lost:
            warnings.append(f"{len(lost)} sample(s) of {src} have no patient row in {clin_src} and were left out: "
                            + ", ".join(lost[:10]))
    import pandas as pd

    frame = pd.DataFrame({**cols, **extra}, index=pd.Index(ids, name="sample_id", dtype=object))
    keep = [i for i in ids if clinical is None or i not in set(lost)]
    with tempfile.TemporaryDirectory(prefix="biomark-") as tmp:
        out = Path(tmp) / "clinical.tsv"
        frame.loc[keep].to_csv(out, sep="\t")
        joined = join_clinical(replace(cohort, warnings=warnings), out, src + " (barcodes)", "sample_id",
                               strict_id=True)
    sources = dict(cohort.sources)
    if clin_src is not None:
        sources[clin_src] = sha256(Path(clinical))
    dropped = [w for w in joined.warnings if "(barcodes)" in w and "not in" in w]
    clin = joined.clinical.copy()
    code = dict(zip(ids, cols["sample_type_code"], strict=True))
    clin["sample_type_code"] = pd.array([code[str(i)] for i in clin.index], dtype=object)  # '01' is a code
    return replace(joined, sources=sources, clinical=clin, warnings=[w for w in joined.warnings if w not in dropped],
                   qc={**joined.qc, "format": "TCGA/Xena matrix", "tcga": {"tissue_counts": pd.Series(cols["tissue"]).value_counts().to_dict(),
                                             "patients_with_several_tumour_samples": several}})
