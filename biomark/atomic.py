"""Atomic file output: write to a temporary file beside the target, rename on success.

An interrupted or failed write leaves no partial file and never touches an existing target. A target
that is not a regular file (a device such as ``/dev/null``, a FIFO, a socket) is written to directly,
never renamed over: renaming would replace the device or the pipe with a regular file. A directory is
refused. A full disk, a read-only or unwritable folder, a file-size limit or a name too long for the
file system raise :class:`OutputError` (a ``BiomarkError``: one ``error:`` line on the command line)
and leave nothing behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from biomark.errors import BiomarkError

_OUTPUT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES, errno.EPERM,
                  errno.ENAMETOOLONG, errno.EISDIR, errno.ENOENT, errno.ENOTDIR, errno.EIO}
_HINTS = {errno.ENOSPC: "free some space or write elsewhere",
          errno.EDQUOT: "free some space or write elsewhere",
          errno.EFBIG: "the file-size limit was reached; write elsewhere or raise the limit",
          errno.ENAMETOOLONG: "choose a shorter file name"}


class OutputError(BiomarkError):
    """An output file could not be written (disk full, read-only folder, name too long, ...)."""


class OutputIsDirectoryError(IsADirectoryError):
    """The output path names a directory."""


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Context manager yielding the path to write instead of ``path``.

    For a regular (or new) file that is a temporary file beside ``path``: whatever the block writes
    there (for instance a stream of pyarrow batches) is renamed over ``path`` when the block succeeds,
    and removed when it raises; the block must have closed the file by then. For a device or FIFO it
    is ``path`` itself.

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
    if _is_special(p):
        with _as_output_error(p):
            yield p
        return
    directory = p.parent if str(p.parent) else Path(".")
    with _as_output_error(p, any_file=True):
        # the temporary name must fit the file system's limit (255 bytes) even when the target's does
        fd, tmp = tempfile.mkstemp(prefix=f".{_short(p.name)}.", suffix=".tmp", dir=str(directory))
    try:
        with _as_output_error(p, tmp):
            os.close(fd)
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file the usual permissions
            yield Path(tmp)
            os.replace(tmp, p)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str], mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO[Any]]:
    """Context manager yielding a file handle; the file appears at ``path`` only if the block succeeds."""
    with atomic_path(path) as target:
        fh = open(target, mode, encoding=None if "b" in mode else encoding,  # noqa: SIM115
                  newline=None if "b" in mode else "")
        try:
            yield fh
            fh.flush()
        except BaseException:
            with contextlib.suppress(OSError):
                fh.close()  # flushing the rest fails the same way; the file is removed by atomic_path
            raise
        fh.close()


@contextlib.contextmanager
def _as_output_error(p: Path, tmp: str | None = None, *, any_file: bool = False) -> Iterator[None]:
    """Turn an OSError of writing ``p`` (or its temporary file) into an :class:`OutputError`.

    ``any_file``: the block touches only the output (creating the temporary file, whose name the
    error carries but the caller does not know yet).
    """
    try:
        yield
    except OutputError:
        raise
    except OSError as err:
        ours = any_file or err.filename is None or str(err.filename) in (str(p), str(tmp))
        if not ours or err.errno not in _OUTPUT_ERRNOS:
            raise
        reason = err.strerror or type(err).__name__
        hint = _HINTS.get(err.errno, "choose another output path")
        raise OutputError(f"{p}: cannot write the output ({reason}); {hint}; nothing was written") from None


def _short(name: str, limit: int = 80) -> str:
    return name if len(name.encode("utf-8", "surrogateescape")) <= limit else name[:limit // 4]


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
