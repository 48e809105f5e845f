"""Strict readers: every input mistake is exit 2 with a short, located message, never a silent wrong number.

One regression test per defect of issue 10 ("Input mistakes become silent wrong numbers", "19 tracebacks
from 9 causes" except set-up races, "Other"), then property-based tests (hypothesis) of the YAML, JSON
and XLSX readers: whatever the bytes, no traceback, and a number that is read is the number written.
"""
from __future__ import annotations

import io
import json
import math
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import cli
import footprint
from footprint import _json, _yaml
from footprint._io import load_yaml
from footprint.errors import ActivityDataError, DeclarationError, FootprintError

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
RULE = REPO / "rules" / "ndpr-oxide.yaml"
DIESEL = "{kind: diesel, amount: 611000, unit: GJ,"  # the mining diesel line of the example (line 25)

PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def invoke(*args: Any) -> Result:
    return CliRunner().invoke(cli.main, [str(a) for a in args])


def assert_exit_2(result: Result, *fragments: str) -> str:
    """Exit 2, one error line, no traceback; returns stderr."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr, result.exception)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.stderr + result.stdout
    for fragment in fragments:
        assert fragment in result.stderr, (fragment, result.stderr)
    return result.stderr


def edited_example(tmp_path: Path, old: str, new: str, name: str = "activity.yaml") -> Path:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text
    target = tmp_path / name
    target.write_text(text.replace(old, new, 1), encoding="utf-8")
    return target


# ============================================================ regressions: input mistakes, silent wrong numbers

def test_a_duplicate_yaml_key_is_refused_naming_both_places(project, tmp_path):
    # Before: 'amount: 611000, amount: 6110000' silently declared the second amount (48.79 instead of 44.62).
    data = edited_example(tmp_path, DIESEL, "{kind: diesel, amount: 611000, amount: 6110000, unit: GJ,")
    stderr = assert_exit_2(invoke("declare", "ndpr-oxide", data, "-o", tmp_path / "d.json"),
                           "duplicate key 'amount'", "line 25 column 24", "line 25 column 40")
    assert not (tmp_path / "d.json").exists()
    assert stderr.count("\n") == 1


def test_a_duplicate_key_in_block_style_names_both_lines(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("production:\n  amount: 2000\n  unit: t\n  amount: 20000\n", encoding="utf-8")
    with pytest.raises(ActivityDataError, match=r"duplicate key 'amount': given at line 2 column 3 and again at "
                                                r"line 4 column 3"):
        load_yaml(path, ActivityDataError)


def test_an_xlsx_formula_without_a_cached_value_is_refused_naming_sheet_and_cell(project, tmp_path):
    # Before: the amount cell read as empty and the input was dropped (44.15 instead of 44.62), exit 0.
    from openpyxl import load_workbook

    template = tmp_path / "t.xlsx"
    assert invoke("template", "ndpr-oxide", "--format", "xlsx", "-o", template).exit_code == 0
    book = load_workbook(template)
    sheet = book["mining"]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, 2).value == "diesel")
    sheet.cell(row, 4).value = "=611000*1"  # openpyxl writes the formula without a computed value
    book.save(template)
    assert_exit_2(invoke("declare", "ndpr-oxide", template, "-o", tmp_path / "d.json"),
                  f"sheet 'mining' cell D{row}", "formula without a computed value: =611000*1")


def test_an_xlsx_formula_with_a_cached_value_reads_that_value(tmp_path):
    """What Excel saves: the formula and its last result; the result is what the producer saw."""
    from footprint.inputs.activity_xlsx import read_xlsx

    path = _workbook_with_cell(tmp_path, formula="=2*3", value="6")
    raw, _book = read_xlsx(path)
    assert raw["processes"]["p"]["output"]["amount"] == 6


def _workbook_with_cell(tmp_path: Path, *, value: str, formula: str | None = None) -> Path:
    """A minimal activity workbook whose output amount (sheet 'p', cell D2) holds exactly ``value`` (the XML text),
    computed by ``formula`` if given (a formula with its cached value, as Excel saves it).

    openpyxl can write neither cached values nor all 17 digits, so the cell's XML is patched in the saved file.
    """
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "declarant"
    book.active.append(["key", "value"])
    sheet = book.create_sheet("p")
    sheet.append(["section", "item", "compartment", "amount", "unit"])
    sheet.append(["output", "x", None, "PLACEHOLDER", "kg"])
    buffer = io.BytesIO()
    book.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    path = tmp_path / "cached.xlsx"
    with zipfile.ZipFile(path, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":
                text = data.decode()
                inner = (f"<f>{formula[1:]}</f>" if formula else "") + f"<v>{value}</v>"
                text = re.sub(r'<c r="D2"[^>]*>.*?</c>', f'<c r="D2">{inner}</c>', text)
                data = text.encode()
            target.writestr(item, data)
    return path


# ============================================================ regressions: tracebacks that are now exit 2

def test_an_amount_of_1e308_is_exit_2_naming_the_input_not_a_runtime_error(project, tmp_path):
    # Before: RuntimeError "contributions of ozone_depletion (nan) do not add up to the total (nan)".
    data = edited_example(tmp_path, DIESEL, "{kind: diesel, amount: 1.0e+308, unit: GJ,")
    assert_exit_2(invoke("declare", "ndpr-oxide", data, "-o", tmp_path / "d.json"),
                  "processes.mining.inputs[0]", "overflows when converted from 'GJ'")


def test_a_result_that_overflows_once_scaled_names_the_input(project, tmp_path):
    """Finite inputs, infinite result: 1e304 kg of PM2.5 scaled to a declared unit of 1e12 kg."""
    rule = tmp_path / "rule.yaml"
    text = RULE.read_text(encoding="utf-8")
    text = text.replace("\nversion: 1.1.0\n", "\nversion: 1.1.1\n")  # a changed rule is a version of its own
    rule.write_text(re.sub(r"(declared_unit:\n  amount: )1\b", r"\g<1>1e12", text, count=1), encoding="utf-8")
    data = edited_example(tmp_path, "amount: 70.4, unit: t", "amount: 1.0e+304, unit: kg")
    assert_exit_2(invoke("declare", rule, data, "-o", tmp_path / "d.json"),
                  "processes.mining.emissions[0]", "is not a finite number")
    assert not (tmp_path / "d.json").exists()


DEEP = "[" * 200_000 + "]" * 200_000


@pytest.mark.parametrize("command", [
    ["report", "{decl}", "-o", "{tmp}/r.html"],
    ["export", "{decl}", "--format", "csv", "-o", "{tmp}/x.csv"],
    ["verify", "{decl}"],
    ["market", "add", "{decl}", "--mass", "1", "--year", "2025", "--register", "{tmp}/m.sqlite"],
    ["classes", "assign", "{decl}", "--scheme", "{decl}", "-o", "{tmp}/c.json"],
], ids=["report", "export", "verify", "market-add", "classes-assign"])
def test_200000_nested_brackets_are_exit_2_not_recursion_error(tmp_path, command):
    decl = tmp_path / "deep.json"
    decl.write_text(DEEP, encoding="utf-8")
    args = [part.format(decl=decl, tmp=tmp_path) for part in command]
    assert_exit_2(invoke(*args), "nested too deeply")


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 truncated", bytes(range(256)) * 20],
                         ids=["empty", "truncated-zip", "random"])
def test_a_truncated_or_random_xlsx_is_exit_2_not_bad_zip_file(project, tmp_path, content):
    path = tmp_path / "activity.xlsx"
    path.write_bytes(content)
    assert_exit_2(invoke("declare", "ndpr-oxide", path, "-o", tmp_path / "d.json"), "not a readable XLSX workbook")


def test_a_half_written_template_is_exit_2(project, tmp_path):
    template = tmp_path / "t.xlsx"
    assert invoke("template", "ndpr-oxide", "--format", "xlsx", "-o", template).exit_code == 0
    data = template.read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(data[: len(data) * 2 // 3])
    assert_exit_2(invoke("declare", "ndpr-oxide", cut, "-o", tmp_path / "d.json"), "not a readable XLSX workbook")


def test_binary_bytes_to_market_import_are_a_clear_error(tmp_path):
    # Before: UnicodeDecodeError traceback.
    path = tmp_path / "register.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert_exit_2(invoke("market", "import", path, "--register", tmp_path / "m.sqlite"), "binary file")


def test_latin1_text_to_market_import_names_the_line(tmp_path):
    path = tmp_path / "register.csv"
    path.write_bytes("declaration_id,rule_id\nd1,r\u00e9gle\n".encode("latin-1"))
    assert_exit_2(invoke("market", "import", path, "--register", tmp_path / "m.sqlite"), "not UTF-8 text",
                  "(line 2)")


@pytest.mark.parametrize("suffix,reader", [(".yaml", "declare"), (".json", "report")])
def test_binary_input_anywhere_is_a_clear_error(tmp_path, suffix, reader):
    path = tmp_path / f"input{suffix}"
    path.write_bytes(b"\x00\x01\x02binary\xff")
    args = ["declare", "ndpr-oxide", path, "-o", tmp_path / "d.json"] if reader == "declare" else \
        ["report", path, "-o", tmp_path / "r.html"]
    assert_exit_2(invoke(*args), "binary file")


# ============================================================ regressions: other

def test_an_error_about_a_50_mb_value_echoes_an_excerpt():
    # Before: the whole value went to stderr.
    huge = "x" * 50_000_000
    text = str(ActivityDataError("unknown unit", file="a.yaml", field="unit", value=huge,
                                 expected="a unit"))
    assert len(text) < 300
    assert "(50000000 characters)" in text
    message = str(FootprintError("found " + huge))
    assert len(message) < 2200 and "(50000006 characters)" in message


def test_a_huge_unit_in_activity_data_gives_a_short_error(project, tmp_path):
    data = edited_example(tmp_path, "amount: 611000, unit: GJ,", f"amount: 611000, unit: G{'J' * 2_000_000},")
    stderr = assert_exit_2(invoke("declare", "ndpr-oxide", data, "-o", tmp_path / "d.json"))
    assert len(stderr) < 3000


def test_a_long_exclusion_list_is_summarised_in_the_warning(project, tmp_path):
    # Before: a 700,000-item exclusion list printed 16 MB of warnings (every item, in one warning).
    items = "".join(f'      - {{item: "part {n}", reason: "tiny"}}\n' for n in range(3000))
    data = edited_example(tmp_path, "    excluded:\n", "    excluded:\n" + items)
    result = invoke("declare", "ndpr-oxide", data, "-o", tmp_path / "d.json")
    assert result.exit_code == 0, result.stderr
    warning = next(line for line in result.stdout.splitlines() if "excluded item(s)" in line)
    assert "3001 excluded item(s)" in warning and "and 2991 more" in warning
    assert len(warning) < 600
    document = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))
    assert len(document["cut_off"]["excluded"]) == 3001  # the declaration keeps every item


def test_nan_in_a_rehashed_declaration_is_refused(example_declaration, tmp_path):
    # Before: a declaration edited to "value": NaN and re-hashed was assigned class G.
    from footprint.inputs.upstream import content_hash

    forged = json.loads(json.dumps(example_declaration))
    forged["results"][0]["value"] = float("nan")
    body = {k: v for k, v in forged.items() if k != "content_sha256"}
    forged["content_sha256"] = __import__("hashlib").sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()
    path = tmp_path / "nan.json"
    path.write_text(json.dumps(forged), encoding="utf-8")  # Python writes the NaN token
    assert "NaN" in path.read_text(encoding="utf-8")
    assert_exit_2(invoke("classes", "assign", path, "--scheme", path, "-o", tmp_path / "c.json"),
                  "'NaN' is not a JSON number")
    with pytest.raises(DeclarationError, match="NaN"):
        footprint.read_declaration(path)
    with pytest.raises(ValueError):
        content_hash(forged)  # the canonical form refuses NaN too: it can never be hashed or written


def test_ctrl_c_exits_130_not_1(monkeypatch, tmp_path):
    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("footprint.api.verify_declaration", interrupted)
    result = invoke("verify", tmp_path / "any.json")
    assert result.exit_code == 130
    assert "interrupted" in result.stderr


def test_names_printed_to_a_terminal_lose_their_control_characters(project, tmp_path):
    data = edited_example(tmp_path, "name: Example Rare Earths Co., Ltd. (fictional)",
                          'name: "Example\\x1b[2J\\x1b]0;pwned\\x07 Co.\\u202e"')
    result = invoke("declare", "ndpr-oxide", data, "-o", tmp_path / "d.json")
    assert result.exit_code == 0, result.stderr
    assert "Example[2J]0;pwned Co." in result.stdout
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]", result.stdout)
    document = json.loads((tmp_path / "d.json").read_text(encoding="utf-8"))
    assert document["declarant"]["name"] == "Example\x1b[2J\x1b]0;pwned\x07 Co.\u202e"  # the data keep them


def test_an_error_echoing_an_escape_sequence_is_cleaned(project, tmp_path):
    data = edited_example(tmp_path, "amount: 611000, unit: GJ,", 'amount: 611000, unit: "\\x1b[31mGJ",')
    stderr = assert_exit_2(invoke("declare", "ndpr-oxide", data, "-o", tmp_path / "d.json"))
    assert "\x1b[31m" not in stderr.replace("\x1b[31merror", "").replace("\x1b[0m", "")


# ============================================================ YAML 1.2 core schema, decided case by case

@pytest.mark.parametrize("text,value", [
    ("1e3", 1000.0), ("7e-5", 7e-5), (".5", 0.5), ("1.", 1.0), ("+12.5e+3", 12500.0), ("-0", 0), ("0", 0),
    ("1:30", "1:30"), ("yes", "yes"), ("no", "no"), ("on", "on"), ("off", "off"), ("NO", "NO"), ("1_000", "1_000"),
    ("true", True), ("FALSE", False), ("~", None), ("null", None), ("2025-01-31", __import__("datetime").date(2025, 1, 31)),
])
def test_yaml_scalars_follow_the_1_2_core_schema(text, value):
    assert _yaml.loads(f"a: {text}") == {"a": value}


@pytest.mark.parametrize("text,advice", [
    ("0x10", "write it in decimal (16)"), ("0o10", "write it in decimal (8)"), ("0b11", "write it in decimal (3)"),
    ("010", "YAML 1.1 reads it as octal (8), YAML 1.2 as 10"), ("-007", "write -7"),
    ("1e400", "number out of range"), ("!!bool yes", "not a boolean"), ("2025-13-45", "not a date"),
])
def test_ambiguous_or_impossible_yaml_scalars_are_refused(tmp_path, text, advice):
    path = tmp_path / "a.yaml"
    path.write_text(f"amount: {text}\n", encoding="utf-8")
    with pytest.raises(ActivityDataError, match=re.escape(advice)) as caught:
        load_yaml(path, ActivityDataError)
    assert "line 1" in str(caught.value)


def test_an_amount_written_1e3_is_a_number(example_copy):
    """PyYAML's 1.1 resolver reads 6.11e5 as the string '6.11e5' (then: 'amount is not a number')."""
    from footprint.inputs.activity import load_activity

    text = example_copy.read_text(encoding="utf-8").replace("amount: 611000, unit: GJ", "amount: 6.11e5, unit: GJ")
    example_copy.write_text(text, encoding="utf-8")
    loaded = load_activity(example_copy)
    assert loaded.data.processes["mining"].inputs[0].amount == 611000.0


def test_every_shipped_yaml_file_reads_the_same_under_the_strict_loader():
    """The strict loader changes nothing in the files we ship (no 1.1-only forms hide in them)."""
    files = [p for folder in ("rules", "inventories", "examples") for p in (REPO / folder).rglob("*.yaml")]
    files += [REPO / "footprint" / "data" / "adp-ree-extension.yaml"]
    assert len(files) > 80
    exponent_floats = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        old = _as_yaml_1_2(yaml.load(text, Loader=yaml.SafeLoader), path, exponent_floats)
        assert _yaml.loads(text) == old, path
    # The one difference found: YAML 1.1 reads '3e-06' as text (the dataset model then made a float of it).
    assert all(re.fullmatch(r"[-+]?[0-9.]+[eE][-+]?[0-9]+", found) for found, _path in exponent_floats)


def _as_yaml_1_2(value: Any, path: Path, found: list) -> Any:
    """A YAML 1.1 reading with its exponent-without-dot strings ('3e-06') turned into the floats 1.2 reads."""
    if isinstance(value, dict):
        return {k: _as_yaml_1_2(v, path, found) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_yaml_1_2(v, path, found) for v in value]
    if isinstance(value, str) and re.fullmatch(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)[eE][-+]?[0-9]+", value):
        found.append((value, path))
        return float(value)
    return value


# ============================================================ JSON

@pytest.mark.parametrize("text,message", [
    ('{"a": NaN}', "'NaN' is not a JSON number"), ('{"a": -Infinity}', "'-Infinity' is not a JSON number"),
    ('{"a": 1e400}', "number out of range"), ('{"a": 1, "a": 2}', "duplicate key 'a'"),
    ('{"a": ' + "1" * 5000 + "}", "number out of range"), ('{"a": [1,', "not valid JSON"),
    ("[" * 65 + "]" * 65, "nested too deeply"),
])
def test_strict_json_refuses_what_python_accepts_or_crashes_on(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        _json.loads(text)


def test_a_json_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    path = tmp_path / "big.json"
    path.write_text("[" + "0," * 100 + "0]", encoding="utf-8")
    with pytest.raises(DeclarationError, match="file too large"):
        _json.load(path, DeclarationError, expected="a declaration", max_bytes=100)


# ============================================================ property-based: no traceback, no changed value

@PROPERTY
@given(st.text(max_size=300))
def test_yaml_reader_never_raises_anything_but_a_footprint_error(tmp_path, text):
    _load_or_refuse(tmp_path, text)


def _load_or_refuse(tmp_path: Path, text: str) -> None:
    """Read ``text`` as a YAML file: a value or an ActivityDataError, anything else fails the test."""
    path = tmp_path / "any.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        load_yaml(path, ActivityDataError)
    except ActivityDataError:
        pass


_YAML_PIECES = st.sampled_from(["a", ":", " ", "\n", "  ", "- ", "[", "]", "{", "}", ",", "0", "1", "e", ".", "-",
                                "+", "x", "'", '"', "&a", "*a", "<<", "!!int", "!!float", "!!bool", "~", "#", "|",
                                "0x", "0o", "yes", "inf", ".nan", "2025-02-30", "?", "\t"])


@PROPERTY
@given(st.lists(_YAML_PIECES, max_size=40).map("".join))
def test_yaml_reader_on_yaml_like_noise_never_crashes(tmp_path, text):
    _load_or_refuse(tmp_path, text)


@PROPERTY
@given(st.floats(allow_nan=False, allow_infinity=False), st.sampled_from(["repr", "e", "E", "plus"]))
def test_a_float_written_in_yaml_is_read_back_unchanged(value, style):
    text = {"repr": repr(value), "e": f"{value:.17e}", "E": f"{value:.17E}",
            "plus": f"{value:+.17e}"}[style]
    loaded = _yaml.loads(f"amount: {text}")["amount"]
    assert loaded == value and isinstance(loaded, float), (text, loaded)


@PROPERTY
@given(st.integers(min_value=-10**30, max_value=10**30))
def test_an_integer_written_in_yaml_is_read_back_unchanged(value):
    assert _yaml.loads(f"amount: {value}") == {"amount": value}


@PROPERTY
@given(st.text(alphabet="0123456789xXoObB_:.+-eE", min_size=1, max_size=12))
def test_a_number_like_scalar_is_refused_or_read_as_python_reads_it(text):
    """Either refused, or a string, or exactly the number Python's int()/float() makes of the same text."""
    assume(not text.startswith(("-", "?", ":")) or len(text) > 1)
    try:
        value = _yaml.loads(f"a: {text}")
    except yaml.YAMLError:
        return
    if not isinstance(value, dict) or "a" not in value:
        return  # the text itself was YAML structure (e.g. 'a: 1: 2' or a key)
    found = value["a"]
    if isinstance(found, bool) or found is None or isinstance(found, str):
        return
    if isinstance(found, int):
        assert re.fullmatch(r"[-+]?(0|[1-9][0-9]*)", text) and found == int(text), text
    else:
        assert "_" not in text and found == float(text), text


@PROPERTY
@given(st.dictionaries(st.text(alphabet=st.characters(codec="ascii", exclude_categories=["Cc"]), min_size=1,
                               max_size=5), st.integers(), min_size=1, max_size=5), st.data())
def test_any_key_given_twice_in_yaml_is_refused(mapping, data):
    key = data.draw(st.sampled_from(sorted(mapping)))
    lines = [f"{json.dumps(k)}: {v}" for k, v in mapping.items()] + [f"{json.dumps(key)}: {mapping[key] + 1}"]
    with pytest.raises(yaml.YAMLError, match="duplicate key"):
        _yaml.loads("\n".join(lines))


@PROPERTY
@given(st.text(max_size=300))
def test_json_reader_never_raises_anything_but_a_value_error(text):
    try:
        _json.loads(text)
    except ValueError:
        pass


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-10**20, max_value=10**20)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=20)


@PROPERTY
@given(_JSON_VALUES)
def test_any_finite_json_document_is_read_back_unchanged(document):
    assert _json.loads(json.dumps(document)) == document


@PROPERTY
@given(st.binary(max_size=2000))
def test_declaration_reader_on_arbitrary_bytes_is_a_declaration_error(tmp_path, data):
    path = tmp_path / "any.json"
    path.write_bytes(data)
    try:
        footprint.read_declaration(path)
    except DeclarationError:
        pass


@pytest.fixture(scope="module")
def template_bytes(tmp_path_factory) -> bytes:
    from footprint.authoring.template import xlsx_template
    from footprint.data.inventory import load_catalogue

    return xlsx_template(footprint.load_rule("ndpr-oxide"), load_catalogue())


@PROPERTY
@given(st.data())
def test_xlsx_reader_on_damaged_workbooks_never_crashes(tmp_path, template_bytes, data):
    """Truncated, bit-flipped or random workbooks: an ActivityDataError or a read, never a traceback."""
    from footprint.inputs.activity import load_activity

    kind = data.draw(st.sampled_from(["truncate", "flip", "random"]))
    if kind == "truncate":
        content = template_bytes[: data.draw(st.integers(0, len(template_bytes) - 1))]
    elif kind == "flip":
        at = data.draw(st.integers(0, len(template_bytes) - 1))
        content = template_bytes[:at] + bytes([template_bytes[at] ^ 0xFF]) + template_bytes[at + 1:]
    else:
        content = data.draw(st.binary(max_size=3000))
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(content)
    try:
        load_activity(path)
    except FootprintError:
        pass


@PROPERTY
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=0, max_value=1e300)
       | st.integers(min_value=0, max_value=10**15))
def test_a_number_in_an_xlsx_amount_cell_is_read_back_unchanged(tmp_path, value):
    """The cell holds the number's shortest exact text (as Excel writes it; openpyxl's writer keeps only 16
    digits, so the file is patched); the reader returns exactly that number."""
    from footprint.inputs.activity_xlsx import read_xlsx

    path = _workbook_with_cell(tmp_path, value=repr(value))
    raw, _book = read_xlsx(path)
    found = raw["processes"]["p"]["output"]["amount"]
    assert found == value and not math.isnan(found)


@pytest.mark.parametrize("field, text, message", [
    # NaN fails every comparison, so a NaN share passed the "shares add up to 1" check it was meant to meet
    ("allocation_share", ".nan", "finite number"),
    ("allocation_share", "true", "valid number"),  # a boolean was read as a share of 1
    ("allocation_share", "'0.6'", "valid number"),  # text, as everywhere else an amount is expected
])
def test_a_share_that_is_not_a_finite_number_is_refused(tmp_path, field, text, message):
    from footprint.inputs.activity import load_activity

    source = EXAMPLE.read_text(encoding="utf-8")
    anchor = "  beneficiation:\n"
    path = tmp_path / "activity.yaml"
    path.write_text(source.replace(anchor, f"{anchor}    {field}: {text}\n", 1), encoding="utf-8")
    with pytest.raises(ActivityDataError, match=rf"processes\.beneficiation\.{field}.*{message}"):
        load_activity(path)


@pytest.mark.parametrize("text", ["{R1: true}", "{R1: 0.2, by_element: {Nd: true}}", "{R1: '0.2'}"])
def test_a_recycled_share_that_is_not_a_number_is_refused(tmp_path, text):
    """R1: true was read as R1 = 1 (all recycled content), exit 0."""
    from footprint.inputs.activity import load_activity

    path = tmp_path / "activity.yaml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8") + f"recycled_content: {text}\n", encoding="utf-8")
    with pytest.raises(ActivityDataError, match=r"recycled_content\.(R1|by_element\.Nd).*valid number"):
        load_activity(path)


@pytest.mark.parametrize("period", ["{start: 2025, end: 2025}", "{start: 20250101, end: 20251231}"])
def test_a_period_written_as_a_number_is_refused_saying_how_to_write_a_date(tmp_path, period):
    """Before: read as Unix seconds and refused as 'Datetimes provided to dates should have zero time'."""
    from footprint.inputs.activity import load_activity

    path = tmp_path / "activity.yaml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8").replace(
        "period: {start: 2025-01-01, end: 2025-12-31}", f"period: {period}", 1), encoding="utf-8")
    with pytest.raises(ActivityDataError, match=r"period\.start.*a date is written YYYY-MM-DD \(2025-01-01\), not as "
                                                r"the number"):
        load_activity(path)


@pytest.mark.parametrize("written, message, field", [
    ("amount: -489000, unit: t", "amount is negative", "processes.mining.output.amount"),
    ("amount: '489000', unit: t", "amount is not a number", "processes.mining.output.amount"),
    ("amount: .nan, unit: t", "amount is not finite", "processes.mining.output.amount"),
    ("amount: 489000, unit: ton", "ambiguous unit", "processes.mining.output.unit"),
    ("amount: 489000, unit: tonnes of ore", "unknown unit", "processes.mining.output.unit"),
    ("amount: 489000, unit: t, uncertainty: {type: lognormal, gsd: 1.2}", "reference flows are fixed",
     "processes.mining.output.uncertainty"),
])
def test_a_process_output_that_fails_a_check_is_refused_with_its_field(tmp_path, written, message, field):
    """The output check skips building field paths for outputs that pass (units.accepts); one that fails any
    check must still be refused with the message and the field path (would fail if the shortcut let it by)."""
    from footprint.inputs.activity import load_activity

    text = EXAMPLE.read_text()
    assert "output: {amount: 489000, unit: t," in text
    broken = tmp_path / "activity.yaml"
    broken.write_text(text.replace("output: {amount: 489000, unit: t,", "output: {" + written + ",", 1))
    with pytest.raises(FootprintError) as caught:  # UnitError for units, ActivityDataError for the rest
        load_activity(broken)
    assert message in str(caught.value) and f"field '{field}'" in str(caught.value)


def test_a_dataset_given_with_from_is_refused_not_ignored(project, tmp_path):
    """An input from an upstream process is that process's product; a 'dataset' beside 'from' was ignored with
    exit 0 (the producer meant some other burden and got none of it)."""
    data = edited_example(tmp_path, '{from: mining, amount: 489000, unit: t,',
                          '{from: mining, dataset: chemical/ammonia, amount: 489000, unit: t,')
    out = tmp_path / "d.json"
    assert_exit_2(invoke("declare", "ndpr-oxide", data, "-o", out), "processes.beneficiation.inputs[0]",
                  "do not give 'dataset' with 'from'")
    assert not out.exists()


def test_a_transport_leg_with_both_t_km_and_mass_and_distance_is_refused(project, tmp_path):
    """amount 2.5 Mt*km and mass x distance 1 t x 1 km: the amount was used and the other ignored, exit 0,
    although the two say different things; which one is the leg's the producer must say."""
    data = edited_example(tmp_path, '{kind: lorry, amount: 2.50, unit: "Mt*km",',
                          '{kind: lorry, amount: 2.50, unit: "Mt*km", mass: {amount: 1, unit: t}, '
                          'distance: {amount: 1, unit: km},')
    out = tmp_path / "d.json"
    assert_exit_2(invoke("declare", "ndpr-oxide", data, "-o", out), "processes.roasting.transport[0]",
                  "either 'amount' and 'unit' (t*km) or 'mass' and 'distance', not both")
    assert not out.exists()
