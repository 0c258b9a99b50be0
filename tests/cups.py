"""A private CUPS scheduler for tests: its own configuration, spool and log in a temporary
directory, listening only on a Unix socket there, so it never touches the machine's own
cupsd (if one runs) and two pytest-xdist workers each get their own without a lock.

`lp`, `lpstat` and `lpadmin` find it through the CUPS_SERVER environment variable, which libcups
takes as a socket path when it starts with `/`.

Its queue prints through the cups-pdf backend, which writes each job as a PDF into the `Out`
directory of /etc/cups/cups-pdf.conf (Debian: `${HOME}/PDF`, where HOME is the home directory
of the user who printed, from the password database);
and it reads its settings only from /etc/cups, so the output cannot be sent elsewhere without
editing /etc: tests find their job by a unique
word in its title, which cups-pdf puts in the file's name, and remove that file afterwards.
The directory itself stays (cups-pdf makes it when it is missing): removing it while another
worker's job is being written makes that job's Ghostscript fail.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

CUPS_PDF_BACKEND = Path("/usr/lib/cups/backend/cups-pdf")
CUPS_PDF_CONF = Path("/etc/cups/cups-pdf.conf")
CUPS_PDF_PPDS = (Path("/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd"),
                 Path("/usr/share/cups/model/CUPS-PDF_opt.ppd"))

_CUPSD_CONF = """\
Listen {socket}
Browsing No
BrowseLocalProtocols none
WebInterface No
DefaultAuthType None
LogLevel warn
MaxLogSize 0
<Location />
  Order allow,deny
  Allow all
</Location>
<Policy default>
  JobPrivateAccess all
  JobPrivateValues none
  SubscriptionPrivateAccess all
  SubscriptionPrivateValues none
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
"""

_CUPS_FILES_CONF = """\
ServerRoot {root}
RequestRoot {root}/spool
TempDir {root}/tmp
CacheDir {root}/cache
StateDir {root}/state
ErrorLog {root}/log/error_log
AccessLog {root}/log/access_log
PageLog {root}/log/page_log
Printcap
Sandboxing relaxed
"""


def _end_with_parent() -> None:
    """In the child before cupsd starts: on Linux, have the kernel send it SIGTERM when the test
    process dies without tearing down (killed, or an xdist worker ended), so no scheduler of
    ours outlives the run."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class CupsUnavailable(Exception):
    """Why a private scheduler with a cups-pdf queue cannot run here: tests skip with it."""


def missing_tools() -> str | None:
    """What is missing for a private scheduler with a cups-pdf queue, or None."""
    needed = {name: shutil.which(name, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
              for name in ("cupsd", "lpadmin", "lp", "lpstat")}
    absent = [name for name, where in needed.items() if where is None]
    if not CUPS_PDF_BACKEND.exists():
        absent.append(str(CUPS_PDF_BACKEND))
    if not any(ppd.exists() for ppd in CUPS_PDF_PPDS):
        absent.append("the CUPS-PDF PPD")
    if absent:
        return "not installed: " + ", ".join(absent) + " (Debian: cups, cups-client, printer-driver-cups-pdf)"
    if os.geteuid() != 0:
        return "the cups-pdf backend runs only as root, and these tests do not run as root"
    return None


def cups_pdf_output_dir(user: str | None = None) -> Path:
    """Where cups-pdf puts a job printed by `user` (this process's user by default): its `Out`
    setting with `${HOME}` and `${USER}` filled in as cups-pdf fills them."""
    entry = pwd.getpwnam(user) if user else pwd.getpwuid(os.geteuid())
    out = "/var/spool/cups-pdf/${USER}"  # cups-pdf's own default
    try:
        for line in CUPS_PDF_CONF.read_text(encoding="utf-8", errors="replace").splitlines():
            words = line.strip().split(None, 1)
            if len(words) == 2 and words[0] == "Out":
                out = words[1].strip()
    except OSError:
        pass
    return Path(out.replace("${HOME}", entry.pw_dir).replace("${USER}", entry.pw_name))


class PrivateCups:
    """A cupsd of the test session's own (see the module's docstring); `server` is the value
    for CUPS_SERVER, `env()` an environment for commands that should use it."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="ordercli-cups-"))
        self.socket = self.root / "socket" / "cups.sock"
        self.process: subprocess.Popen | None = None
        self._stderr = None

    @property
    def server(self) -> str:
        return str(self.socket)

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ if base is None else base)
        env.update(self.client_env())
        env["LC_ALL"] = "C.UTF-8"
        return env

    def client_env(self) -> dict[str, str]:
        """The variables that point CUPS's commands at this scheduler: CUPS_SERVER, and
        CUPS_SERVERROOT so that no client.conf or lpoptions of the machine's (/etc/cups) gets
        in (a system-wide default printer, another server)."""
        return {"CUPS_SERVER": self.server, "CUPS_SERVERROOT": str(self.root)}

    def start(self, timeout: float = 20.0) -> None:
        """Write the configuration, start cupsd in the foreground as a child of this process,
        and wait until it answers. Raises CupsUnavailable with its error log if it does not."""
        for sub in ("spool", "tmp", "cache", "state", "log", "socket"):
            (self.root / sub).mkdir()
        # Filters run as the `lp` user and must reach the spool and temporary files (cupsd sets
        # the modes it wants on its own directories); only this user reaches the socket.
        os.chmod(self.root, 0o755)
        os.chmod(self.root / "tmp", 0o1777)
        os.chmod(self.root / "socket", 0o700)
        (self.root / "cupsd.conf").write_text(_CUPSD_CONF.format(socket=self.socket), encoding="utf-8")
        (self.root / "cups-files.conf").write_text(_CUPS_FILES_CONF.format(root=self.root), encoding="utf-8")
        cupsd = shutil.which("cupsd", path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
        self._stderr = open(self.root / "log" / "cupsd.stderr", "wb")
        self.process = subprocess.Popen(
            [cupsd, "-f", "-c", str(self.root / "cupsd.conf"), "-s", str(self.root / "cups-files.conf")],
            stdin=subprocess.DEVNULL, stdout=self._stderr, stderr=self._stderr, cwd=self.root,
            start_new_session=True,  # Ctrl-C in the terminal reaches pytest, which stops it
            preexec_fn=_end_with_parent)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise CupsUnavailable(f"cupsd exited with status {self.process.returncode}: {self.log_tail()}")
            if self.socket.exists() and self.run("lpstat", "-r").stdout.strip() == "scheduler is running":
                return
            time.sleep(0.05)
        raise CupsUnavailable(f"cupsd did not answer within {timeout:.0f} s: {self.log_tail()}")

    def run(self, *argv: str, check: bool = False, timeout: float = 30.0) -> subprocess.CompletedProcess:
        """A CUPS command against this scheduler (text in and out)."""
        command = shutil.which(argv[0], path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin") or argv[0]
        done = subprocess.run([command, *argv[1:]], env=self.env(), capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)
        if check and done.returncode != 0:
            raise CupsUnavailable(f"{' '.join(argv)} failed: {done.stderr.strip()} {self.log_tail()}")
        return done

    def add_pdf_queue(self, name: str, *, enabled: bool = True) -> None:
        """A queue that prints through cups-pdf; `enabled=False` leaves it stopped and refusing jobs."""
        ppd = next(str(p) for p in CUPS_PDF_PPDS if p.exists())
        argv = ["lpadmin", "-p", name, "-v", "cups-pdf:/", "-P", ppd]
        self.run(*argv, *(["-E"] if enabled else []), check=True)

    def completed_jobs(self, queue: str) -> set[str]:
        """The ids (`PDF-3`) of the queue's jobs that are done."""
        done = self.run("lpstat", "-W", "completed", "-o", queue)
        return {line.split()[0] for line in done.stdout.splitlines() if line.strip()}

    def log_tail(self, lines: int = 15) -> str:
        parts = []
        for name in ("cupsd.stderr", "error_log"):
            path = self.root / "log" / name
            if path.exists():
                text = path.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:]
                if text:
                    parts.append(f"[{name}] " + " | ".join(text))
        return " ".join(parts) or "(nothing in its logs)"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self._stderr is not None:
            self._stderr.close()
        shutil.rmtree(self.root, ignore_errors=True)


def wait_for_output(folder: Path, word: str, cups: PrivateCups, job: str, queue: str,
                    timeout: float = 30.0) -> Path:
    """The PDF cups-pdf wrote for `job`, found by the unique `word` of its title once the job is
    completed (so the file is whole). cups-pdf cuts titles to 64 characters and replaces all
    but letters, digits and dashes: put a word of letters and digits near the title's start.
    Raises AssertionError with the scheduler's log if it does not come within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if job in cups.completed_jobs(queue):
            found = sorted(folder.glob(f"*{word}*")) if folder.is_dir() else []
            if found:
                return found[0]
        time.sleep(0.1)
    raise AssertionError(f"no PDF with {word!r} in {folder} after {timeout:.0f} s (job {job}, "
                         f"completed: {sorted(cups.completed_jobs(queue))}; cups-pdf logs to "
                         f"/var/log/cups/cups-pdf-{queue}_log): {cups.log_tail()}")
