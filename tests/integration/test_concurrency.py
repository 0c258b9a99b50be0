"""Several processes change the same orders at once: no lost update, a consistent history."""

import subprocess
import sys

from tests.helpers import query, race

WORKER = """
import sys, time
from datetime import datetime, timezone
from ordercli.db.engine import Database
from ordercli.domain.statuses import Status
from ordercli.services.status import change_status
from ordercli.services.views import Stamp

target, status, seconds = sys.argv[1], Status(sys.argv[2]), float(sys.argv[3])
database = Database(target)
# connect and load everything before signalling, so the window below is all status changes
with database.read() as connection:
    pass
change_status(database, ["1"], status, Stamp(sys.argv[2], "status", datetime.now(timezone.utc)), dry_run=True)
moved = 0
print("ready", flush=True)
sys.stdin.readline()
start = time.monotonic()
# run for the window, and on until this process has moved the order three times: the two
# alternate, so the one behind can always catch up once the other stops (a loaded machine
# can starve one of them for most of the window)
while time.monotonic() < start + seconds or (moved < 3 and time.monotonic() < start + 120):
    result = change_status(database, ["1"], status, Stamp(sys.argv[2], "status", datetime.now(timezone.utc)))
    moved += result.changed
database.dispose()
print(moved)
"""


def test_two_processes_flipping_one_order_lose_no_update(cli, make_order):
    number = make_order()
    assert cli("verify", str(number), "--by", "anna").exit_code == 0
    # two processes, each moving order 1 to its status again and again for 3 seconds
    outputs = race([[WORKER, cli.target, "ready_to_ship", "3"], [WORKER, cli.target, "open", "3"]], timeout=300)
    moved = [int(out.strip()) for out in outputs]
    history = query(cli, "SELECT from_status, to_status, actor FROM order_history WHERE order_id = :n "
                         "AND event = 'status' ORDER BY id", {"n": number})
    # every change each process reported is in the history, once
    assert len(history) == sum(moved)
    assert sum(1 for h in history if h.actor == "ready_to_ship") == moved[0]
    # each change starts where the previous one ended: nobody acted on a stale status
    previous = "open"
    for entry in history:
        assert entry.from_status == previous
        assert entry.to_status != entry.from_status
        previous = entry.to_status
    assert query(cli, "SELECT status FROM orders WHERE id = :n", {"n": number})[0].status == previous
    assert min(moved) >= 3  # they really did interleave


def test_two_real_commands_on_the_same_order_at_once(cli, make_order):
    """A cancel and a ready_to_ship race: one wins, the other waits and then obeys the table."""
    number = make_order()
    assert cli("verify", str(number), "--by", "anna").exit_code == 0
    procs = [
        subprocess.Popen([sys.executable, "-m", "ordercli", "--db", cli.target, "status", str(number), "--to", to],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for to in ("canceled", "ready_to_ship")
    ]
    codes = [p.wait(timeout=120) for p in procs]
    final = query(cli, "SELECT status FROM orders WHERE id = :n", {"n": number})[0].status
    history = [(h.from_status, h.to_status) for h in query(
        cli, "SELECT from_status, to_status FROM order_history WHERE order_id = :n AND event = 'status' ORDER BY id",
        {"n": number})]
    if codes == [0, 0]:  # ready_to_ship first, then canceled (allowed from ready_to_ship)
        assert history == [("open", "ready_to_ship"), ("ready_to_ship", "canceled")] and final == "canceled"
    else:  # canceled first; ready_to_ship is then refused (canceled is final)
        assert codes == [0, 4]
        assert history == [("open", "canceled")] and final == "canceled"
