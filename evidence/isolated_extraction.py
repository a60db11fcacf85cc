"""Text extraction in a child process with a memory and a time limit.

Each worker process starts, on first use, a small extraction server (`_Server`: a fresh
`python -S -m evidence.isolated_extraction`, without Django or the database layer) that imports
the extractors once. For each file the worker hands the server the open file's descriptor and
the limits; the server forks a child, which caps its own address space (RLIMIT_AS) and CPU time
(RLIMIT_CPU), extracts (`text_extraction.extract`), and writes one JSON header line and the text
(UTF-8, at most the text cap) to a file the worker named. The worker kills the child past
`timeout` seconds and reads no more than the header and the capped text back, so a document
that would blow up a parser costs the child its life, never the worker its memory: the text is
then unavailable with `memory_limit`, `time_limit` or `extraction_failed`.

Not multiprocessing: Celery's prefork pool processes are daemonic billiard processes, to which
multiprocessing refuses children; not a fresh interpreter per file either, which would cost a
fifth of a second of imports per file (decision 0018).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict
from pathlib import Path

from . import text_extraction
from .extracted import Extraction, Limits, Note

logger = logging.getLogger(__name__)

PROJECT_DIR = Path(__file__).resolve().parents[1]
HEADER_MAX_BYTES = 4096
COPY_CHUNK = 1024 * 1024
UTF8_MAX_BYTES_PER_CHAR = 4
OUT_OF_MEMORY_EXIT = 3  # the child ran out of its address space outside a parser
SERVER_ANSWER_SECONDS = 10.0  # for the server to fork a child, or to reap a killed one


def _input_descriptor(handle, spill) -> int:
    """A descriptor to hand over: the file's own (a file on disk), else a copy's."""
    try:
        return handle.fileno()
    except (AttributeError, OSError, ValueError):
        handle.seek(0)
        shutil.copyfileobj(handle, spill, COPY_CHUNK)
        spill.flush()
        return spill.fileno()


class _Server:
    """The worker's end of its extraction server: `python -S -m evidence.isolated_extraction
    FD` (-S: no site processing; the worker's import path goes in PYTHONPATH), which imports
    the extractors once and forks one child per file. They talk over a SOCK_SEQPACKET pair:
    each request carries the file's descriptor (SCM_RIGHTS); the server answers the child's pid,
    then its wait status. It ends when the worker's end closes."""

    def __init__(self):
        self.socket, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with theirs:
            self.process = subprocess.Popen(  # noqa: S603 - fixed argv, our own interpreter
                [sys.executable, "-S", "-m", "evidence.isolated_extraction",
                 str(theirs.fileno())],
                cwd=PROJECT_DIR, pass_fds=[theirs.fileno()],
                env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, sys.path))},
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def _answer(self, timeout: float | None) -> dict:
        self.socket.settimeout(timeout)
        message = self.socket.recv(HEADER_MAX_BYTES)
        if not message:
            raise ConnectionError("the extraction server is gone")
        return json.loads(message)

    def run(self, arguments: dict, descriptor: int, timeout: float) -> tuple[int, bool]:
        """Have one child extract; (its wait status, whether it was killed for time)."""
        started = time.monotonic()
        socket.send_fds(self.socket, [json.dumps(arguments).encode()], [descriptor])
        pid = self._answer(SERVER_ANSWER_SECONDS)["pid"]
        try:
            remaining = max(timeout - (time.monotonic() - started), 0.001)
            return self._answer(remaining)["status"], False
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):  # it has just ended
                os.kill(pid, signal.SIGKILL)
            return self._answer(SERVER_ANSWER_SECONDS)["status"], True

    def close(self) -> None:
        self.socket.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(SERVER_ANSWER_SECONDS)


_server: _Server | None = None
_server_lock = threading.Lock()


def _run_child(arguments: dict, descriptor: int, timeout: float) -> tuple[int | None, bool]:
    """Run one extraction child through this process's server (started on first use, and
    again if it died); (its wait status or None if the server failed, timed out)."""
    global _server
    with _server_lock:
        for _ in range(2):
            if _server is None or _server.process.poll() is not None:
                _server = _Server()
            try:
                return _server.run(arguments, descriptor, timeout)
            except (ConnectionError, OSError, ValueError) as exc:
                logger.warning("extraction server failed: %r", exc)
                _server.close()
                _server = None
    return None, False


def _outcome(status: int | None, timed_out: bool) -> str | None:
    """The note of a child that did not answer normally, None if it did."""
    if status is None:
        return Note.FAILED
    if timed_out or (os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGXCPU):
        return Note.TIME_LIMIT
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == OUT_OF_MEMORY_EXIT:
        return Note.MEMORY_LIMIT
    return None if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 else Note.FAILED


def _read_result(path: str, limits: Limits) -> Extraction | None:
    """The child's answer, reading no more than the header and the capped text."""
    with open(path, "rb") as result:
        header_line = result.readline(HEADER_MAX_BYTES)
        if not header_line.endswith(b"\n"):
            return None
        header = json.loads(header_line)
        data = result.read(limits.text_chars * UTF8_MAX_BYTES_PER_CHAR)
    text = data.decode("utf-8", "replace")[: limits.text_chars]
    return Extraction(text, header.get("page_count"), str(header.get("note", Note.FAILED)),
                      header.get("peak_kb"))


def extract(handle, mime_type: str, limits: Limits, memory_bytes: int,
            timeout: float) -> Extraction:
    """Text of a seekable binary file object, extracted by a child process under limits."""
    with (tempfile.TemporaryFile() as spill,
          tempfile.NamedTemporaryFile(prefix="extraction-", suffix=".out") as output):
        descriptor = _input_descriptor(handle, spill)
        arguments = {"mime_type": mime_type, "out": output.name, "memory": memory_bytes,
                     "cpu": int(timeout) + 1, "limits": asdict(limits)}
        status, timed_out = _run_child(arguments, descriptor, timeout)
        handle.seek(0)
        note = _outcome(status, timed_out)
        result = _read_result(output.name, limits) if note is None else None
    return result or Extraction(note=note or Note.FAILED)


# --- the child --------------------------------------------------------------------------------


def peak_kb() -> int | None:
    """Peak resident memory of this process (VmHWM, kB): unlike ru_maxrss, it leaves out what
    the worker had touched before the child's exec."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _child(arguments: dict, descriptor: int) -> int:
    """One extraction, in a process forked by the server: limits first, then the extraction,
    then the answer; its exit code. Running out of memory outside a parser gives
    OUT_OF_MEMORY_EXIT."""
    try:
        resource.setrlimit(resource.RLIMIT_AS, (arguments["memory"], arguments["memory"]))
        resource.setrlimit(resource.RLIMIT_CPU, (arguments["cpu"], arguments["cpu"] + 1))
        with open(descriptor, "rb", closefd=True) as handle:
            extraction = text_extraction.extract(handle, arguments["mime_type"],
                                                 Limits(**arguments["limits"]))
        header = {"note": extraction.note, "page_count": extraction.page_count,
                  "peak_kb": peak_kb()}
        with open(arguments["out"], "wb") as output:
            output.write(json.dumps(header).encode() + b"\n")
            output.write(extraction.text.encode("utf-8"))
    except MemoryError:
        return OUT_OF_MEMORY_EXIT
    return 0


def serve(channel: socket.socket) -> None:
    """The extraction server's loop: one forked child per request, waited for."""
    while True:
        message, descriptors, _, _ = socket.recv_fds(channel, HEADER_MAX_BYTES, 1)
        if not message or not descriptors:
            return
        pid = os.fork()
        if pid == 0:  # the child never returns to this loop
            code = 1
            try:
                channel.close()
                code = _child(json.loads(message), descriptors[0])
            finally:
                os._exit(code)
        os.close(descriptors[0])
        channel.send(json.dumps({"pid": pid}).encode())
        _, status = os.waitpid(pid, 0)
        channel.send(json.dumps({"status": status}).encode())


if __name__ == "__main__":
    from . import text_extraction

    text_extraction.preload()
    with socket.socket(fileno=int(sys.argv[1])) as server_end:
        serve(server_end)
