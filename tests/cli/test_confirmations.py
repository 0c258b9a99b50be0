"""What cannot be undone is confirmed: on a terminal, `status` to canceled, failed or abandoned and
`expire` ask first, saying what and how many; without a terminal they never ask, but a batch of
more than 100 orders needs --yes. `expire` refuses a window under an hour unless --force."""

import sys
from datetime import datetime, timedelta, timezone

import pytest

from ordercli.cli.confirm import BATCH_WITHOUT_YES
from tests.helpers import force_status, query

pexpect = pytest.importorskip("pexpect")

TWO_DAYS_AGO = datetime.now(timezone.utc) - timedelta(days=2)


def place(cli, count: int, at: datetime = TWO_DAYS_AGO) -> list[int]:
    """`count` open orders placed at `at`, through the service (faster than a command each)."""
    from ordercli.domain.orders import AddressRequest, LineRequest, OrderRequest
    from ordercli.services.orders import create_order
    from ordercli.services.views import Stamp

    database = cli.database()
    try:
        return [create_order(database, OrderRequest(
            name="Maria Anders", email="maria@example.com",
            billing=AddressRequest(line1="Obere Str. 57", city="Berlin", country="DE"),
            lines=[LineRequest("FEE", 1, unit_price="1.00", description="Fee")]), Stamp("anna", "create", at)).order.number
            for _ in range(count)]
    finally:
        database.dispose()


def statuses(cli) -> list[str]:
    return [r.status for r in query(cli, "SELECT status FROM orders ORDER BY id")]


def on_terminal(cli, *args: str):
    return pexpect.spawn(sys.executable, ["-m", "ordercli", "--db", cli.target, *args],
                         env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin"}, encoding="utf-8", timeout=60)


def finished(child) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


# -- on a terminal ---------------------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["n", "no", ""])
def test_canceling_asks_what_and_how_many_and_no_changes_nothing(sqlite_cli, answer):
    place(sqlite_cli, 3)
    child = on_terminal(sqlite_cli, "status", "1", "2", "--to", "canceled")
    child.expect_exact("cancel 2 open orders: 1, 2? [y/N] ")
    child.sendline(answer)
    assert finished(child) == 4, child.before
    assert "ordercli: nothing changed: you answered no" in child.before
    assert statuses(sqlite_cli) == ["open", "open", "open"]


def test_yes_at_the_prompt_cancels(sqlite_cli):
    place(sqlite_cli, 2)
    force_status(sqlite_cli, 2, "ready_to_ship")
    child = on_terminal(sqlite_cli, "status", "1", "2", "--to", "canceled", "--reason", "customer called")
    child.expect_exact("cancel 2 orders (1 open, 1 ready_to_ship): 1, 2? [y/N] ")
    child.sendline("y")
    assert finished(child) == 0, child.before
    assert "moved 2 order(s) to canceled" in child.before
    assert statuses(sqlite_cli) == ["canceled", "canceled"]


@pytest.mark.parametrize("target, verb", [("failed", "fail"), ("abandoned", "abandon")])
def test_failing_and_abandoning_ask_too(sqlite_cli, target, verb):
    place(sqlite_cli, 1)
    child = on_terminal(sqlite_cli, "status", "1", "--to", target)
    child.expect_exact(f"{verb} 1 open order: 1? [y/N] ")
    child.sendline("yes")
    assert finished(child) == 0, child.before
    assert statuses(sqlite_cli) == [target]


@pytest.mark.parametrize("flag", ["--yes", "-y", "--dry-run"])
def test_yes_and_dry_run_never_ask(sqlite_cli, flag):
    place(sqlite_cli, 1)
    child = on_terminal(sqlite_cli, "status", "1", "--to", "canceled", flag)
    assert finished(child) == 0, child.before
    assert "[y/N]" not in child.before
    assert statuses(sqlite_cli) == ["open" if flag == "--dry-run" else "canceled"]


def test_what_needs_no_confirmation_is_not_asked(sqlite_cli):
    place(sqlite_cli, 3)
    force_status(sqlite_cli, 2, "canceled")
    force_status(sqlite_cli, 3, "closed")
    reopened = on_terminal(sqlite_cli, "status", "1", "--to", "ready_to_ship")  # not final (and refused: unverified)
    assert finished(reopened) == 4 and "[y/N]" not in reopened.before
    refused = on_terminal(sqlite_cli, "status", "1", "3", "--to", "canceled")  # all or nothing: 3 cannot move
    assert finished(refused) == 4 and "[y/N]" not in refused.before
    assert "order 3: closed -> canceled is not allowed" in refused.before
    already = on_terminal(sqlite_cli, "status", "2", "--to", "canceled")  # already there: nothing moves
    assert finished(already) == 0 and "[y/N]" not in already.before
    assert statuses(sqlite_cli) == ["open", "canceled", "closed"]


def test_ctrl_c_at_the_confirmation_exits_130_and_changes_nothing(sqlite_cli):
    place(sqlite_cli, 1)
    child = on_terminal(sqlite_cli, "status", "1", "--to", "canceled")
    child.expect_exact("[y/N] ")
    child.sendintr()
    assert finished(child) == 130, child.before
    assert "ordercli: interrupted; nothing was changed" in child.before
    assert statuses(sqlite_cli) == ["open"]


def test_expire_says_how_many_orders_placed_before_when(sqlite_cli):
    place(sqlite_cli, 2)
    place(sqlite_cli, 1, at=datetime.now(timezone.utc))
    child = on_terminal(sqlite_cli, "expire", "--older-than", "1d")
    child.expect(r"abandon 2 unverified open orders placed before (\d{4}-\d\d-\d\d \d\d:\d\d) UTC\? \[y/N\] ")
    cutoff = datetime.strptime(child.match.group(1), "%Y-%m-%d %H:%M").replace(tzinfo=timezone.utc)
    assert abs(cutoff - (datetime.now(timezone.utc) - timedelta(days=1))) < timedelta(minutes=2)
    child.sendline("y")
    assert finished(child) == 0, child.before
    assert statuses(sqlite_cli) == ["abandoned", "abandoned", "open"]


# -- without a terminal ----------------------------------------------------------------------------


def test_a_large_batch_without_a_terminal_needs_yes(cli):
    numbers = place(cli, BATCH_WITHOUT_YES + 1)
    ids = "".join(f"{n}\n" for n in numbers)
    refused = cli("status", "-", "--to", "canceled", input=ids)
    assert (refused.exit_code, refused.stdout) == (2, "")
    assert refused.stderr == ("ordercli: this would cancel 101 orders: without a terminal, more than 100 orders need "
                              "--yes (--dry-run lists them) (see ordercli status --help)\n")
    assert set(statuses(cli)) == {"open"}
    assert cli("status", "-", "--to", "canceled", "--dry-run", input=ids).exit_code == 0
    done = cli("status", "-", "--to", "canceled", "--yes", input=ids)
    assert done.exit_code == 0, done
    assert set(statuses(cli)) == {"canceled"}


def test_the_threshold_counts_the_orders_that_would_move_not_the_lines_read(cli):
    numbers = place(cli, BATCH_WITHOUT_YES + 1)
    force_status(cli, numbers[0], "canceled")  # already there: 100 would move
    outcome = cli("status", "-", "--to", "canceled", input="".join(f"{n}\n" for n in numbers) + "\n\n")
    assert outcome.exit_code == 0, outcome
    assert "moved 100 order(s) to canceled; 1 already canceled" in outcome.stderr


def test_a_small_batch_without_a_terminal_is_not_asked(cli):
    place(cli, 3)
    outcome = cli("status", "1", "2", "3", "--to", "abandoned")
    assert outcome.exit_code == 0, outcome
    assert statuses(cli) == ["abandoned"] * 3


def test_expire_without_a_terminal_needs_yes_above_the_threshold(cli):
    place(cli, BATCH_WITHOUT_YES + 1)
    refused = cli("expire", "--older-than", "1d")
    assert (refused.exit_code, refused.stderr.count("\n")) == (2, 1), refused
    assert refused.stderr.startswith("ordercli: this would abandon 101 unverified open orders placed before ")
    assert set(statuses(cli)) == {"open"}
    done = cli("expire", "--older-than", "1d", "--yes")
    assert done.exit_code == 0, done
    assert set(statuses(cli)) == {"abandoned"}


def test_a_window_under_an_hour_needs_force(cli):
    place(cli, 1, at=datetime.now(timezone.utc) - timedelta(minutes=45))
    for window in ("1s", "59m", "30 minutes"):
        outcome = cli("expire", "--older-than", window)
        assert outcome.exit_code == 2, outcome
        assert f"--older-than {window} is under an hour" in outcome.stderr
    assert statuses(cli) == ["open"]
    forced = cli("expire", "--older-than", "30m", "--force")
    assert forced.exit_code == 0, forced
    assert statuses(cli) == ["abandoned"]
    assert cli("expire", "--older-than", "1h").exit_code == 0
