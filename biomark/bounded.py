"""Reading a small input file (a spec, a scenario, a model) with a bound on the bytes actually read.

A size check on ``stat()`` alone is 0 for devices and FIFOs: ``--panel /dev/zero`` read until
MemoryError, and a FIFO with no writer blocked for ever. :func:`read_bounded` opens without blocking,
refuses a directory, reads at most ``limit + 1`` bytes whatever the file is, and raises the caller's
error type with a message that names the file.
"""

from __future__ import annotations

import fcntl
import os
import stat
from pathlib import Path

from biomark.errors import BiomarkError


def read_bounded(path: str | os.PathLike[str], limit: int, what: str,
                 error: type[BiomarkError] = BiomarkError) -> bytes:
    """The bytes of ``path``, refusing more than ``limit`` of them.

    Parameters
    ----------
    path : path of the file (a regular file, a FIFO or a device)
    limit : the largest number of bytes accepted
    what : what the file should be, for messages ("a panel spec")
    error : the BiomarkError subclass to raise

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile() as f:
    ...     _ = f.write(b"id: x\\n"); f.flush()
    ...     read_bounded(f.name, 100, "a panel spec")
    b'id: x\\n'
    """
    p = Path(path)
    try:
        fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise error(f"{p}: no such file; check the path") from None
    except IsADirectoryError:
        raise error(f"{p}: is a directory; give {what} file") from None
    except OSError as err:
        raise error(f"{p}: cannot read ({err.strerror})") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise error(f"{p}: is a directory; give {what} file")
        if stat.S_ISREG(st.st_mode) and st.st_size > limit:
            raise error(f"{p}: {st.st_size} bytes is too large for {what} (limit {limit}); check the file")
        # blocking again: a FIFO with a writer is read to its end; one without a writer reads as empty
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
        chunks: list[bytes] = []
        total = 0
        while total <= limit:
            try:
                b = os.read(fd, min(1 << 16, limit + 1 - total))
            except OSError as err:
                raise error(f"{p}: cannot read ({err.strerror})") from None
            if not b:
                break
            chunks.append(b)
            total += len(b)
        if total > limit:
            raise error(f"{p}: more than {limit} bytes is too large for {what}; check the file")
        return b"".join(chunks)
    finally:
        os.close(fd)
