"""Every shell example in README.md and docs/*.md runs as written, and the example scripts too.

What counts as an example: a fenced block whose language is `bash`, `sh`, `shell` or `console`.
In `bash`/`sh`/`shell` blocks every line is a command (a line ending in `\\` goes on on the next
line, a here-document runs to its end marker; an `if` or a loop goes on one line); lines that
are only a comment are skipped. In `console` blocks a command starts with `$ `, and the lines
after it that do not are what it prints: each must be a line it printed (stdout or stderr), so
shown output cannot drift.

Each page runs in one bash process (`set -o pipefail`), its commands in order, on a new
database: ORDERCLI_DB names a file that does not exist yet, the installed `ordercli` is first
on PATH, HOME and TMPDIR are the test's own. The working directory is a new folder with a link
to every entry of the repository root, so `examples/order.json` is found as it is from a
checkout, while whatever an example writes (`> november.csv`) stays out of the checkout.

A command must exit 0, unless a comment on it says what it shows: `# ... (exit 4)`.

A block that cannot run here (it installs software, needs a PostgreSQL server, a printer or
cron) is marked on the line before its fence with `<!-- not run: REASON -->`. Each such block
is reported as a skipped test with its reason and place, so `pytest -ra` lists and counts them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.helpers import ROOT

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL_LANGUAGES = {"bash", "sh", "shell", "console"}
NOT_RUN = re.compile(r"^<!--\s*not run:\s*(.*?)\s*-->$")
FENCE = re.compile(r"^( *)(```+|~~~+)\s*([\w+-]*)")  # indented inside a list item too
EXPECTED_EXIT = re.compile(r"\(exit (\d+)\)")
HEREDOC = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")
BIN = Path(sys.executable).parent  # where `pip install` put the ordercli script


@dataclass
class Command:
    text: str
    line: int  # in the page, 1-based
    expected: int
    shown: list[str] = field(default_factory=list)  # console blocks: the output shown under it


@dataclass
class Block:
    page: Path
    line: int  # of the opening fence
    language: str
    lines: list[str]
    not_run: str | None  # the reason, when marked

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks_of(page: Path) -> list[Block]:
    """The fenced blocks of a page in a shell language, each with its not-run mark if any."""
    found, lines = [], page.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        indent, fence, language = opening.group(1), opening.group(2), opening.group(3).lower()
        end = i + 1
        while end < len(lines) and not lines[end].lstrip(" ").startswith(fence):
            end += 1
        if language in SHELL_LANGUAGES:
            before = next((lines[j].strip() for j in range(i - 1, -1, -1) if lines[j].strip()), "")
            mark = NOT_RUN.match(before)
            body = [line[len(indent):] if line.startswith(indent) else line.lstrip(" ") for line in lines[i + 1:end]]
            found.append(Block(page, i + 1, language, body, mark.group(1) if mark else None))
        i = end + 1
    return found


def commands_of(block: Block) -> list[Command]:
    """The commands of a block, in order, as the shell will read them."""
    console = block.language == "console"
    commands: list[Command] = []
    lines = block.lines
    i = 0
    while i < len(lines):
        raw = lines[i]
        if console and not raw.startswith("$ "):
            if commands and raw.strip():
                commands[-1].shown.append(raw.rstrip())
            i += 1
            continue
        text = raw[2:] if console else raw
        if not text.strip() or text.lstrip().startswith("#"):
            i += 1
            continue
        start, parts = i, [text]
        while parts[-1].endswith("\\") and i + 1 < len(lines):
            i += 1
            parts.append(lines[i])
        head = " ".join(parts)  # the command without a here-document's body: where its comment is
        heredoc = HEREDOC.search(head)
        if heredoc:
            marker = heredoc.group(2)
            while i + 1 < len(lines):
                i += 1
                parts.append(lines[i])
                if lines[i].strip() == marker:
                    break
        expected = EXPECTED_EXIT.search(head.split(" #", 1)[1]) if " #" in head else None
        commands.append(Command("\n".join(parts), block.line + 1 + start, int(expected.group(1)) if expected else 0))
        i += 1
    return commands


ALL_BLOCKS = [block for page in PAGES for block in blocks_of(page)]
RUN_PAGES = [page for page in PAGES if any(b.not_run is None and commands_of(b) for b in blocks_of(page))]
NOT_RUN_BLOCKS = [block for block in ALL_BLOCKS if block.not_run is not None]


def workspace(tmp_path: Path) -> tuple[Path, dict]:
    """A folder that looks like the repository root, and a small environment of its own."""
    work = tmp_path / "work"
    work.mkdir()
    for entry in ROOT.iterdir():
        if entry.name != ".git":
            (work / entry.name).symlink_to(entry)
    for folder in ("home", "tmp"):
        (tmp_path / folder).mkdir()
    env = {
        "PATH": f"{BIN}{os.pathsep}/usr/local/bin{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": str(tmp_path / "home"), "TMPDIR": str(tmp_path / "tmp"), "LANG": "C.UTF-8",
        "NO_COLOR": "1", "ORDERCLI_DB": str(tmp_path / "orders.db"),
    }
    return work, env


def run_page(page: Path, tmp_path: Path) -> list[str]:
    """Run the page's commands in one shell; every way a command differs from what the page says."""
    work, env = workspace(tmp_path)
    results = tmp_path / "results"
    results.mkdir()
    commands = [c for b in blocks_of(page) if b.not_run is None for c in commands_of(b)]
    script = ["set -o pipefail", f"exec 3>{results}/codes"]
    for n, command in enumerate(commands):
        script += [f"# {page.name}:{command.line}", "{", command.text, f"}} >{results}/{n}.out 2>{results}/{n}.err",
                   f'echo "{n} $?" >&3']
    proc = subprocess.run(["bash", "-c", "\n".join(script)], cwd=work, env=env, capture_output=True, text=True,
                          timeout=600)
    codes = dict(line.split() for line in (results / "codes").read_text().splitlines())
    problems = []
    for n, command in enumerate(commands):
        where = f"{page.relative_to(ROOT)}:{command.line}: {command.text.splitlines()[0]}"
        if str(n) not in codes:
            problems.append(f"{where}\n  no exit code: the shell stopped here or before (stderr: {proc.stderr.strip()!r})")
            break
        out = (results / f"{n}.out").read_text(errors="replace")
        err = (results / f"{n}.err").read_text(errors="replace")
        code = int(codes[str(n)])
        if code != command.expected:
            problems.append(f"{where}\n  exit {code}, the page says {command.expected}\n"
                            f"  stdout: {out[-1500:]!r}\n  stderr: {err[-1500:]!r}")
        printed = {line.rstrip() for line in (out + err).splitlines()}
        missing = [line for line in command.shown if line not in printed]
        if missing:
            problems.append(f"{where}\n  the page shows {missing!r}, which it did not print\n"
                            f"  stdout: {out[-1500:]!r}\n  stderr: {err[-1500:]!r}")
    return problems


@pytest.mark.parametrize("page", RUN_PAGES, ids=[str(p.relative_to(ROOT)) for p in RUN_PAGES])
def test_every_example_on_the_page_runs_as_written(page, tmp_path):
    problems = run_page(page, tmp_path)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("block", NOT_RUN_BLOCKS, ids=[b.where for b in NOT_RUN_BLOCKS])
def test_a_block_marked_not_run_says_why(block):
    assert len(block.not_run) >= 10, f"{block.where}: say why it cannot run: <!-- not run: REASON -->"
    pytest.skip(f"not run: {block.not_run} ({block.where})")


def test_every_not_run_mark_stands_before_a_shell_block():
    """A mark anywhere else (a typo in the language, a blank fence) would silently run nothing."""
    for page in PAGES:
        lines = page.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if NOT_RUN.match(line.strip()):
                after = next((lines[j] for j in range(i + 1, len(lines)) if lines[j].strip()), "")
                fence = FENCE.match(after)
                assert fence and fence.group(3).lower() in SHELL_LANGUAGES, \
                    f"{page.relative_to(ROOT)}:{i + 1}: a not-run mark must stand right before a ```bash block"


def test_the_reader_of_this_file_parses_what_the_pages_use():
    """Continuation lines, here-documents, console prompts, shown output and expected exit codes."""
    block = Block(ROOT / "README.md", 1, "console", [
        "$ ordercli create --name A \\", "    --line X:1  # made (exit 0)", "1",
        "$ python - <<'EOF'", "print(1)", "EOF", "$ ordercli show 9  # no such order (exit 3)",
    ], None)
    commands = commands_of(block)
    assert [c.text.splitlines()[0] for c in commands] == ["ordercli create --name A \\", "python - <<'EOF'",
                                                         "ordercli show 9  # no such order (exit 3)"]
    assert [c.expected for c in commands] == [0, 0, 3]
    assert commands[0].shown == ["1"] and commands[1].text.endswith("EOF")
    assert [c.line for c in commands] == [2, 5, 8]


def test_a_page_that_says_something_else_fails(tmp_path, monkeypatch):
    """The runner reports a wrong exit code, output the page shows but the command did not
    print, and a shell that stopped early."""
    page = tmp_path / "page.md"
    page.write_text("```console\n$ echo one\none\n$ echo two\nthree\n```\n\n```bash\nfalse\n"
                    "false  # refused (exit 1)\nexit 3\necho never\n```\n", encoding="utf-8")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    (tmp_path / "run").mkdir()
    problems = run_page(page, tmp_path / "run")
    assert len(problems) == 3, problems
    assert problems[0].startswith("page.md:4: echo two\n  the page shows ['three']")
    assert problems[1].startswith("page.md:9: false\n  exit 1, the page says 0")
    assert problems[2].startswith("page.md:11: exit 3\n  no exit code: the shell stopped here or before")


def test_the_examples_are_found():
    """A change in how pages are read must not quietly leave the examples unrun."""
    readme = [c for b in blocks_of(ROOT / "README.md") if b.not_run is None for c in commands_of(b)]
    assert any("create --from-file examples/order.json" in c.text for c in readme)
    assert len([p for p in RUN_PAGES if p.parent.name == "docs"]) >= 4


# -- the example files and scripts, and what the pages say about the code ---------------------


def script_env(tmp_path: Path, **extra: str) -> dict:
    (tmp_path / "tmp").mkdir(exist_ok=True)
    return {"PATH": f"{BIN}{os.pathsep}/usr/bin{os.pathsep}/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8",
            "TMPDIR": str(tmp_path / "tmp"), "NO_COLOR": "1", **extra}


def ordercli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["ordercli", *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_the_order_json_example_needs_nothing_else(tmp_path):
    """`create --from-file examples/order.json` as the very first command on a new database."""
    env = script_env(tmp_path, ORDERCLI_DB=str(tmp_path / "new.db"))
    created = ordercli(env, "create", "--from-file", "examples/order.json")
    assert created.returncode == 0, created.stderr
    assert created.stdout == "1\n"
    import json

    order = json.loads(ordercli(env, "show", "1", "--json").stdout)
    assert [(line["sku"], line["kind"], line["quantity"]) for line in order["lines"]] == [
        ("GIFTBOX", "service", 8), ("ENGRAVING", "service", 1)]
    assert order["customer"]["name"] == "Paul Henriot" and order["channel_ref"] == "WEB-10248"


def test_the_quick_start_walkthrough_runs(tmp_path):
    """The quick start's first command, less the install: the walkthrough on the installed ordercli."""
    work, env = workspace(tmp_path)
    before = set(work.iterdir())
    outcome = subprocess.run(["bash", "examples/walkthrough.sh"], env=env, cwd=work, capture_output=True, text=True,
                             timeout=600)
    assert outcome.returncode == 0, outcome.stdout[-3000:] + outcome.stderr[-3000:]
    # examples/order.json's gift boxes are the catalogue's product here: promised from stock
    assert "line 1 GIFTBOX x8: promised 5 at main; 3 wait for stock (backordered)" in outcome.stderr
    assert "every stock counter equals its ledger" in outcome.stdout + outcome.stderr
    assert set(work.iterdir()) == before, "the walkthrough wrote into the folder it was run from"
    assert (tmp_path / "ready.csv").exists()  # beside its database (ORDERCLI_DB), where it says


def test_batch_status_moves_what_can_move_and_logs_a_line_per_order(tmp_path):
    env = script_env(tmp_path, ORDERCLI_DB=str(tmp_path / "orders.db"))
    for name, email in [("Maria Anders", "maria@example.com"), ("Paul Henriot", "paul@example.fr")]:
        made = ordercli(env, "create", "--name", name, "--email", email, "--address", "Obere Str. 57",
                        "--city", "Berlin", "--country", "DE", "--line", "SETUP:1@120.00:Installation")
        assert made.returncode == 0, made.stderr
    assert ordercli(env, "verify", "1", "--by", "anna").returncode == 0
    logs = tmp_path / "logs"
    logs.mkdir()

    def batch(payments: str = "examples/payments.csv") -> subprocess.CompletedProcess:
        return subprocess.run(["bash", "examples/batch-status.sh", payments, str(logs)], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=120)

    first = batch()
    assert first.returncode == 4, first  # order 2 is not verified: listed, order 1 moves
    assert "order 2" in first.stderr and "not verified" in first.stderr
    assert ordercli(env, "list", "--status", "ready_to_ship", "--ids").stdout == "1\n"
    import json

    (log,) = logs.glob("ready-*.jsonl")
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(entry["number"], entry["ok"], entry["changed"]) for entry in lines] == [(1, True, True), (2, False, False)]

    assert ordercli(env, "verify", "2", "--by", "anna").returncode == 0
    again = batch()
    assert again.returncode == 0, again.stderr
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(entry["number"], entry["ok"], entry["changed"]) for entry in lines[2:]] == [(1, True, False), (2, True, True)]

    header_only = tmp_path / "empty.csv"
    header_only.write_text("order,amount,currency,paid_at,payment_ref\n")
    quiet_day = batch(str(header_only))
    assert quiet_day.returncode == 0 and "nothing to do" in quiet_day.stderr
    assert len(log.read_text().splitlines()) == 4


# The example paths of docs/cron.md's crontab, and what the test uses instead.
def _crontab(tmp_path: Path) -> tuple[dict, list[str]]:
    """The variables and the commands of the crontab in docs/cron.md, with the test's paths."""
    page = (ROOT / "docs" / "cron.md").read_text(encoding="utf-8")
    block = re.search(r"^```crontab\n(.*?)^```", page, re.MULTILINE | re.DOTALL).group(1)
    places = {"/home/ops/.local/bin": str(BIN), "/srv/orders/orders.db": str(tmp_path / "orders.db"),
              "/opt/ordercli": str(ROOT), "/srv/exports": str(tmp_path / "exports"),
              "/var/log/ordercli": str(tmp_path / "log")}
    variables, commands = {}, []
    for line in block.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        for example, real in places.items():
            line = line.replace(example, real)
        assignment = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$", line)
        if assignment:
            variables[assignment.group(1)] = assignment.group(2)
            continue
        command = line.split(None, 5)[5]
        assert "%" not in command, f"cron reads % in a command as a line break: {line}"
        commands.append(command)
    return variables, commands


def _as_cron_runs(command: str, variables: dict, tmp_path: Path) -> subprocess.CompletedProcess:
    """A crontab command in cron's environment: /bin/sh, in HOME, with only what cron sets."""
    env = {"HOME": str(tmp_path), "LOGNAME": "ops", "SHELL": "/bin/sh", "PATH": "/usr/bin:/bin", **variables}
    return subprocess.run(["/bin/sh", "-c", command], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)


def test_the_crontab_in_the_docs_works_in_crons_environment(tmp_path):
    variables, commands = _crontab(tmp_path)
    assert len(commands) == 2 and "PATH" in variables and "ORDERCLI_DB" in variables
    (tmp_path / "exports").mkdir()
    (tmp_path / "log").mkdir()
    env = script_env(tmp_path, ORDERCLI_DB=str(tmp_path / "orders.db"))
    assert ordercli(env, "create", "--from-file", "examples/order.json").returncode == 0
    for command in commands:
        outcome = _as_cron_runs(command, variables, tmp_path)
        assert outcome.returncode == 0, (command, outcome.stdout, outcome.stderr)
        assert outcome.stdout == "" and outcome.stderr == "", (command, outcome)  # nothing for cron to mail
    import json

    (run,) = [json.loads(line) for line in (tmp_path / "log" / "expire.jsonl").read_text().splitlines()]
    assert run["abandoned"] == [] and run["dry_run"] is False
    (export,) = (tmp_path / "exports").glob("orders-*.csv")
    header, *rows = export.read_text().splitlines()
    assert header.startswith("order,channel,channel_ref,status") and len(rows) == 2  # the order's two lines
    assert not list((tmp_path / "exports").glob(".*")), "the temporary file was left behind"
    # the next night: only what changed since
    assert ordercli(env, "verify", "1", "--by", "anna").returncode == 0
    import time

    time.sleep(1.1)  # the file is named by the second
    assert _as_cron_runs(commands[1], variables, tmp_path).returncode == 0
    newest = sorted((tmp_path / "exports").glob("orders-*.csv"))[-1]
    assert newest != export and len(newest.read_text().splitlines()) == 3


def test_without_the_crontabs_path_the_export_says_what_to_do(tmp_path):
    variables, commands = _crontab(tmp_path)
    (tmp_path / "exports").mkdir()
    del variables["PATH"]
    outcome = _as_cron_runs(commands[1].replace("ORDERCLI=", "NOT_ORDERCLI="), variables, tmp_path)
    assert outcome.returncode == 127
    assert outcome.stderr == ("nightly-export.sh: ordercli is not on PATH (/usr/bin:/bin): set ORDERCLI to its "
                              "absolute path in the crontab (see docs/cron.md)\n")
    assert list((tmp_path / "exports").iterdir()) == []


def test_the_transition_table_in_the_docs_is_the_codes():
    from ordercli.domain.statuses import TRANSITIONS, Status, Trigger

    page = (ROOT / "docs" / "statuses.md").read_text(encoding="utf-8")
    table = page[page.index("| from | to | caused by |"):].split("\n\n", 1)[0].splitlines()[2:]
    documented: dict = {}
    for row in table:  # a pair may have several rows, and a row several causes: "a shipment, or by hand"
        sources, targets, cause = (cell.strip() for cell in row.strip("|").split("|"))
        triggers = set() if targets.startswith("nothing") else {
            Trigger(re.sub(r"\s*\(.*\)$", "", part).strip()) for part in re.split(r",? or ", cause)}
        for source in re.findall(r"`(\w+)`", sources):
            for target in ([] if targets.startswith("nothing") else re.findall(r"`(\w+)`", targets)):
                documented.setdefault(Status(source), {}).setdefault(Status(target), set()).update(triggers)
            documented.setdefault(Status(source), {})
    in_code = {source: {target: set(causes) if isinstance(causes, (set, frozenset)) else {causes}
                        for target, causes in targets.items()} for source, targets in TRANSITIONS.items()}
    assert documented == in_code


def test_the_order_json_in_the_docs_has_every_field_and_reads():
    import json

    from ordercli.io.order_json import ADDRESS_KEYS, CUSTOMER_KEYS, LINE_KEYS, ORDER_KEYS, parse_order_json

    page = (ROOT / "docs" / "commands.md").read_text(encoding="utf-8")
    text = re.search(r"^```json\n(.*?)^```", page[page.index("**The order JSON**"):], re.MULTILINE | re.DOTALL).group(1)
    document = json.loads(text)
    assert set(document) == ORDER_KEYS
    assert set(document["customer"]) == CUSTOMER_KEYS and set(document["billing_address"]) == ADDRESS_KEYS
    assert set(document["lines"][0]) == LINE_KEYS
    parse_order_json(text)


def test_every_link_between_the_pages_leads_to_a_file():
    for page in PAGES:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if "://" in target:
                continue
            assert (page.parent / target).exists(), f"{page.relative_to(ROOT)} links {target}, which does not exist"
