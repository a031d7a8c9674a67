"""Helpers shared by the command modules: error handling, atomic output, console output."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import stat
import sys
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import click

from biomark._cpus import usable_cpus
from biomark.atomic import atomic_write  # noqa: F401  (re-exported for command modules)
from biomark.errors import BiomarkError

_NO_ARGS = getattr(click.exceptions, "NoArgsIsHelpError", ())  # click >= 8.2


def run_main(cli: click.Group, argv: list[str] | None) -> int:
    """Run the click group; map bad input and usage errors to one ``error:`` line and exit 2."""
    args = list(sys.argv[1:] if argv is None else argv)
    if hasattr(signal, "SIGXFSZ") and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a file-size limit: EFBIG, one error line
    if os.environ.get("_BIOMARK_COMPLETE"):  # shell completion is click's own business
        return int(cli.main(args=args, prog_name="biomark", standalone_mode=False) or 0)
    try:
        with _terminate_as_exception():
            return _invoke(cli, args)
    except Terminated as t:
        click.echo(f"error: stopped by {t.name}; no output was written", err=True)
        return 128 + t.signum


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived (timeout, Slurm, systemd): unwinds like Ctrl-C, so temporary files go."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.name = signal.Signals(signum).name


@contextlib.contextmanager
def _terminate_as_exception() -> Iterator[None]:
    """Raise :class:`Terminated` in the main thread on SIGTERM/SIGHUP; restore the handlers after."""
    def handler(signum: int, frame: Any) -> None:
        raise Terminated(signum)

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def _invoke(cli: click.Group, args: list[str]) -> int:
    try:
        # not cli.main(): it prints an empty line on stderr before turning Ctrl-C into Abort, and the
        # contract is one 'error:' line
        with cli.make_context("biomark", args) as ctx:
            cli.invoke(ctx)
    except click.exceptions.Exit as ex:
        return int(ex.exit_code or 0)
    except (click.exceptions.Abort, KeyboardInterrupt, EOFError):
        click.echo("error: interrupted; no output was written", err=True)
        return 130
    except _NO_ARGS as err:  # 'biomark' or 'biomark panels' alone
        click.echo(err.ctx.get_help())
        click.echo(f"error: no command given; see the list above or '{err.ctx.command_path} --help'", err=True)
        return 2
    except click.UsageError as err:
        hint = ""
        if err.ctx is not None:
            hint = f"; see '{err.ctx.command_path} --help'"
        click.echo(f"error: {one_line(err.format_message())}{term_safe(hint)}", err=True)
        return 2
    except click.ClickException as err:
        click.echo(f"error: {one_line(err.format_message())}", err=True)
        return 2
    except BiomarkError as err:
        click.echo(f"error: {one_line(str(err))}", err=True)
        return 2
    except BrokenPipeError:
        with contextlib.suppress(Exception):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 0
    except OSError as err:
        # a path the user gave that the system refuses (name too long, permission, a loop of links):
        # the environment, not a bug, when the error names the file
        if err.filename is None:
            raise
        click.echo(f"error: {one_line(f'{err.filename}: cannot be used ({err.strerror}); check the path')}",
                   err=True)
        return 2
    return 0


def one_line(msg: str) -> str:
    """``msg`` on one line, safe for a terminal (see :func:`term_safe`)."""
    return term_safe(" ".join(msg.split()))


# C0 and C1 controls, DEL, and the bidirectional embeddings, overrides and isolates
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\udc80-\udcff]")


def term_safe(text: str) -> str:
    r"""Escape what could drive a terminal.

    Control characters (ESC sequences set the window title or clear the screen), bidi controls (they
    reorder the displayed text) and undecodable bytes of a file name (``surrogateescape``) are shown
    as ``\xNN`` or ``\uNNNN``.

    Examples
    --------
    >>> print(term_safe("title\x1b]0;pwned\x07 \u202eevil"))
    title\x1b]0;pwned\x07 \u202eevil
    """
    def esc(m: re.Match[str]) -> str:
        c = ord(m.group())
        if 0xDC80 <= c <= 0xDCFF:  # a byte that was not UTF-8, carried by surrogateescape
            return f"\\x{c - 0xDC00:02x}"
        return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"

    return _UNSAFE.sub(esc, text)


#: Parameters (click names) that name what a command writes; every other string parameter of the
#: running command that names an existing file is an input (see :func:`command_inputs`).
OUTPUT_PARAMS = frozenset({"out", "report", "json_path", "json_out", "update_model"})


def command_inputs() -> list[str]:
    """Every parameter value of the running click command that names an existing file (``--panel
    spec.yaml``, ``--model``, ``--scenario``, ``--annotation``, ...), outputs excepted.

    A new option that reads a file is protected without a line of code: no output can overwrite it.
    """
    ctx = click.get_current_context(silent=True)
    found: list[str] = []
    while ctx is not None:
        for name, value in ctx.params.items():
            if name in OUTPUT_PARAMS:
                continue
            for v in value if isinstance(value, (tuple, list)) else (value,):
                if isinstance(v, (str, os.PathLike)) and str(v) not in ("", "-"):
                    with contextlib.suppress(OSError, ValueError):
                        if os.path.isfile(v):
                            found.append(str(v))
        ctx = ctx.parent
    return found


def echo_safe(text: Any, **kw: Any) -> None:
    """``click.echo`` of text holding user strings (titles, ids, warnings), each line made terminal-safe."""
    click.echo("\n".join(term_safe(line) for line in str(text).split("\n")), **kw)


def check_output_path(out: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str] | None] = ()) -> Path:
    """Refuse an output path in a missing directory, naming a directory, or naming any input.

    An input is the same file when its resolved path is the output's or when both name one inode
    (a hard link, a bind mount, ``/proc/self/fd/N``). The inputs are ``inputs`` and every file named
    by a parameter of the running command (:func:`command_inputs`), so the panel spec, a model, a
    scenario or an annotation file are protected as the data files are. Outputs that are devices or
    FIFOs are allowed; ``biomark.atomic`` writes to them directly.
    """
    p = Path(out)
    parent = p.parent if str(p.parent) else Path(".")
    try:
        if not parent.exists():
            raise BiomarkError(f"{p}: directory '{parent}' does not exist; create it or choose another output path")
        if p.is_dir():
            raise BiomarkError(f"{p}: is a directory; give a file name")
    except OSError as err:  # a name too long for the file system, a component that is a file, ...
        raise BiomarkError(f"{p}: not a usable output path ({err.strerror}); choose a shorter file name "
                           "or another folder") from None
    for inp in [*inputs, *command_inputs()]:
        if inp is not None and _same_file(Path(inp), p):
            raise BiomarkError(f"{p}: output path is the same as input file '{inp}'; choose another output path")
    return p


def _same_file(a: Path, b: Path) -> bool:
    with contextlib.suppress(OSError):
        if a.resolve() == b.resolve():
            return True
    try:
        sa, sb = os.stat(a), os.stat(b)
    except OSError:
        return False
    return stat.S_ISREG(sa.st_mode) and (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


class SchedulerAddress(click.ParamType):
    """``--scheduler``: a dask.distributed address, ``tcp://host:port`` (or tls://, ws://, wss://,
    inproc://, ucx://) or ``host:port``; refused before any connection is tried when it is not one."""

    name = "ADDRESS"
    _RE = re.compile(r"^(?:(?:tcp|tls|ws|wss|ucx|inproc)://)?[A-Za-z0-9._\-\[\]:]*[A-Za-z0-9\]]:[0-9]{1,5}$")

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip()
        if not self._RE.match(text) or not 0 < int(text.rsplit(":", 1)[1]) < 65536:
            self.fail(f"{value!r} is not a scheduler address; give tcp://HOST:PORT (e.g. tcp://127.0.0.1:8786)",
                      param, ctx)
        return text


SEED = click.IntRange(min=0, max=2**63 - 1)


class NJobs(click.ParamType):
    """``--n-jobs``: a positive count or -1 for all usable CPUs, capped at the usable CPUs.

    More workers than CPUs never run faster and each costs ~100 MB: ``--n-jobs 100000`` started
    ~240 processes on a 2-core machine. A cap is said once on stderr as a ``warning:`` line.
    """

    name = "N"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            n = value
        else:
            try:
                n = int(str(value).strip())
            except ValueError:
                self.fail(f"{value!r} is not a whole number; give a positive number or -1 for all CPUs",
                          param, ctx)
        cpus = usable_cpus()
        if n == -1:
            return cpus
        if n < 1:
            self.fail(f"{n} workers; give a positive number or -1 for all CPUs", param, ctx)
        if n > cpus:
            click.echo(f"warning: --n-jobs {n} capped at {cpus}, the number of usable CPUs", err=True)
            return cpus
        return n
