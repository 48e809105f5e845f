"""The faster paths of issue 14 give exactly what the plain paths give, and refuse exactly what they refuse.

Each speed-up replaced a generic path by a direct one doing the same work: the YAML reader's
direct pass over libyaml's nodes (footprint/_yaml.py), the declaration check without
``locals()`` (footprint/_schema_check.py), the paused cyclic collector during a declaration
(footprint/api.py).  Each test here would fail if the direct path gave another value, let
through what the plain one refuses, or worded a refusal differently.
"""
from __future__ import annotations

import gc
import math
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from footprint import _schema_check, _yaml
import quality_reference as reference  # noqa: E402  (tests/: the item-by-item definitions)

REPO = Path(__file__).resolve().parents[1]
PROPERTY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _typed(value):
    """A value with every scalar's type spelled out: 1, 1.0 and True are equal in Python, not here."""
    if isinstance(value, dict):
        return {"dict": [(_typed(k), _typed(v)) for k, v in value.items()]}
    if isinstance(value, list):
        return {"list": [_typed(v) for v in value]}
    if isinstance(value, float) and value != value:
        return ("float", "nan")
    return (type(value).__name__, value)


def _outcome(load, text: str):
    try:
        return "value", _typed(load(text))
    except yaml.YAMLError as exc:
        return "refused", str(exc)
    except RecursionError:
        return "refused", "recursion"


def _same(text: str) -> None:
    assert _outcome(_yaml.loads, text) == _outcome(_yaml.loads_reference, text), text


# ============================================================ the YAML reader's direct pass

@pytest.mark.parametrize("text", [
    "a: 1\nb: 1.5\nc: 1e3\nd: true\ne: ~\nf: 2025-01-31\ng: 2025-01-31 10:00:00\nh: text\ni: '010'\nj:\n",
    "a: [1, 2, {b: c}]\n",
    "- 1\n- - 2\n  - 3\n- {}\n- []\n",
    "a: &x {b: 1}\nc: *x\n",                        # an alias: the same object, as PyYAML builds it
    "a: &x [1, *x]\n",                                # an alias inside its own anchor: left to PyYAML
    "base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n",  # a merge key: left to PyYAML
    "a: 1\na: 2\n",                                   # a duplicate key: refused, naming both lines
    "1: a\n1.0: b\n",                                 # equal keys of two types: a duplicate too
    "? [1, 2]\n: a\n",                                # an unhashable key
    "a: 010\n", "a: 0x1F\n", "a: 1e400\n", "a: !!bool yes\n", "a: 2025-13-45\n",  # refusals
    "a: !!str 12\nb: !!int '12'\nc: !!float '1.5'\n",  # explicit tags
    "a: !!binary aGVsbG8=\n", "a: !!set {x, y}\n", "a: !!omap [b: 1]\n", "a: !custom x\n",  # other tags
    "=: x\n", "a: =\n",                               # YAML 1.1's value key
    "", "# only a comment\n", "--- 5\n", "x\n", "'quoted'\n",
])
def test_the_direct_pass_reads_and_refuses_exactly_what_the_full_constructor_does(text):
    _same(text)


def test_an_alias_gives_the_very_object_of_its_anchor():
    loaded = _yaml.loads("a: &x {b: [1]}\nc: *x\n")
    assert loaded["a"] is loaded["c"]


def test_every_shipped_yaml_file_reads_the_same_through_both_paths():
    files = [p for folder in ("rules", "inventories", "examples") for p in (REPO / folder).rglob("*.yaml")]
    assert len(files) > 80
    for path in files:
        _same(path.read_text(encoding="utf-8"))


_PIECES = st.sampled_from(["a", "b", ":", ": ", " ", "\n", "  ", "- ", "[", "]", "{", "}", ", ", "0", "1", "1.5",
                           "1e3", "010", "0x1", "'", '"', "&a ", "*a", "<<: ", "!!int ", "!!float ", "!!bool ",
                           "!!str ", "!!set ", "~", "#", "|", "yes", ".inf", ".nan", "2025-02-28", "2025-02-30",
                           "? ", "\t", "true", "null", "="])


@PROPERTY
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_on_yaml_like_noise_both_paths_agree(text):
    _same(text)


_SCALAR_TEXT = st.one_of(st.text(alphabet="0123456789+-.eExXoObB_:~nNuUlLtTrRfFaAsS<=! ", max_size=12),
                         st.sampled_from(["", "~", "null", "Null", "NULL", "true", "False", "yes", "<<", "=", "010",
                                          "0x1F", "1e3", ".inf", "-.Inf", ".NaN", "2025-01-31", "2025-1-3 4:05:06",
                                          "1_000", "1:30", "amount", "unit"]))


@PROPERTY
@given(_SCALAR_TEXT, st.booleans())
def test_tag_resolution_by_first_character_gives_pyyamls_tag(value, plain):
    """The one-lookup resolver (with its memo) against PyYAML's own BaseResolver.resolve on the same table."""
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode
    from yaml.resolver import BaseResolver

    loader = _yaml.StrictLoader("")
    try:
        for _ in range(2):  # the second time from the memo
            for kind in (ScalarNode, SequenceNode, MappingNode):
                implicit = (plain, not plain)
                assert _yaml._resolve(loader, kind, value, implicit) == BaseResolver.resolve(loader, kind, value,
                                                                                              implicit)
    finally:
        loader.dispose()


# ============================================================ the compiled declaration check

def test_the_check_evaluates_no_locals_and_its_messages_are_unchanged():
    """Every ``.format(**locals())`` template becomes the f-string that formats the same text."""
    import fastjsonschema

    original = fastjsonschema.compile_to_code(_schema_check._draft7())
    code, _name = _schema_check._source()
    assert original.count(".format(**locals())") > 100
    assert "locals()" not in code
    template = '"" + (name_prefix or "data") + ".results[{data__results_x}]".format(**locals()) + " must be object"'
    rewritten = _schema_check._without_locals(template)
    assert rewritten == '"" + (name_prefix or "data") + f".results[{data__results_x}]" + " must be object"'
    scope = {"name_prefix": None, "data__results_x": 7}
    assert eval(rewritten, {}, scope) == eval(template.replace("locals()", "scope"), {"scope": scope, **scope}) \
        == "data.results[7] must be object"


def test_required_lists_become_set_displays_with_the_same_missing_keys():
    """``set(['a', 'b']) - d.keys()`` is written ``{'a', 'b'} - d.keys()``: the same missing keys (sorted in the
    message), for every 'required' check of the schema; would fail if one were left or mangled."""
    import fastjsonschema

    original = fastjsonschema.compile_to_code(_schema_check._draft7())
    code, _name = _schema_check._source()
    assert original.count("set([") > 20 and "set([" not in code
    line = "missing = set(['category', 'stage', 'value']) - row.keys()"
    rewritten = _schema_check._without_locals(line)
    assert rewritten == "missing = {'category', 'stage', 'value'} - row.keys()"
    for row in ({}, {"stage": 1}, {"category": 1, "stage": 2, "value": 3, "extra": 4}):
        found, expected = {"row": row}, {"row": row}
        exec(rewritten, {}, found), exec(line, {}, expected)  # noqa: S102 - the two lines under test
        assert sorted(found["missing"]) == sorted(expected["missing"]) and type(found["missing"]) is set


def test_the_rewritten_check_refuses_with_the_same_message(example_declaration):
    import copy

    import fastjsonschema

    check, refused = _schema_check.compiled()
    original = fastjsonschema.compile(_schema_check._draft7())
    broken = copy.deepcopy(example_declaration)
    broken["contributions"][3] = {"category": "x"}
    messages = []
    for validate in (check, original):
        with pytest.raises(refused) as caught:
            validate(broken)
        messages.append(str(caught.value))
    assert messages[0] == messages[1] and "data.contributions[3] must contain" in messages[0]


# ============================================================ the paused collector

def test_a_declaration_leaves_no_reference_cycles(project):
    """What a declaration frees, reference counting frees: pausing the collector keeps no garbage."""
    import footprint

    example = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
    footprint.declare("ndpr-oxide", example)
    gc.collect()
    was = gc.isenabled()
    gc.disable()
    try:
        footprint.declare("ndpr-oxide", example)
        footprint.declare_many([("ndpr-oxide", example)] * 2)
        assert gc.collect() == 0
    finally:
        if was:
            gc.enable()


def test_the_collector_is_as_it_was_after_a_declaration_and_after_a_refusal(project, tmp_path):
    import footprint

    example = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
    for state in (True, False):
        (gc.enable if state else gc.disable)()
        try:
            footprint.declare("ndpr-oxide", example)
            assert gc.isenabled() is state
            with pytest.raises(footprint.FootprintError):
                footprint.declare("ndpr-oxide", tmp_path / "missing.yaml")
            assert gc.isenabled() is state
        finally:
            gc.enable()


def test_warm_up_builds_what_a_declaration_reads_and_changes_no_number(project):
    """warm_up runs one real declaration and keeps its caches: the declaration after it is the same bytes."""
    import footprint
    from footprint.data import warm

    example = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
    created = __import__("datetime").datetime(2026, 1, 1, tzinfo=__import__("datetime").timezone.utc)
    cold = footprint.declare("ndpr-oxide", example, created=created)
    warm._VALUES.clear()  # as a fresh process: nothing built yet
    snapshot_id = footprint.warm_up()
    assert snapshot_id == footprint.open_snapshot().id
    keys = {key if isinstance(key, str) else key[0] for key in warm._VALUES}
    assert {"background-scores", "biosphere-names"} <= keys  # built by warm_up, not by the next request
    assert footprint.declare("ndpr-oxide", example, created=created) == cold
    with pytest.raises(TypeError):
        footprint.warm_up("ndpr-oxide")  # a rule without its data is a programming error, not a silent demo


def test_warm_up_with_freeze_leaves_the_warm_heap_out_of_every_collection(project):
    """freeze=True: gc.freeze after one collection; the declaration after it is unchanged and leaves no garbage."""
    import footprint

    example = REPO / "examples" / "ndpr-oxide" / "activity-2025.yaml"
    before = footprint.declare("ndpr-oxide", example)
    try:
        footprint.warm_up(freeze=True)
        assert gc.get_freeze_count() > 10_000  # Brightway, numpy and the warm tables: left alone from now on
        after = footprint.declare("ndpr-oxide", example)
        assert gc.collect() == 0
    finally:
        gc.unfreeze()
    assert {k: v for k, v in after.items() if k not in ("id", "provenance", "content_sha256")} == \
        {k: v for k, v in before.items() if k not in ("id", "provenance", "content_sha256")}


# ============================================================ the freshness check's memo of files

def test_the_file_list_sees_a_file_added_removed_or_put_in_a_new_folder_at_once(tmp_path, monkeypatch):
    from footprint.data import warm

    monkeypatch.setattr(warm, "RACY_NS", 0)  # keep every listing: what is tested is that it is not stale
    (tmp_path / "a.yaml").write_text("a")
    assert warm.files_under([tmp_path], ".yaml") == [str(tmp_path / "a.yaml")]
    (tmp_path / "b.yaml").write_text("b")
    assert warm.files_under([tmp_path], ".yaml") == [str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml")]
    (tmp_path / "a.yaml").unlink()
    (tmp_path / "sub").mkdir()
    assert warm.files_under([tmp_path], ".yaml") == [str(tmp_path / "b.yaml")]
    (tmp_path / "sub" / "c.yaml").write_text("c")  # only the new folder changes, not the root
    assert warm.files_under([tmp_path], ".yaml") == [str(tmp_path / "b.yaml"), str(tmp_path / "sub" / "c.yaml")]


def test_a_file_rewritten_with_the_same_size_and_modification_time_is_seen(tmp_path, monkeypatch):
    """``cp -p`` or ``touch -d`` keep the modification time: the change time and inode still move."""
    import os

    from footprint.data import warm

    monkeypatch.setattr(warm, "RACY_NS", 0)
    path = tmp_path / "library.yaml"
    path.write_text("amount: 1\n")
    info = path.stat()
    read = lambda: warm.by_files(("test", str(path)), warm.fingerprint([path]), path.read_text)  # noqa: E731
    assert read() == "amount: 1\n"
    replacement = tmp_path / "new.yaml"
    replacement.write_text("amount: 2\n")
    os.utime(replacement, ns=(info.st_atime_ns, info.st_mtime_ns))
    os.replace(replacement, path)  # same size, same modification time, another inode
    assert read() == "amount: 2\n"
    path.write_text("amount: 3\n")  # in place: the change time moves
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert read() == "amount: 3\n"


def test_a_value_built_while_a_file_had_just_changed_is_not_kept(tmp_path):
    """Within the filesystem's clock tick a second write may leave size and times as they were."""
    from footprint.data import warm

    path = tmp_path / "fresh.yaml"
    path.write_text("x")
    builds = []
    for _ in range(2):
        warm.by_files(("racy", str(path)), warm.fingerprint([path]), lambda: builds.append(1))
    assert len(builds) == 2  # just written: built each time, never served from the memo
    (tmp_path / "sub").mkdir()
    warm.files_under([tmp_path], ".yaml")
    assert ("files-under", (str(tmp_path),), ".yaml") not in warm._FILES


# ============================================================ a supplier's declaration is read once

def test_a_suppliers_elements_come_from_the_checked_read_and_a_broken_block_is_refused(example_declaration, tmp_path):
    """The mineral_resources elements are taken from the document whose hash was checked (no second read)."""
    import json

    from footprint.errors import ActivityDataError
    from footprint.inputs import upstream

    document = json.loads(json.dumps(example_declaration))
    amount = document["declared_unit"]["amount"]
    path = tmp_path / "supplier.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    read = upstream.read(path)
    expected = {row["element"]: row["kg"] / amount for row in document["mineral_resources"]["elements"]}
    assert expected and read.elements == expected
    document["mineral_resources"]["elements"][0] = {"element": "Nd"}  # no kg, re-hashed: valid hash, bad block
    document["content_sha256"] = upstream.content_hash(document)
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ActivityDataError, match="unusable mineral_resources block"):
        upstream.read(path)


# ============================================================ data quality per process, all processes at once

@pytest.mark.parametrize("example", ["ndpr-oxide", "ndfeb-recycled-hydromet", "lithium-carbonate-brine", "ndfeb-magnet"])
def test_per_process_criteria_at_once_equal_weighted_criteria_process_by_process(project, example):
    """_by_process against weighted_criteria on each process's own items: the same numbers, to the bit (both
    sum exactly, footprint.engine.exact)."""
    from footprint import api
    from footprint.engine import calculate, quality

    data = next((REPO / "examples" / example).glob("activity-*.yaml"))
    run = api._Run.open()
    result = calculate.calculate(api._prepare(run, example, data).system)
    context = quality.context_of(result)
    columns = {p.id: c for c, p in enumerate(result.system.processes)}
    compared = 0
    for category in result.system.rule.rule.impact_categories.declared:
        items = result.items[category]
        (total, own, sums), = quality._by_process(result, [category], columns, run.catalogue, context, {})
        assert total == math.fsum(abs(i.value) for i in items)
        for process, column in columns.items():
            mine = [i for i in items if i.flow.process == process]
            expected = reference.weighted_criteria(mine, run.catalogue, context)
            assert own[column] == math.fsum(abs(i.value) for i in mine)
            if expected is None:
                assert own[column] == 0
            else:
                assert {k: sums[k][column] / own[column] for k in quality.CRITERIA} == expected
                compared += 1
    assert compared > 0
    declared = list(result.system.rule.rule.impact_categories.declared)
    together = quality._by_process(result, declared, columns, run.catalogue, context, {})
    assert together == [quality._by_process(result, [c], columns, run.catalogue, context, {})[0]
                        for c in declared]


# ============================================================ the product system's 'from' inputs

def test_an_input_from_a_process_the_rule_does_not_connect_is_still_refused(project, example_copy):
    """The 'from' check is a set lookup now (a list scan per input grew as the square): it refuses as before.

    In the example, beneficiation takes ore from mining only; 'from: roasting' there is refused,
    naming the field and the processes the rule does connect.
    """
    import footprint

    text = example_copy.read_text()
    assert "{from: mining, amount: 489000" in text
    example_copy.write_text(text.replace("{from: mining, amount: 489000", "{from: roasting, amount: 489000"))
    with pytest.raises(footprint.FootprintError) as caught:
        footprint.declare("ndpr-oxide", example_copy)
    message = str(caught.value)
    assert "input from a process the rule does not connect here" in message
    assert "roasting" in message and "['mining']" in message


def test_the_early_coverage_refusal_names_what_the_finished_document_would(project):
    """A refused declaration is refused before its document is built: same refusal, same words, same rows.

    For every example, the document built anyway (refuse_gaps=False) is refused by the original
    check exactly when the early check refuses, with the same message; at least one example is refused.
    """
    from footprint import api
    from footprint.engine import calculate, quality

    refused = 0
    for data in sorted((REPO / "examples").glob("*/activity-2025.yaml")):
        document = api._declare(data.parent.name, data, refuse_gaps=False)
        run = api._Run.open()
        prepared = api._prepare(run, data.parent.name, data)
        result = calculate.calculate(prepared.system, background=api._background_of(prepared))
        outcomes = []
        for check in (lambda: api._refuse_coverage_gaps(document, data),
                      lambda: api._refuse_coverage_gaps_early(result, quality.assess(result, run.catalogue), data)):
            try:
                check()
                outcomes.append(None)
            except api.CoverageError as exc:
                outcomes.append(str(exc))
        assert outcomes[0] == outcomes[1], data
        refused += outcomes[0] is not None
    assert refused >= 1


def test_the_provenance_path_is_pathlibs_relative_path(tmp_path, monkeypatch):
    """declaration._relative on strings gives what path.resolve().relative_to(REPO_ROOT).as_posix() gives, and
    str(path.resolve()) outside the repository (one name per file: tests/test_batch_identity.py)."""
    from footprint.declaration.declaration import _relative
    from footprint.paths import REPO_ROOT

    def by_pathlib(path: Path) -> str:
        try:
            return path.resolve().relative_to(REPO_ROOT).as_posix()
        except ValueError:
            return str(path.resolve())

    (tmp_path / "link").symlink_to(REPO / "examples")
    (tmp_path / "outside.yaml").write_text("x")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(REPO / "examples")
    paths = [REPO / "examples/ndpr-oxide/activity-2025.yaml", REPO, REPO / "rules/../rules/ndpr-oxide.yaml",
             tmp_path / "link/ndpr-oxide/activity-2025.yaml", tmp_path / "outside.yaml", tmp_path / "sub/../outside.yaml",
             Path("ndpr-oxide/activity-2025.yaml"), Path("../rules"), Path(str(REPO) + "-sibling/x.yaml"),
             Path("/"), Path("nowhere/../x.yaml")]
    assert [_relative(p) for p in paths] == [by_pathlib(p) for p in paths]
    assert _relative(paths[0]) == "examples/ndpr-oxide/activity-2025.yaml"


@pytest.mark.parametrize("example", ["lithium-carbonate-brine", "ndpr-oxide", "ndfeb-magnet"])
def test_input_kinds_resolved_once_per_build_give_what_resolving_each_input_gives(project, example, monkeypatch):
    """system.build keeps each input kind's dataset code for the build (_kind_code): the flows' targets
    and the notes (lithium-carbonate-brine's grid fallback: said once) are those of resolving every input
    again.  Would fail if one kind's code were given for another or a fallback note were lost or doubled."""
    from footprint import api
    from footprint.engine import system

    data = REPO / "examples" / example / "activity-2025.yaml"
    run = api._Run.open()

    def built():
        prepared = api._prepare(run, example, data)
        return ([(f.process, f.kind, f.target, f.amount, f.field) for p in prepared.system.processes for f in p.flows],
                prepared.system.notes)

    kept = built()
    monkeypatch.setattr(system, "_kind_code", lambda kind, loaded, activity, catalogue, *, field, notes, kept:
                        system.resolve_kind(kind, loaded, activity, catalogue, field=field, notes=notes))
    assert built() == kept
    if example == "lithium-carbonate-brine":
        assert len(kept[1]) == 1 and "used the rule's fallback" in kept[1][0]


@PROPERTY
@given(st.lists(st.sampled_from([0.0, -0.0, 1.0, -1.0, 2.5, -2.5, 1e-300, 3.0, 0.1, 0.2, 0.7]), max_size=30),
       st.sampled_from([0.5, 0.8, 1.0]))
def test_most_relevant_items_by_index_equal_sorting_the_items_by_minus_magnitude(values, share):
    """The hotspot pick sorts indices by |value| (reverse, stable) instead of items by -|value|: the same items
    in the same order, ties (1.0 and -1.0, 0.0 and -0.0) in their original order. Would fail if the order or the
    stopping point moved."""
    from footprint.engine.calculate import Item
    from quality_reference import most_relevant_items

    items = [Item(None, f"s{i}", value) for i, value in enumerate(values)]
    total = math.fsum(abs(item.value) for item in items)  # exact, as most_relevant_items sums
    expected, running, last = [], 0.0, None
    if total != 0:
        for item in sorted(items, key=lambda i: -abs(i.value)):  # the definition it replaced (ties kept since)
            if last is not None and not _equal_sizes(item.value, last):
                break
            expected.append(item)
            running += abs(item.value)
            if last is None and running / total >= share - 1e-12:
                last = item.value
    assert [i.stage for i in most_relevant_items(items, share)] == [i.stage for i in expected]


def _most_relevant_items_by_generators(items, share):
    """most_relevant_items as it was written before grouping in one pass (the definition it replaced)."""
    from footprint.engine.quality import _datum

    groups: dict = {}
    for index, item in enumerate(items):
        groups.setdefault(_datum(index, item), []).append(index)
    members = list(groups.values())
    magnitudes = [math.fsum(abs(items[index].value) for index in group) for group in members]  # exact sums
    total = math.fsum(abs(item.value) for item in items)
    if total == 0:
        return []
    chosen, running, last = [], 0.0, None
    for position in sorted(range(len(members)), key=magnitudes.__getitem__, reverse=True):
        if last is not None and not _equal_sizes(magnitudes[position], last):
            break
        chosen.extend(items[index] for index in members[position])
        running += magnitudes[position]
        if last is None and running / total >= share - 1e-12:
            last = magnitudes[position]
    return chosen


def _equal_sizes(a: float, b: float) -> bool:
    """Ties at the 80 % cut are kept (test_quality_oracle): sizes within 1e-9 of the larger, not both zero."""
    size = max(abs(a), abs(b))
    return size > 0 and abs(abs(a) - abs(b)) <= 1e-9 * size


@PROPERTY
@given(st.lists(st.tuples(st.sampled_from([None, ("p1", "background", "d1"), ("p1", "background", "d2"),
                                           ("p2", "background", "d1"), ("p2", "biosphere", "co2")]),
                          st.sampled_from([0.0, -0.0, 1.0, -1.0, 2.5, -2.5, 1e-300, 3.0, 0.1, 0.2, 0.7, 1e16])),
                max_size=30),
       st.sampled_from([0.5, 0.8, 1.0]))
def test_most_relevant_items_grouped_in_one_pass_equal_the_generator_definition(rows, share):
    """Each datum's |values| gathered in the first pass and summed per group: the same groups, the same sums
    (exact: math.fsum) and so the same pick as a generator re-reading the items per group."""
    from types import SimpleNamespace

    from footprint.engine.calculate import Item
    from quality_reference import most_relevant_items

    flows = {key: SimpleNamespace(process=key[0], kind=key[1], target=key[2]) for key, _ in rows if key}
    items = [Item(flows[key] if key else None, f"s{i}", value) for i, (key, value) in enumerate(rows)]
    assert [i.stage for i in most_relevant_items(items, share)] == \
        [i.stage for i in _most_relevant_items_by_generators(items, share)]


def test_the_activity_tir_kept_on_the_context_is_activity_time_score():
    """Context.activity_tir (worked out once per assessment) is activity_time_score's score, for periods ending
    a day to eleven years before the declaration, on leap days too."""
    import datetime as dt

    from footprint.engine.quality import Context, activity_time_score

    for end in (dt.date(2020, 2, 29), dt.date(2024, 12, 31), dt.date(2025, 6, 30), dt.date(2015, 1, 1)):
        for made in (end, end + dt.timedelta(days=1), dt.date(2026, 2, 28), dt.date(2026, 3, 1), dt.date(2028, 2, 29)):
            if made < end:
                continue
            context = Context(country="CN", region=None, year=end.year, start=end.replace(day=1), end=end, made=made)
            assert context.activity_tir == activity_time_score(context)[0]
            assert context.activity_tir == activity_time_score(context)[0]  # kept, the same


@pytest.mark.parametrize("folder", ["/", "/a", "/a/b", "a", "a/b", ".", "/a/bc"])
@pytest.mark.parametrize("path", ["/", "/a", "/a/b", "/a/b/c.yaml", "/a/bc/d", "a", "a/b/c", "b/a", "x.yaml"])
def test_a_dataset_file_is_under_the_library_exactly_when_pathlib_says_so(folder, path):
    """declaration._is_under (parts compared) answers what Path.is_relative_to answers."""
    from footprint.declaration.declaration import _is_under

    assert _is_under(Path(path), Path(folder)) == Path(path).is_relative_to(Path(folder))


# ============================================================ data quality of the declared categories, by arrays

def _plain_process_means(grouped, size):
    """The per-process loop assess ran before _process_means (the definition it replaced)."""
    from footprint.engine import quality

    shares_out, means = [], []
    for column in range(size):
        per_category, shares = [], []
        for category_total, own_totals, sums in grouped:
            own_total = own_totals[column]
            shares.append(own_total / category_total if category_total else 0.0)
            if own_total != 0:
                per_category.append([sums[key][column] / own_total for key in quality.CRITERIA])
        shares_out.append(max(shares, default=0.0))
        means.append(reference.mean_rows(per_category))
    return shares_out, means


@pytest.mark.parametrize("example", ["ndpr-oxide", "ndfeb-recycled-hydromet", "lithium-carbonate-brine", "ndfeb-magnet",
                                     "dy-metal", "mixed-reo-iac"])
def test_declared_categories_by_arrays_equal_the_item_by_item_definitions(project, example):
    """_most_relevant_of, _weighted_of and _process_means against most_relevant_items, relevant_data,
    weighted_criteria and the per-process loop they replaced: the same items in the same order and the same
    numbers to the bit, in every category of six examples (the 1,005-process rule: the digest in the commit)."""
    from footprint import api
    from footprint.engine import calculate, quality

    data = next((REPO / "examples" / example).glob("activity-*.yaml"))
    run = api._Run.open()
    result = calculate.calculate(api._prepare(run, example, data).system)
    context = quality.context_of(result)
    declared = [c for c in result.system.rule.rule.impact_categories.declared if c in result.items]
    memo, rows = {}, {}
    for category in result.categories:
        items = result.items[category.id]
        for share in (quality.HOTSPOT_SHARE, 0.5, 0.999):
            plain = reference.most_relevant_items(items, share)
            chosen, data_count = quality._most_relevant_of(result, category.id, share)
            assert [id(i) for i in chosen] == [id(i) for i in plain]
            assert data_count == reference.relevant_data(plain)
        expected = reference.weighted_criteria(plain, run.catalogue, context, {}, {})
        assert quality._weighted_of(chosen, run.catalogue, context, memo, {}, rows) == expected
    columns = {p.id: c for c, p in enumerate(result.system.processes)}
    grouped = quality._by_process(result, declared, columns, run.catalogue, context, {})
    assert quality._process_means(grouped, len(columns)) == _plain_process_means(grouped, len(columns))
    assert quality._process_means([], 3) == _plain_process_means([], 3)


def test_process_means_with_zero_totals_and_absent_processes():
    """A category of total 0, a process absent from some categories and from all: shares 0, means over the
    categories where it contributes, None where it contributes nowhere."""
    from footprint.engine import quality

    keys = quality.CRITERIA
    grouped = [(0.0, [0.0, 0.0, 0.0], {k: [0.0, 0.0, 0.0] for k in keys}),
               (3.0, [1.0, 2.0, 0.0], {k: [0.1 * (i + 1), 0.7, 0.0] for i, k in enumerate(keys)}),
               (0.3, [0.1, 0.0, 0.0], {k: [0.3, 0.0, 0.0] for k in keys})]
    assert quality._process_means(grouped, 3) == _plain_process_means(grouped, 3)
    assert quality._process_means(grouped, 3)[1][2] is None
