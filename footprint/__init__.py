"""footprint: environmental footprint declarations for critical raw materials (CRMA Art. 31, Annex V).

The public API::

    import footprint
    footprint.setup()                                   # offline set-up: a checked background snapshot
    snapshot = footprint.open_snapshot()                # the current one: .id, .catalogue(), ... (kept open)
    doc = footprint.declare("ndpr-oxide", "examples/ndpr-oxide/activity-2025.yaml")
    footprint.write_declaration(doc, "out/decl.json")
    footprint.write_report(doc, "out/decl.html")

Brightway is imported lazily (it is slow to import and needs its data directory
set first), so ``import footprint`` stays cheap.
"""
from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

_API = ("setup", "ensure_setup", "open_snapshot", "declare", "write_declaration", "write_report", "validate_rules", "list_rules",
        "load_rule", "demo_paths", "default_demo_dir", "RuleCheck", "rule_schema", "read_declaration",
        "check_output", "diff_rules", "analyse_hotspots", "make_template")
_API += ("verify_declaration", "market_register", "market_add", "market_import", "market_rows", "derive_classes",
         "read_scheme", "write_scheme", "assign_class", "Revision", "revise_classes", "class_label_png",
         "write_class_label")
_API += ("write_report_pdf", "export_declaration")
_API += ("list_inventories", "show_inventory", "inventory_coverage", "import_inventory", "imported_databases")
_API += ("declare_many", "batch_declare", "batch_verify", "background_identity", "warm_up")
_API += ("publish_declaration", "add_client", "remove_client", "list_clients", "serve", "set_client_endpoint",
         "remove_client_endpoint", "client_report")
_API += ("new_key", "sign_document", "sign_declaration", "check_signatures", "describe_signature")


def __getattr__(name: str) -> Any:
    if name in ("FootprintError",):
        from footprint import errors

        return getattr(errors, name)
    if name == "terminal_safe":  # the CLI prints names from inputs through it
        from footprint._text import terminal_safe

        return terminal_safe
    if name in _API:
        from footprint import api

        return getattr(api, name)
    raise AttributeError(f"module 'footprint' has no attribute {name!r}")


__all__ = list(_API) + ["__version__"]
