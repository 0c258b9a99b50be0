"""A catalogue exported with `product list --csv` imports back unchanged, formula-like names too."""

import csv
import io

NAMES = {"F1": "=1+1", "F2": "'=1+1", "F3": "-5 % sale", "F4": "@home", "F5": "'t Hoekje", "F6": "+ extra"}


def test_product_list_csv_imports_back_without_changing_a_name(cli, tmp_path):
    for sku, name in NAMES.items():
        outcome = cli("product", "add", sku, "--name", name, "--price", "1.00")
        assert outcome.exit_code == 0, outcome
    exported = cli("product", "list", "--csv")
    assert exported.exit_code == 0, exported
    written = {r["sku"]: r["name"] for r in csv.DictReader(io.StringIO(exported.stdout, newline=""))}
    assert written["F1"] == "'=1+1" and written["F2"] == "''=1+1" and written["F5"] == "'t Hoekje"

    path = tmp_path / "catalogue.csv"
    path.write_text(exported.stdout, encoding="utf-8", newline="")
    imported = cli("product", "import", str(path))
    assert imported.exit_code == 0, imported
    assert "updated 6" in imported.stderr
    assert {sku: cli.json("product", "show", sku)["name"] for sku in NAMES} == NAMES
    # and a second round changes nothing either
    again = cli("product", "list", "--csv")
    assert again.stdout == exported.stdout
