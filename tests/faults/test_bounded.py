"""read_bounded: a bound on the bytes actually read, for regular files, devices and FIFOs (issue 15)."""

from __future__ import annotations

import os
import threading
import time

import pytest

from biomark.bounded import read_bounded
from biomark.errors import BiomarkError, SpecError


def test_regular_file_within_and_over_the_limit(tmp_path):
    f = tmp_path / "a.yaml"
    f.write_bytes(b"x" * 100)
    assert read_bounded(f, 100, "a panel spec") == b"x" * 100
    with pytest.raises(SpecError, match=r"a.yaml: 100 bytes is too large for a panel spec \(limit 99\)"):
        read_bounded(f, 99, "a panel spec", SpecError)


def test_dev_zero_stops_at_the_limit():
    with pytest.raises(BiomarkError, match="more than 1000 bytes is too large for a model"):
        read_bounded("/dev/zero", 1000, "a model")


def test_fifo_without_writer_does_not_hang(tmp_path):
    fifo = tmp_path / "p"
    os.mkfifo(fifo)
    assert read_bounded(fifo, 1000, "a panel spec") == b""


def test_fifo_with_writer_is_read(tmp_path):
    fifo = tmp_path / "p"
    os.mkfifo(fifo)
    ready = threading.Event()

    def write() -> None:
        fd = os.open(fifo, os.O_RDWR)  # both ends: the data waits in the pipe until read
        os.write(fd, b"id: x\n")
        ready.set()
        time.sleep(0.3)  # the reader reads the data, then waits for the writer to close
        os.close(fd)

    t = threading.Thread(target=write)
    t.start()
    assert ready.wait(5)
    assert read_bounded(fifo, 1000, "a panel spec") == b"id: x\n"
    t.join(5)


def test_directory_and_missing(tmp_path):
    with pytest.raises(BiomarkError, match="is a directory; give a panel spec file"):
        read_bounded(tmp_path, 10, "a panel spec")
    with pytest.raises(BiomarkError, match="no such file"):
        read_bounded(tmp_path / "nope", 10, "a panel spec")
