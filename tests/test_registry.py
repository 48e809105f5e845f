"""The market register: idempotent adds, one-transaction CSV imports, located errors, the example register."""
from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import cli
import footprint
from footprint.market.registry import (
    Entry,
    Register,
    RegistryError,
    default_path,
    read_csv,
)

REPO = Path(__file__).resolve().parents[1]
HEADER = ("declaration_id,rule_id,rule_version,declarant,date,year,mass_kg,content_sha256,value:climate_change,"
          "coverage:climate_change\n")


def _entry(ident: str, value: float = 20.0, mass: float = 1000.0, year: int = 2024) -> Entry:
    return Entry(declaration_id=ident, rule_id="r", rule_version="1.0.0", year=year, mass_kg=mass,
                 values={"climate_change": value}, coverage={"climate_change": "complete"})


def _snapshot(path: Path) -> list:
    return [(r["declaration_id"], r["year"], r["mass_kg"], r["values"]) for r in Register(path).rows()]


def test_adding_the_same_declaration_and_year_twice_replaces_the_mass(tmp_path):
    register = Register(tmp_path / "m.sqlite")
    first = register.add([_entry("a", mass=1000.0)])
    second = register.add([_entry("a", mass=1500.0)])
    assert (first.added, second.added, second.updated) == (1, 0, 1)
    rows = register.rows()
    assert len(rows) == 1 and rows[0]["mass_kg"] == 1500.0
    register.add([_entry("a", mass=700.0, year=2025)])          # another year is another placement
    points, _unit = register.points("r", "climate_change", 2024, 2025)
    assert [(p.declaration_id, p.mass_kg) for p in points] == [("a", 2200.0)]


def test_a_declaration_cannot_change_its_numbers(tmp_path):
    register = Register(tmp_path / "m.sqlite")
    register.add([_entry("a", value=20.0)])
    with pytest.raises(RegistryError, match="registered with climate_change = 20.0"):
        register.add([_entry("b"), _entry("a", value=21.0)])
    assert [r["declaration_id"] for r in register.rows()] == ["a"]   # 'b' was rolled back too


def test_csv_import_and_filters(tmp_path):
    csv_path = tmp_path / "r.csv"
    csv_path.write_text(HEADER + "a,r,1.0.0,Acme,2024-01-31,2024,1000,,20,complete\n"
                                 "a,r,1.0.0,Acme,2024-01-31,2025,1200,,20,complete\n"
                                 "b,s,2.0.0,,,2025,5,,7.5,partial\n")
    result = footprint.market_import(csv_path, register=tmp_path / "m.sqlite")
    assert (result.added, result.updated) == (3, 0)
    again = footprint.market_import(csv_path, register=tmp_path / "m.sqlite")
    assert (again.added, again.updated) == (0, 3)                     # no double count
    assert len(footprint.market_rows(register=tmp_path / "m.sqlite", year=2025)) == 2
    assert [r["declaration_id"] for r in footprint.market_rows(register=tmp_path / "m.sqlite", rule="s")] == ["b"]


@pytest.mark.parametrize("row, line, field", [
    ("c,r,1.0.0,X,2024-01-31,2024,abc,,20\n", 3, "mass_kg"),
    ("c,r,1.0.0,X,2024-01-31,20x4,10,,20\n", 3, "year"),
    ("c,r,1.0.0,X,2024-01-31,2024,-5,,20\n", 3, "mass_kg"),
    ("c,r,1.0.0,X,2024-01-31,2024,10,,twenty\n", 3, "value:climate_change"),
    ("c,r,1.0.0,X,31/01/2024,2024,10,,20\n", 3, "date"),
    (",r,1.0.0,X,2024-01-31,2024,10,,20\n", 3, "declaration_id"),
    ("a,r,1.0.0,X,2024-01-31,2024,10,,20\n", 3, "declaration_id"),     # same id and year as line 2
])
def test_a_malformed_row_names_line_and_field_and_the_register_keeps_its_content(tmp_path, row, line, field):
    register = tmp_path / "m.sqlite"
    Register(register).add([_entry("old", value=3.0)])
    before = _snapshot(register)
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "a,r,1.0.0,X,2024-01-31,2024,10,,20\n" + row)
    with pytest.raises(RegistryError) as caught:
        footprint.market_import(bad, register=register)
    assert f"bad.csv:{line}" in str(caught.value) and f"field '{field}'" in str(caught.value)
    assert _snapshot(register) == before


def test_a_conflict_found_while_writing_rolls_back_the_whole_import(tmp_path):
    register = tmp_path / "m.sqlite"
    Register(register).add([_entry("x", value=3.0)])
    before = _snapshot(register)
    bad = tmp_path / "conflict.csv"
    bad.write_text(HEADER + "new1,r,1.0.0,X,2024-01-31,2024,10,,20,complete\n"
                   "x,r,1.0.0,X,2024-01-31,2025,10,,4,complete\n")
    with pytest.raises(RegistryError, match="registered with climate_change"):
        footprint.market_import(bad, register=register)
    assert _snapshot(register) == before


def test_cli_import_error_exits_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "a,r,1.0.0,X,2024-01-31,2024,lots,,20\n")
    result = CliRunner().invoke(cli.main, ["market", "import", str(bad), "--register", str(tmp_path / "m.sqlite")])
    assert result.exit_code == 2
    assert "bad.csv:2" in result.output and "mass_kg" in result.output and "Traceback" not in result.output


def test_header_problems_are_named(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("declaration_id,rule_id,year,mass_kg,value:climate_change\n")
    with pytest.raises(RegistryError, match="field 'rule_version'"):
        read_csv(path)
    path.write_text(HEADER.replace("value:climate_change", "gwp"))
    with pytest.raises(RegistryError, match="unknown column"):
        read_csv(path)


def test_a_file_that_is_not_a_register_is_an_error(tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_text("not a database at all, just text" * 100)
    with pytest.raises(RegistryError, match="cannot use the register"):
        Register(junk).rows()


def test_default_register_lives_under_footprint_home(footprint_home):
    assert default_path() == footprint_home / "market.sqlite"


def test_an_sqlalchemy_url_works_like_a_path(tmp_path):
    register = Register(f"sqlite:///{tmp_path / 'm.sqlite'}")
    register.add([_entry("a")])
    register.add([_entry("a", mass=5.0)])
    assert [(r["declaration_id"], r["mass_kg"]) for r in register.rows()] == [("a", 5.0)]


def test_market_add_from_a_declaration_file(example_declaration, tmp_path):
    decl = footprint.write_declaration(example_declaration, tmp_path / "d.json")
    register = tmp_path / "m.sqlite"
    runner = CliRunner()
    for _ in range(2):
        result = runner.invoke(cli.main, ["market", "add", str(decl), "--mass", "250000", "--year", "2025",
                                          "--register", str(register)])
        assert result.exit_code == 0, result.output
    rows = footprint.market_rows(register=register)
    assert len(rows) == 1 and rows[0]["mass_kg"] == 250000.0
    assert rows[0]["content_sha256"] == example_declaration["content_sha256"]
    declared = {r["category"] for r in example_declaration["results"]}  # schema 2.0: results = declared only
    assert set(rows[0]["values"]) == declared and "climate_change" in declared
    listing = runner.invoke(cli.main, ["market", "list", "--register", str(register)])
    assert "1 row(s), 1 declaration(s), 250 t" in listing.output


# ------------------------------------------------------------------ the example register

def test_example_generator_is_deterministic_and_matches_the_committed_file(tmp_path):
    sys.path.insert(0, str(REPO / "examples" / "market"))
    try:
        import generate
    finally:
        sys.path.pop(0)
    written = generate.write(tmp_path)
    assert written.read_bytes() == (REPO / "examples" / "market" / "register.csv").read_bytes()


def test_example_register_imports_with_a_few_hundred_declarations(tmp_path):
    register = tmp_path / "m.sqlite"
    result = footprint.market_import(REPO / "examples" / "market" / "register.csv", register=register)
    assert result.added == 360
    rows = footprint.market_rows(register=register)
    assert {r["rule_id"] for r in rows} == {"ndpr-oxide", "ndfeb-magnet"}
    assert {r["year"] for r in rows} == {2022, 2023, 2024, 2025}
    with sqlite3.connect(register) as conn:
        assert conn.execute("SELECT COUNT(*) FROM declarations").fetchone()[0] == 360


def test_reading_a_register_that_does_not_exist_says_so_and_creates_nothing(tmp_path):
    missing = tmp_path / "none" / "m.sqlite"
    with pytest.raises(RegistryError, match="does not exist yet"):
        footprint.market_rows(register=missing)
    result = CliRunner().invoke(cli.main, ["classes", "derive", "--rule", "r", "--window", "2023-2025",
                                           "--register", str(missing), "-o", str(tmp_path / "s.json")])
    assert result.exit_code == 2 and "does not exist yet" in result.output
    assert not missing.exists()


def test_a_declaration_cannot_change_its_units(tmp_path):
    register = Register(tmp_path / "m.sqlite")
    register.add([Entry("a", "r", "1.0.0", 2024, 1000.0, {"climate_change": 20.0}, {"climate_change": "kg CO2-Eq"},
                        coverage={"climate_change": "complete"})])
    with pytest.raises(RegistryError, match="field 'unit:climate_change'.*found: 't CO2-Eq'"):
        register.add([Entry("a", "r", "1.0.0", 2025, 1000.0, {"climate_change": 20.0},
                            {"climate_change": "t CO2-Eq"}, coverage={"climate_change": "complete"})])
    assert [r["year"] for r in register.rows()] == [2024]


def test_an_sqlalchemy_url_to_a_file_that_is_not_a_database_is_one_clean_error(tmp_path):
    junk = tmp_path / "junk.sqlite"
    junk.write_text("not a database at all, just text" * 100)
    with pytest.raises(RegistryError, match="cannot use the register"):
        Register(f"sqlite:///{junk}").rows()
    result = CliRunner().invoke(cli.main, ["market", "list", "--register", f"sqlite:///{tmp_path}/no/such/dir/m.db"])
    assert result.exit_code == 2 and "does not exist yet" in result.output  # a URL reads like a path
    assert "Traceback" not in result.output


def test_reading_an_sqlite_file_that_is_not_a_register_changes_nothing(tmp_path):
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    before = other.read_bytes()
    with pytest.raises(RegistryError, match="cannot use the register: no such table"):
        Register(other).rows()
    assert other.read_bytes() == before


def test_writing_into_an_sqlite_file_of_another_application_is_refused(tmp_path):
    """Before: ``market add --register places.sqlite`` (another tool's database given by mistake) created the
    register's tables inside it and registered there, exit 0."""
    other = tmp_path / "places.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE bookmarks (url TEXT)")
    before = other.read_bytes()
    with pytest.raises(RegistryError, match="an SQLite database of something else, not a footprint register") as caught:
        Register(other).add([_entry("a")])
    assert (caught.value.field, caught.value.value) == ("tables", "bookmarks")
    assert other.read_bytes() == before
    empty = tmp_path / "empty.sqlite"
    sqlite3.connect(empty).close()  # an empty SQLite file (0 bytes) is written: nothing of anyone's is in it
    Register(empty).add([_entry("a")])
    assert [r["declaration_id"] for r in Register(empty).rows()] == ["a"]


def test_a_register_another_process_holds_is_one_line_naming_what_to_do(tmp_path, monkeypatch):
    """SQLite waits (30 s) for another writer; then the message said 'expected a footprint market register', as if
    the file were not one."""
    import time

    from footprint.market import db

    path = tmp_path / "m.sqlite"
    Register(path).add([_entry("a")])
    db.dispose(str(path))
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        import sqlalchemy

        # the 30 s wait shortened to 0.2 s: the same error, sooner
        quick = sqlalchemy.create_engine(db.url_for(str(path)), connect_args={"timeout": 0.2})
        monkeypatch.setitem(db._ENGINES, db.url_for(str(path)), quick)
        started = time.monotonic()
        with pytest.raises(RegistryError, match="database is locked") as caught:
            Register(path).rows()
        assert "another footprint command or tool holds it" in str(caught.value)
        assert time.monotonic() - started < 10
    finally:
        holder.rollback()
        holder.close()
        db.dispose(str(path))


# ------------------------------------------------------------------ both databases, migrations

LEGACY_DDL = (  # the register schema footprint 0.1 wrote with CREATE TABLE IF NOT EXISTS, before migrations
    "CREATE TABLE IF NOT EXISTS declarations (id TEXT PRIMARY KEY, rule_id TEXT NOT NULL, "
    "rule_version TEXT NOT NULL, declarant TEXT, date TEXT, content_sha256 TEXT)",
    "CREATE TABLE IF NOT EXISTS category_values (declaration_id TEXT NOT NULL, category TEXT NOT NULL, "
    "value REAL NOT NULL, unit TEXT, PRIMARY KEY (declaration_id, category))",
    "CREATE TABLE IF NOT EXISTS placements (declaration_id TEXT NOT NULL, year INTEGER NOT NULL, "
    "mass_kg REAL NOT NULL, PRIMARY KEY (declaration_id, year))",
)


def _tables(target) -> set[str]:
    import sqlalchemy

    from footprint.market import db

    with db.transaction(target, write=False) as conn:
        return set(sqlalchemy.inspect(conn).get_table_names())


def test_the_register_behaves_the_same_on_sqlite_and_postgresql(database):
    register = Register(database)
    assert (register.add([_entry("a", mass=1000.0)]).added, register.add([_entry("a", mass=1500.0)]).updated) == (1, 1)
    register.add([_entry("a", mass=700.0, year=2025), _entry("b", value=30.0, mass=100.0)])
    with pytest.raises(RegistryError, match="registered with climate_change = 20.0"):
        register.add([_entry("c"), _entry("a", value=21.0)])
    assert [(r["declaration_id"], r["year"], r["mass_kg"]) for r in register.rows()] == [
        ("a", 2024, 1500.0), ("b", 2024, 100.0), ("a", 2025, 700.0)]           # 'c' was rolled back
    points, _unit = register.points("r", "climate_change", 2024, 2025)
    # a: 1500 + 700 kg over the window = 2200 kg; b: 100 kg
    assert [(p.declaration_id, p.value, p.mass_kg) for p in points] == [("a", 20.0, 2200.0), ("b", 30.0, 100.0)]


def test_migrations_build_every_table_from_an_empty_database(database):
    from footprint.market import db

    db.upgrade(database)
    assert db.current_revision(database) == db.head_revision() == "0009"
    assert {"declarations", "category_values", "placements", "published", "audiences", "pf_keys", "clients",
            "events", "alembic_version"} <= _tables(database)
    db.dispose(database)
    db.upgrade(database, "0001")                      # idempotent: already past 0001, nothing changes
    assert db.current_revision(database) == "0009"


def test_a_register_from_before_the_migrations_is_stamped_and_keeps_its_rows(database):
    """The current (legacy) schema with rows, no alembic_version: the first write upgrades it in place."""
    import sqlalchemy

    from footprint.market import db

    with db.engine(database).begin() as conn:
        for statement in LEGACY_DDL:
            conn.exec_driver_sql(statement)
        conn.execute(sqlalchemy.text("INSERT INTO declarations VALUES ('old', 'r', '1.0.0', 'Acme', '2024-01-31', "
                                     "NULL)"))
        conn.execute(sqlalchemy.text("INSERT INTO category_values VALUES ('old', 'climate_change', 12.5, NULL)"))
        conn.execute(sqlalchemy.text("INSERT INTO placements VALUES ('old', 2024, 400.0)"))
    assert db.current_revision(database) is None
    register = Register(database)
    assert [(r["declaration_id"], r["values"]) for r in register.rows()] == [("old", {"climate_change": 12.5})]
    assert db.current_revision(database) is None      # a read changes nothing
    register.add([_entry("new")])
    assert db.current_revision(database) == db.head_revision()
    assert [r["declaration_id"] for r in register.rows()] == ["new", "old"]
    assert "published" in _tables(database)


def test_an_unreachable_database_url_is_one_line_and_exit_2(tmp_path):
    url = "postgresql://footprint:s3cret@127.0.0.1:9/none?connect_timeout=2"   # nothing listens on port 9
    with pytest.raises(RegistryError) as caught:
        Register(url).add([_entry("a")])
    message = str(caught.value)
    assert "cannot use the register" in message and "\n" not in message
    assert "s3cret" not in message                     # the password never reaches a message
    result = CliRunner().invoke(cli.main, ["market", "list", "--register", url])
    assert result.exit_code == 2 and "Traceback" not in result.output and "s3cret" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_register_written_by_a_newer_footprint_is_refused_for_reading_and_writing(tmp_path):
    """A register at a revision this footprint does not know: `market add` was an Alembic traceback and
    `market list` / `classes derive` read tables whose meaning a newer migration may have changed."""
    import sqlalchemy

    from footprint.market import db

    path = tmp_path / "newer.sqlite"
    Register(path).add([_entry("a")])
    with db.engine(path).begin() as conn:
        conn.execute(sqlalchemy.text("UPDATE alembic_version SET version_num = '0099'"))
    db.dispose(path)
    for command in (["market", "list", "--register", str(path)],
                    ["market", "import", str(Path(__file__).parents[1] / "examples" / "market" / "register.csv"),
                     "--register", str(path)],
                    ["classes", "derive", "--rule", "r", "--window", "2022-2024", "--register", str(path),
                     "-o", str(tmp_path / "s.json")]):
        result = CliRunner().invoke(cli.main, command)
        assert result.exit_code == 2, (command, result.output)
        assert "written by a newer footprint" in result.output and "'0099'" in result.output
        assert "Traceback" not in result.output
    with pytest.raises(RegistryError, match="written by a newer footprint"):
        Register(path).add([_entry("b")])
    with sqlite3.connect(path) as conn:                # left as it was
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0099",)]


def test_a_register_csv_with_a_repeated_column_is_refused(tmp_path):
    """A second mass_kg column replaced the first one's 185508 kg with its 5 kg (exit 0)."""
    path = tmp_path / "r.csv"
    path.write_text("declaration_id,rule_id,rule_version,declarant,date,year,mass_kg,content_sha256,"
                    "value:climate_change,mass_kg\nd1,r,1.0.0,Acme,2022-01-31,2022,185508,,15.44,5\n")
    with pytest.raises(RegistryError, match="a column appears more than once") as caught:
        read_csv(path)
    assert caught.value.field == "mass_kg"


def test_the_standard_unit_of_every_category_the_engine_declares_is_its_unit():
    """Before: crustal_scarcity (a supplementary indicator a rule declares) had none, so register rows without a
    unit were left out of the one-unit check and mixed with rows in g Si-Eq."""
    from footprint.inputs.categories import all_categories
    from footprint.market.registry import standard_unit

    assert {c.id: standard_unit(c.id) for c in all_categories()} == {c.id: c.unit for c in all_categories()}
