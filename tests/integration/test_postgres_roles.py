"""PostgreSQL roles as docs/postgresql-roles.md sets them up: a reader reads everything and
writes nothing, an operator does the daily work but not upgrades, the owner upgrades.

The roles are made by running the document's own SQL (with names unique to the run put in
place of `ordercli_owner`, `anna`, the schema `ordercli`...), on a schema of the test's own
(tests/conftest.py), and dropped afterwards (DROP OWNED BY, DROP ROLE). Trust authentication
lets every role log in without a password.
"""

from __future__ import annotations

import json
import re
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import POSTGRES_URL, migrated_location
from tests.helpers import CUSTOMER, Cli, Outcome

pytestmark = pytest.mark.skipif(
    not POSTGRES_URL,
    reason="PostgreSQL role tests need ORDERCLI_TEST_POSTGRES_URL (e.g. postgresql+psycopg://postgres@127.0.0.1/test)",
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "postgresql-roles.md"
READER_REFUSAL = "ordercli: permission denied: this database user may only read; nothing was changed"


# -- the document's SQL, with this run's names ---------------------------------------------


def doc_steps() -> dict[int, str]:
    """The document's SQL blocks by the number their first line gives them (`-- 3. ...`)."""
    blocks = re.findall(r"```sql\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    return {int(re.match(r"-- (\d+)\.", block).group(1)): block for block in blocks}


class Team:
    """This run's roles and people, named after a prefix unique to it, in one schema."""

    ROLES = ("ordercli_owner", "ordercli_reader", "ordercli_operator", "olga", "anna", "ben")

    GROUPS, PEOPLE = ROLES[:3], ROLES[3:]  # made by steps 1 and 4

    def __init__(self, postgres, target: str):
        self.postgres = postgres  # tests/conftest.py's server helper
        self.target = target  # the superuser's URL of the schema
        self.schema = re.search(r"search_path%3D(\w+)", target).group(1)
        prefix = f"oc{uuid.uuid4().hex[:10]}"
        self.names = {role: f"{prefix}_{role.removeprefix('ordercli_')}" for role in self.ROLES}
        self.made: list[str] = []

    @property
    def admin(self):
        """A connection as the superuser, autocommit."""
        return self.postgres.connection

    def name(self, role: str) -> str:
        return self.names[role]

    def sql(self, step: int) -> str:
        """Step `step` of the document, with this run's role and schema names."""
        text = doc_steps()[step]
        for role, name in self.names.items():
            text = re.sub(rf"\b{role}\b", name, text)
        return re.sub(r"\bordercli\b", self.schema, text)

    def run(self, *steps: int) -> None:
        for step in steps:
            self.made += [self.names[r] for r in {1: self.GROUPS, 4: self.PEOPLE}.get(step, ())]
            self.admin.execute(self.sql(step))

    def url(self, role: str) -> str:
        from sqlalchemy.engine import make_url

        return make_url(self.target).set(username=self.names[role]).render_as_string(hide_password=False)

    def cli(self, role: str, tmp_path: Path) -> Cli:
        return Cli(self.url(role), tmp_path)

    def drop(self) -> None:
        for name in reversed(self.made):  # people first, then the groups
            if self.admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,)).fetchone():
                self.admin.execute(f"DROP OWNED BY {name}")
                self.admin.execute(f"DROP ROLE {name}")


def snapshot(target: str) -> dict:
    """Every table's rows, and every object of the schema with its owner and grants."""
    import psycopg

    with psycopg.connect(target.replace("postgresql+psycopg://", "postgresql://", 1), autocommit=True) as connection:
        tables = [r[0] for r in connection.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r' "
            "ORDER BY 1")]
        content = {t: connection.execute(f"SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) "
                                         f"FROM {t} x").fetchone()[0] for t in tables}
        objects = connection.execute(
            "SELECT relname, relkind, pg_get_userbyid(relowner), relacl::text, relnatts FROM pg_class "
            "WHERE relnamespace = current_schema()::regnamespace ORDER BY 1").fetchall()
        columns = connection.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() ORDER BY 1, 2").fetchall()
    return {"rows": content, "objects": objects, "columns": columns}


def ok(outcome: Outcome) -> Outcome:
    assert outcome.exit_code == 0, outcome
    return outcome


def one_line(outcome: Outcome) -> str:
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1, outcome
    return lines[0]


def fill(cli: Cli, folder: Path) -> None:
    """Two locations, two products, stock, a promo code, order 1 (verified, with the promo) and
    order 2 (placed two days ago, so `expire --older-than 1d` would abandon it)."""
    ok(cli("location", "add", "main"))
    ok(cli("location", "add", "north"))
    ok(cli("product", "add", "CHAI", "--name", "Chai", "--price", "18.00", "--tax-rate", "7"))
    ok(cli("product", "add", "CHANG", "--name", "Chang", "--price", "19.00"))
    ok(cli("stock", "receive", "CHAI", "10"))
    ok(cli("promo", "add", "TEN", "--percent", "10"))
    ok(cli("create", *CUSTOMER, "--line", "CHAI:2", "--promo", "TEN"))
    ok(cli("verify", "1", "--by", "anna"))
    ok(cli("create", *CUSTOMER, "--line", "CHAI:1"))
    import psycopg

    with psycopg.connect(cli.target.replace("postgresql+psycopg://", "postgresql://", 1), autocommit=True) as c:
        c.execute("UPDATE orders SET placed_at = placed_at - interval '2 days' WHERE id = 2")
    (folder / "products.csv").write_text("sku,name,price,currency,tax_rate,kind,gtin,active\n"
                                         "CHAI,Chai tea,19.00,EUR,7,physical,,yes\n")
    (folder / "orders.jsonl").write_text(  # a known customer's order and a new customer's
        "".join(json.dumps({"order": ref, "channel": "web", "channel_ref": ref, "customer": customer,
                            "billing_address": {"line1": "Obere Str. 57", "city": "Berlin", "country": "DE"},
                            "lines": [{"sku": "CHAI", "quantity": 1}]}) + "\n"
                for ref, customer in (("I-1", {"name": "Maria Anders", "email": "maria@example.com"}),
                                      ("I-2", {"name": "Ana Trujillo", "email": "ana@example.com"}))))


# -- fixtures ------------------------------------------------------------------------------


@contextmanager
def handed_over_shop(request, postgres, folder: Path):
    """A filled schema whose tables the superuser made, handed to this run's owner role and
    granted as the document says for a schema that holds ordercli's tables (steps 1, 6, 3, 5, 4)."""
    with migrated_location("postgresql", folder, request) as target:
        fill(Cli(target, folder), folder)
        team = Team(postgres, target)
        try:
            team.run(1, 6, 3, 5, 4)
            yield team
        finally:
            team.drop()


@pytest.fixture(scope="module")
def shop(request, postgres, tmp_path_factory):
    """A `handed_over_shop` for the module, with order 3 shipped (shipment 1, by DHL): the tests
    that use it only read, or are refused and check that nothing changed."""
    folder = tmp_path_factory.mktemp("roles-shop")
    with handed_over_shop(request, postgres, folder) as team:
        superuser = Cli(team.target, folder)
        ok(superuser("create", *CUSTOMER, "--line", "CHAI:1"))
        ok(superuser("verify", "3", "--by", "anna"))
        ok(superuser("status", "3", "--to", "ready_to_ship"))
        ok(superuser("carrier", "add", "DHL"))
        ok(superuser("ship", "3", "--carrier", "DHL", "--tracking", "00340434161094042557"))
        ok(superuser("appointment", "resource", "add", "tom", "--kind", "technician"))
        ok(superuser("appointment", "book", "3", "--at", "2099-06-14T09:00", "--duration", "1h", "--with", "tom",
                     "--tz", "UTC"))
        ok(superuser("return", "3", "--line", "CHAI:1", "--reason", "too strong"))
        yield team, folder


@pytest.fixture
def own_shop(request, postgres, tmp_path):
    """A `handed_over_shop` for one test that changes it."""
    with handed_over_shop(request, postgres, tmp_path) as team:
        yield team


@pytest.fixture
def old_shop(postgres, tmp_path):
    """A schema at revision 0001 with one product in it, handed to this run's roles as `shop`
    is (steps 1, 6, 3, 5, 4)."""
    from ordercli.db.engine import Database
    from ordercli.db.migrate import upgrade

    with postgres.private_schema() as target:
        database = Database(target)
        try:
            assert upgrade(database, "0001") == (None, "0001")
        finally:
            database.dispose()
        schema = re.search(r"search_path%3D(\w+)", target).group(1)
        postgres.connection.execute(
            f"INSERT INTO {schema}.products (sku, name, unit_price_minor, currency, tax_rate_bp, kind, created_at, "
            "updated_at) VALUES ('CHAI', 'Chai', 1800, 'EUR', 700, 'physical', now(), now())")
        team = Team(postgres, target)
        try:
            team.run(1, 6, 3, 5, 4)
            yield team
        finally:
            team.drop()


def statements_recorder(monkeypatch) -> list[str]:
    """Every statement psycopg sends from now on in this process (SQLAlchemy's and ordercli's own)."""
    import psycopg

    sent: list[str] = []
    for cls, methods in ((psycopg.Cursor, ("execute", "executemany", "copy")), (psycopg.ServerCursor, ("execute",))):
        for method in methods:
            def record(self, query, *args, _original=getattr(cls, method), **kwargs):
                if hasattr(query, "as_string"):  # psycopg.sql.Composed: psycopg's own catalog lookups
                    query = query.as_string(self)
                sent.append(query.decode() if isinstance(query, bytes) else str(query))
                return _original(self, query, *args, **kwargs)

            monkeypatch.setattr(cls, method, record)
    return sent


def only_reads(sent: list[str]) -> list[str]:
    """The statements of `sent` that are not plain reads (none, for a reader that was refused)."""
    return [s for s in sent if not s.lstrip().upper().startswith(("SELECT", "WITH", "SHOW"))
            or "pg_advisory" in s or "set_config" in s]


# -- a reader reads everything -------------------------------------------------------------

READS = {
    "list": (["list"], "Maria Anders"),
    "list-json": (["list", "--json"], '"number": 2'),
    "list-csv": (["list", "--csv"], "Maria Anders"),
    "list-ids": (["list", "--ids"], "3\n2\n1"),
    "show": (["show", "1"], "Maria Anders"),
    "show-json": (["show", "1", "--json"], '"TEN"'),
    "history": (["history", "1"], "anna"),
    "history-json": (["history", "1", "--json"], '"verified"'),
    "stock-list": (["stock", "list"], "CHAI"),
    "stock-list-json": (["stock", "list", "--json"], '"north"'),
    "stock-history": (["stock", "history", "CHAI"], "received"),
    "stock-check": (["stock", "check"], ""),
    "available": (["available", "CHAI", "2"], "main"),
    "product-list": (["product", "list"], "CHANG"),
    "product-show": (["product", "show", "CHAI"], "Chai"),
    "location-list": (["location", "list"], "north"),
    "promo-list": (["promo", "list"], "TEN"),
    "shipments": (["shipments"], "00340434161094042557"),
    "shipment-show": (["shipment", "show", "1"], "DHL"),
    "carrier-list": (["carrier", "list"], "DHL"),
    "export": (["export"], "Maria Anders"),
    "export-orders": (["export", "--format", "orders", "--excel"], "Maria Anders"),
    "export-shopify": (["export", "--format", "shopify"], "#1"),
    "summary": (["summary", "--json"], '"orders": 3'),
    "summary-method": (["summary", "--by", "method"], "ship"),
    "profile-show": (["profile", "show"], "Invoice policy"),
    "pick-list": (["pick-list", "--status", "closed", "--json"], '"by_location"'),
    "returns": (["returns"], "too strong"),
    "returns-csv": (["returns", "--csv"], "too strong"),
    "rma-show": (["rma", "show", "1", "--json"], '"requested"'),
    "appointment-list": (["appointment", "list", "--all", "--tz", "UTC"], "tom"),
    "appointment-show": (["appointment", "show", "1", "--tz", "UTC"], "tom"),
    "appointment-resources": (["appointment", "resource", "list"], "technician"),
    "appointment-export": (["appointment", "export", "--ics", "--all"], "BEGIN:VEVENT"),
}


@pytest.mark.parametrize("name", READS)
def test_a_reader_runs_every_read_command_and_sees_what_the_superuser_sees(shop, name):
    team, folder = shop
    args, shown = READS[name]
    as_reader = team.cli("ben", folder)(*args)
    as_superuser = Cli(team.target, folder)(*args)
    assert as_reader.exit_code == 0, as_reader
    assert shown in as_reader.stdout
    assert (as_reader.stdout, as_reader.stderr) == (as_superuser.stdout, as_superuser.stderr)


def test_a_reader_sees_db_info(shop):
    from ordercli.db.engine import known_revisions

    team, folder = shop
    info = json.loads(ok(team.cli("ben", folder)("db", "info", "--json")).stdout)
    assert (info["backend"], info["schema"], info["up_to_date"], info["orders"]) == (
        "postgresql", known_revisions()[-1], True, 3)
    assert team.name("ben") in info["location"] and info["role"] == team.name("ben")
    assert {t["table"]: t["rows"] for t in info["tables"]}["orders"] == 3
    assert ok(team.cli("ben", folder)("db", "info")).stdout.count("\n") > 3


def test_a_reader_upgrading_an_up_to_date_schema_has_nothing_to_do(shop):
    from ordercli.db.engine import known_revisions

    team, folder = shop
    outcome = ok(team.cli("ben", folder)("db", "upgrade"))
    assert outcome.stdout == f"{known_revisions()[-1]}\n"
    assert outcome.stderr == f"the database schema is up to date ({known_revisions()[-1]})\n"


# -- and writes nothing --------------------------------------------------------------------

WRITES = {
    "create": ["create", *CUSTOMER, "--line", "CHAI:1"],
    "create-without-stock": ["create", *CUSTOMER, "--line", "FEE:1@1.00:Fee"],
    "verify": ["verify", "2", "--by", "ben"],
    "status": ["status", "1", "--to", "ready_to_ship"],
    "status-cancel": ["status", "1", "--to", "canceled"],
    "status-batch": ["status", "-", "--to", "canceled"],
    "status-dry-run": ["status", "1", "--to", "canceled", "--dry-run"],
    "expire": ["expire", "--older-than", "1d"],
    "expire-dry-run": ["expire", "--older-than", "1d", "--dry-run"],
    "product-add": ["product", "add", "IKURA", "--name", "Ikura", "--price", "31.00"],
    "product-update": ["product", "update", "CHAI", "--name", "Chai tea"],
    "product-import": ["product", "import", "{folder}/products.csv"],
    "product-import-dry-run": ["product", "import", "{folder}/products.csv", "--dry-run"],
    "stock-receive": ["stock", "receive", "CHAI", "5"],
    "stock-adjust": ["stock", "adjust", "CHAI", "-1", "--reason", "damaged"],
    "stock-transfer": ["stock", "transfer", "CHAI", "1", "--from", "main", "--to", "north"],
    "location-add": ["location", "add", "south"],
    "location-set-default": ["location", "set-default", "north"],
    "promo-add": ["promo", "add", "FIVE", "--percent", "5"],
    "carrier-add": ["carrier", "add", "UPS"],
    "ship": ["ship", "1"],
    "delete-shipment": ["delete-shipment", "1", "--yes"],
    "export-since-last": ["export", "--since-last", "nightly"],
    "profile-set": ["profile", "set", "--name", "Shop"],
    "invoice": ["invoice", "1", "--out", "{folder}"],
    "rma-receive": ["rma", "receive", "1"],
    "rma-cancel": ["rma", "cancel", "1", "--reason", "never came"],
    "appointment-book": ["appointment", "book", "3", "--at", "2099-06-15T09:00", "--duration", "1h", "--with", "tom"],
    "appointment-cancel": ["appointment", "cancel", "1", "--reason", "not needed"],
    "appointment-resource-add": ["appointment", "resource", "add", "van-1", "--kind", "van"],
    "import": ["import", "{folder}/orders.jsonl"],
    "import-dry-run": ["import", "{folder}/orders.jsonl", "--dry-run"],
}


@pytest.mark.parametrize("name", WRITES)
def test_every_write_by_a_reader_is_refused_in_one_line_and_changes_nothing(shop, name):
    team, folder = shop
    args = [arg.format(folder=folder) for arg in WRITES[name]]
    before = snapshot(team.target)
    outcome = team.cli("ben", folder)(*args, input="1\n2\n")
    assert outcome.exit_code == 6, outcome
    assert one_line(outcome) == READER_REFUSAL
    assert outcome.stdout == ""
    assert snapshot(team.target) == before


def test_a_reader_in_a_real_process_reads_and_is_refused_a_write_without_a_traceback(shop):
    team, folder = shop
    reader = team.cli("ben", folder)
    shown = reader.run("show", "1", "--json")
    assert shown.exit_code == 0, shown
    assert json.loads(shown.stdout)["number"] == 1
    before = snapshot(team.target)
    refused = reader.run("stock", "receive", "CHAI", "5")
    assert (refused.exit_code, refused.stdout, refused.stderr) == (6, "", READER_REFUSAL + "\n")
    assert snapshot(team.target) == before


def test_a_reader_makes_an_offline_copy_with_db_copy(shop, tmp_path):
    team, folder = shop
    before = snapshot(team.target)
    copy = tmp_path / "laptop.db"
    ok(team.cli("ben", folder)("db", "copy", "--to", str(copy)))
    assert snapshot(team.target) == before
    copied, source = Cli(str(copy), tmp_path), Cli(team.target, folder)
    assert ok(copied("list", "--ids")).stdout == ok(source("list", "--ids")).stdout == "3\n2\n1\n"
    assert ok(copied("stock", "list", "--json")).stdout == ok(source("stock", "list", "--json")).stdout


def test_insufficient_privilege_is_told_by_its_sqlstate_and_the_users_rights_not_by_its_words(shop):
    """A 42501 whose text says nothing of rights: a reader is told it may only read; an
    operator, who may write, is told a right is missing, with the server's words."""
    from ordercli.db.engine import Database
    from ordercli.db.sql import execute
    from ordercli.domain.errors import PermissionDenied

    team, _ = shop
    refuse = "DO $$ BEGIN RAISE EXCEPTION 'the moon is full' USING ERRCODE = '42501'; END $$"
    seen = {}
    for role in ("ben", "anna"):
        database = Database(team.url(role))
        try:
            for kind in ("write", "read"):
                with pytest.raises(PermissionDenied) as raised:
                    with getattr(database, kind)() as connection:
                        execute(connection, refuse)
                seen[role, kind] = str(raised.value)
        finally:
            database.dispose()
    assert seen == {
        ("ben", "write"): READER_REFUSAL.removeprefix("ordercli: "),
        ("ben", "read"): "permission denied: this database user lacks a right this command needs "
                         "(the server said: the moon is full)",
        ("anna", "write"): "permission denied: this database user lacks a right this command needs "
                           "(the server said: the moon is full); nothing was changed",
        ("anna", "read"): "permission denied: this database user lacks a right this command needs "
                          "(the server said: the moon is full)",
    }


# -- an operator does the daily work, but no upgrade ---------------------------------------


def test_an_operator_does_the_daily_work(own_shop, tmp_path):
    from tests.helpers import query

    team = own_shop
    anna = team.cli("anna", tmp_path)
    ok(anna("location", "add", "south"))
    ok(anna("location", "set-default", "north"))
    ok(anna("product", "add", "IKURA", "--name", "Ikura", "--price", "31.00"))
    ok(anna("product", "update", "CHAI", "--name", "Chai tea"))
    ok(anna("product", "import", str(tmp_path / "products.csv"), "--dry-run"))
    ok(anna("product", "import", str(tmp_path / "products.csv")))
    ok(anna("stock", "receive", "IKURA", "6", "--at", "south"))
    ok(anna("stock", "adjust", "CHAI", "-1", "--reason", "damaged", "--at", "main"))
    ok(anna("stock", "transfer", "CHAI", "2", "--from", "main", "--to", "north"))
    ok(anna("promo", "add", "FIVE", "--percent", "5"))
    number = int(ok(anna("create", *CUSTOMER, "--line", "IKURA:2", "--promo", "FIVE")).stdout)
    ok(anna("verify", str(number), "--by", "anna"))
    ok(anna("status", str(number), "--to", "ready_to_ship"))
    ok(anna("carrier", "add", "DHL"))
    ok(anna("ship", str(number), "--line", "IKURA:1", "--carrier", "DHL", "--tracking", "00340434161094042557"))
    ok(anna("delete-shipment", "1", "--reason", "wrong waybill", "--restock", "south", "--yes"))
    ok(anna("ship", str(number), "--line", "IKURA:1", "--carrier", "DHL", "--tracking", "00340434161094042564"))
    ok(anna("status", "-", "--to", "canceled", "--dry-run", input="1\n"))
    ok(anna("status", "-", "--to", "canceled", input="1\n"))
    ok(anna("expire", "--older-than", "1d", "--dry-run"))
    ok(anna("expire", "--older-than", "1d"))
    statuses = {r.id: r.status for r in query(Cli(team.target, tmp_path), "SELECT id, status FROM orders")}
    assert statuses == {1: "canceled", 2: "abandoned", number: "partially_shipped"}
    stock = {(r.sku, r.name): (r.on_hand, r.reserved) for r in query(
        Cli(team.target, tmp_path), "SELECT p.sku, l.name, s.on_hand, s.reserved FROM stock_levels s "
                                    "JOIN products p ON p.id = s.product_id JOIN locations l ON l.id = s.location_id "
                                    "WHERE s.on_hand > 0 OR s.reserved > 0")}
    assert stock == {("CHAI", "main"): (7, 0), ("CHAI", "north"): (2, 0), ("IKURA", "south"): (5, 1)}
    up_to_date = ok(anna("db", "upgrade"))  # nothing to do: no schema change is asked of it
    assert "up to date" in up_to_date.stderr


def test_an_operator_may_not_touch_the_schema_version(shop):
    import psycopg

    team, _ = shop
    with psycopg.connect(team.url("anna").replace("postgresql+psycopg://", "postgresql://", 1)) as connection:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute("UPDATE alembic_version SET version_num = version_num")


def test_a_missing_grant_is_named_in_the_servers_words(own_shop, tmp_path):
    team = own_shop
    team.admin.execute(f"REVOKE USAGE ON ALL SEQUENCES IN SCHEMA {team.schema} FROM {team.name('ordercli_operator')}")
    before = snapshot(team.target)
    outcome = team.cli("anna", tmp_path)("location", "add", "south")
    assert outcome.exit_code == 6, outcome
    assert one_line(outcome) == ("ordercli: permission denied: this database user lacks a right this command needs "
                                 "(the server said: permission denied for sequence locations_id_seq); nothing was "
                                 "changed")
    assert snapshot(team.target) == before
    team.admin.execute(f"REVOKE SELECT ON {team.schema}.promo_codes FROM {team.name('ordercli_reader')}")
    outcome = team.cli("ben", tmp_path)("promo", "list")
    assert outcome.exit_code == 6, outcome
    assert one_line(outcome) == ("ordercli: permission denied: this database user lacks a right this command needs "
                                 "(the server said: permission denied for table promo_codes)")


# -- an older schema: only the owner upgrades it --------------------------------------------


def test_readers_and_operators_of_an_older_schema_are_told_to_ask_for_db_upgrade_and_nothing_is_tried(
        old_shop, tmp_path, monkeypatch):
    from ordercli.db.engine import Database, known_revisions

    team = old_shop
    before = snapshot(team.target)
    sent = statements_recorder(monkeypatch)
    for role, args in [("ben", ["list"]), ("ben", ["product", "list"]), ("ben", ["db", "upgrade"]),
                       ("ben", ["product", "add", "IKURA", "--name", "Ikura", "--price", "31.00"]),
                       ("anna", ["product", "add", "IKURA", "--name", "Ikura", "--price", "31.00"]),
                       ("anna", ["db", "upgrade"])]:
        outcome = team.cli(role, tmp_path)(*args)
        assert outcome.exit_code == 6, (role, args, outcome)
        assert one_line(outcome) == (
            f"ordercli: the database {Database(team.url(role)).display} has schema 0001 and this ordercli needs "
            f"{known_revisions()[-1]}: it must be upgraded before use, but this database user ({team.name(role)}) "
            f"may not create tables in the schema {team.schema}; ask someone who may (the role "
            f"{team.name('ordercli_owner')} or one of its members) to run `ordercli db upgrade`"), (role, args)
        assert outcome.stdout == ""
    assert any("alembic_version" in statement for statement in sent)  # the recorder saw ordercli's reads
    assert only_reads(sent) == []
    monkeypatch.undo()
    assert snapshot(team.target) == before
    info = json.loads(ok(team.cli("ben", tmp_path)("db", "info", "--json")).stdout)
    assert (info["schema"], info["up_to_date"]) == ("0001", False)


def test_a_read_only_session_of_an_older_schema_is_told_to_upgrade_where_it_can_be_written(old_shop, tmp_path):
    from ordercli.db.engine import Database, known_revisions

    team = old_shop
    team.admin.execute(f"ALTER ROLE {team.name('olga')} SET default_transaction_read_only = on")
    outcome = team.cli("olga", tmp_path)("list")
    assert outcome.exit_code == 6, outcome
    assert one_line(outcome) == (
        f"ordercli: the database {Database(team.url('olga')).display} has schema 0001 and this ordercli needs "
        f"{known_revisions()[-1]}: it must be upgraded before use, but this database session is read-only (a "
        "standby server, or read-only transactions by default); run `ordercli db upgrade` where it can be written")


def test_a_member_of_the_owner_role_upgrades_as_it_and_the_new_tables_are_granted(old_shop, tmp_path):
    team = old_shop
    olga = team.cli("olga", tmp_path)
    upgraded = ok(olga("db", "upgrade"))
    assert "upgraded the database schema from 0001 to" in upgraded.stderr
    owners = team.admin.execute(
        "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class WHERE relnamespace = %s::regnamespace "
        "UNION SELECT DISTINCT pg_get_userbyid(proowner) FROM pg_proc WHERE pronamespace = %s::regnamespace",
        (team.schema, team.schema)).fetchall()
    assert owners == [(team.name("ordercli_owner"),)]
    anna, ben = team.cli("anna", tmp_path), team.cli("ben", tmp_path)
    ok(anna("location", "add", "main"))
    ok(anna("stock", "receive", "CHAI", "3"))  # stock_levels and stock_movements came with the upgrade
    number = ok(anna("create", *CUSTOMER, "--line", "CHAI:1")).stdout.strip()
    assert '"on_hand": 3' in ok(ben("stock", "list", "--json")).stdout
    assert json.loads(ok(ben("show", number, "--json")).stdout)["number"] == int(number)
    assert ben("create", *CUSTOMER, "--line", "CHAI:1").stderr.strip() == READER_REFUSAL


def test_the_documented_setup_from_nothing_works(postgres, tmp_path):
    """Steps 1 to 4 on a new schema, the owner's first `db upgrade`, step 5; then the reader
    reads, the operator works, and nobody but the owner role owns anything."""
    schema = postgres.new_schema_name()
    target = f"{POSTGRES_URL}{'&' if '?' in POSTGRES_URL else '?'}options=-csearch_path%3D{schema}"
    team = Team(postgres, target)
    try:
        team.run(1, 2, 3, 4)
        ok(team.cli("olga", tmp_path)("db", "upgrade"))
        team.run(5)
        anna, ben = team.cli("anna", tmp_path), team.cli("ben", tmp_path)
        ok(anna("location", "add", "main"))
        ok(anna("product", "add", "CHAI", "--name", "Chai", "--price", "18.00"))
        ok(anna("stock", "receive", "CHAI", "4"))
        ok(anna("create", *CUSTOMER, "--line", "CHAI:1"))
        assert json.loads(ok(ben("list", "--json")).stdout)[0]["number"] == 1
        assert one_line(ben("location", "add", "north")) == READER_REFUSAL
        owners = postgres.connection.execute(
            "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class WHERE relnamespace = %s::regnamespace",
            (schema,)).fetchall()
        assert owners == [(team.name("ordercli_owner"),)]
    finally:
        postgres.drop_schema(schema)
        team.drop()
