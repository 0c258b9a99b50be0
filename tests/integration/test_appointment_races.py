"""Booking races between real processes, on both backends: several processes booking one
resource at overlapping times, two booking the same service line, and a move racing a booking
into the same slot. Exactly one of each wins; the others are refused (exit 4) naming the
appointment that took the time, and no process ends with exit 6 (a deadlock or a lock wait
given up). On PostgreSQL the exclusion constraint refuses an overlap that the check did not
see, as the same refusal.

Each process loads ordercli and runs a read first (`appointment list`), so the window holds
the commands themselves; then all are released at once (tests/helpers.race).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from tests.helpers import CUSTOMER, ROOT, query, race

YEAR = datetime.now(timezone.utc).year + 1

COMMAND = """
import json, sys
sys.path.insert(0, sys.argv[1])
from tests.helpers import Cli
cli = Cli(sys.argv[2], None)
command = json.loads(sys.argv[3])
cli("appointment", "list", "--tz", "Europe/Berlin")
print("ready", flush=True)
sys.stdin.readline()
outcome = cli(*command)
print(json.dumps({"code": outcome.exit_code, "stdout": outcome.stdout, "stderr": outcome.stderr}))
"""


def at_once(cli, *commands: list[str]) -> list[dict]:
    """Run the commands in processes released together; what each one saw."""
    seen = [json.loads(out.strip().splitlines()[-1])
            for out in race([[COMMAND, str(ROOT), cli.target, json.dumps(command)] for command in commands])]
    for outcome in seen:
        assert outcome["code"] != 6, f"a process gave up waiting for a lock (deadlock?): {outcome}"
        assert "Traceback" not in outcome["stderr"] and outcome["code"] != 1, outcome
    return seen


def filled(cli):
    """An INSTALL service and technicians tom and anna."""
    for args in (["product", "add", "INSTALL", "--name", "Installation", "--price", "80.00", "--kind", "service"],
                 ["appointment", "resource", "add", "tom", "--kind", "technician"],
                 ["appointment", "resource", "add", "anna", "--kind", "technician"]):
        outcome = cli(*args)
        assert outcome.exit_code == 0, outcome
    return cli


@pytest.fixture
def shop(cli):
    return filled(cli)


def new_order(cli) -> int:
    outcome = cli("create", *CUSTOMER, "--line", "INSTALL:1")
    assert outcome.exit_code == 0, outcome
    return int(outcome.stdout)


def book(number: int, clock: str, length: str, resource: str = "tom", *extra: str) -> list[str]:
    return ["appointment", "book", str(number), "--at", f"{YEAR}-06-14T{clock}", "--duration", length,
            "--with", resource, "--tz", "Europe/Berlin", *extra]


def live(cli) -> list:
    return query(cli, "SELECT id, order_id, resource_id, stage FROM appointments WHERE stage <> 'canceled' ORDER BY id")


def test_processes_booking_one_resource_at_overlapping_times(shop):
    """Four orders, four times for tom that all share 09:45-10:00, released at once: one is
    booked, each other process is refused naming it; the agenda holds exactly that one."""
    orders = [new_order(shop) for _ in range(4)]
    seen = at_once(shop, *(book(n, clock, length) for n, (clock, length) in
                           zip(orders, [("09:00", "2h"), ("09:30", "1h"), ("09:45", "15m"), ("08:00", "2h")])))
    winners = [i for i, outcome in enumerate(seen) if outcome["code"] == 0]
    assert len(winners) == 1, seen
    [row] = live(shop)
    assert row.order_id == orders[winners[0]] and int(seen[winners[0]]["stdout"]) == row.id
    for i, outcome in enumerate(seen):
        if i != winners[0]:
            assert outcome["code"] == 4, outcome
            assert outcome["stderr"].startswith(f"ordercli: tom is already booked then: appointment {row.id} "
                                                f"for order {orders[winners[0]]}, "), outcome
    agenda = shop.json("appointment", "list", "--tz", "Europe/Berlin")
    assert [(a["number"], a["order"]) for a in agenda] == [(row.id, orders[winners[0]])]
    history = query(shop, "SELECT order_id FROM order_history WHERE event = 'appointment_booked'")
    assert [h.order_id for h in history] == [orders[winners[0]]]


def test_processes_booking_the_same_service_line(shop):
    """One service line, two resources, two times: the line gets one appointment."""
    number = new_order(shop)
    seen = at_once(shop, book(number, "09:00", "1h", "tom", "--line", "INSTALL"),
                   book(number, "15:00", "1h", "anna", "--line", "INSTALL"))
    assert sorted(outcome["code"] for outcome in seen) == [0, 4], seen
    [row] = live(shop)
    loser = next(outcome for outcome in seen if outcome["code"] == 4)
    assert f"INSTALL on order {number} has appointment {row.id} booked" in loser["stderr"], loser


def test_a_move_racing_a_booking_into_the_same_slot(shop):
    """tom is booked 09:00-11:00 for one order; it moves to 13:00 while another order books tom
    at 13:30: one of the two gets the afternoon, the other is refused; never both."""
    first, second = new_order(shop), new_order(shop)
    outcome = shop(*book(first, "09:00", "2h"))
    assert outcome.exit_code == 0, outcome
    moving = int(outcome.stdout)
    seen = at_once(shop, ["appointment", "reschedule", str(moving), "--at", f"{YEAR}-06-14T13:00",
                          "--tz", "Europe/Berlin"],
                   book(second, "13:30", "1h"))
    assert sorted(outcome["code"] for outcome in seen) == [0, 4], seen
    rows = query(shop, "SELECT id, order_id, starts_at FROM appointments WHERE stage = 'booked' ORDER BY id")
    if seen[0]["code"] == 0:  # the move won: the booking was refused naming it
        assert [(r.id, r.starts_at.hour) for r in rows] == [(moving, 11)]  # 13:00 in Berlin is 11:00 UTC
        assert f"appointment {moving} for order {first}" in seen[1]["stderr"], seen
    else:  # the booking won: the appointment stayed in the morning
        assert [(r.order_id, r.starts_at.hour) for r in rows] == [(first, 7), (second, 11)]
        assert "tom is already booked then: appointment" in seen[0]["stderr"] and f"for order {second}" in \
            seen[0]["stderr"], seen


def test_processes_adding_the_same_resource(shop):
    """Two processes add `van-2` at once (as Van-2 and van-2): one adds it, the other is told it exists."""
    seen = at_once(shop, ["appointment", "resource", "add", "Van-2", "--kind", "van"],
                   ["appointment", "resource", "add", "van-2", "--kind", "van"])
    assert sorted(outcome["code"] for outcome in seen) == [0, 4], seen
    loser = next(outcome for outcome in seen if outcome["code"] == 4)
    assert loser["stderr"] == "ordercli: resource van-2 already exists\n"
    assert [r.name for r in query(shop, "SELECT name FROM resources WHERE kind = 'van'")] == ["van-2"]


# -- PostgreSQL: the exclusion constraint -----------------------------------------------------------


@pytest.fixture
def pg_shop(request, tmp_path):
    """The shop on PostgreSQL alone: the exclusion constraint is PostgreSQL's (SQLite's writers
    take turns, and the check under the write lock is all there is)."""
    from tests.conftest import POSTGRES_URL, migrated_location
    from tests.helpers import Cli

    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need ORDERCLI_TEST_POSTGRES_URL "
                    "(e.g. postgresql+psycopg://postgres@127.0.0.1/test)")
    with migrated_location("postgresql", tmp_path, request) as target:
        yield filled(Cli(target, tmp_path))


def test_postgresql_itself_refuses_an_overlap(pg_shop):
    """Whoever writes it, two live appointments of one resource never overlap."""
    import psycopg

    from ordercli.db.engine import Database
    from ordercli.db.sql import execute

    shop = pg_shop
    first, second = new_order(shop), new_order(shop)
    assert shop(*book(first, "09:00", "2h")).exit_code == 0
    with pytest.raises(psycopg.Error) as refused:
        database = Database(shop.target)
        try:
            with database.write() as connection:
                execute(connection, "INSERT INTO appointments (order_id, resource_id, starts_at, ends_at, stage, "
                                    "created_at, created_by, updated_at) SELECT :order, id, :start, :end, 'booked', "
                                    ":start, 'test', :start FROM resources WHERE name = 'tom'",
                        {"order": second, "start": datetime(YEAR, 6, 14, 8, 0, tzinfo=timezone.utc),
                         "end": datetime(YEAR, 6, 14, 8, 30, tzinfo=timezone.utc)})
        finally:
            database.dispose()
    assert refused.value.sqlstate == "23P01" and "ex_appointments_resource_overlap" in str(refused.value)
    assert len(live(shop)) == 1


def test_an_overlap_the_check_missed_is_the_same_refusal(pg_shop, monkeypatch):
    """Were the check to miss an overlap (a writer outside these commands, say), PostgreSQL's
    refusal reaches the user as the check's: exit 4 naming the appointment in the way, nothing
    changed."""
    from ordercli.db.queries import appointments

    shop = pg_shop
    first, second = new_order(shop), new_order(shop)
    outcome = shop(*book(first, "09:00", "2h"))
    assert outcome.exit_code == 0, outcome
    winner = int(outcome.stdout)
    real = appointments.conflicts
    calls = []

    def blind(connection, *args, **kwargs):
        calls.append(args)
        return [] if len(calls) == 1 else real(connection, *args, **kwargs)  # the check misses it; the retelling not

    monkeypatch.setattr(appointments, "conflicts", blind)
    before = (query(shop, "SELECT * FROM appointments ORDER BY id"),
              query(shop, "SELECT * FROM order_history ORDER BY id"))
    refused = shop(*book(second, "10:00", "2h"))
    assert refused.exit_code == 4, refused
    assert refused.stderr.startswith(f"ordercli: tom is already booked then: appointment {winner} for order {first}, ")
    assert (query(shop, "SELECT * FROM appointments ORDER BY id"),
            query(shop, "SELECT * FROM order_history ORDER BY id")) == before
    moved = shop("appointment", "reschedule", str(winner), "--at", f"{YEAR}-06-14T09:30", "--tz", "Europe/Berlin")
    assert moved.exit_code == 0, moved  # its own old time is no conflict for PostgreSQL either
