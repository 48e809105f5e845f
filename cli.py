"""The footprint command line: parse, call footprint's public API, print, map errors to exit codes.

Exit codes: 0 success; 1 verification found a difference; 2 bad input (the
message names the file, the field, the value and what was expected); 130
interrupted (Ctrl-C).  Everything printed passes through footprint.terminal_safe:
names from inputs cannot move the cursor or recolour the terminal.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click

import footprint

EPILOG_EXAMPLES = "Run 'footprint COMMAND --help' for an example of each command."


class FootprintGroup(click.Group):
    """Turns FootprintError into one line on stderr and its exit code, never a traceback.

    Ctrl-C exits 130 (128 + SIGINT, the shell's convention), not 1: 1 means "verification
    found a difference", and a script must not read an interruption as a verdict.
    """

    def main(self, *args, **kwargs):
        from footprint._io import printable_standard_streams

        printable_standard_streams()  # before anything is printed, --help and usage errors included
        if os.environ.get("NO_COLOR"):  # no-color.org: set and not empty; click itself colours any terminal
            kwargs["color"] = False
        return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context):
        from footprint._io import interrupt_on_termination

        try:
            with interrupt_on_termination():  # SIGTERM and SIGHUP clean up as Ctrl-C does
                return super().invoke(ctx)
        except footprint.FootprintError as exc:
            click.secho(f"error: {footprint.terminal_safe(str(exc))}", err=True, fg="red")
            sys.exit(exc.exit_code)
        except KeyboardInterrupt as exc:  # a batch says what it had finished (footprint.market.batch.BatchInterrupted)
            click.secho(footprint.terminal_safe(str(exc)) or "interrupted: nothing half-written was left behind",
                        err=True, fg="red")
            sys.exit(getattr(exc, "exit_code", 130))  # 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP (footprint.errors.Terminated)
        except BrokenPipeError:  # the reader went away (| head): click exits 1, which reads as "a difference found"
            from footprint._io import BROKEN_PIPE_EXIT, silence_broken_pipe

            silence_broken_pipe()
            sys.exit(BROKEN_PIPE_EXIT)


class FilePath(click.Path):
    """A file's path (``click.Path(dir_okay=False)``) that may not end as a folder's does (``out/``, ``out/.``).

    Why: ``Path("out/")`` is ``out``, so ``-o out/`` (a folder meant, not there yet) wrote a file named
    ``out``, exit 0; the slash never reached a check.
    """

    def __init__(self) -> None:
        super().__init__(dir_okay=False, path_type=Path)

    def convert(self, value, param, ctx):
        from footprint._io import names_a_folder

        if isinstance(value, str) and names_a_folder(value):
            folder = footprint.terminal_safe(value.rstrip("/") or "/")
            self.fail(f"'{footprint.terminal_safe(value)}' names a folder, not a file; expected a file path "
                      f"(e.g. {folder.rstrip('/')}/decl.json)", param, ctx)
        return super().convert(value, param, ctx)


#: every file argument and option (inputs and outputs): dir_okay=False, and not a path ending in '/'
FILE = FilePath()


def _echo(message: object = "", **kwargs) -> None:
    """click.echo with control characters removed (names come from inputs; see footprint/_text.py).

    Standard output that cannot be written (``> /dev/full``, a full disk) is exit 2 with one line:
    it was a traceback and exit 1, which reads as "verification found a difference".  A closed pipe
    (``| head``) is left to click, which ends quietly.
    """
    import errno

    try:
        click.echo(footprint.terminal_safe(str(message)), **kwargs)
    except OSError as exc:
        if exc.errno == errno.EPIPE:
            raise
        stream = "standard error" if kwargs.get("err") else "standard output"
        raise footprint.FootprintError(f"cannot write to {stream}: {exc.strerror or exc}", file=f"<{stream}>",
                                       expected="a writable terminal, pipe or file") from None


def _sign_options(func):
    """--sign KEY [--signer-name N] [--signer-role R]: sign the declaration before it is written."""
    for option in reversed([
        click.option("--sign", "sign_key", type=FILE,
                     help="Sign the declaration with this private key (from 'footprint keys new')."),
        click.option("--signer-name", help="Signer's name recorded in the signature (e.g. the verifier's)."),
        click.option("--signer-role", help="Signer's role recorded in the signature (producer, verifier, ...)."),
    ]):
        func = option(func)
    return func


_REQUIRE_SIGNATURE = dict(type=FILE,
                          help="Refuse declarations without a valid signature by one of the public keys in this "
                               "file (e.g. the conformity-assessment body's).")


def _fmt(value: float, figures: int = 4) -> str:
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e5:
        return f"{value:.{figures}g}"
    return f"{value:.{figures - 1}e}"


def _figures_apart(values: list) -> int:
    """The fewest figures (at least 4) at which different numbers among ``values`` print differently in _fmt.

    A class's value beside its thresholds: at 4 figures a value of 46.5555 classed C above the threshold
    46.555 printed "46.56" and "nearest threshold: 46.56", as if it sat on it.
    """
    numbers = sorted({float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)})
    for figures in range(4, 18):
        if len({_fmt(v, figures) for v in numbers}) == len(numbers):
            return figures
    return 17


def _summary(document: dict) -> str:
    """A short table of the declared categories with their stage split."""
    stages = [s["id"] for s in document["stages"]]
    lines = [f"{document['declared_unit']['amount']:g} {document['declared_unit']['unit']} "
             f"{document['declared_unit']['product']} | {document['declarant']['name']} | "
             f"{document['period']['start']}..{document['period']['end']} | rule {document['rule']['id']} "
             f"{document['rule']['version']}"]
    from footprint._text import dqr_text, percent_digits
    from footprint.inputs.upstream import declared_results

    # The category column fits the longest declared label (EF names such as "Ionising radiation, human
    # health" must not be cut), within a bound that keeps the table readable on a terminal.
    width = min(56, max([len("category"), *(len(r["label"]) for r in declared_results(document))]))
    header = f"{'category':<{width}} {'value':>11}  {'unit':<18}" + "".join(f" {s[:13]:>13}" for s in stages)
    lines += [header, "-" * len(header)]
    for result in declared_results(document):
        total = result["value"]
        shares = "".join(f" {percent_digits(result['by_stage'].get(s, 0.0) / total if total else 0.0) + '%':>13}"
                         for s in stages)
        flag = "" if result.get("coverage") == "complete" else " *"
        lines.append(f"{result['label'][:width]:<{width}} {_fmt(total):>11}  {result['unit'][:18]:<18}{shares}{flag}")
    dq = document["data_quality"]
    # the DQR as declared (its level was decided on it) and a share that is not whole never "100%"
    lines.append(f"DQR {dqr_text(dq['dqr'])} ({dq['level']}), primary data share "
                 f"{percent_digits(dq['primary_data_share'], 0)}%"
                 + ("; * partial dataset coverage" if any(r.get('coverage') != 'complete'
                                                          for r in declared_results(document)) else ""))
    for block in ("mineral_resources", "radionuclides"):  # EF 3.1 gaps (rare earths, Th-232): never a silent zero
        statement = (document.get(block) or {}).get("ef31_gap", {}).get("statement")
        if statement:
            lines.append(f"note: {statement}")
    lines += _uncertainty_lines(document)
    if document.get("sensitivity"):  # never to be mistaken for the declaration under the rule's methods
        lines.append(f"note: {document['sensitivity']['note']}")
    for warning in dq.get("warnings", []):
        lines.append(f"warning: {warning}")
    return "\n".join(lines)


def _uncertainty_lines(document: dict) -> list[str]:
    """The Monte Carlo's median and 95 % interval per declared category, and its strongest driver."""
    block = document.get("uncertainty")
    if not isinstance(block, dict):
        return []
    lines = [f"Monte Carlo: {block['iterations']:,} iterations, seed {block['seed']} (declared values are the "
             "deterministic ones)"]
    for result in block.get("results", []):
        drivers = result.get("contribution_to_variance") or []
        top = f"; drives it most: {drivers[0]['label'][:40]} ({drivers[0]['share']:.0%})" if drivers else ""
        lines.append(f"  {result['category'][:28]:<28} median {_fmt(result['median'])}, 95 % "
                     f"{_fmt(result['p2_5'])}..{_fmt(result['p97_5'])}{top}")
    return lines


def _echo_result(result, as_json: bool) -> None:
    """Print an analysis (anything with .text() and .to_dict()) for people or, with --json, for machines."""
    if as_json:
        import json

        _echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        _echo(result.text())


@click.group(cls=FootprintGroup, epilog=EPILOG_EXAMPLES)
@click.version_option(footprint.__version__, prog_name="footprint")
def main() -> None:
    """Environmental footprint declarations for critical raw materials (EU CRMA Art. 31, Annex V).

    \b
    Example:
      footprint setup
      footprint declare ndpr-oxide examples/ndpr-oxide/activity-2025.yaml -o out/decl.json --report out/decl.html
    """


@main.command()
@click.option("--force", is_flag=True, help="Build a fresh snapshot even if the current one is intact and up to date.")
def setup(force: bool) -> None:
    """Set up the background offline (biosphere3, EF v3.1, inventories/) as a checked snapshot.

    Checks the sha256 of every file of the current snapshot and what it was built from;
    when both hold it writes nothing. Otherwise it builds a new snapshot beside the old one
    and switches to it atomically (see README "How set-up keeps numbers safe"). Data live
    under FOOTPRINT_HOME (default: the platform's user data directory).

    \b
    Example:
      footprint setup
      FOOTPRINT_HOME=/srv/footprint footprint setup
    """
    report = footprint.setup(force=force)
    state = f"updated ({report.reason})" if report.changed else "already up to date"
    _echo(f"Background snapshot {state}: {report.directory}")
    _echo(f"  snapshot id: {report.snapshot_id}")
    _echo(f"  biosphere3 written: {'yes' if report.biosphere_written else 'no'}; "
          f"methods written: {report.methods_written}; inventory datasets written: {report.inventories_written}")
    _echo(f"  {report.seconds:.1f} s; {report.size_bytes / 1e6:.1f} MB on disk")
    if report.pruned:
        _echo(f"  removed {len(report.pruned)} old snapshot(s) no declaration was reading")
    if report.dropped:
        _echo("  warning: imported databases not carried into the fresh snapshot (import them again): "
              + ", ".join(report.dropped), err=True)


@main.command()
@click.argument("rule")
@click.argument("data", type=FILE)
@click.option("-o", "--output", required=True, type=FILE,
              help="Where to write the declaration JSON.")
@click.option("--report", "report_path", type=FILE,
              help="Also write an HTML report here.")
@click.option("--allocation", type=click.Choice(["economic", "mass", "specified"]),
              help="Use another allocation method the rule allows (sensitivity).")
@click.option("--force", is_flag=True, help="Overwrite existing output files.")
@click.option("--background", help="Imported database the --mapping entries point into by default.")
@click.option("--mapping", type=FILE,
              help="YAML file pointing input kinds at datasets of imported databases.")
@click.option("--strict", is_flag=True, help="Exit 2, writing nothing, if the Data Needs Matrix is breached, a "
                                             "declared category is partial, an exclusion has no estimated share or "
                                             "secondary data are scored P 1 or 2.")
@_sign_options
@click.option("--uncertainty", "iterations", type=int, metavar="N",
              help="Also run a Monte Carlo of N iterations (percentiles, class probabilities, what drives them).")
@click.option("--seed", type=int, help="Seed of the Monte Carlo (default: a random one, recorded).")
@click.option("--supplier-keys", "supplier_keys", type=FILE,
              help="Refuse unless every supplier's declaration the data uses is signed by one of the public keys "
                   "in this file (its content hash alone shows no forgery: anyone can hash an edited file).")
def declare(rule: str, data: Path, output: Path, report_path: Path | None, allocation: str | None,
            force: bool, background: str | None, mapping: Path | None, strict: bool, sign_key: Path | None,
            signer_name: str | None, signer_role: str | None, iterations: int | None, seed: int | None,
            supplier_keys: Path | None) -> None:
    """Compute a footprint declaration per declared unit.

    RULE is a rule id from rules/ or a path to a rule file; DATA is the producer's
    activity-data YAML file.

    \b
    Example:
      footprint declare ndpr-oxide examples/ndpr-oxide/activity-2025.yaml -o out/decl.json --report out/decl.html
      footprint declare ndpr-oxide data.yaml -o decl.json --background ecoinvent --mapping map.yaml --strict
      footprint declare ndpr-oxide data.yaml -o decl.json --sign producer.key --signer-name "Example Co."
      footprint declare ndpr-oxide examples/ndpr-oxide/activity-2025.yaml -o decl.json --uncertainty 10000 --seed 1
      footprint declare ndfeb-magnet examples/ndfeb-magnet/activity-2025.yaml -o decl.json --supplier-keys suppliers.pub
    """
    _declare_and_write(rule, data, output, report_path, force, allocation=allocation, background=background,
                       mapping=mapping, strict=strict, sign=(sign_key, signer_name, signer_role),
                       uncertainty=iterations, seed=seed, supplier_keys=supplier_keys)


def _declare_and_write(rule: str, data: Path, output: Path, report_path: Path | None, force: bool,
                       sign: tuple = (None, None, None), **options) -> None:
    """declare and demo: refuse existing outputs before computing, declare, write both files, print the summary."""
    inputs = [("activity data", data), ("background mapping", options.get("mapping")),
              ("rule", rule if Path(rule).is_file() else None), ("private key", sign[0]),
              ("supplier keys", options.get("supplier_keys"))]
    footprint.check_output(output, force, inputs=inputs)  # refuse early, before any computation
    if report_path:
        footprint.check_output(report_path, force, inputs=inputs, others=[output])
    document = footprint.declare(rule, data, **options)
    document = _signed(document, *sign)
    footprint.write_declaration(document, output, force=force, report=report_path)
    _echo(f"declaration: {output}")
    if report_path:
        _echo(f"report:      {report_path}")
    _echo(_summary(document))


def _signed(document: dict, key: Path | None, name: str | None, role: str | None) -> dict:
    if key is None:
        return document
    document = footprint.sign_document(document, key, name=name, role=role)
    _echo(f"signed:      key {document['signatures'][-1]['key_id'][:16]}")
    return document


@main.command()
@click.argument("declaration", type=FILE)
@click.option("-o", "--output", required=True, type=FILE,
              help="Where to write the HTML report.")
@click.option("--pdf", "pdf_path", type=FILE,
              help="Also print the report to this PDF (needs headless Chromium).")
@click.option("--lang", type=click.Choice(["en", "de"]), default="en", show_default=True,
              help="Language of the report's labels.")
@click.option("--force", is_flag=True, help="Overwrite an existing report.")
@click.option("--require-signature", "trusted_keys", **_REQUIRE_SIGNATURE)
def report(declaration: Path, output: Path, pdf_path: Path | None, lang: str, force: bool,
           trusted_keys: Path | None) -> None:
    """Render a declaration JSON as a self-contained HTML report (and optionally a PDF).

    \b
    Example:
      footprint report out/decl.json -o out/decl.html
      footprint report out/decl.json -o out/bericht.html --pdf out/bericht.pdf --lang de
    """
    inputs = [("declaration", declaration), ("trusted public keys", trusted_keys)]
    footprint.check_output(output, force, inputs=inputs)  # refuse early, before anything is written
    if pdf_path:
        footprint.check_output(pdf_path, force, inputs=inputs)
    document = footprint.read_declaration(declaration, require_signature=trusted_keys)
    footprint.write_report(document, output, force=force, lang=lang, pdf=pdf_path)  # both or neither
    _echo(f"report: {output}")
    if pdf_path:
        _echo(f"pdf:    {pdf_path}")


@main.group()
def rules() -> None:
    """List, show, validate and export the schema of calculation rules.

    \b
    Example:
      footprint rules list
      footprint rules validate rules/*.yaml
    """


@rules.command("list")
def rules_list() -> None:
    """List the rules in rules/ with version, route and declared unit.

    \b
    Example:
      footprint rules list
    """
    rules = footprint.list_rules()
    width = max((len(loaded.rule.id) for loaded in rules), default=0)
    for loaded in rules:
        r = loaded.rule
        _echo(f"{r.id:<{width}}  {r.version:<8} {r.status:<8} {r.route:<9} "
                   f"{r.declared_unit.amount:g} {r.declared_unit.unit} {r.declared_unit.product}")


@rules.command("show")
@click.argument("rule")
def rules_show(rule: str) -> None:
    """Show a rule's boundary: stages, processes, data requirements, datasets, categories.

    \b
    Example:
      footprint rules show ndpr-oxide
    """
    loaded = footprint.load_rule(rule)
    r = loaded.rule
    du = r.declared_unit
    _echo(f"{r.id} {r.version} ({r.status}): {r.title}")
    _echo(f"file: {loaded.path}  sha256: {loaded.sha256}")
    _echo(f"legal basis: {' '.join(r.legal_basis.split())}")
    _echo(f"declared unit: {du.amount:g} {du.unit} {du.product}; {du.chemical_form}; grade {du.grade}")
    _echo(f"route: {r.route}; validity {r.validity.from_} .. {r.validity.until}")
    spans = r.validity.reporting_periods
    if spans is not None:
        length = f", {spans.length_months} months long (within {spans.length_tolerance_days} days)" \
            if spans.length_months is not None else ", any length"
        _echo(f"reporting periods: {spans.from_} .. {spans.until}{length}")
    _echo("boundary:")
    for stage in r.stages:
        _echo(f"  {stage.label}")
        for p in stage.processes:
            alloc = f"; allocation {p.allocation.method} (options {', '.join(p.allocation.options)})" \
                if p.allocation else ""
            _echo(f"    {p.id:<14} {p.name} [Annex V {', '.join(p.annex_v)}]; company-specific data "
                       f"{p.company_specific}; product: {p.product.name}"
                       + (f"; co-products: {', '.join(p.co_products)}" if p.co_products else "") + alloc)
    _echo("default secondary datasets:")
    for kind, spec in r.input_kinds.items():
        fallback = f" (fallback {', '.join(spec.fallback)})" if spec.fallback else ""
        _echo(f"  {kind:<22} {spec.dataset}{fallback}")
    _echo(f"declared impact categories: {', '.join(r.impact_categories.declared)}")
    _echo(f"cut-off: {r.cut_off.threshold:.0%}; DQR limits: most relevant {r.dqr_limits.most_relevant}, "
               f"other {r.dqr_limits.other}, secondary {r.dqr_limits.secondary}")
    _echo(f"recycled content: {r.recycled_content.method}; electricity: {' '.join(r.electricity.model.split())}")
    cs = r.class_scheme
    _echo(f"class scheme: {cs.number_of_classes} classes on {cs.category}, {cs.window_years}-year window, "
               f"{cs.weighting}-weighted {cs.method}, review every {cs.review_years} years")


@rules.command("validate")
@click.argument("paths", nargs=-1, required=True, type=FILE)
def rules_validate(paths: tuple[Path, ...]) -> None:
    """Check rule files against the schema, the Annex V boundary and the inventories.

    Every problem of a file is listed as FILE:LINE: field 'PATH': message. Exits 2
    if any file is invalid.

    \b
    Example:
      footprint rules validate rules/ndpr-oxide.yaml
      footprint rules validate rules/*.yaml
    """
    failures = 0
    for check in footprint.validate_rules(list(paths)):
        if check.error is None:
            _echo(f"ok       {check.path} ({check.rule.rule.id} {check.rule.rule.version})")
        else:
            failures += 1
            for index, problem in enumerate(check.problems):
                _echo(f"{'invalid ' if index == 0 else '        '} {problem}", err=True)
    if failures:
        sys.exit(2)


@rules.command("schema")
def rules_schema() -> None:
    """Print the JSON Schema of rule files (for editors and CI).

    \b
    Example:
      footprint rules schema > rule.schema.json
    """
    _echo(footprint.rule_schema(), nl=False)


# ----------------------------------------------------------------------------- rule authors' tools


@rules.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON (for machines).")
def rules_diff(old: str, new: str, as_json: bool) -> None:
    """Show what changed between two versions of a rule (boundary, datasets, categories, parameters).

    OLD and NEW are rule ids or paths. Each change is marked [affects results],
    [identity] (the rule's id and version: they name it, they move no number) or
    [documentation only] (free text: titles, descriptions, notes, sources); the last
    line counts the three. Always exits 0 when both rules load.

    \b
    Example:
      footprint rules diff rules/ndpr-oxide.yaml my-draft/ndpr-oxide.yaml
      footprint rules diff old.yaml new.yaml --json
    """
    _echo_result(footprint.diff_rules(old, new), as_json)


@main.command()
@click.argument("rule")
@click.argument("data", type=FILE)
@click.option("--threshold", default=0.8, show_default=True, type=click.FloatRange(0, 1, min_open=True),
              help="Cumulative share that selects the most relevant categories, stages and processes.")
@click.option("--allocation", type=click.Choice(["economic", "mass", "specified"]),
              help="Use another allocation method the rule allows.")
@click.option("--json", "as_json", is_flag=True, help="Print the analysis as JSON.")
def hotspots(rule: str, data: Path, threshold: float, allocation: str | None, as_json: bool) -> None:
    """PEF most-relevant analysis for rule authors: normalise, weight and rank the 16 EF 3.1 categories.

    Selects the categories reaching the cumulative threshold (climate change always,
    at least three), then the most relevant stages and processes of each. Uses the
    EF 3.1 normalisation and weighting factors; these numbers never enter a declaration.

    \b
    Example:
      footprint hotspots ndpr-oxide examples/ndpr-oxide/activity-2025.yaml
      footprint hotspots ndpr-oxide examples/ndpr-oxide/activity-2025.yaml --threshold 0.9 --json
    """
    _echo_result(footprint.analyse_hotspots(rule, data, threshold=threshold, allocation=allocation), as_json)


@main.command()
@click.argument("rule")
@click.option("--format", "fmt", type=click.Choice(["yaml", "xlsx"]), default=None,
              help="Template format (default: from the output file's suffix).")
@click.option("-o", "--output", required=True, type=FILE,
              help="Where to write the template.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def template(rule: str, fmt: str | None, output: Path, force: bool) -> None:
    """Write an activity-data template for a rule: every process and input it expects, units, DQR columns.

    The producer fills in the amounts (left empty, so an unfilled template does not
    declare) and runs 'footprint declare', which reads .yaml and .xlsx files.

    \b
    Example:
      footprint template ndpr-oxide --format xlsx -o activity-2026.xlsx
      footprint template ndpr-oxide --format yaml -o activity-2026.yaml
    """
    written = footprint.make_template(rule, output, fmt=fmt, force=force)
    _echo(f"template: {written}")


@main.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Output directory (default: out/demo in the repository).")
@click.option("--force", is_flag=True, help="Overwrite the demo outputs from an earlier run.")
def demo(out_dir: Path | None, force: bool) -> None:
    """Set up, then declare the example producer under the NdPr oxide rule, with its report.

    \b
    Example:
      footprint demo --out /tmp/demo --force
    """
    started = time.perf_counter()
    report = footprint.setup()
    _echo(f"set-up: {report.directory} ({'updated' if report.changed else 'up to date'}, "
               f"{report.seconds:.1f} s)")
    rule, data = footprint.demo_paths()
    out_dir = out_dir or footprint.default_demo_dir()
    _declare_and_write(rule, data, out_dir / "ndpr-oxide-declaration.json", out_dir / "ndpr-oxide-report.html",
                       force)
    _echo(f"done in {time.perf_counter() - started:.1f} s")


# ---------------------------------------------------------------- reviewers: verify, market register, classes

def _short(value: object, width: int = 44) -> str:
    text = _fmt(value) if isinstance(value, float) else str(value)
    return text if len(text) <= width else text[:width - 1] + "\u2026"


@main.command()
@click.argument("declaration", type=FILE)
@click.option("--data", type=FILE,
              help="The activity data the declaration was computed from (default: the file it records, found from "
                   "here, beside the declaration or in footprint's repository; its hash is compared).")
@click.option("--hash-only", is_flag=True,
              help="Only check the content hash; recompute nothing. Not a verification of the numbers: anyone who "
                   "edits a value can hash the file again.")
@click.option("--rule", help="Rule id or file (default: the declaration's rule id from rules/).")
@click.option("--tolerance", type=float, default=1e-6, show_default=True,
              help="Relative tolerance for numbers (at most 0.01).")
@click.option("--mapping", type=FILE,
              help="The background mapping file the declaration was computed with (default: its recorded path).")
@click.option("--all", "show_all", is_flag=True, help="List every difference (default: the first 40).")
@click.option("--public-key", "public_keys", type=FILE,
              help="Also check the signature: a valid one by a key in this file (KEY.pub) is required.")
@click.option("--scheme", type=FILE,
              help="The class scheme a classed declaration was classed under: its class, thresholds and labels "
                   "are checked against it (required for a classed declaration).")
@click.option("--supplier-keys", type=FILE,
              help="Recompute only with suppliers' declarations signed by a key in this file (as declare "
                   "--supplier-keys): an unsigned or re-hashed supplier file is refused.")
@click.option("--reference/--fast", default=True, show_default=True,
              help="Recompute the results by the reference path (foreground and background in one Brightway LCA), "
                   "not by the cached background scores declare uses, so a fault of that path cannot confirm "
                   "itself; --fast takes declare's own path (milliseconds instead of a fraction of a second).")
def verify(declaration: Path, data: Path | None, hash_only: bool, rule: str | None, tolerance: float,
           mapping: Path | None, show_all: bool, public_keys: Path | None, scheme: Path | None,
           supplier_keys: Path | None, reference: bool) -> None:
    """Recompute a declaration from its inputs and compare every value, hash and version.

    Exit 0 when everything matches, 1 on any difference (library versions that differ
    while the results agree are warnings), 2 when there is nothing to recompute from.
    An edited file is caught by its content hash.

    \b
    Example:
      footprint verify out/decl.json --data examples/ndpr-oxide/activity-2025.yaml
      footprint verify out/decl.json          # from the activity data it records
      footprint verify out/decl.json --hash-only   # the content hash alone (not the numbers)
      footprint verify out/decl.json --public-key producer.key.pub
      footprint verify mapped.json --data data.yaml --mapping ../maps/ecoinvent.yaml
      footprint verify classed.json --data data.yaml --scheme scheme.json
      footprint verify magnet.json --supplier-keys suppliers.pub
      footprint verify out/decl.json --fast   # declare's own path, not the reference path
    """
    outcome = footprint.verify_declaration(declaration, data, rule=rule, tolerance=tolerance, mapping=mapping,
                                           scheme=scheme, hash_only=hash_only, supplier_keys=supplier_keys,
                                           reference=reference)
    signed = _print_signatures(declaration, public_keys, outcome.document) if public_keys else True
    if outcome.differences:
        header = f"{'':<8} {'item':<60} {'declared':>24} {'recomputed':>24}"
        _echo(header)
        _echo("-" * len(header))
        shown = outcome.differences if show_all else outcome.differences[:40]
        for diff in shown:
            note = f"  ({diff.note})" if diff.note else ""
            _echo(f"{diff.severity.upper():<8} {_short(diff.item, 60):<60} {_short(diff.declared, 24):>24} "
                       f"{_short(diff.recomputed, 24):>24}{note}")
        if len(shown) < len(outcome.differences):
            _echo(f"... and {len(outcome.differences) - len(shown)} more (--all lists them)")
    path = "the reference path" if outcome.reference else "declare's fast path (--fast)"
    scope = (f"recomputed from {outcome.data} under rule {outcome.rule} by {path} and compared" if outcome.recomputed
             else "content hash checked only (--hash-only: nothing recomputed)")
    _echo(f"{declaration}: {scope}; {outcome.compared} values, {len(outcome.failures)} differ, "
               f"{len(outcome.warnings)} warning(s), relative tolerance {tolerance:g}")
    if outcome.note:
        _echo(f"{declaration}: {outcome.note}")
    if not outcome.ok or not signed:
        click.secho("NOT VERIFIED", fg="red", err=True)
        sys.exit(1)
    _echo("verified" if outcome.recomputed else
          "content hash consistent (the numbers are not verified: recompute them without --hash-only)")


def _print_signatures(declaration: Path, public_keys: Path, document: dict | None = None) -> bool:
    """One line per signature checked against the given public keys; True when a valid one is there.

    ``document``: the declaration as verify parsed and compared it (the file is not read again)."""
    check = footprint.check_signatures(document if document is not None else declaration, public_keys)
    describe = footprint.describe_signature
    for record in check.valid:
        _echo(f"signature valid:   {describe(record)}")
    for record, why in check.invalid:
        _echo(f"signature INVALID: {describe(record)}: {why}")
    for record in check.unknown:
        _echo(f"signature not checked (key not in {public_keys.name}): {describe(record)}")
    if not check.valid and not check.invalid:
        _echo(f"no signature by a key in {public_keys}")
    return check.ok


@main.group()
def keys() -> None:
    """Ed25519 keys for signing declarations.

    \b
    Example:
      footprint keys new --out producer.key       # writes producer.key (0600) and producer.key.pub
    """


@keys.command("new")
@click.option("--out", "out", required=True, type=FILE,
              help="Private key file (mode 0600); the public key is written beside it as OUT.pub.")
@click.option("--force", is_flag=True, help="Overwrite existing key files (the old key is lost).")
def keys_new(out: Path, force: bool) -> None:
    """Create a new key pair: keep the private key secret, hand out OUT.pub.

    \b
    Example:
      footprint keys new --out ~/.footprint/verifier.key
    """
    key = footprint.new_key(out, force=force)
    _echo(f"private key: {key.private_path} (mode 0600: keep it secret)")
    _echo(f"public key:  {key.public_path} (hand this out)")
    _echo(f"key id:      {key.key_id}")


@main.command("sign")
@click.argument("declaration", type=FILE)
@click.option("--key", "key", required=True, type=FILE,
              help="Private key file from 'footprint keys new'.")
@click.option("--name", help="Signer's name recorded in the signature.")
@click.option("--role", help="Signer's role recorded in the signature (producer, verifier, ...).")
@click.option("-o", "--output", type=FILE,
              help="Write the signed declaration here (default: sign DECLARATION in place).")
@click.option("--force", is_flag=True, help="Overwrite an existing --output.")
def sign(declaration: Path, key: Path, name: str | None, role: str | None, output: Path | None,
         force: bool) -> None:
    """Sign a declaration: its content hash is checked, then a signature is added to 'signatures'.

    The content hash does not change (signatures are outside it); a key signing again
    replaces its earlier signature. A declaration edited after it was written is refused.

    \b
    Example:
      footprint sign out/decl.json --key verifier.key --name "Example Verification GmbH" --role verifier
    """
    written = footprint.sign_declaration(declaration, key, output=output, name=name, role=role, force=force)
    _echo(f"signed: {written}")


_REGISTER_HELP = "Register: a SQLite file path or an SQLAlchemy URL (default: FOOTPRINT_HOME/market.sqlite)."


# ----------------------------------------------------------------------------- many declarations (issue 14)


@main.group()
def batch() -> None:
    """Declare or verify many declarations in one run, here or on a Dask cluster.

    \b
    Example:
      footprint batch declare manifest.csv
      footprint batch declare manifest.csv --scheduler local --workers 4 --register market.sqlite
      footprint batch verify out/declarations --scheduler tcp://10.0.0.5:8786
    """


_SCHEDULER_HELP = ("Where to run: this process (default; with --workers N, N forked processes on this machine), "
                   "'processes' (forked processes, one per core), 'local' (a Dask LocalCluster on this machine) or "
                   "a Dask scheduler address tcp://HOST:PORT (every worker needs the same set-up; see README).")


def _batch_options(func):
    func = click.option("--scheduler", default=None, help=_SCHEDULER_HELP)(func)
    func = click.option("--workers", type=click.IntRange(1, 256), default=None,
                        help="Worker processes: without --scheduler, a pool of N forked processes on this machine "
                             "(used from 40 rows; a shorter batch runs in this process, where it is faster); with "
                             "--scheduler local, the LocalCluster's (default 2).")(func)
    func = click.option("--progress/--no-progress", default=None,
                        help="Progress bar on stderr (default: on a terminal, for 20 rows or more).")(func)
    func = click.option("--errors", "errors_path", type=FILE,
                        help="Also write the per-row error report here (CSV: row, status, output, message).")(func)
    return func


def _batch_report(summary, errors_path: Path | None, verb: str, force: bool) -> None:
    for outcome in summary.outcomes:
        where = f" {outcome.output}" if outcome.output else ""
        if not outcome.ok:
            _echo(f"row {outcome.row}{where}: {outcome.status}: {outcome.message}", err=True)
        if outcome.note:
            _echo(f"row {outcome.row}{where}: {outcome.note}")
    if errors_path is not None:
        summary.write_errors(errors_path, force=force)
        _echo(f"error report: {errors_path}")
    _echo(summary.text(verb))
    if summary.count("error"):
        sys.exit(2)
    if summary.count("differs"):
        sys.exit(1)


@batch.command("declare")
@click.argument("manifest", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite existing outputs.")
@click.option("--register", default=None, help="Stream each declaration into this market register as it "
                                                "arrives (rows need mass_kg and year). " + _REGISTER_HELP)
@click.option("--supplier-keys", "supplier_keys", type=FILE,
              help="Hold every row to 'declare --supplier-keys': refuse a row unless every supplier's declaration "
                   "it uses is signed by one of these public keys (a row's supplier_keys column overrides it). "
                   "Read once, before any row runs.")
@click.option("--strict", is_flag=True, help="Hold every row to 'declare --strict' (a row's strict column, true or "
                                             "false, overrides it): a row that breaches it is that row's error.")
@click.option("--uncertainty", "iterations", type=int, metavar="N",
              help="Run 'declare --uncertainty N' for every row (a row's uncertainty column overrides it).")
@click.option("--seed", type=int, help="Seed of every row's Monte Carlo, as 'declare --seed' (a row's seed column "
                                       "overrides it; a row without a Monte Carlo refuses a seed). Without it, "
                                       "one seed is drawn for the run and printed.")
@_sign_options
@_batch_options
def batch_declare(manifest: Path, force: bool, register: str | None, supplier_keys: Path | None, strict: bool,
                  iterations: int | None, seed: int | None, sign_key: Path | None, signer_name: str | None,
                  signer_role: str | None, scheduler: str | None, workers: int | None,
                  progress: bool | None, errors_path: Path | None) -> None:
    """Declare every row of MANIFEST (CSV or YAML: rule, data, output per row).

    Optional columns: allocation, mapping, background, mass_kg, year, supplier_keys, strict
    (true/false), uncertainty (N), seed. Paths are relative to the manifest. Each row's
    declaration is 'footprint declare' of its rule and data with its options. A row's error is
    reported for that row and never stops the others. Exit 0 when every row was declared, 2 if
    any row failed.

    \b
    Example:
      footprint batch declare examples/batch/manifest.csv --force
      footprint batch declare market.csv --workers 2
      footprint batch declare manifest.yaml --scheduler local --workers 2 --errors errors.csv
      footprint batch declare market.csv --supplier-keys suppliers.pub
      footprint batch declare market.csv --strict --uncertainty 1000 --seed 1 --workers 2
      footprint batch declare market.csv --sign producer.key --signer-name "Example Co."
    """
    summary = footprint.batch_declare(manifest, force=force, register=register, scheduler=scheduler,
                                      workers=workers, progress=progress, errors=errors_path,
                                      supplier_keys=supplier_keys, strict=strict, uncertainty=iterations, seed=seed,
                                      sign_key=sign_key, signer_name=signer_name, signer_role=signer_role)
    if summary.signed_by:
        _echo(f"signed:      key {summary.signed_by[:16]} (every declaration written)")
    if summary.seed is not None:
        _echo(f"seed:        {summary.seed} (drawn for the run: every Monte Carlo without a seed of its own)")
    _batch_report(summary, errors_path, "declared", force)


@batch.command("verify")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--tolerance", type=float, default=1e-6, show_default=True,
              help="Relative tolerance for numbers (at most 0.01).")
@click.option("--force", is_flag=True, help="Overwrite an existing --errors file.")
@click.option("--public-key", "public_keys", type=FILE,
              help="Also require each declaration to carry a valid signature by one of the public keys in this file "
                   "(as 'verify --public-key'); one without it differs.")
@click.option("--supplier-keys", type=FILE,
              help="Recompute only with suppliers' declarations signed by a key in this file (as 'verify "
                   "--supplier-keys'); a declaration made from an unsigned or re-hashed supplier file is an error.")
@click.option("--scheme", "schemes", multiple=True, type=FILE,
              help="A class scheme of the classed declarations (repeat for several; each declaration is checked "
                   "against the one its class names). A classed declaration without its scheme is an error.")
@click.option("--reference/--fast", default=False, show_default=True,
              help="Recompute by the reference path (one Brightway LCA of foreground and background per row, as "
                   "single verify does by default) instead of declare's fast path.")
@_batch_options
def batch_verify(directory: Path, tolerance: float, force: bool, public_keys: Path | None,
                 supplier_keys: Path | None, schemes: tuple[Path, ...], reference: bool, scheduler: str | None,
                 workers: int | None, progress: bool | None, errors_path: Path | None) -> None:
    """Recompute every declaration (*.json, any case) in DIRECTORY from the activity data it records.

    Exit 0 when all verify, 1 if any differs, 2 if any could not be recomputed.

    \b
    Example:
      footprint batch verify out/declarations
      footprint batch verify out/declarations --scheduler local --errors verify-errors.csv
      footprint batch verify out/declarations --public-key verifier.pub
      footprint batch verify out/magnets --supplier-keys suppliers.pub
      footprint batch verify out/classed --scheme scheme-2026.json --scheme scheme-2029.json
      footprint batch verify out/declarations --reference   # each row by the reference path
    """
    summary = footprint.batch_verify(directory, scheduler=scheduler, workers=workers, progress=progress,
                                     tolerance=tolerance, errors=errors_path, force=force, public_keys=public_keys,
                                     supplier_keys=supplier_keys, schemes=schemes, reference=reference)
    _batch_report(summary, errors_path, "verified", force)


@main.group()
def market() -> None:
    """The market register of declarations placed on the EU market (for performance classes).

    \b
    Example:
      footprint market add out/decl.json --mass 250000 --year 2025
      footprint market import examples/market/register.csv
      footprint market list --rule ndpr-oxide --year 2025
    """


@market.command("add")
@click.argument("declarations", nargs=-1, required=True, type=FILE)
@click.option("--mass", "mass_kg", type=float, required=True, help="Mass placed on the market in the year (kg).")
@click.option("--year", type=int, required=True, help="Year the mass was placed on the market.")
@click.option("--register", help=_REGISTER_HELP)
@click.option("--require-signature", "trusted_keys", **_REQUIRE_SIGNATURE)
@click.option("--replace", is_flag=True,
              help="Take the place of registered declarations of the same facility and an overlapping period "
                   "(a correction).")
def market_add(declarations: tuple[Path, ...], mass_kg: float, year: int, register: str | None,
               trusted_keys: Path | None, replace: bool) -> None:
    """Register declarations as placed on the market in a year.

    Adding the same declaration for the same year again replaces its mass (no double count).
    A second declaration of the same facility and an overlapping reporting period is refused
    unless --replace (a correction takes the first one's place in the register).

    \b
    Example:
      footprint market add out/decl.json --mass 250000 --year 2025
    """
    result = footprint.market_add(list(declarations), mass_kg=mass_kg, year=year, register=register,
                                  require_signature=trusted_keys, replace=replace)
    _echo(f"register {footprint.market_register(register).target}: {result.added} added, "
          f"{result.updated} updated" + (f", replaced {', '.join(result.replaced)}" if result.replaced else "")
          + ("; their placements of " + ", ".join(f"{year} ({mass:g} kg)" for year, mass in result.carried.items())
             + " carried over to the correction" if result.carried else ""))


@market.command("import")
@click.argument("csv_file", type=FILE)
@click.option("--register", help=_REGISTER_HELP)
def market_import(csv_file: Path, register: str | None) -> None:
    """Import a register CSV in one transaction (any bad row rejects the whole file).

    Columns: declaration_id, rule_id, rule_version, declarant, date, year, mass_kg,
    content_sha256, and value:<category> (optionally unit:<category>) per category;
    optionally facility, identifier, period_start, period_end (one declaration per
    facility and period, as market add).

    \b
    Example:
      footprint market import examples/market/register.csv
    """
    result = footprint.market_import(csv_file, register=register)
    _echo(f"register {footprint.market_register(register).target}: {result.added} added, "
               f"{result.updated} updated")


@market.command("list")
@click.option("--rule", help="Only this rule id.")
@click.option("--year", type=int, help="Only this year.")
@click.option("--register", help=_REGISTER_HELP)
def market_list(rule: str | None, year: int | None, register: str | None) -> None:
    """List the register: one line per declaration and year.

    \b
    Example:
      footprint market list --rule ndpr-oxide --year 2025
    """
    rows = footprint.market_rows(register=register, rule=rule, year=year)
    _echo(f"{'year':<5} {'rule':<22} {'declaration':<46} {'mass (t)':>10}  values")
    for row in rows:
        # each value with its unit: the unit carries the basis ("kg CO2-Eq per 1000 kg"), and values of rules
        # declared per another amount stood unitless beside per-kg ones
        # a value is plain only when complete: partial is a lower bound, and one of unknown coverage (registered
        # before every write stated it) is not known to be more (classes derive refuses it)
        coverage = row.get("coverage") or {}
        units = row.get("units") or {}
        values = ", ".join(f"{c}={_fmt(v)}" + (f" {units[c]}" if units.get(c) else "")
                           + _coverage_mark(coverage.get(c)) for c, v in sorted(row["values"].items()))
        _echo(f"{row['year']:<5} {row['rule_id'] + ' ' + row['rule_version']:<22} "
                   f"{row['declaration_id'][:46]:<46} {_fmt(row['mass_kg'] / 1000):>10}  {values}")
    total = sum(row["mass_kg"] for row in rows)
    _echo(f"{len(rows)} row(s), {len({r['declaration_id'] for r in rows})} declaration(s), "
               f"{_fmt(total / 1000)} t")


def _coverage_mark(state: str | None) -> str:
    """What ``market list`` writes after a value: nothing when complete, else what it is instead."""
    return "" if state == "complete" else " (partial)" if state == "partial" else " (coverage unknown)"


def _date(value: str | None):
    import datetime as dt

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD", param_hint="--date") from None


def _print_scheme(scheme: dict) -> None:
    _echo(f"scheme {scheme['scheme_id']}")
    _echo(f"  {scheme['counts']['declarations']} declarations, {_fmt(scheme['counts']['mass_kg'] / 1000)} t; "
               f"{scheme['method']}, {scheme['weighting']}-weighted"
               + (", head-room" if scheme["head_room"]["enabled"] else "")
               + f"; derived {scheme['derived']}, next review {scheme['next_review']}"
               + (f"; window {scheme['window_years']['years']} years OVERRIDES the rule's "
                  f"{scheme['window_years']['rule']}" if (scheme.get("window_years") or {}).get("override") else ""))
    empty = scheme["counts"].get("years_without_placements")
    if empty:
        click.echo(f"warning: no declaration of rule '{scheme['rule']['id']}' is registered as placed on the market in "
                   f"{', '.join(map(str, empty))}: the thresholds describe {scheme['window_years']['years'] - len(empty)}"
                   f" of the window's {scheme['window_years']['years']} years (register those years' placements, or "
                   "state a shorter window with --window-years)", err=True)
    figures = _figures_apart(scheme["thresholds"])
    for row in scheme["classes"]:
        low = "" if row["lower"] is None else f"> {_fmt(row['lower'], figures)}"
        high = "" if row["upper"] is None else f"<= {_fmt(row['upper'], figures)}"
        _echo(f"  {row['class']}: {' and '.join(x for x in (low, high) if x):<26} {row['declarations']:>5} decl. "
                   f"{_fmt(row['mass_kg'] / 1000):>10} t")


@main.group()
def classes() -> None:
    """Performance classes A..n: derive from the market register, assign, revise.

    \b
    Example:
      footprint classes derive --rule ndpr-oxide --category climate_change --window 2023-2025 -o scheme.json
      footprint classes assign out/decl.json --scheme scheme.json -o out/decl-classed.json
    """


def _scheme_options(func):
    for option in reversed([
        click.option("--weight", type=click.Choice(["mass", "count"]),
                     help="Weighting (default: derive from the rule's class_scheme, revise from the old scheme)."),
        click.option("--method", type=click.Choice(["quantile", "equal-width"]),
                     help="Method (default: derive from the rule's class_scheme, revise from the old scheme)."),
        click.option("--head-room/--no-head-room", default=None,
                     help="Keep class A empty at introduction (energy-label practice)."),
        click.option("--margin", type=float, help="Head-room: A/B threshold this fraction below the best (0.10)."),
        click.option("--robust", type=float, nargs=2, help="Equal-width: the two percentiles (0.05 0.95)."),
        click.option("--date", "date_text", help="Derivation date YYYY-MM-DD (default: end of the window)."),
        click.option("--window-years", type=int,
                     help="Accept a window of this many years although the rule's class_scheme says otherwise "
                          "(Annex V: three); the scheme records the override."),
        click.option("--register", help=_REGISTER_HELP),
        click.option("--basis", type=click.Choice(["value", "median"]),
                     help="Thresholds from the declared values, or from the declarations' Monte Carlo medians "
                          "(declare --uncertainty; others enter with their value). Default: value; revise: as the "
                          "old scheme."),
        click.option("--force", is_flag=True, help="Overwrite existing outputs."),
    ]):
        func = option(func)
    return func


@classes.command("derive")
@click.option("--rule", required=True, help="Rule id as registered.")
@click.option("--category", help="Impact category id (default: the rule's class_scheme, else climate_change).")
@click.option("--window", required=True, help="Placement years, e.g. 2023-2025.")
@click.option("--classes", "n_classes", type=int, help="Number of classes (default: the rule's class_scheme, else 7).")
@click.option("-o", "--output", required=True, type=FILE,
              help="Where to write the scheme JSON.")
@_scheme_options
def classes_derive(rule: str, category: str | None, window: str, n_classes: int | None, output: Path,
                   weight: str | None,
                   method: str | None, head_room: bool | None, margin: float | None, robust, date_text: str | None,
                   window_years: int | None, register: str | None, basis: str | None, force: bool) -> None:
    """Derive class thresholds A..n from the declarations placed on the market in a window.

    Options not given come from the rule's class_scheme block (rules/ID.yaml). Same
    register and options give a byte-identical scheme (the date defaults to the
    window's last day; next review three years later).

    \b
    Example:
      footprint classes derive --rule ndpr-oxide --category climate_change --window 2023-2025 \\
          --classes 7 --weight mass --method quantile --head-room -o scheme.json
    """
    from footprint.api import register_input  # not re-exported by footprint/__init__ (outside this change)

    footprint.check_output(output, force, inputs=[register_input(register)])
    scheme = footprint.derive_classes(rule, category, window, classes=n_classes, weight=weight, method=method,
                                      head_room=head_room, margin=margin,
                                      robust=tuple(robust) if robust else None, register=register,
                                      date=_date(date_text), window_years=window_years, basis=basis)
    footprint.write_scheme(scheme, output, force=force)
    _echo(f"scheme: {output}")
    _print_scheme(scheme)


@classes.command("assign")
@click.argument("declaration", type=FILE)
@click.option("--scheme", required=True, type=FILE, help="Class scheme JSON.")
@click.option("-o", "--output", required=True, type=FILE,
              help="Where to write the declaration with its performance_class.")
@click.option("--report", "report_path", type=FILE,
              help="Also write the HTML report.")
@click.option("--label", "label_path", type=FILE,
              help="Also write the class label graphic (PNG).")
@click.option("--force", is_flag=True, help="Overwrite existing outputs.")
@click.option("--require-signature", "trusted_keys", **_REQUIRE_SIGNATURE)
@_sign_options
def classes_assign(declaration: Path, scheme: Path, output: Path, report_path: Path | None,
                   label_path: Path | None, force: bool, trusted_keys: Path | None, sign_key: Path | None,
                   signer_name: str | None, signer_role: str | None) -> None:
    """Assign a declaration its performance class under a scheme of the same rule and category.

    The class is written into the declaration (key performance_class) and covered by
    its content hash, so 'footprint verify' still checks the output.

    \b
    Example:
      footprint classes assign out/decl.json --scheme scheme.json -o out/decl-classed.json --label out/label.png
    """
    inputs = [("declaration", declaration), ("class scheme", scheme), ("private key", sign_key),
              ("trusted public keys", trusted_keys)]
    for path in (output, report_path, label_path):
        if path:
            footprint.check_output(path, force, inputs=inputs)
    document = footprint.assign_class(declaration, scheme, require_signature=trusted_keys)
    document = _signed(document, sign_key, signer_name, signer_role)
    footprint.write_declaration(document, output, force=force, report=report_path, label=label_path)  # all or none
    record = document["performance_class"]
    # the value the class was decided on: under a scheme of medians, the Monte Carlo median (said so)
    median = record.get("basis") == "median" and record.get("classed_value") is not None
    classed = record["classed_value"] if median else record["value"]
    figures = _figures_apart([*(record.get("thresholds") or []), classed])  # never reads as a threshold
    unit = record.get("unit") or ""
    _echo(f"class {record['class']} ({record['category']} = {_fmt(classed, figures)} {unit}"
          + (f", Monte Carlo median; declared value {_fmt(record['value'])} {unit}" if median else "")
          + f") under {record['scheme_id']}")
    due = record.get("next_review")
    from footprint._time import utc_today

    if due and str(due) < utc_today().isoformat():  # the UTC day, as every other date check
        click.secho(f"warning: the scheme was due for review on {due}; the class is the one this scheme gives, "
                    "not the current one ('footprint classes revise' derives the next scheme)", fg="yellow", err=True)
    if record.get("probabilities"):
        from footprint._text import percent_digits  # 0.996 is not "100%": another class stays possible

        shown = ", ".join(f"{name} {percent_digits(p, 0)}%" for name, p in record["probabilities"].items()
                          if p >= 0.005)
        _echo(f"class probabilities: {shown}")
    nearest = record.get("nearest_threshold")
    if nearest:
        _echo(f"nearest threshold: {_fmt(nearest['threshold'], figures)} ({'/'.join(nearest['between'])}), "
              f"distance {_fmt(nearest['distance'])}"
              + ("" if nearest.get("within_95_interval") is None else
                 "; within the 95 % interval" if nearest["within_95_interval"] else
                 "; outside the 95 % interval"))
    _echo(f"declaration: {output}" + (" (unsigned: the class changes the content, so the input's signatures do "
                                      "not carry over; --sign KEY)" if trusted_keys and not sign_key else ""))
    if report_path:
        _echo(f"report:      {report_path}")
    if label_path:
        _echo(f"label:       {label_path}")


@classes.command("revise")
@click.option("--old", "old_path", required=True, type=FILE,
              help="The scheme being revised.")
@click.option("--window", required=True, help="Placement years of the new scheme, e.g. 2026-2028.")
@click.option("--classes", "n_classes", type=int, help="Number of classes (default: as the old scheme).")
@click.option("--trigger-top", type=float, default=0.30, show_default=True,
              help="Rescaling trigger: share in the top class.")
@click.option("--trigger-top-two", type=float, default=0.50, show_default=True,
              help="Rescaling trigger: share in the top two classes.")
@click.option("-o", "--output", required=True, type=FILE,
              help="Where to write the new scheme JSON.")
@click.option("--report", "report_path", required=True, type=FILE,
              help="Where to write the revision report (HTML).")
@_scheme_options
def classes_revise(old_path: Path, window: str, n_classes: int | None, trigger_top: float, trigger_top_two: float,
                   output: Path, report_path: Path, weight: str | None, method: str | None, head_room: bool | None,
                   margin: float | None, robust, date_text: str | None, window_years: int | None,
                   register: str | None, basis: str | None, force: bool) -> None:
    """Derive the next scheme and a revision report against the old one.

    Options not given are taken from the old scheme. The report shows old vs new
    thresholds, the migration matrix, shares in the top classes against the
    rescaling triggers, and the distribution with the old and new bands.

    \b
    Example:
      footprint classes revise --old scheme-2022.json --window 2023-2025 -o scheme-2025.json --report revision.html
    """
    from footprint.api import register_input

    inputs = [("old scheme", old_path), register_input(register)]
    footprint.check_output(output, force, inputs=inputs)
    footprint.check_output(report_path, force, inputs=inputs)
    revision = footprint.revise_classes(old_path, window, classes=n_classes, weight=weight, method=method,
                                        head_room=head_room, margin=margin, robust=None if not robust else robust,
                                        triggers=(trigger_top, trigger_top_two), register=register,
                                        date=_date(date_text), window_years=window_years, basis=basis)
    revision.write(output, report_path, force=force)  # the scheme and its report: both or neither
    _echo(f"scheme: {output}")
    _echo(f"report: {report_path}")
    _print_scheme(revision.new)
    shares = revision.shares_old
    from footprint._text import decimals_apart

    def share(key: str, basis: str) -> str:  # a share below its trigger never prints as the trigger (30.0%)
        trigger = (shares.get("triggers") or {}).get(key)
        places = decimals_apart([shares[key][basis], *([trigger] if trigger is not None else [])])
        return f"{100 * shares[key][basis]:.{places}f}%"

    _echo(f"under the old scheme: top class {share('top', 'mass')} of mass "
          f"({share('top', 'declarations')} of declarations), top two {share('top_two', 'mass')} "
          f"({share('top_two', 'declarations')}); rescaling "
          + ("TRIGGERED" if shares["rescale"] else "not triggered") + f" (basis: {shares['basis']})")
    near = revision.near
    if near.get("with_interval"):
        _echo(f"near a new threshold: {near['near']} of {near['with_interval']} declarations with a Monte Carlo "
              f"have a threshold within their own 95 % interval ({near['near_mass_share']:.1%} of the mass); "
              "a revision could move them by chance")
    else:
        _echo("near a new threshold: no declaration in the window carries a Monte Carlo (declare --uncertainty)")



# ----------------------------------------------------------------------------- export (issue 6)


@main.command("export")
@click.argument("declaration", type=FILE)
@click.option("--format", "fmt", required=True, type=click.Choice(["pact", "csv", "xlsx"]),
              help="pact: PACT v3 ProductFootprint JSON; csv: the contributions table; "
                   "xlsx: the product system as a Brightway Excel workbook.")
@click.option("-o", "--output", required=True, type=FILE,
              help="Where to write the export.")
@click.option("--data", type=FILE,
              help="xlsx only: the activity data the declaration was computed from.")
@click.option("--rule", help="xlsx only: the rule id or file (default: the declaration's rule id).")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
def export(declaration: Path, fmt: str, output: Path, data: Path | None, rule: str | None, force: bool) -> None:
    """Export a declaration for other systems: PACT v3 record, CSV table or Brightway Excel.

    The Excel workbook is rebuilt from the inputs (--data, and --rule if needed); their
    hashes must match the declaration's provenance.

    \b
    Example:
      footprint export out/decl.json --format pact -o out/pf.json
      footprint export out/decl.json --format csv -o out/contributions.csv
      footprint export out/decl.json --format xlsx -o out/system.xlsx --data examples/ndpr-oxide/activity-2025.yaml
    """
    footprint.check_output(output, force, inputs=[("declaration", declaration), ("activity data", data),
                                                  ("rule", rule if rule and Path(rule).is_file() else None)])
    document = footprint.read_declaration(declaration)
    footprint.export_declaration(document, fmt, output, force=force, data=data, rule=rule)
    _echo(f"{fmt}: {output}")


# ----------------------------------------------------------------------------- secondary data (issue 4)


@main.group()
def inventories() -> None:
    """List, show and import secondary datasets (open library and licensed databases).

    \b
    Example:
      footprint inventories list --kind electricity
      footprint inventories import ecoinvent/datasets --format ecospold2 --name ecoinvent-3.10
    """


@inventories.command("list")
@click.option("--kind", help="Only this kind (electricity, fuel, chemical, transport, material, process, ...).")
@click.option("--geography", help="Only this geography (CN, CN-NM, GLO, ...).")
@click.option("--imported", is_flag=True, help="List the imported databases instead.")
def inventories_list(kind: str | None, geography: str | None, imported: bool) -> None:
    """List the open library's datasets: code, kind, geography, year, DQR, coverage.

    \b
    Example:
      footprint inventories list --kind electricity --geography CN-NM
      footprint inventories list --imported
    """
    if imported:
        for info in footprint.imported_databases():
            _echo(f"{info['database']:<28} {info['format']:<10} version {info['version']:<14} "
                       f"sha256 {info['sha256'][:12]}  imported {info['imported']}")
        return
    for d in footprint.list_inventories(kind, geography):
        flag = " screening" if d.screening else ""
        complete = 16 - len(d.uncovered)
        _echo(f"{d.code:<40} {d.kind:<12} {d.geography:<8} {d.year or '':<5} DQR {d.dqr.score:.1f} "
                   f"{d.confidence:<3} {complete}/16 categories{flag}")


@inventories.command("show")
@click.argument("code")
def inventories_show(code: str) -> None:
    """Show one dataset: source, licence, DQR, coverage, screening flag and every flow.

    \b
    Example:
      footprint inventories show electricity/CN-NM
    """
    d, path = footprint.show_inventory(code)
    _echo(f"{d.code}: {d.name}  [{d.kind}, {d.geography}, {d.year or 'year n/a'}] per 1 {d.unit}")
    _echo(f"file: {path}")
    _echo(f"source: {' '.join(d.source.citation.split())}" + (f" <{d.source.url}>" if d.source.url else ""))
    _echo(f"licence: {d.source.licence}; confidence {d.confidence}; technology: {d.technology or 'n/a'}")
    _echo(f"DQR {d.dqr.score:.2f} (TeR {d.dqr.TeR:g}, GeR {d.dqr.GeR:g}, TiR {d.dqr.TiR:g}, P {d.dqr.P:g})"
               + ("; SCREENING value" if d.screening else ""))
    if d.scope:
        _echo(f"scope: {d.scope}" + (f" (life-cycle rules add {d.upstream.amount:g} {d.upstream.unit} of "
                                          f"{d.upstream.dataset} per {d.unit})" if d.upstream else ""))
    if d.lumped_co2e:
        _echo(f"lumped CO2e: one 'Carbon dioxide, fossil' flow holds every greenhouse gas "
                   f"({d.lumped_co2e.gwp_basis})")
    headline = [c for c in d.coverage if c not in d.uncovered and c != "crustal_scarcity"]
    _echo(f"covers {len(headline)}/{len(headline) + len(d.uncovered)} EF categories completely "
               f"(computed from its flows and inputs): {', '.join(headline) or 'none'}")
    if d.uncovered:
        _echo(f"not covered (partial in declarations): {', '.join(d.uncovered)}")
    for gap in d.gaps:
        _echo(f"missing ({', '.join(gap.categories)}): {' '.join(gap.flows.split())} -- "
                   f"{' '.join(gap.reason.split())}")
    _echo("flows:")
    for e in d.exchanges:
        where = e.dataset if e.type == "technosphere" else f"{e.name} ({'::'.join(e.categories or [])})"
        _echo(f"  {e.type:<13} {e.amount:>12.6g} {e.unit:<8} {where}")
    if d.notes:
        _echo(f"notes: {' '.join(d.notes.split())}")


@inventories.command("coverage")
@click.argument("rule")
@click.option("--data", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A producer's activity data: check exactly the datasets its inventory uses.")
@click.option("--background", help="Imported database the --mapping entries point into by default (as declare).")
@click.option("--mapping", type=FILE, help="The mapping declare will be given (needs --data): its imported datasets "
                                           "in place of the library's, their coverage read from their scores.")
@click.option("--json", "as_json", is_flag=True, help="Print the coverage as JSON.")
def inventories_coverage(rule: str, data: Path | None, background: str | None, mapping: Path | None,
                         as_json: bool) -> None:
    """Per declared category of RULE: which datasets characterise it, which do not, and why.

    \b
    Example:
      footprint inventories coverage ndpr-oxide
      footprint inventories coverage ndpr-oxide --data examples/ndpr-oxide/activity-2025.yaml
      footprint inventories coverage ndpr-oxide --data data.yaml --background ecoinvent --mapping map.yaml
    """
    _echo_result(footprint.inventory_coverage(rule, data, background=background, mapping=mapping), as_json)


@inventories.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--format", "fmt", required=True, type=click.Choice(["ecospold2", "excel", "jsonld"]),
              help="ecospold2: a directory of .spold files; excel: Brightway Excel; jsonld: openLCA zip/dir.")
@click.option("--name", help="Database name in the footprint project (default: the file or folder name).")
@click.option("--db-version", "version", help="Version recorded with the database (e.g. 3.10 cut-off).")
@click.option("--dry-run", is_flag=True, help="Check and report links without writing.")
@click.option("--force", is_flag=True, help="Replace a database of the same name.")
def inventories_import(path: Path, fmt: str, name: str | None, version: str | None, dry_run: bool,
                       force: bool) -> None:
    """Import a licensed database offline; nothing is written unless every exchange links.

    Unlinked exchanges are listed with the closest biosphere3 or dataset names, and
    the command exits 2 with the project unchanged.

    \b
    Example:
      footprint inventories import ecoinvent-3.10/datasets --format ecospold2 --name ecoinvent-3.10 --db-version 3.10
      footprint inventories import uslci.zip --format jsonld --name uslci
      footprint inventories import my-datasets.xlsx --format excel --dry-run
    """
    report = footprint.import_inventory(path, fmt, name, version=version, force=force, dry_run=dry_run)
    state = "checked (dry run, nothing written)" if dry_run else "imported"
    _echo(f"{report.name}: {state}: {report.activities} datasets, {report.exchanges} exchanges, "
               f"all linked ({report.biosphere_relinked} elementary exchanges linked to biosphere3 by "
               f"footprint); sha256 {report.sha256[:12]}, version {report.version}")
    for dropped in report.dropped:
        _echo(f"warning: input {dropped} has no activity link and no producer; bw2io removed it", err=True)



# ---------------------------------------------------------------- footprint serve: the PACT v3 host

_DATABASE_HELP = ("Database: a file path (SQLite) or a URL such as postgresql://user@host/db "
                  "(default: the market register, FOOTPRINT_HOME/market.sqlite).")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8443, show_default=True, type=click.IntRange(0, 65535), help="TLS port.")
@click.option("--tls-cert", type=FILE, help="PEM certificate (required).")
@click.option("--tls-key", type=FILE, help="PEM private key (required).")
@click.option("--db", "database", help=_DATABASE_HELP)
@click.option("--token-ttl", default=3600, show_default=True, type=click.IntRange(60, 86400),
              help="Lifetime of access tokens (s).")
@click.option("--access-log", type=FILE,
              help="Append the access log to this file (default: stderr).")
@click.option("--event-attempts", default=8, show_default=True, type=click.IntRange(1, 100),
              help="Tries to send the answer to a RequestCreated event, then it is marked failed.")
@click.option("--event-backoff", default=5.0, show_default=True, type=click.FloatRange(0.1, 3600),
              help="Seconds before the second try; the wait doubles (at most an hour).")
@click.option("--public-url", help="The https URL clients reach this host at: the CloudEvents 'source' of every "
                                   "event it sends (default: https://HOST:PORT it listens on).")
@click.option("--max-answer-footprints", default=100, show_default=True, type=click.IntRange(1, 10000),
              help="The most footprints one answer to a RequestCreated carries (and at most 1 MiB); a request "
                   "matching more is refused (400), and so is an event received with more.")
def serve(host: str, port: int, tls_cert: Path | None, tls_key: Path | None, database: str | None, token_ttl: int,
          access_log: Path | None, event_attempts: int, event_backoff: float, public_url: str | None,
          max_answer_footprints: int) -> None:
    """Serve published declarations: the PACT v3 API and web pages, over TLS only.

    PACT v3 actions: POST /auth/token (OAuth2 client credentials), GET /3/footprints,
    GET /3/footprints/{id}, POST /3/events. Web pages: / (declarations), /declarations/{id}
    (report), /rules/{rule}/classes (class scheme). There is no plain-HTTP listener.
    A RequestCreated event of a client with an event endpoint ('footprint clients endpoint') is
    answered there with a RequestFulfilled or RequestRejected event (log lines 'events' on stderr).

    \b
    Example:
      footprint serve --tls-cert cert.pem --tls-key key.pem
      (after: openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 365 -subj /CN=localhost,
       footprint clients add acme-buyer, footprint publish out/decl.json --to acme-buyer)
    """
    footprint.serve(host=host, port=port, tls_cert=tls_cert, tls_key=tls_key, database=database,
                    token_ttl=token_ttl, access_log=access_log, event_attempts=event_attempts,
                    event_backoff=event_backoff, public_url=public_url,
                    max_answer_footprints=max_answer_footprints,
                    ready=lambda url: _echo(f"footprint serve: {url} (PACT v3 at {url}/3/footprints, "
                                                 f"web pages at {url}/); Ctrl-C stops", err=True))


@main.command()
@click.argument("declaration", type=FILE)
@click.option("--to", "to", multiple=True, metavar="CLIENT", help="An API client that may fetch it (repeatable).")
@click.option("--public", is_flag=True, help="Everyone may fetch it, and the web pages show it.")
@click.option("--db", "database", help=_DATABASE_HELP)
@click.option("--replace", is_flag=True, help="Publish a correction in place of the Active record(s) of the same "
                                              "declarant, facility and an overlapping period (marked Deprecated).")
@click.option("--public-key", "public_keys", type=FILE,
              help="Refuse unless the declaration is signed by a key in this file of trusted public keys (its "
                   "content hash alone shows no forgery: anyone can hash an edited file).")
def publish(declaration: Path, to: tuple[str, ...], public: bool, database: str | None, replace: bool,
            public_keys: Path | None) -> None:
    """Make a declaration available on the PACT host (to clients, or to everyone).

    The host serves the declaration's PACT v3 record; a published record never changes
    (publishing it again only widens who may see it). A second declaration of the same
    facility and period is refused unless --replace.

    \b
    Example:
      footprint publish out/decl.json --to acme-buyer
      footprint publish out/decl.json --public
      footprint publish out/decl-corrected.json --public --replace
      footprint publish out/decl.json --public --public-key producers.pub
    """
    result = footprint.publish_declaration(declaration, to=to, public=public, database=database, replace=replace,
                                           public_keys=public_keys)
    who = ", ".join("everyone" if a == "*" else a for a in result.audiences) or "nobody new (already published)"
    _echo(f"{result.declaration_id}: PACT id {result.pf_id}, {'published' if result.new else 'already published'};"
               f" now also visible to: {who}")
    if result.pushed:
        _echo(f"PublishedEvent queued for {len(result.pushed)} client(s) with an event endpoint "
              f"({', '.join(sorted(result.pushed))}); a running 'footprint serve' sends it")
    for other in result.successors:
        _echo(f"this record is Deprecated: its replacement PACT id {other} is now also visible to: {who}")
    for other in result.deprecated:
        unread = other in result.unreadable
        _echo(f"replaced: PACT id {other} is now Deprecated" + (" (no client could open it any more: not named in "
                                                                 "precedingPfIds)" if unread else ""))


@main.group()
def clients() -> None:
    """API clients of the PACT host (client id and secret for POST /auth/token).

    \b
    Example:
      footprint clients add acme-buyer
      footprint clients list
      footprint clients endpoint acme-buyer https://pact.acme.example --remote-client-id our-host \\
          --remote-secret-file acme-secret.txt
      footprint clients show acme-buyer
      footprint clients remove acme-buyer
    """


@clients.command("add")
@click.argument("client_id")
@click.option("--db", "database", help=_DATABASE_HELP)
def clients_add(client_id: str, database: str | None) -> None:
    """Create a client and print its secret once (only a scrypt hash is stored).

    \b
    Example:
      footprint clients add acme-buyer
    """
    secret = footprint.add_client(client_id, database=database)
    _echo(f"client_id: {client_id}\nclient_secret: {secret}\n"
               "(shown once: give it to the client over a secure channel; it cannot be shown again)")


@clients.command("list")
@click.option("--db", "database", help=_DATABASE_HELP)
def clients_list(database: str | None) -> None:
    """List clients (never their secrets).

    \b
    Example:
      footprint clients list
    """
    rows = footprint.list_clients(database=database)
    for row in rows:
        _echo(f"{row['client_id']:<32} created {row['created']}  {row['published']} declaration(s) published to it")
    _echo(f"{len(rows)} client(s)")


@clients.command("remove")
@click.argument("client_id")
@click.option("--db", "database", help=_DATABASE_HELP)
def clients_remove(client_id: str, database: str | None) -> None:
    """Remove a client: its tokens stop working at once, what was published only to it is hidden.

    \b
    Example:
      footprint clients remove acme-buyer
    """
    footprint.remove_client(client_id, database=database)
    _echo(f"client {client_id} removed")


@clients.command("endpoint")
@click.argument("client_id")
@click.argument("url")
@click.option("--remote-client-id", required=True, help="The client id this host has at the client's token endpoint.")
@click.option("--remote-secret-file", required=True, type=FILE,
              help="A file holding the secret that goes with --remote-client-id (never given on the command line).")
@click.option("--token-url", help="The client's token endpoint (default: URL/auth/token).")
@click.option("--ca-file", type=FILE, help="PEM CA certificates to verify the client's TLS certificate with "
                                           "(default: the system's).")
@click.option("--db", "database", help=_DATABASE_HELP)
def clients_endpoint(client_id: str, url: str, remote_client_id: str, remote_secret_file: Path,
                     token_url: str | None, ca_file: Path | None, database: str | None) -> None:
    """Set where the host answers a client's RequestCreated events (its PACT base URL, https only).

    The answer (RequestFulfilled with the matching footprints the client may see, else RequestRejected)
    goes to URL/3/events with a token from the client's token endpoint. The secret is stored in the
    database as given (the host must send it). A client without an endpoint gets no answer.

    \b
    Example:
      footprint clients endpoint acme-buyer https://pact.acme.example --remote-client-id our-host \\
          --remote-secret-file acme-secret.txt
    """
    footprint.set_client_endpoint(client_id, url, secret_file=remote_secret_file, remote_client_id=remote_client_id,
                                  token_url=token_url, ca_file=ca_file, database=database)
    _echo(f"client {client_id}: RequestCreated events are answered at {url.rstrip('/')}/3/events")


@clients.command("endpoint-remove")
@click.argument("client_id")
@click.option("--db", "database", help=_DATABASE_HELP)
def clients_endpoint_remove(client_id: str, database: str | None) -> None:
    """Forget a client's event endpoint and its credentials (its requests are no longer answered).

    \b
    Example:
      footprint clients endpoint-remove acme-buyer
    """
    footprint.remove_client_endpoint(client_id, database=database)
    _echo(f"client {client_id}: no event endpoint")


@clients.command("show")
@click.argument("client_id")
@click.option("--db", "database", help=_DATABASE_HELP)
def clients_show(client_id: str, database: str | None) -> None:
    """Show a client: its event endpoint (never a secret) and the events queued for it (answers to its requests,
    PublishedEvents), those not delivered named.

    \b
    Example:
      footprint clients show acme-buyer
    """
    report = footprint.client_report(client_id, database=database)
    _echo(f"client {client_id}: created {report['created']}, {report['published']} declaration(s) published to it")
    endpoint = report["endpoint"]
    if endpoint is None:
        _echo("event endpoint: none (RequestCreated events are stored, not answered)")
    else:
        _echo(f"event endpoint: {endpoint['base_url']}/3/events (token {endpoint['token_url']}, as "
              f"{endpoint['remote_client_id']}" + (f", CA file {endpoint['ca_file']}" if endpoint["ca_file"] else "")
              + ")")
    counts: dict[str, int] = {}
    for answer in report["answers"]:
        counts[answer["state"]] = counts.get(answer["state"], 0) + 1
    _echo("answers: " + (", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "none")
          + f" (delivered ones are kept {report['kept_days']} days)")
    for answer in report["answers"]:
        if answer["state"] != "delivered" and answer["kind"] == "Published":
            _echo(f"  {answer['state']}: PublishedEvent of PACT id(s) {', '.join(answer['pf_ids'])} "
                  f"({answer['attempts']} attempt(s)): {answer['last_error'] or 'not tried yet'}")
        elif answer["state"] != "delivered":
            _echo(f"  {answer['state']}: {answer['kind']} for request {answer['request_id']!r} "
                  f"({answer['attempts']} attempt(s)): {answer['last_error'] or 'not tried yet'}")

if __name__ == "__main__":
    main()
