"""Atomic file output: write to a temporary file beside the target, rename on success.

An interrupted or failed write leaves no partial file and never touches an existing target.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Context manager yielding the path of a temporary file beside ``path``.

    Whatever the block writes there (for instance a stream of pyarrow batches) is renamed over
    ``path`` when the block succeeds, and removed when it raises; the block must have closed the
    file by then.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "scores.csv"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("sample_id,score\\n")
    >>> target.read_text()
    'sample_id,score\\n'
    """
    p = Path(path)
    directory = p.parent if str(p.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=str(directory))
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual permissions
    try:
        yield Path(tmp)
        os.replace(tmp, p)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO[Any]]:
    """Context manager yielding a file handle; the file appears at ``path`` only if the block succeeds."""
    with atomic_path(path) as tmp, \
            open(tmp, mode, encoding=None if "b" in mode else encoding, newline=None if "b" in mode else "") as fh:
        yield fh


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
