"""Text extraction in a child process with a memory and a time limit.

For each file the worker forks a child from a small "forkserver" process (multiprocessing's,
started once per worker process with the extractors imported, without Django) and waits at most
`timeout` seconds. The child caps its own address space (RLIMIT_AS) and CPU time (RLIMIT_CPU),
opens the file by path, extracts (`text_extraction.extract`), and writes one JSON header line
and the text (UTF-8, at most the text cap) to a file the parent gave it. The parent reads no
more than that back, so a document that would blow up a parser costs the child its life, never
the worker its memory: the text is then unavailable with `memory_limit`, `time_limit` or
`extraction_failed`.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import shutil
import signal
import tempfile
from dataclasses import asdict

from . import text_extraction
from .extracted import Extraction, Limits, Note

PRELOAD = ["evidence.isolated_extraction", "pypdf", "defusedxml.expatreader"]
_CONTEXT = None
HEADER_MAX_BYTES = 4096
COPY_CHUNK = 1024 * 1024
UTF8_MAX_BYTES_PER_CHAR = 4
OUT_OF_MEMORY_EXIT = 3  # the child ran out of its address space outside a parser


def _input_path(handle, spill) -> str:
    """A path the child can open: the file's own descriptor seen through /proc (a file on
    disk, even one already unlinked), else a copy on disk."""
    try:
        descriptor = handle.fileno()
    except (AttributeError, OSError, ValueError):
        handle.seek(0)
        shutil.copyfileobj(handle, spill, COPY_CHUNK)
        spill.flush()
        descriptor = spill.fileno()
    return f"/proc/{os.getpid()}/fd/{descriptor}"


def _context():
    """Children are forked from a small server process that has imported the extractors once
    (a fresh interpreter per file would add a third of a second), never from the worker."""
    global _CONTEXT
    if _CONTEXT is None:
        _CONTEXT = multiprocessing.get_context("forkserver")
        _CONTEXT.set_forkserver_preload(PRELOAD)
    return _CONTEXT


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


def _outcome(process, timed_out: bool) -> str | None:
    """The note of a child that did not answer normally, None if it did."""
    if timed_out or process.exitcode == -signal.SIGXCPU:
        return Note.TIME_LIMIT
    if process.exitcode == OUT_OF_MEMORY_EXIT:
        return Note.MEMORY_LIMIT
    return None if process.exitcode == 0 else Note.FAILED


def extract(handle, mime_type: str, limits: Limits, memory_bytes: int,
            timeout: float) -> Extraction:
    """Text of a seekable binary file object, extracted by a child process under limits."""
    with (tempfile.TemporaryFile() as spill,
          tempfile.NamedTemporaryFile(prefix="extraction-", suffix=".out") as output):
        arguments = {"path": _input_path(handle, spill), "mime_type": mime_type,
                     "out": output.name, "memory": memory_bytes, "cpu": int(timeout) + 1,
                     "limits": asdict(limits)}
        process = _context().Process(target=_child, args=(arguments,), daemon=True)
        process.start()
        process.join(timeout)
        timed_out = process.is_alive()
        if timed_out:
            process.kill()
            process.join()
        note = _outcome(process, timed_out)
        process.close()
        handle.seek(0)
        result = _read_result(output.name, limits) if note is None else None
    if result is None:  # killed, or died before it could answer
        return Extraction(note=note or Note.FAILED)
    return result


# --- the child --------------------------------------------------------------------------------


def peak_kb() -> int | None:
    """Peak resident memory of this process (VmHWM, kB): unlike ru_maxrss, it does not count
    what the process it was forked from had already touched."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _child(arguments: dict) -> None:
    """Entry point of the extraction child: limits first, then the extraction, then the
    answer. Running out of memory outside a parser ends it with OUT_OF_MEMORY_EXIT."""
    try:
        resource.setrlimit(resource.RLIMIT_AS, (arguments["memory"], arguments["memory"]))
        resource.setrlimit(resource.RLIMIT_CPU, (arguments["cpu"], arguments["cpu"] + 1))
        with open(arguments["path"], "rb") as handle:
            extraction = text_extraction.extract(handle, arguments["mime_type"],
                                                 Limits(**arguments["limits"]))
        header = {"note": extraction.note, "page_count": extraction.page_count,
                  "peak_kb": peak_kb()}
        with open(arguments["out"], "wb") as output:
            output.write(json.dumps(header).encode() + b"\n")
            output.write(extraction.text.encode("utf-8"))
    except MemoryError:
        os._exit(OUT_OF_MEMORY_EXIT)
