"""Every PACT record checked against the stored v3 field rules before it is written or published.

WBCSD's conformance cases (#3-#5) run every ProductFootprint a host returns through the v3 JSON schema.
The export built its record field by field and nothing checked the whole: a record whose field broke
a v3 rule (a number where a decimal string is required, a missing required property, a misspelt
field, a value outside its enum or pattern) was written by ``footprint export --format pact`` with
exit 0, and ``footprint publish`` stored it for the host to serve with 200.  Now ``to_pact`` refuses
such a record (ExportError, exit 2, nothing written or stored), naming the declaration, the field
path, its value and what the schema expects.

The rules are ``schemas/pact-v3-subset.schema.json`` (a hand-written subset of spec/v3/openapi.yaml's
ProductFootprint; the OpenAPI document itself is not stored in the project).  The validator is built
once per process (jsonschema's Draft 2020-12 validator, the schema's own dialect); checking one record
costs 1-3 ms (jsonschema, for its error paths; export and publish are no hot path;
tests/test_pact_schema.py measures it).
"""
from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Mapping

from footprint.export._errors import ExportError
from footprint.paths import schemas_dir

SCHEMA_FILE = "pact-v3-subset.schema.json"


@lru_cache(maxsize=1)
def _validator() -> Any:
    """The compiled check (built on first use: export and publish are the only callers)."""
    import jsonschema

    schema = json.loads((schemas_dir() / SCHEMA_FILE).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _path(error: Any) -> str:
    """``pcf.dqi.technologicalDQR``, ``companyIds[0]``: the field as a reader finds it in the record."""
    text = ""
    for part in error.absolute_path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(the record)"


def _expected(error: Any) -> str:
    """What the schema asks for at that place: the keyword and its value, in the schema's own terms."""
    keyword, rule = error.validator, error.validator_value
    where = f"({SCHEMA_FILE}, PACT v3 ProductFootprint)"
    if keyword == "required":
        return f"every required property: {', '.join(rule)} {where}"
    if keyword == "additionalProperties":
        return f"only the properties PACT v3 names there (a misspelt or v2 field is read by no customer's system) {where}"
    return f"{keyword} {json.dumps(rule, ensure_ascii=False)} {where}"


def problems(record: Mapping[str, Any]) -> list[Any]:
    """Every v3 rule the record breaks (jsonschema errors, in the record's order); empty when it conforms."""
    return sorted(_validator().iter_errors(record), key=lambda e: [str(p) for p in e.absolute_path])


def check_record(record: Mapping[str, Any], declaration_id: Any) -> None:
    """Nothing, if the record keeps every v3 rule of the stored schema; else ExportError naming the first broken one."""
    found = problems(record)
    if not found:
        return
    first = found[0]
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    path = _path(first)
    raise ExportError(f"the PACT record of declaration {declaration_id} breaks the PACT v3 schema at {path}: "
                      f"{first.message}{more}; it is not written or published",
                      field=f"pact.{path}", value=None if isinstance(first.instance, (dict, list)) else first.instance,
                      expected=_expected(first))
