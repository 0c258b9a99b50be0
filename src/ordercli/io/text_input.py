"""Files and stdin handed to ordercli: read strictly as UTF-8, a byte order mark forgiven.

Every command that reads a file takes '-' for stdin, and both are read the same way: as
bytes decoded strictly (stdin's own text layer would smuggle undecodable bytes in as lone
surrogates), with a leading UTF-8 byte order mark skipped (spreadsheets on Windows write one).
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from ordercli.domain.errors import InvalidData

STDIN = "-"


@contextmanager
def open_text(path: str | Path) -> Iterator[TextIO]:
    """A file, or stdin for '-', as a text stream; line ends are left as written (as the csv
    module needs). Unreadable, or bytes that are not UTF-8 while it is read: InvalidData."""
    from_stdin = str(path) == STDIN
    if from_stdin and sys.stdin is None:  # the process was started with stdin closed (`<&-`)
        raise InvalidData("stdin is closed: give the input on stdin, or a file")
    raw = getattr(sys.stdin, "buffer", None) if from_stdin else None
    if raw is not None:
        stream = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict", newline="")
    elif from_stdin:
        stream = sys.stdin  # replaced by a text-only stream (an embedding program): already text
    else:
        try:
            stream = open(path, encoding="utf-8-sig", errors="strict", newline="")
        except OSError as error:
            raise InvalidData(f"cannot read {path}: {error.strerror}") from None
    try:
        yield stream
    except UnicodeDecodeError:
        raise InvalidData(f"{'stdin' if from_stdin else path} is not UTF-8 text") from None
    finally:
        if raw is not None:
            stream.detach()  # stdin's buffer stays open for whoever owns it
        elif not from_stdin:
            stream.close()


def read_text(path: str | Path) -> str:
    """The whole text of a file, or of stdin for '-' (see `open_text`)."""
    with open_text(path) as stream:
        return stream.read()
