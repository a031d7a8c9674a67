"""Outputs that are not regular files are written to, never replaced; inputs are recognised by inode.

Issue 15 (data loss): the atomic write renamed its temporary file over whatever the output path was, so
``--json /dev/null`` as root replaced /dev/null with a regular file and a FIFO given as ``--out`` was
replaced while its reader got nothing. These tests use a FIFO (a device would need root and risk the
machine's /dev if the code regressed).
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from biomark.atomic import OutputIsDirectoryError, write_text_atomic
from biomark.cli._common import check_output_path
from biomark.errors import BiomarkError


def _read_fifo(path: Path, out: list[bytes]) -> threading.Thread:
    def run() -> None:
        with open(path, "rb") as fh:
            out.append(fh.read())

    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def test_fifo_output_is_written_not_replaced(tmp_path):
    fifo = tmp_path / "out.json"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = _read_fifo(fifo, got)
    write_text_atomic(fifo, '{"a": 1}\n')
    reader.join(10)
    assert got == [b'{"a": 1}\n']
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]  # no temporary file left


def test_directory_output_is_refused(tmp_path):
    with pytest.raises(OutputIsDirectoryError):
        write_text_atomic(tmp_path, "x")
    with pytest.raises(BiomarkError, match="is a directory"):
        check_output_path(tmp_path)


def test_hard_link_to_an_input_is_the_same_file(tmp_path):
    spec = tmp_path / "panel.yaml"
    spec.write_text("id: x\n")
    link = tmp_path / "results.json"
    os.link(spec, link)
    with pytest.raises(BiomarkError, match="same as input file"):
        check_output_path(link, [spec])
    assert spec.read_text() == "id: x\n"


def test_symlink_and_relative_spellings_are_the_same_file(tmp_path, monkeypatch):
    spec = tmp_path / "panel.yaml"
    spec.write_text("id: x\n")
    (tmp_path / "alias.yaml").symlink_to(spec)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(BiomarkError, match="same as input file"):
        check_output_path("alias.yaml", ["./panel.yaml"])
    assert check_output_path("other.json", [spec]) == Path("other.json")


def test_dev_null_is_not_an_input_clash():
    # two special files: /dev/null as output while another input is /dev/null is allowed (nothing read)
    assert check_output_path("/dev/null", []) == Path("/dev/null")


def test_n_jobs_type_caps_and_refuses(capsys):
    import click

    from biomark.cli._common import NJobs, usable_cpus

    t = NJobs()
    cpus = usable_cpus()
    assert t.convert("-1", None, None) == cpus
    assert t.convert("1", None, None) == 1
    assert t.convert("100000", None, None) == cpus
    assert f"capped at {cpus}" in capsys.readouterr().err
    for bad in ("0", "-2", "two", "1.5"):
        with pytest.raises(click.BadParameter):
            t.convert(bad, None, None)
