"""Fault injection (issue 15): a full disk, a read-only folder, a file-size limit, a name too long once
the temporary suffix is added, a non-UTF-8 output name, terminal escapes in what reaches stderr.

Each run must end with one ``error:`` line, exit status 2, nothing left behind and no input changed.
The disk-full and read-only cases mount a tiny tmpfs, which needs root (CI runs as root); elsewhere
they are covered by the file-size-limit case, which needs no privilege.
"""

from __future__ import annotations

import hashlib
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "bad_inputs"
INPUTS = ("expression_ok.csv", "clinical_ok.csv", "panel_ok.yaml")


def _can_mount() -> bool:
    return os.geteuid() == 0 and shutil.which("mount") is not None


def _run(argv: list[str], cwd: Path, preexec=None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "biomark", *argv], cwd=cwd, env=env, capture_output=True,
                          timeout=300, preexec_fn=preexec)


def _validate(out: str) -> list[str]:
    return ["validate", "--panel", "panel_ok.yaml", "--expression", "expression_ok.csv", "--clinical",
            "clinical_ok.csv", "--outcome", "radioresistance", "--seed", "1", "-q", "--bootstrap", "20",
            "--permutations", "0", "--repeats", "1", "--report", out]


def _digest(d: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in d.iterdir() if p.is_file()}


@pytest.fixture
def work(tmp_path) -> Path:
    for f in INPUTS:
        shutil.copyfile(BAD / f, tmp_path / f)
    return tmp_path


def _one_error_line(r: subprocess.CompletedProcess, *needles: str) -> str:
    err = r.stderr.decode("utf-8", "replace")
    assert r.returncode == 2, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    for n in needles:
        assert n in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def tiny_fs(tmp_path):
    if not _can_mount():
        pytest.skip("mounting a tmpfs needs root; the file-size-limit case covers this without it")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(mnt)], capture_output=True)
    if r.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"could not mount a tmpfs in CI: {r.stderr!r}")
        pytest.skip("mount refused here")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_disk_full(work, tiny_fs):
    before = _digest(work)
    r = _run(_validate(str(tiny_fs / "report.html")), work)
    _one_error_line(r, "report.html", "No space left on device", "nothing was written")
    assert list(tiny_fs.iterdir()) == []
    assert _digest(work) == before


def test_read_only_folder(work, tiny_fs):
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_fs)], check=True)
    r = _run(_validate(str(tiny_fs / "report.html")), work)
    _one_error_line(r, "report.html", "Read-only file system")
    assert list(tiny_fs.iterdir()) == []


def test_file_size_limit(work):
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))  # the report is ~300 KB

    before = _digest(work)
    (work / "out").mkdir()
    r = _run(_validate("out/report.html"), work, preexec=limit)
    _one_error_line(r, "out/report.html", "File too large")
    assert list((work / "out").iterdir()) == []
    assert _digest(work) == before


def test_name_too_long(work):
    (work / "out").mkdir()
    name = "r" * 251 + ".html"  # 256 bytes: over the 255 limit by itself
    r = _run(_validate(f"out/{name}"), work)
    _one_error_line(r, "choose a shorter file name")
    assert list((work / "out").iterdir()) == []
    name = "r" * 245 + ".html"  # fits, but did not once '.' + name + '.XXXXXXXX.tmp' was added
    r = _run(_validate(f"out/{name}"), work)
    assert r.returncode == 0, r.stderr
    assert [p.name for p in (work / "out").iterdir()] == [name]


def test_non_utf8_output_name_and_escapes_in_error_line(work):
    out = os.fsdecode(b"out\xff\x1b[2J.html")  # an undecodable byte and a clear-screen sequence
    r = _run(_validate(out + "/missing/r.html"), work)
    line = _one_error_line(r, "does not exist")
    assert "\x1b" not in line and "\\x1b[2J" in line and "\\xff" in line
