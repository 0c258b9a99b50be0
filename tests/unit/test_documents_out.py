"""Where documents go (`--out`) and how they are written: checked before anything is rendered,
written whole or not at all, never outside the directory they were meant for.

Real files in a temporary directory; a full disk and a read-only file system are real too: a
tiny tmpfs mounted in a mount namespace of a child process (`unshare`), which vanishes with
it, so nothing is left mounted whatever happens. Where that cannot be done here those tests
skip; the failures that a file system cannot be made to produce on cue (an I/O error on the
second file, Ctrl-C between two renames) are injected by replacing one os function.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ordercli.domain.errors import DeviceUnavailable, InvalidData
from ordercli.io.documents_out import DIRECTORY, FILE, STDOUT, destination, safe_name, write_all

PDF_A = b"%PDF-1.4\n" + b"A" * 5000 + b"\n%%EOF\n"
PDF_B = b"%PDF-1.4\n" + b"B" * 7000 + b"\n%%EOF\n"


def names_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- where --out points ------------------------------------------------------------------


def test_an_existing_directory_gets_one_file_per_document_named_by_the_caller(tmp_path):
    dest = destination(str(tmp_path), count=2)
    assert (dest.kind, dest.single_file, dest.path) == (DIRECTORY, False, tmp_path)

    written = write_all(dest, [("INV-2026-000012.pdf", PDF_A), ("INV-2026-000013.pdf", PDF_B)])

    assert written == [tmp_path / "INV-2026-000012.pdf", tmp_path / "INV-2026-000013.pdf"]
    assert (tmp_path / "INV-2026-000012.pdf").read_bytes() == PDF_A
    assert (tmp_path / "INV-2026-000013.pdf").read_bytes() == PDF_B
    assert names_in(tmp_path) == ["INV-2026-000012.pdf", "INV-2026-000013.pdf"]  # no .part, no probe


def test_without_out_documents_go_to_the_default_directory(tmp_path):
    dest = destination(None, count=1, default_dir=tmp_path)
    assert (dest.kind, dest.path) == (DIRECTORY, tmp_path)
    assert write_all(dest, [("PS-7.pdf", PDF_A)]) == [tmp_path / "PS-7.pdf"]


def test_without_out_and_without_a_default_the_working_directory_is_used(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert destination(None, count=1).path == tmp_path


def test_a_path_ending_in_a_slash_is_a_directory_that_must_exist(tmp_path):
    missing = tmp_path / "invoices"
    with pytest.raises(InvalidData) as refused:
        destination(f"{missing}/", count=3)
    assert str(refused.value) == f"--out {missing}/: the directory {missing} does not exist"
    assert not missing.exists()  # not made on a guess

    missing.mkdir()
    assert destination(f"{missing}/", count=3).kind == DIRECTORY


def test_a_file_in_a_directory_that_does_not_exist_is_refused(tmp_path):
    target = tmp_path / "x" / "y.pdf"
    with pytest.raises(InvalidData) as refused:
        destination(str(target), count=1)
    assert str(refused.value) == f"--out {target}: the directory {tmp_path / 'x'} does not exist"


def test_a_relative_file_path_names_its_directory_as_the_user_wrote_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidData) as refused:
        destination("out/y.pdf", count=1)
    assert str(refused.value) == "--out out/y.pdf: the directory out does not exist"
    dest = destination("y.pdf", count=1)
    assert (dest.kind, dest.path) == (FILE, tmp_path / "y.pdf")


def test_a_file_path_takes_all_documents_combined_into_one(tmp_path):
    target = tmp_path / "batch.pdf"
    dest = destination(str(target), count=5)
    assert (dest.kind, dest.single_file, dest.count) == (FILE, True, 5)

    assert write_all(dest, [("ignored-name.pdf", PDF_A)]) == [target]
    assert target.read_bytes() == PDF_A
    assert names_in(tmp_path) == ["batch.pdf"]
    with pytest.raises(ValueError):
        write_all(dest, [("a.pdf", PDF_A), ("b.pdf", PDF_B)])  # the caller must combine them


def test_an_existing_file_is_replaced_and_keeps_its_permissions(tmp_path):
    target = tmp_path / "INV-1.pdf"
    target.write_bytes(b"an older render")
    target.chmod(0o640)
    write_all(destination(str(tmp_path), count=1), [("INV-1.pdf", PDF_A)])
    assert target.read_bytes() == PDF_A
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_a_new_file_gets_the_permissions_the_umask_gives(tmp_path):
    old = os.umask(0o027)
    try:
        [path] = write_all(destination(str(tmp_path), count=1), [("INV-1.pdf", PDF_A)])
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # as open() would make it, not a temp file's 0600


def test_a_file_given_as_a_directory_is_refused(tmp_path):
    afile = tmp_path / "file.pdf"
    afile.write_bytes(PDF_A)
    with pytest.raises(InvalidData) as refused:
        destination(f"{afile}/", count=2)
    assert str(refused.value) == f"--out {afile}/: {afile} is not a directory"
    with pytest.raises(InvalidData) as refused:
        destination(str(afile / "y.pdf"), count=1)
    assert str(refused.value) == f"--out {afile / 'y.pdf'}: {afile} is not a directory"
    assert afile.read_bytes() == PDF_A


def test_a_device_or_a_pipe_is_not_a_file_to_replace(tmp_path):
    with pytest.raises(InvalidData) as refused:
        destination("/dev/null", count=1)
    assert str(refused.value) == "--out /dev/null: not a regular file; give a file or a directory"
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(InvalidData):
        destination(str(fifo), count=1)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_an_empty_out_is_refused():
    with pytest.raises(InvalidData) as refused:
        destination("", count=1)
    assert str(refused.value) == "--out: give a file, a directory, or - for standard output"


def test_messages_name_the_option_the_command_uses(tmp_path):
    with pytest.raises(InvalidData) as refused:
        destination(str(tmp_path / "x" / "y.pdf"), count=1, option="--pdf")
    assert str(refused.value).startswith(f"--pdf {tmp_path / 'x' / 'y.pdf'}: ")


def test_a_newline_in_a_path_does_not_break_the_message_line(tmp_path):
    with pytest.raises(InvalidData) as refused:
        destination(str(tmp_path / "a\nb" / "y.pdf"), count=1)
    assert "\n" not in str(refused.value)
    assert "a?b" in str(refused.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in a directory whatever its mode")
def test_a_directory_without_write_permission_is_unavailable(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        with pytest.raises(DeviceUnavailable) as refused:
            destination(str(locked), count=1)
    finally:
        locked.chmod(0o755)
    assert str(refused.value) == f"--out {locked}: cannot write in {locked}: Permission denied"


# -- standard output ---------------------------------------------------------------------


def test_stdout_gets_the_bytes_as_they_are(capsysbinary):
    dest = destination("-", count=3)
    assert (dest.kind, dest.single_file, dest.path) == (STDOUT, True, None)
    assert write_all(dest, [("combined.pdf", PDF_A)]) == []
    assert capsysbinary.readouterr().out == PDF_A


def test_stdout_that_is_a_terminal_is_refused(monkeypatch):
    leader, follower = os.openpty()
    terminal = open(follower, "w", encoding="utf-8")
    try:
        monkeypatch.setattr(sys, "stdout", terminal)
        with pytest.raises(InvalidData) as refused:
            destination("-", count=1)
    finally:
        monkeypatch.undo()
        terminal.close()
        os.close(leader)
    assert str(refused.value) == "--out -: stdout is a terminal; redirect it to a file or give --out FILE"


def test_a_reader_that_goes_away_is_not_an_error():
    """`ordercli invoice ... --out - | head -c 10`: the pipe closes early, and the command ends
    quietly rather than with a BrokenPipeError traceback."""
    script = textwrap.dedent("""
        from ordercli.io.documents_out import destination, write_all
        write_all(destination("-", count=1), [("x.pdf", b"%PDF-" + b"x" * 4_000_000)])
        print("still here", file=__import__("sys").stderr)
    """)
    reader, writer = os.pipe()
    os.close(reader)  # nobody will read
    try:
        done = subprocess.run([sys.executable, "-c", script], stdout=writer, stderr=subprocess.PIPE, text=True,
                              timeout=60)
    finally:
        os.close(writer)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "still here\n"


# -- names -------------------------------------------------------------------------------


@pytest.mark.parametrize("name, cleaned", [
    ("INV-2026-000012.pdf", "INV-2026-000012.pdf"),
    ("../../etc/passwd", "___.._etc_passwd"),
    ("/etc/passwd", "_etc_passwd"),
    ("..", "__"),
    (".hidden.pdf", "_hidden.pdf"),
    ("a\x00b.pdf", "a_b.pdf"),
    ("a\\b.pdf", "a_b.pdf"),
    ("line\nbreak.pdf", "line_break.pdf"),
    ("  Łódź 注文.pdf ", "Łódź 注文.pdf"),
])
def test_a_name_becomes_a_plain_file_name(name, cleaned):
    assert safe_name(name) == cleaned


def test_a_long_name_is_shortened_before_its_extension():
    cleaned = safe_name("Ł" * 300 + ".pdf")
    assert cleaned.endswith("Ł.pdf")
    assert len(cleaned.encode("utf-8")) <= 255


def test_a_name_with_nothing_left_is_refused():
    with pytest.raises(InvalidData):
        safe_name("   ")


def test_a_name_cannot_escape_the_directory(tmp_path):
    inside = tmp_path / "out"
    inside.mkdir()
    written = write_all(destination(str(inside), count=2), [("../escape.pdf", PDF_A), ("/tmp/abs.pdf", PDF_B)])
    assert [p.parent for p in written] == [inside, inside]
    assert names_in(tmp_path) == ["out"]
    assert names_in(inside) == ["___escape.pdf", "_tmp_abs.pdf"]


def test_two_documents_that_would_share_a_name_are_refused_before_writing(tmp_path):
    with pytest.raises(InvalidData) as refused:
        write_all(destination(str(tmp_path), count=3),
                  [("ok.pdf", PDF_A), ("a/b.pdf", PDF_A), ("a\\b.pdf", PDF_B)])
    assert "a_b.pdf" in str(refused.value)
    assert names_in(tmp_path) == []


def test_a_directory_under_a_documents_name_is_refused_before_writing(tmp_path):
    (tmp_path / "INV-2.pdf").mkdir()
    with pytest.raises(InvalidData) as refused:
        write_all(destination(str(tmp_path), count=2), [("INV-1.pdf", PDF_A), ("INV-2.pdf", PDF_B)])
    assert str(refused.value) == (f"cannot write {tmp_path / 'INV-2.pdf'}: a directory has that name; "
                                  "nothing was written")
    assert names_in(tmp_path) == ["INV-2.pdf"]


def test_a_symbolic_link_under_a_documents_name_is_replaced_not_followed(tmp_path):
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("not yours")
    out = tmp_path / "out"
    out.mkdir()
    (out / "INV-1.pdf").symlink_to(elsewhere)
    write_all(destination(str(out), count=1), [("INV-1.pdf", PDF_A)])
    assert elsewhere.read_text() == "not yours"
    assert not (out / "INV-1.pdf").is_symlink()
    assert (out / "INV-1.pdf").read_bytes() == PDF_A


# -- failures midway ---------------------------------------------------------------------


def test_an_io_error_on_the_second_file_leaves_no_file_of_the_call(tmp_path, monkeypatch):
    (tmp_path / "INV-1.pdf").write_bytes(b"the previous render")
    real_fsync = os.fsync
    calls = []

    def failing_fsync(descriptor):
        calls.append(descriptor)
        if len(calls) == 2:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real_fsync(descriptor)

    dest = destination(str(tmp_path), count=3)
    monkeypatch.setattr(os, "fsync", failing_fsync)
    with pytest.raises(DeviceUnavailable) as failed:
        write_all(dest, [("INV-1.pdf", PDF_A), ("INV-2.pdf", PDF_B), ("INV-3.pdf", PDF_A)])
    assert str(failed.value) == f"cannot write {tmp_path / 'INV-2.pdf'}: Input/output error"
    assert names_in(tmp_path) == ["INV-1.pdf"]  # no .part file, no INV-2 or INV-3
    assert (tmp_path / "INV-1.pdf").read_bytes() == b"the previous render"


def test_ctrl_c_between_two_renames_leaves_complete_files_and_no_temporary_ones(tmp_path, monkeypatch):
    real_replace = os.replace
    calls = []

    def interrupted_replace(source, target):
        calls.append(target)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real_replace(source, target)

    dest = destination(str(tmp_path), count=3)
    monkeypatch.setattr(os, "replace", interrupted_replace)
    with pytest.raises(KeyboardInterrupt):
        write_all(dest, [("INV-1.pdf", PDF_A), ("INV-2.pdf", PDF_B), ("INV-3.pdf", PDF_A)])
    assert names_in(tmp_path) == ["INV-1.pdf"]
    assert (tmp_path / "INV-1.pdf").read_bytes() == PDF_A


def test_ctrl_c_while_writing_leaves_nothing(tmp_path, monkeypatch):
    real_fsync = os.fsync

    def interrupted(descriptor):
        raise KeyboardInterrupt

    dest = destination(str(tmp_path / "one.pdf"), count=1)
    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_all(dest, [("one.pdf", PDF_A)])
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert names_in(tmp_path) == []


# -- a real full disk and a real read-only file system -----------------------------------


_CHILD = textwrap.dedent("""
    import json, os, sys
    from pathlib import Path
    from ordercli.domain.errors import OrderCliError
    from ordercli.io.documents_out import destination, write_all

    folder = Path(sys.argv[1])
    plan = json.loads(sys.argv[2])
    for name, size in plan.get("fill", []):
        with open(folder / name, "wb") as stream:
            try:
                stream.write(b"f" * size)
            except OSError:
                pass
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    outcome = {}
    try:
        dest = destination(str(folder), count=len(plan["documents"]))
        outcome["stage"] = "write"
        write_all(dest, [(name, b"%PDF-" + name.encode() * (size // len(name))) for name, size in plan["documents"]])
    except OrderCliError as error:
        outcome.update(error=type(error).__name__, message=str(error))
    outcome["names"] = sorted(p.name for p in folder.iterdir())
    outcome["unchanged"] = sorted(n for n, data in before.items()
                                  if (folder / n).exists() and (folder / n).read_bytes() == data)
    print(json.dumps(outcome))
""")


def run_on_a_small_filesystem(tmp_path: Path, plan: dict, *, size_kib: int = 64, readonly: bool = False) -> dict:
    """Run `_CHILD` in a mount namespace of its own where `tmp_path/mnt` is a fresh tmpfs of
    `size_kib` KiB (read-only if asked). Skips the test when this machine cannot do that."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("needs unshare (util-linux) to mount a small file system privately")
    mount_point = tmp_path / "mnt"
    mount_point.mkdir()
    namespace = ["--mount", "--propagation", "private"]
    if os.geteuid() != 0:
        namespace = ["--map-root-user", *namespace]
    options = f"size={size_kib}k" + (",ro" if readonly else "")
    shell = 'mount -t tmpfs -o "$1" ordercli-test "$2" || exit 97; shift 2; exec "$@"'
    done = subprocess.run([unshare, *namespace, "sh", "-c", shell, "sh", options, str(mount_point),
                           sys.executable, "-c", _CHILD, str(mount_point), json.dumps(plan)],
                          capture_output=True, text=True, timeout=120)
    if done.returncode == 97 or (done.returncode != 0 and "unshare" in done.stderr):
        pytest.skip(f"cannot mount a private tmpfs here: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_disk_that_fills_up_midway_leaves_no_partial_file(tmp_path):
    outcome = run_on_a_small_filesystem(tmp_path, {
        "fill": [["INV-1.pdf", 1000]],
        "documents": [["INV-1.pdf", 30_000], ["INV-2.pdf", 30_000], ["INV-3.pdf", 30_000]],
    })
    assert outcome["stage"] == "write"
    assert outcome["error"] == "DeviceUnavailable"
    assert outcome["message"].endswith(": No space left on device")
    assert "\n" not in outcome["message"]
    assert outcome["names"] == ["INV-1.pdf"]  # no .part file, no INV-2 or INV-3
    assert outcome["unchanged"] == ["INV-1.pdf"]  # the old render is still whole


def test_a_full_disk_is_found_before_anything_is_rendered(tmp_path):
    outcome = run_on_a_small_filesystem(tmp_path, {"fill": [["filler", 200_000]], "documents": [["INV-1.pdf", 10]]})
    assert "stage" not in outcome
    assert outcome["error"] == "DeviceUnavailable"
    assert outcome["message"].endswith(": No space left on device")
    assert outcome["names"] == ["filler"]


def test_a_read_only_file_system_is_found_before_anything_is_rendered(tmp_path):
    outcome = run_on_a_small_filesystem(tmp_path, {"documents": [["INV-1.pdf", 10]]}, readonly=True)
    assert "stage" not in outcome
    assert outcome["error"] == "DeviceUnavailable"
    mount_point = tmp_path / "mnt"
    assert outcome["message"] == f"--out {mount_point}: cannot write in {mount_point}: Read-only file system"
    assert outcome["names"] == []
