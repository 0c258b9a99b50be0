"""Printing PDF documents through CUPS's `lp` command.

`lp` is the one interface every CUPS install has (Linux, macOS, a remote print server named by
CUPS_SERVER or client.conf), and CUPS turns a PDF into whatever the printer speaks. The PDF goes
to `lp` on its standard input, so no temporary file is left behind, and every argument is its
own argv entry: a title or a printer name never passes through a shell.

`lp` answers "The printer or class does not exist" both for an unknown printer and when the
scheduler cannot be reached; `lpstat -r` tells the two apart, so only a failure pays for it.
`check_printer()` lets a command find a wrong printer before it issues anything.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import unicodedata

from ordercli.domain.errors import DeviceUnavailable, InvalidData, NotFound

LP_TIMEOUT_SECONDS = 30.0

# IPP's limit for a job's name (RFC 8011 `name(MAX)`), in bytes.
_TITLE_MAX = 255
_REASON_MAX = 300
_JOB_ID = re.compile(r"request id is (\S+)")
_NO_DESTINATION = ("does not exist", "No default destination")
_INSTALL = {"lp": "cannot print: the lp command is not installed (Debian: apt-get install cups-client)",
            "lpstat": "cannot use the print system: the lpstat command is not installed "
                      "(Debian: apt-get install cups-client)"}


def print_pdf(data: bytes, *, printer: str | None, title: str, timeout: float = LP_TIMEOUT_SECONDS) -> str:
    """Send a PDF to `printer` (the default destination when None) and return the job id lp
    reports, e.g. `PDF-3`.

    Raises InvalidData for an unusable printer name, NotFound for a printer CUPS does not know
    (or no default printer), DeviceUnavailable when there is no `lp`, the scheduler does not
    answer (within `timeout` seconds) or refuses the job, with lp's reason on one line.
    """
    _check_name(printer)
    if not data:
        raise InvalidData("nothing to print: the document is empty")
    argv = ["lp"]
    if printer is not None:
        argv += ["-d", printer]
    argv += ["-t", job_title(title)]  # no file argument: lp reads the document from stdin
    done = _run(argv, data, timeout, doing="print")
    if done.returncode == 0:
        answer = done.stdout.decode("utf-8", "replace")
        found = _JOB_ID.search(answer)
        return found.group(1) if found else one_line(answer)
    reason = _reason(done, "lp")
    if any(words in reason for words in _NO_DESTINATION):
        _raise_unless_running(timeout, doing="print")
        raise _not_found(printer)
    raise DeviceUnavailable(f"cannot print: {reason}")


def list_printers(*, timeout: float = LP_TIMEOUT_SECONDS) -> list[str]:
    """The names of the printers (and classes) CUPS knows, as `lpstat -e` lists them.

    Raises DeviceUnavailable when there is no `lpstat` or the scheduler does not answer.
    """
    return _printers(timeout, doing="list printers")


def _printers(timeout: float, *, doing: str) -> list[str]:
    done = _run(["lpstat", "-e"], b"", timeout, doing=doing)
    if done.returncode != 0:
        raise DeviceUnavailable(f"cannot {doing}: {_reason(done, 'lpstat')}")
    names = [line.strip() for line in done.stdout.decode("utf-8", "replace").splitlines() if line.strip()]
    if not names:
        _raise_unless_running(timeout, doing=doing)  # lpstat says nothing either way
    return names


def check_printer(printer: str | None, *, timeout: float = LP_TIMEOUT_SECONDS) -> None:
    """Everything `print_pdf` will need, checked before a command renders or issues anything:
    a usable printer name, an `lp` command, a scheduler that answers, and a printer of that
    name (CUPS compares names without regard to case) or, when None, a default destination.
    Raises as `print_pdf` does."""
    _check_name(printer)
    _command("lp")
    if printer is not None:
        wanted = printer.casefold()
        if not any(name.casefold() == wanted for name in _printers(timeout, doing="print")):
            raise _not_found(printer)
        return
    done = _run(["lpstat", "-d"], b"", timeout, doing="print")
    if done.returncode != 0 or "no system default destination" in done.stdout.decode("utf-8", "replace"):
        _raise_unless_running(timeout, doing="print")
        raise _not_found(None)


def job_title(title: str) -> str:
    """The title as CUPS's job name: control characters as spaces, one line, at most 255
    bytes of UTF-8 (IPP's limit), never empty."""
    flat = " ".join("".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in title).split())
    flat = flat.encode("utf-8")[:_TITLE_MAX].decode("utf-8", "ignore").rstrip()
    return flat or "ordercli document"


def one_line(text: str) -> str:
    """A program's message as one short line: control characters gone, lines joined by `; `."""
    lines = [" ".join("".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in line).split())
             for line in text.splitlines()]
    joined = "; ".join(line for line in lines if line)
    return joined if len(joined) <= _REASON_MAX else joined[:_REASON_MAX - 1] + "…"


def _check_name(printer: str | None) -> None:
    """Refuse a name lp would read as an option, or that carries control characters."""
    if printer is None:
        return
    if not printer:
        raise InvalidData("the printer name is empty (lpstat -p lists the printers)")
    if printer.startswith("-"):
        raise InvalidData(f"the printer name {printer!r} starts with '-' (lpstat -p lists the printers)")
    if any(unicodedata.category(ch).startswith("C") for ch in printer):
        raise InvalidData(f"the printer name {printer!r} contains control characters (lpstat -p lists the printers)")


def _not_found(printer: str | None) -> NotFound:
    if printer is None:
        return NotFound("no default printer is set: name one (lpstat -p lists them)")
    return NotFound(f"no printer named {printer!r} (lpstat -p lists them)")


def _command(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise DeviceUnavailable(_INSTALL[name])
    return path


def _environment() -> dict[str, str]:
    """The caller's environment (CUPS_SERVER, LPDEST...), with lp's messages in English and
    UTF-8 so that its answers can be read."""
    env = dict(os.environ)
    env["LC_ALL"] = "C.UTF-8"
    return env


def _run(argv: list[str], data: bytes, timeout: float, *, doing: str) -> subprocess.CompletedProcess:
    """Run a CUPS command found on PATH (argv[0] stays its bare name, so that its messages
    start `lp: `) with `data` on its stdin."""
    program = _command(argv[0])
    try:
        return subprocess.run(argv, executable=program, input=data, capture_output=True, timeout=timeout,
                              env=_environment())
    except subprocess.TimeoutExpired:
        raise DeviceUnavailable(f"cannot {doing}: the print system did not answer within {timeout:g} s "
                                f"({argv[0]} was stopped)") from None
    except OSError as error:
        raise DeviceUnavailable(f"cannot {doing}: cannot run {program}: {error.strerror or error}") from None


def _reason(done: subprocess.CompletedProcess, program: str) -> str:
    """What the program said on stderr, on one line, without its `lp: Error - ` prefix."""
    text = one_line(done.stderr.decode("utf-8", "replace"))
    for prefix in (f"{program}: error - ", f"{program}: "):
        if text.lower().startswith(prefix):
            text = text[len(prefix):]
            break
    return text or f"{program} exited with status {done.returncode}"


def _raise_unless_running(timeout: float, *, doing: str) -> None:
    """DeviceUnavailable naming the server when the CUPS scheduler does not answer."""
    if shutil.which("lpstat") is None:
        return
    done = _run(["lpstat", "-H", "-r"], b"", timeout, doing=doing)
    lines = done.stdout.decode("utf-8", "replace").splitlines()
    if any(line.strip() == "scheduler is not running" for line in lines):
        server = one_line(lines[0]) if len(lines) > 1 else "its server"
        raise DeviceUnavailable(f"cannot {doing}: the print system (CUPS) at {server} is not running "
                                "or cannot be reached")
