"""A cBioPortal study folder, read locally, after cBioPortal's published file formats
(docs.cbioportal.org/file-formats): ``data_clinical_patient.txt`` and ``data_clinical_sample.txt``
(tab-separated; the lines starting with ``#`` above the header are display names, descriptions,
datatypes and priorities), and an expression file with a ``Hugo_Symbol`` (and optionally an
``Entrez_Gene_Id``) column followed by one column per sample.

Sample rows are joined to their patient row on ``PATIENT_ID``; ``OS_MONTHS``/``OS_STATUS``,
``DFS_MONTHS``/``DFS_STATUS`` keep cBioPortal's values (``1:DECEASED``, ``0:LIVING``).
"""

from __future__ import annotations

from pathlib import Path

from biomark.errors import InputError
from biomark.io.geo import Parsed, Table, open_text

# expression files in the order preferred when a folder holds several
EXPRESSION_FILES = ("data_mrna_seq_v2_rsem.txt", "data_RNA_Seq_v2_expression_median.txt",
                    "data_mrna_seq_tpm.txt", "data_mrna_seq_fpkm.txt", "data_mirna.txt", "data_expression.txt")
SURVIVAL_COLUMNS = {"OS_MONTHS": "OS_STATUS", "DFS_MONTHS": "DFS_STATUS", "PFS_MONTHS": "PFS_STATUS",
                    "DSS_MONTHS": "DSS_STATUS"}


def read_study(path: Path, src: str) -> Parsed:
    """The expression table and the joined sample/patient clinical columns of a study."""
    folder = path if path.is_dir() else path.parent
    expr = path if path.is_file() else _expression_file(folder, src)
    table = _expression(expr, str(expr))
    samples = table.header[1:]
    clinical: dict[str, dict[str, str]] = {}
    sfile = folder / "data_clinical_sample.txt"
    if sfile.is_file():
        s_head, s_rows, _ = clinical_rows(sfile, str(sfile))
        pfile = folder / "data_clinical_patient.txt"
        patients: dict[str, dict[str, str]] = {}
        p_head: list[str] = []
        if pfile.is_file():
            p_head, p_rows, _ = clinical_rows(pfile, str(pfile))
            pk = _col(p_head, "PATIENT_ID", str(pfile))
            patients = {r[pk]: dict(zip(p_head, r, strict=False)) for r in p_rows}
        sk, spk = _col(s_head, "SAMPLE_ID", str(sfile)), _col(s_head, "PATIENT_ID", str(sfile))
        cols = [c for c in s_head if c != "SAMPLE_ID"] + [c for c in p_head if c not in s_head]
        by_sample = {r[sk]: r for r in s_rows}
        for s in samples:
            r = by_sample.get(s)
            if r is None:
                continue
            rec = dict(zip(s_head, r, strict=False))
            rec.update({k: v for k, v in patients.get(rec.get("PATIENT_ID", r[spk]), {}).items() if k not in rec})
            for c in cols:
                clinical.setdefault(c, {})[s] = rec.get(c, "")
    notes = [] if sfile.is_file() else [f"{folder}: no data_clinical_sample.txt; no clinical columns were read"]
    return Parsed("cBioPortal study", table, samples, clinical, notes=notes, table_src=str(expr))


def _expression_file(folder: Path, src: str) -> Path:
    found = [folder / n for n in EXPRESSION_FILES if (folder / n).is_file()]
    if not found and not (folder / "data_clinical_sample.txt").is_file():
        raise InputError(f"{src}: is a directory given as '--expression', but not a cBioPortal study folder (no "
                         "data_clinical_sample.txt); give the expression file")
    if not found:
        others = sorted(p.name for p in folder.glob("data_*.txt") if "clinical" not in p.name)
        raise InputError(f"{src}: no expression file ({', '.join(EXPRESSION_FILES[:3])} ...) in the folder"
                         + (f"; give one of {', '.join(others[:8])} as --expression {src.rstrip('/')}/FILE"
                            if others else ""))
    if len(found) > 1:
        raise InputError(f"{src}: several expression files ({', '.join(p.name for p in found)}); choose one with "
                         f"--expression {src.rstrip('/')}/{found[0].name}")
    return found[0]


def clinical_rows(path: Path, src: str) -> tuple[list[str], list[list[str]], int]:
    """Header and rows of a cBioPortal clinical file (``#`` lines skipped); the header's line."""
    head: list[str] | None = None
    rows: list[list[str]] = []
    hline = 0
    for n, line in enumerate(open_text(path, src), start=1):
        if line.startswith("#") or not line.strip():
            continue
        cells = [c.strip() for c in line.split("\t")]
        if head is None:
            head, hline = cells, n
        else:
            if len(cells) != len(head):
                raise InputError(f"{src}: line {n}: {len(cells)} cells for {len(head)} columns; "
                                 "cBioPortal files are tab-separated with one cell per column")
            rows.append(cells)
    if head is None:
        raise InputError(f"{src}: no header line (a line of attribute names such as PATIENT_ID)")
    return head, rows, hline


def _col(head: list[str], name: str, src: str) -> int:
    if name not in head:
        raise InputError(f"{src}: no {name} column (columns: {', '.join(head[:12])}); "
                         "a cBioPortal clinical file names its ids PATIENT_ID / SAMPLE_ID")
    return head.index(name)


def _expression(path: Path, src: str) -> Table:
    head: list[str] | None = None
    rows: list[list[str]] = []
    hline = 0
    for n, line in enumerate(open_text(path, src), start=1):
        if line.startswith("#") or not line.strip():
            continue
        cells = line.split("\t")
        if head is None:
            head, hline = [c.strip() for c in cells], n
            if "Hugo_Symbol" not in head and "Entrez_Gene_Id" not in head:
                raise InputError(f"{src}: line {n}: no Hugo_Symbol or Entrez_Gene_Id column; not a cBioPortal "
                                 "expression file")
            continue
        rows.append(cells)
    if head is None:
        raise InputError(f"{src}: empty expression file")
    h = head.index("Hugo_Symbol") if "Hugo_Symbol" in head else None
    e = head.index("Entrez_Gene_Id") if "Entrez_Gene_Id" in head else None
    ids = [i for i in (h, e) if i is not None]
    keep = [i for i in range(len(head)) if i not in ids]
    out = []
    for r in rows:
        name = r[h].strip() if h is not None and h < len(r) else ""
        if not name and e is not None and e < len(r):
            name = r[e].strip()  # a row without a symbol keeps its Entrez id (never a blank name)
        out.append([name, *(r[i] if i < len(r) else "" for i in keep)])
    return Table(["Hugo_Symbol", *(head[i] for i in keep)], out, hline)
