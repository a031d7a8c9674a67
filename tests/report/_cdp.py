"""A minimal Chrome DevTools Protocol client over ``--remote-debugging-pipe`` (no dependencies).

Chromium started with ``--remote-debugging-pipe`` reads protocol messages from file descriptor 3
and writes them to file descriptor 4; each message is one JSON object followed by a NUL byte.
A two-line Python trampoline moves the two pipe ends onto fds 3 and 4 and execs chromium, so no
``preexec_fn`` is needed. Only what the report tests use is implemented: open a page in a flat
session, send commands, collect events, evaluate expressions, take a screenshot.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--mute-audio",
    "--hide-scrollbars",
    "--remote-debugging-pipe",
]


class CDPError(RuntimeError):
    pass


def find_chromium() -> str | None:
    env = os.environ.get("BIOMARK_CHROMIUM")
    if env:
        path = shutil.which(env)
        return path if path and os.access(path, os.X_OK) else None
    for name in CHROMIUM_CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def _high_fd(fd: int) -> int:
    new = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return new


class Browser:
    """A headless chromium driven over the DevTools pipe. Use as a context manager."""

    def __init__(self, executable: str, timeout: float = 20.0) -> None:
        self.timeout = timeout
        self._profile = tempfile.mkdtemp(prefix="biomark-chromium-")
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()
        # Move the child's ends to fds >= 10 so that "3<&r 4>&w" can never clobber one another.
        to_child_r, from_child_w = (_high_fd(to_child_r), _high_fd(from_child_w))
        # A tiny Python trampoline puts them on fds 3 and 4 and execs chromium (POSIX sh cannot
        # name fds >= 10, and a preexec_fn is unsafe with threads).
        trampoline = ("import os, sys; os.dup2(int(sys.argv[1]), 3); os.dup2(int(sys.argv[2]), 4); "
                      "os.close(int(sys.argv[1])); os.close(int(sys.argv[2])); os.execv(sys.argv[3], sys.argv[3:])")
        self._stderr = tempfile.TemporaryFile()  # a file, not a pipe: chromium must never block on it
        self.proc = subprocess.Popen(
            [sys.executable, "-c", trampoline, str(to_child_r), str(from_child_w), executable, *FLAGS, f"--user-data-dir={self._profile}", "about:blank"],
            pass_fds=(to_child_r, from_child_w),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._buf = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    # -- transport -------------------------------------------------------------------------------

    def _write(self, msg: dict[str, Any]) -> None:
        data = json.dumps(msg).encode() + b"\0"
        while data:
            try:
                n = os.write(self._to_child, data)
            except BrokenPipeError:
                self._stderr.seek(0)
                err = self._stderr.read().decode(errors="replace")
                raise CDPError(f"chromium is not reading the DevTools pipe (did it start?); stderr:\n{err[-2000:]}") from None
            data = data[n:]

    def _read_message(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CDPError("timed out waiting for chromium")
            ready, _, _ = select.select([self._from_child], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._from_child, 1 << 20)
            if not chunk:
                self._stderr.seek(0)
                err = self._stderr.read().decode(errors="replace")
                raise CDPError(f"chromium closed the DevTools pipe; stderr:\n{err[-2000:]}")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> dict:
        self._next_id += 1
        mid = self._next_id
        msg: dict[str, Any] = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self._write(msg)
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == mid:
                if "error" in reply:
                    raise CDPError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self._on_event(reply)

    def _on_event(self, ev: dict[str, Any]) -> None:
        self.events.append(ev)
        if ev["method"] == "Page.javascriptDialogOpening":
            # Never leave a dialog open (it would block the page); it is recorded in self.events.
            self._next_id += 1
            self._write({"id": self._next_id, "method": "Page.handleJavaScriptDialog",
                         "params": {"accept": True}, "sessionId": ev.get("sessionId")})

    def wait_for(self, method: str, session: str | None = None, timeout: float | None = None) -> dict:
        deadline = time.monotonic() + (timeout or self.timeout)
        for ev in self.events:
            if ev["method"] == method and (session is None or ev.get("sessionId") == session):
                return ev
        while True:
            msg = self._read_message(deadline)
            if "method" in msg:
                self._on_event(msg)
                if msg["method"] == method and (session is None or msg.get("sessionId") == session):
                    return msg

    def drain(self, seconds: float) -> None:
        """Collect events for ``seconds`` (late console messages, dialogs)."""
        deadline = time.monotonic() + seconds
        try:
            while True:
                msg = self._read_message(deadline)
                if "method" in msg:
                    self._on_event(msg)
        except CDPError as err:
            if "timed out" not in str(err):
                raise

    # -- pages -----------------------------------------------------------------------------------

    def open(self, url: str, width: int = 1200, height: int = 900) -> str:
        """Open ``url`` in a new tab with console/log/page events on; returns the session id once
        the load event has fired."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable", session=session)
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=session)
        self.events = [e for e in self.events if e.get("sessionId") != session]
        self.send("Page.navigate", {"url": url}, session=session)
        self.wait_for("Page.loadEventFired", session=session)
        return session

    def evaluate(self, session: str, expression: str) -> Any:
        res = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=session)
        if "exceptionDetails" in res:
            raise CDPError(f"evaluate failed: {res['exceptionDetails']}")
        return res["result"].get("value")

    def screenshot(self, session: str, path: Path, full_page: bool = True) -> bytes:
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            metrics = self.send("Page.getLayoutMetrics", session=session)
            size = metrics.get("cssContentSize") or metrics["contentSize"]
            params["clip"] = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
            params["captureBeyondViewport"] = True
        data = base64.b64decode(self.send("Page.captureScreenshot", params, session=session)["data"])
        Path(path).write_bytes(data)
        return data

    def problems(self, session: str) -> list[str]:
        """Console errors/warnings, uncaught exceptions, log errors and dialogs seen in ``session``."""
        out = []
        for ev in self.events:
            if ev.get("sessionId") != session:
                continue
            m, p = ev["method"], ev.get("params", {})
            if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "warning", "assert"):
                out.append(f"console.{p['type']}: {[a.get('value', a.get('description')) for a in p.get('args', [])]}")
            elif m == "Runtime.exceptionThrown":
                out.append(f"exception: {p.get('exceptionDetails', {}).get('text')}")
            elif m == "Log.entryAdded" and p.get("entry", {}).get("level") in ("error", "warning"):
                e = p["entry"]
                out.append(f"log.{e['level']} ({e.get('source')}): {e.get('text')} {e.get('url', '')}")
            elif m == "Page.javascriptDialogOpening":
                out.append(f"dialog ({p.get('type')}): {p.get('message')}")
        return out

    # -- lifecycle -------------------------------------------------------------------------------

    def close(self) -> None:
        try:
            if self.proc.poll() is None:
                try:
                    self._next_id += 1
                    self._write({"id": self._next_id, "method": "Browser.close", "params": {}})
                    self.proc.wait(timeout=5)
                except (OSError, subprocess.TimeoutExpired):
                    self.proc.kill()
                    self.proc.wait(timeout=5)
        finally:
            for fd in (self._to_child, self._from_child):
                try:
                    os.close(fd)
                except OSError:
                    pass
            self._stderr.close()
            shutil.rmtree(self._profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
