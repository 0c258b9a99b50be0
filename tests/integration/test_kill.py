"""A batch killed at any moment (kill -9, Ctrl-C) moves all of its orders or none of them.

Long: behind the `stress` marker (`pytest -m stress`).
"""

import random
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone

import pytest

from tests.helpers import query

ORDERS = 60_000
RUNS = 14


def _states(cli) -> dict:
    counts = {r.status: r.n for r in query(cli, "SELECT status, count(*) AS n FROM orders GROUP BY status")}
    entries = query(cli, "SELECT count(*) AS n FROM order_history WHERE event = 'status'")[0].n
    return {"counts": counts, "entries": entries}


@pytest.mark.stress
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT], ids=["kill-9", "ctrl-c"])
def test_a_killed_batch_moves_all_of_its_orders_or_none(cli, how):
    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[2] / "bench"))
    from seed import seed_orders

    database = cli.database()
    seed_orders(database, ORDERS, verified=True, now=datetime.now(timezone.utc))
    database.dispose()
    numbers = "\n".join(str(n) for n in range(1, ORDERS + 1)) + "\n"
    rng = random.Random(6)
    outcomes = {"all": 0, "none": 0}
    status, other = "open", "ready_to_ship"

    def start():
        proc = subprocess.Popen([sys.executable, "-m", "ordercli", "--db", cli.target, "status", "-", "--to", other],
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        def feed():
            try:
                proc.stdin.write(numbers)
                proc.stdin.close()
            except BrokenPipeError:
                pass  # killed before it read everything

        threading.Thread(target=feed, daemon=True).start()
        return proc

    # one whole run first, to learn how long a batch takes on this machine and backend
    started = time.monotonic()
    assert start().wait(timeout=300) == 0
    whole = time.monotonic() - started
    status, other = other, status
    for _ in range(RUNS):
        before = _states(cli)
        proc = start()
        try:
            proc.wait(timeout=rng.uniform(0.3, 1.1) * whole)
        except subprocess.TimeoutExpired:
            proc.send_signal(how)
        code = proc.wait(timeout=120)
        stderr = proc.stderr.read()
        after = _states(cli)
        if after["counts"] == before["counts"]:
            outcomes["none"] += 1
            assert after["entries"] == before["entries"]
            if how == signal.SIGINT and code != 0:
                assert code == 130 and "Traceback" not in stderr, stderr
        else:
            outcomes["all"] += 1
            assert after["counts"] == {other: ORDERS}, (code, stderr)
            assert after["entries"] == before["entries"] + ORDERS
            status, other = other, status
    # the runs really did land on both sides of the commit
    assert outcomes["all"] >= 1 and outcomes["none"] >= 1, outcomes
