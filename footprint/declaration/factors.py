"""Whether a declaration's values come from this engine's factors: the market's gate (register, classes).

Here, not in footprint.inputs.upstream (which reads a declaration without any set-up): the comparison
needs the current set-up's factor hashes (footprint.data.project), and the inputs wing reads no data.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from footprint.errors import FootprintError
from footprint.inputs.categories import METHOD_NAME
from footprint.inputs.categories import category as _category
from footprint.inputs.upstream import declared_results, method_identity


def refuse_other_factors(document: Mapping[str, Any], error: type[FootprintError], *,
                         file: str | Path | None = None) -> None:
    """Raise ``error`` when ``document`` was not characterised with this engine's factors for a declared category:
    another method by name, or a recorded factor hash (``provenance.methods[category].sha256``) other than the
    current set-up's.

    Why: the register weighs declarations' values against each other and ``classes assign`` places one among
    the thresholds they gave, so every value must come from the same factors.  A declaration under
    'EF v3.0' (or computed under another CF extension, recorded in its hashes) was registered with exit 0
    and entered the class thresholds beside EF 3.1 values.  Where the declaration records no hash for a
    category (written before footprint recorded them), the hash is not compared.  Where this machine has no
    set-up there is nothing to compare with, and that is refused: skipped, a register kept on a machine
    never set up took declarations of any factors (a CF extension of one's own under 'EF v3.1') with exit 0.
    """
    from footprint.data.project import current_method_hashes

    method = document.get("method") if isinstance(document.get("method"), Mapping) else {}
    # a document without a method block is left to the readers' schema check (read_declaration), which requires it
    if "method" in document and method.get("name") != METHOD_NAME:
        raise error("the declaration was characterised with another impact assessment method than this engine's, "
                    "so its values are not comparable with the others'", file=file, field="method.name",
                    value=method.get("name"), expected=f"'{METHOD_NAME}'")
    ours = current_method_hashes()
    if ours is None:
        from footprint.paths import home

        raise error("the declaration's factors are compared with this machine's set-up, and this machine is not "
                    "set up", file=file, field="provenance.methods", value=f"FOOTPRINT_HOME={home()}",
                    expected="a set-up to compare with: run 'footprint setup' (offline, about 10 s) first")
    recorded = method_identity(dict(document))["method_hashes"]
    for result in declared_results(dict(document)):
        name = result.get("category")
        theirs = recorded.get(name) if isinstance(name, str) else None
        if theirs is None:
            continue
        try:
            key = " | ".join(_category(name).method)
        except FootprintError:
            continue  # a category this engine does not know: refuse_units_not_the_tables leaves it to readers
        if key in ours and ours[key] != theirs:
            raise error(f"the declaration's '{name}' was characterised with other factors (sha256 {theirs[:16]}...) "
                        f"than this engine's set-up ({ours[key][:16]}...): another CF extension or LCIA file "
                        "under the same method name, so its value is not comparable with the others'", file=file,
                        field=f"provenance.methods.{name}.sha256", value=theirs,
                        expected="a declaration made with this engine's factors (declare it again with them)")
