"""The footprint command line: parse, call footprint's public API, print, map errors to exit codes.

Exit codes: 0 success; 1 verification found a difference; 2 bad input (the
message names the file, the field, the value and what was expected).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import click

import footprint

EPILOG_EXAMPLES = "Run 'footprint COMMAND --help' for an example of each command."


class FootprintGroup(click.Group):
    """Turns FootprintError into one line on stderr and its exit code, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except footprint.FootprintError as exc:
            click.secho(f"error: {exc}", err=True, fg="red")
            sys.exit(exc.exit_code)


def _fmt(value: float) -> str:
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e5:
        return f"{value:.4g}"
    return f"{value:.3e}"


def _summary(document: dict) -> str:
    """A short table of the declared categories with their stage split."""
    stages = [s["id"] for s in document["stages"]]
    lines = [f"{document['declared_unit']['amount']:g} {document['declared_unit']['unit']} "
             f"{document['declared_unit']['product']} | {document['declarant']['name']} | "
             f"{document['period']['start']}..{document['period']['end']} | rule {document['rule']['id']} "
             f"{document['rule']['version']}"]
    header = f"{'category':<30} {'value':>11}  {'unit':<18}" + "".join(f" {s[:13]:>13}" for s in stages)
    lines += [header, "-" * len(header)]
    for result in document["results"]:
        if not result["declared"]:
            continue
        total = result["value"]
        shares = "".join(f" {(result['by_stage'].get(s, 0.0) / total if total else 0.0):>13.1%}" for s in stages)
        flag = "" if result.get("coverage") == "complete" else " *"
        lines.append(f"{result['label'][:30]:<30} {_fmt(total):>11}  {result['unit'][:18]:<18}{shares}{flag}")
    dq = document["data_quality"]
    lines.append(f"DQR {dq['dqr']:.2f} ({dq['level']}), primary data share {dq['primary_data_share']:.0%}"
                 + ("; * partial dataset coverage" if any(r.get('coverage') != 'complete'
                                                          for r in document['results'] if r['declared']) else ""))
    for warning in dq.get("warnings", []):
        lines.append(f"warning: {warning}")
    return "\n".join(lines)


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
@click.option("--force", is_flag=True, help="Rewrite biosphere3, methods and inventories even if unchanged.")
def setup(force: bool) -> None:
    """Set up the Brightway project offline (biosphere3, EF v3.1, inventories/).

    Idempotent: a second run with nothing changed writes nothing. Data live under
    FOOTPRINT_HOME (default: the platform's user data directory).

    \b
    Example:
      footprint setup
      FOOTPRINT_HOME=/srv/footprint footprint setup
    """
    report = footprint.setup(force=force)
    state = "updated" if report.changed else "already up to date"
    click.echo(f"Brightway project {state}: {report.directory}")
    click.echo(f"  biosphere3 written: {'yes' if report.biosphere_written else 'no'}; "
               f"methods written: {report.methods_written}; inventory datasets written: {report.inventories_written}")
    click.echo(f"  {report.seconds:.1f} s; {report.size_bytes / 1e6:.1f} MB on disk")


@main.command()
@click.argument("rule")
@click.argument("data", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the declaration JSON.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write an HTML report here.")
@click.option("--allocation", type=click.Choice(["economic", "mass", "specified"]),
              help="Use another allocation method the rule allows (sensitivity).")
@click.option("--force", is_flag=True, help="Overwrite existing output files.")
def declare(rule: str, data: Path, output: Path, report_path: Path | None, allocation: str | None,
            force: bool) -> None:
    """Compute a footprint declaration per declared unit.

    RULE is a rule id from rules/ or a path to a rule file; DATA is the producer's
    activity-data YAML file.

    \b
    Example:
      footprint declare ndpr-oxide examples/ndpr-oxide/activity-2025.yaml -o out/decl.json --report out/decl.html
    """
    footprint.check_output(output, force)  # refuse early, before any computation
    if report_path:
        footprint.check_output(report_path, force)
    document = footprint.declare(rule, data, allocation=allocation)
    footprint.write_declaration(document, output, force=force)
    click.echo(f"declaration: {output}")
    if report_path:
        footprint.write_report(document, report_path, force=force)
        click.echo(f"report:      {report_path}")
    click.echo(_summary(document))


@main.command()
@click.argument("declaration", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the HTML report.")
@click.option("--force", is_flag=True, help="Overwrite an existing report.")
def report(declaration: Path, output: Path, force: bool) -> None:
    """Render a declaration JSON as a self-contained HTML report.

    \b
    Example:
      footprint report out/decl.json -o out/decl.html
    """
    document = footprint.read_declaration(declaration)
    footprint.write_report(document, output, force=force)
    click.echo(f"report: {output}")


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
    for loaded in footprint.list_rules():
        r = loaded.rule
        click.echo(f"{r.id:<20} {r.version:<8} {r.status:<8} {r.route:<9} "
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
    click.echo(f"{r.id} {r.version} ({r.status}): {r.title}")
    click.echo(f"file: {loaded.path}  sha256: {loaded.sha256}")
    click.echo(f"legal basis: {' '.join(r.legal_basis.split())}")
    click.echo(f"declared unit: {du.amount:g} {du.unit} {du.product}; {du.chemical_form}; grade {du.grade}")
    click.echo(f"route: {r.route}; validity {r.validity.from_} .. {r.validity.until}")
    click.echo("boundary:")
    for stage in r.stages:
        click.echo(f"  {stage.label}")
        for p in stage.processes:
            alloc = f"; allocation {p.allocation.method} (options {', '.join(p.allocation.options)})" \
                if p.allocation else ""
            click.echo(f"    {p.id:<14} {p.name} [Annex V {', '.join(p.annex_v)}]; company-specific data "
                       f"{p.company_specific}; product: {p.product.name}"
                       + (f"; co-products: {', '.join(p.co_products)}" if p.co_products else "") + alloc)
    click.echo("default secondary datasets:")
    for kind, spec in r.input_kinds.items():
        fallback = f" (fallback {', '.join(spec.fallback)})" if spec.fallback else ""
        click.echo(f"  {kind:<22} {spec.dataset}{fallback}")
    click.echo(f"declared impact categories: {', '.join(r.impact_categories.declared)}")
    click.echo(f"cut-off: {r.cut_off.threshold:.0%}; DQR limits: most relevant {r.dqr_limits.most_relevant}, "
               f"other {r.dqr_limits.other}, secondary {r.dqr_limits.secondary}")
    click.echo(f"recycled content: {r.recycled_content.method}; electricity: {' '.join(r.electricity.model.split())}")
    cs = r.class_scheme
    click.echo(f"class scheme: {cs.number_of_classes} classes on {cs.category}, {cs.window_years}-year window, "
               f"{cs.weighting}-weighted {cs.method}, review every {cs.review_years} years")


@rules.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def rules_validate(paths: tuple[Path, ...]) -> None:
    """Check rule files against the schema, the Annex V boundary and the inventories.

    Exits 2 if any file is invalid.

    \b
    Example:
      footprint rules validate rules/ndpr-oxide.yaml
    """
    failures = 0
    for check in footprint.validate_rules(list(paths)):
        if check.error is None:
            click.echo(f"ok       {check.path} ({check.rule.rule.id} {check.rule.rule.version})")
        else:
            failures += 1
            click.echo(f"invalid  {check.error}", err=True)
    if failures:
        sys.exit(2)


@rules.command("schema")
def rules_schema() -> None:
    """Print the JSON Schema of rule files (for editors and CI).

    \b
    Example:
      footprint rules schema > rule.schema.json
    """
    click.echo(footprint.rule_schema(), nl=False)


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
    click.echo(f"set-up: {report.directory} ({'updated' if report.changed else 'up to date'}, "
               f"{report.seconds:.1f} s)")
    rule, data = footprint.demo_paths()
    out_dir = out_dir or footprint.default_demo_dir()
    output, html = out_dir / "ndpr-oxide-declaration.json", out_dir / "ndpr-oxide-report.html"
    footprint.check_output(output, force)
    footprint.check_output(html, force)
    document = footprint.declare(rule, data)
    footprint.write_declaration(document, output, force=force)
    footprint.write_report(document, html, force=force)
    click.echo(f"declaration: {output}")
    click.echo(f"report:      {html}")
    click.echo(_summary(document))
    click.echo(f"done in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
