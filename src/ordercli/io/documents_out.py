"""Where rendered documents (invoices, packing slips, labels, pick lists) go, and writing them
there without ever leaving a half-written PDF under a real name.

A command first asks `destination()` where `--out` points, before it renders or issues
anything, so a typo in a path or a read-only disk is found while nothing has happened yet.
Then it renders and hands the bytes to `write_all()`.

`--out` means:
- `-`: standard output, as bytes (refused when stdout is a terminal: PDF bytes would garble it);
- an existing directory, or a path ending in `/` (which must exist): one file per document in it,
  named by the caller (`INV-2026-000012.pdf`);
- anything else: one file at that path; all documents of the call go into it (the caller
  combines them into one PDF).
- no `--out` at all: one file per document in `default_dir` (the working directory).
"""

from __future__ import annotations

import errno
import os
import stat
import sys
import tempfile
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ordercli.domain.errors import DeviceUnavailable, InvalidData

STDOUT = "stdout"
DIRECTORY = "directory"
FILE = "file"

# Longest file name most Linux and macOS file systems take, in bytes (NAME_MAX).
_NAME_MAX = 255


@dataclass(frozen=True)
class Destination:
    """Where the documents of one call go. `kind` is STDOUT, DIRECTORY or FILE; `path` is the
    directory or the file (absolute), None for stdout; `count` is how many documents the
    caller said it would write; `shown` is how messages name it."""

    kind: str
    path: Path | None
    count: int
    shown: str

    @property
    def single_file(self) -> bool:
        """True when every document of the call must be combined into one PDF by the caller
        (a file path or stdout); False when each document gets a file of its own."""
        return self.kind != DIRECTORY

    @property
    def to_stdout(self) -> bool:
        return self.kind == STDOUT


def destination(out: str | None, *, count: int, default_dir: Path | None = None,
                option: str = "--out") -> Destination:
    """Check where `out` points and that it can be written, before anything is rendered.

    Raises InvalidData for what the user got wrong (a directory that does not exist, a file
    where a directory is needed, stdout that is a terminal) and DeviceUnavailable for a place
    that cannot be written (permissions, a read-only file system, a full disk): each with one
    line naming the path and the system's reason. `default_dir` (the working directory when
    None) is used when `out` is None; `option` is how messages name the option.
    """
    if count < 0:
        raise ValueError(f"count must not be negative: {count}")
    if out is None:
        folder = Path(default_dir) if default_dir is not None else Path.cwd()
        _check_directory(folder, _shown(str(folder)), prefix="")
        return Destination(DIRECTORY, folder.absolute(), count, _shown(str(folder)))
    prefix = f"{option} {_shown(out)}: "
    if out == "":
        raise InvalidData(f"{option}: give a file, a directory, or - for standard output")
    if out == "-":
        if _is_terminal(sys.stdout):
            raise InvalidData(f"{option} -: stdout is a terminal; redirect it to a file or give {option} FILE")
        return Destination(STDOUT, None, count, "standard output")
    path = Path(out)
    if out.endswith(("/", os.sep)) or path.is_dir():
        _check_directory(path, _shown(out.rstrip("/" + os.sep) or out), prefix=prefix)
        return Destination(DIRECTORY, path.absolute(), count, _shown(out))
    parent_text = os.path.dirname(out) or "."
    parent = Path(parent_text)
    if os.path.lexists(path):
        mode = os.lstat(path).st_mode
        if not stat.S_ISLNK(mode) and not stat.S_ISREG(mode):
            raise InvalidData(f"{prefix}not a regular file; give a file or a directory")
        if stat.S_ISLNK(mode) and os.path.exists(path) and not path.is_file():
            raise InvalidData(f"{prefix}a link to something that is not a regular file; give a file or a directory")
    _check_directory(parent, _shown(parent_text), prefix=prefix)
    return Destination(FILE, path.absolute(), count, _shown(out))


def _check_directory(folder: Path, shown: str, *, prefix: str) -> None:
    """A directory that exists and that we can create a file in, proved by making one (and
    writing a few bytes to it, so that a full disk shows too)."""
    try:
        info = os.stat(folder)
    except FileNotFoundError:
        raise InvalidData(f"{prefix}the directory {shown} does not exist") from None
    except NotADirectoryError:
        raise InvalidData(f"{prefix}{shown} is not a directory") from None
    except OSError as error:
        raise DeviceUnavailable(f"{prefix}cannot use the directory {shown}: {_reason(error)}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise InvalidData(f"{prefix}{shown} is not a directory")
    # Only a real file proves it: access() trusts the mode bits, says yes to root whatever
    # they are, knows nothing of a full disk, and says no without saying why.
    probe = None
    try:
        descriptor, probe = tempfile.mkstemp(dir=folder, prefix=".", suffix=".probe")
        try:
            os.write(descriptor, b"%PDF-")
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    except OSError as error:
        raise DeviceUnavailable(f"{prefix}cannot write in {shown}: {_reason(error)}") from None
    finally:
        if probe is not None:
            _remove_quietly(probe)


def safe_name(name: str) -> str:
    """`name` as the name of a file inside the destination directory, never outside it.

    Names are replaced rather than refused: each `/`, `\\`, NUL or other control character
    becomes `_`, each leading `.` becomes `_` (so neither `..` nor a hidden file can result),
    surrounding spaces go, and a name longer than 255 bytes is shortened before its extension.
    A name with nothing left is refused (InvalidData).
    """
    cleaned = "".join("_" if ch in "/\\" or unicodedata.category(ch) == "Cc" else ch for ch in name).strip()
    dots = len(cleaned) - len(cleaned.lstrip("."))
    cleaned = "_" * dots + cleaned[dots:]
    if not cleaned:
        raise InvalidData("a document has no file name")
    if len(cleaned.encode("utf-8", "surrogatepass")) > _NAME_MAX:
        stem, dot, suffix = cleaned.rpartition(".")
        if not dot or len(suffix) > 16:
            stem, suffix = cleaned, ""
        tail = f".{suffix}" if suffix else ""
        room = _NAME_MAX - len(tail.encode("utf-8", "surrogatepass"))
        stem = stem.encode("utf-8", "surrogatepass")[:room].decode("utf-8", "ignore")
        cleaned = stem + tail
    return cleaned


def write_all(dest: Destination, items: Sequence[tuple[str, bytes]]) -> list[Path]:
    """Write each (name, PDF bytes) to `dest` and return the paths written (none for stdout).

    To a directory, each document goes to `safe_name(name)` inside it; to a file or stdout,
    exactly one item (the combined document) is expected and its name is not used. A file
    already at a final name is replaced (the same document renders to the same bytes); a
    symbolic link there is replaced by the file, never written through.

    Every file is first written in full to a hidden temporary file beside it (`.xxxx.part`),
    flushed and fsynced; only when all of them are written are they renamed into place, and
    the directory is synced. So a failure while writing (a full disk, an I/O error, Ctrl-C)
    leaves no file of the call under a final name and no temporary file. Only a failure
    between two renames (rare: both are in the same directory) leaves the documents renamed
    before it in place; they are complete. OSErrors come out as DeviceUnavailable naming the
    file and the system's reason.
    """
    if dest.kind == STDOUT:
        _single(dest, items)
        if items:
            _write_stdout(items[0][1])
        return []
    if dest.kind == FILE:
        _single(dest, items)
        targets = [(dest.path, items[0][1])] if items else []
    else:
        targets = _targets_in(dest.path, items)
    for final, _ in targets:
        _check_replaceable(final)
    return _write_files(targets)


def _single(dest: Destination, items: Sequence[tuple[str, bytes]]) -> None:
    if len(items) > 1:
        raise ValueError(f"{dest.shown} takes one combined document, not {len(items)}")


def _targets_in(folder: Path, items: Sequence[tuple[str, bytes]]) -> list[tuple[Path, bytes]]:
    """Each item's final path in `folder`; two documents that would share a name are refused
    before anything is written, since one would silently replace the other."""
    seen: dict[str, str] = {}
    targets: list[tuple[Path, bytes]] = []
    for name, data in items:
        cleaned = safe_name(name)
        if cleaned in seen:
            raise InvalidData(f"two documents would both be written as {_shown(cleaned)}"
                              f" ({_shown(seen[cleaned])} and {_shown(name)}); nothing was written")
        seen[cleaned] = name
        targets.append((folder / cleaned, data))
    return targets


def _check_replaceable(final: Path) -> None:
    try:
        mode = os.lstat(final).st_mode
    except FileNotFoundError:
        return
    except OSError as error:
        raise DeviceUnavailable(f"cannot write {_shown(str(final))}: {_reason(error)}") from None
    if stat.S_ISDIR(mode):
        raise InvalidData(f"cannot write {_shown(str(final))}: a directory has that name; nothing was written")
    if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
        raise InvalidData(f"cannot write {_shown(str(final))}: something that is not a regular file has that name;"
                          " nothing was written")


def _write_files(targets: list[tuple[Path, bytes]]) -> list[Path]:
    pending: list[tuple[str, Path]] = []  # temporary file, final path: not yet renamed
    written: list[Path] = []
    current = None
    new_mode = 0o666 & ~_umask()
    try:
        for final, data in targets:
            current = final
            mode = _existing_mode(final, new_mode)
            with tempfile.NamedTemporaryFile(delete=False, dir=final.parent, prefix=".", suffix=".part") as part:
                pending.append((part.name, final))
                os.fchmod(part.fileno(), mode)
                part.write(data)
                part.flush()
                os.fsync(part.fileno())
        folders = []
        while pending:
            temporary, final = pending[0]
            current = final
            os.replace(temporary, final)
            pending.pop(0)
            written.append(final)
            if final.parent not in folders:
                folders.append(final.parent)
        for folder in folders:
            current = folder
            _sync_directory(folder)
    except OSError as error:
        raise DeviceUnavailable(f"cannot write {_shown(str(current))}: {_reason(error)}") from None
    finally:
        for temporary, _ in pending:
            _remove_quietly(temporary)
    return written


@contextmanager
def replacing(dest: Destination) -> Iterator[BinaryIO]:
    """A stream for one file at `dest` (a FILE, or stdout), written as it is produced (an export
    of millions of rows is never held in memory). A file is written under a temporary name in
    its directory and renamed into place only when the block ends without an error, so a reader
    never sees half a file and a failed or killed run leaves the previous file as it was; a new
    file gets the permissions the umask gives, a replaced one keeps its own."""
    if dest.kind == STDOUT:
        sys.stdout.flush()
        try:
            yield sys.stdout.buffer
            sys.stdout.buffer.flush()
        except BrokenPipeError:
            _silence_stdout()
        return
    if dest.kind != FILE:
        raise ValueError("replacing writes one file or stdout")
    final = dest.path
    _check_replaceable(final)
    temporary = None
    try:
        with tempfile.NamedTemporaryFile(delete=False, dir=final.parent, prefix=".", suffix=".part") as part:
            temporary = part.name
            os.fchmod(part.fileno(), _existing_mode(final, 0o666 & ~_umask()))
            yield part
            part.flush()
            os.fsync(part.fileno())
        os.replace(temporary, final)
        temporary = None
        _sync_directory(final.parent)
    except OSError as error:
        raise DeviceUnavailable(f"cannot write {_shown(str(final))}: {_reason(error)}") from None
    finally:
        if temporary is not None:
            _remove_quietly(temporary)


def _existing_mode(final: Path, default: int) -> int:
    """A replaced file keeps its permissions (never set-user-id, set-group-id or sticky); a new
    one, or a link put aside, gets what open() would give it."""
    try:
        info = os.lstat(final)
    except OSError:
        return default
    return stat.S_IMODE(info.st_mode) & 0o777 if stat.S_ISREG(info.st_mode) else default


def _umask() -> int:
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def _sync_directory(folder: Path) -> None:
    """Make the renames themselves durable, not only the files' content."""
    descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(descriptor)
    except OSError as error:
        if error.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):  # file systems that cannot
            raise
    finally:
        os.close(descriptor)


def _write_stdout(data: bytes) -> None:
    """Bytes to standard output; a reader that went away (`| head`) is not an error."""
    sys.stdout.flush()  # text already written keeps its place before the bytes
    stream = sys.stdout.buffer
    try:
        stream.write(data)
        stream.flush()
    except BrokenPipeError:
        _silence_stdout()
    except OSError as error:
        raise DeviceUnavailable(f"cannot write to standard output: {_reason(error)}") from None


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that Python's own flush at exit does not fail again on the
    closed pipe (the recipe in Python's documentation of SIGPIPE)."""
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, descriptor)
    finally:
        os.close(null)


def _is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _reason(error: OSError) -> str:
    """The system's one-line reason (`No space left on device`), never a traceback."""
    if error.strerror:
        return error.strerror
    return os.strerror(error.errno) if error.errno else str(error)


def _shown(text: str) -> str:
    """A path as one line of a message: control characters (a newline in a name) shown as `?`."""
    return "".join("?" if unicodedata.category(ch) == "Cc" else ch for ch in text)
