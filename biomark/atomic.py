"""Atomic file output: write to a temporary file beside the target, rename on success.

An interrupted or failed write leaves no partial file and never touches an existing target. A target
that is not a regular file (a device such as ``/dev/null``, a FIFO, a socket) is written to directly,
never renamed over: renaming would replace the device or the pipe with a regular file. A directory is
refused.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO[Any]]:
    """Context manager yielding a file handle; the file appears at ``path`` only if the block succeeds."""
    p = Path(path)
    if _is_special(p):
        with open(p, mode, encoding=None if "b" in mode else encoding, newline=None if "b" in mode else "") as fh:
            yield fh
        return
    directory = p.parent if str(p.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=str(directory))
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual permissions
    try:
        with open(tmp, mode, encoding=None if "b" in mode else encoding, newline=None if "b" in mode else "") as fh:
            yield fh
        os.replace(tmp, p)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


class OutputIsDirectoryError(IsADirectoryError):
    """The output path names a directory."""


def _is_special(p: Path) -> bool:
    """True for an existing target that is not a regular file; a directory raises."""
    try:
        st = os.stat(p)
    except OSError:
        return False
    if stat.S_ISDIR(st.st_mode):
        raise OutputIsDirectoryError(f"{p}: is a directory; give a file name")
    return not stat.S_ISREG(st.st_mode)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    with atomic_write(path) as fh:
        fh.write(text)


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> None:
    with atomic_write(path, "wb") as fh:
        fh.write(data)
