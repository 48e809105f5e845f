"""The declaration schema compiled to a Python check once, and kept by set-up for cold starts.

jsonschema walks the schema for every document (a fifth of a warm declaration); fastjsonschema
turns it into a function that checks a declaration in a fraction of a millisecond.  Compiling
that function takes 50 ms, a twentieth of a cold 'footprint declare', so set-up keeps its
bytecode under FOOTPRINT_HOME/cache (one file per schema, fastjsonschema and Python version;
written whole or not at all, never by a declaration) and a cold process loads it in a few ms.

fastjsonschema writes every item's path as ``"...[{i}]".format(**locals())``, evaluated on the
passing path too (the name handed to a ``$ref``'d check); ``locals()`` of its one large function
copies some 200 variables, so that alone was three quarters of the check.  ``_without_locals``
rewrites each such template into the f-string it is equivalent to (``format(value, '')`` either
way: the same text, the same checks, the same exceptions); a template it cannot rewrite exactly
is left as it is.

The schema uses only keywords draft 7 has (tests/test_declaration.py checks the compiled check
refuses whatever jsonschema refuses), so it is compiled as draft 7.  Below every wing: the
declaration wing checks with it, set-up (data wing) warms it.
"""
from __future__ import annotations

import hashlib
import json
import marshal
import re
import sys
from pathlib import Path
from typing import Any, Callable

from footprint.paths import home, schemas_dir

SCHEMA_FILE = "declaration.schema.json"
FILENAME = "<declaration schema check>"

#: a double-quoted template whose only braces are ``{name}`` fields, then ``.format(**locals())``
_TEMPLATE = re.compile(r'"((?:[^"\\{}\n]|\{[A-Za-z_][A-Za-z0-9_]*\})*)"\.format\(\*\*locals\(\)\)')
#: ``set([...])`` of plain single-quoted names: a 'required' list, built as a list and then a set per item
_REQUIRED = re.compile(r"set\(\[((?:'[A-Za-z0-9_]+'(?:, )?)+)\]\)")


def _without_locals(code: str) -> str:
    """fastjsonschema's code with each ``"..{name}..".format(**locals())`` written as ``f"..{name}.."``,
    and each ``set(['a', 'b'])`` of a 'required' check as the set display ``{'a', 'b'}`` (the same set:
    the missing keys are sorted before any message shows them; 15,000 contributions each built a list
    and called set() on it)."""
    code = _TEMPLATE.sub(lambda match: 'f"' + match.group(1) + '"', code)
    return _REQUIRED.sub(lambda match: "{" + match.group(1) + "}", code)


def _source() -> tuple[str, str]:
    """(the check's Python source, the name of the function that checks a whole document)."""
    import fastjsonschema

    code = _without_locals(fastjsonschema.compile_to_code(_draft7()))
    return code, re.search(r"^def (\w+)\(", code, re.MULTILINE).group(1)  # the first function checks the document


def _draft7() -> dict:
    schema = json.loads((schemas_dir() / SCHEMA_FILE).read_text())
    return dict(schema, **{"$schema": "http://json-schema.org/draft-07/schema#"})


def cache_path() -> Path:
    import fastjsonschema

    # this module's own text is part of the key: the rewrite of the generated code (_without_locals) is
    # here, and a hand-bumped version number is forgotten once; a changed rewrite then kept the old check
    key = hashlib.sha256((schemas_dir() / SCHEMA_FILE).read_bytes() + Path(__file__).read_bytes()
                         + f"|{fastjsonschema.VERSION}|{sys.version}|{marshal.version}".encode()).hexdigest()[:24]
    return home() / "cache" / f"declaration-check-{key}.marshal"


def build_cache() -> Path | None:
    """Compile the check to bytecode for later cold starts, if it is not kept yet (set-up only)."""
    try:
        import fastjsonschema

        target = cache_path()
    except (ImportError, OSError):
        return None
    if target.exists():
        return target
    from footprint._io import keep_private_to_writes, write_atomic
    from footprint.errors import OutputError

    code, name = _source()
    try:  # the project's atomic write: a failed write or rename leaves no temporary file behind
        write_atomic(target, marshal.dumps((name, compile(code, FILENAME, "exec"))), force=True)
        keep_private_to_writes(target)  # it is run as code: nobody else may change it (umask 000)
    except (OutputError, OSError):  # a cache only: a cold declaration compiles the check without it
        return None
    return target


def compiled() -> tuple[Callable[[Any], Any], type[Exception]] | None:
    """(check, the exception it raises): set-up's bytecode when kept, else compiled here; None without fastjsonschema."""
    try:
        import fastjsonschema
    except ImportError:  # pragma: no cover - a dependency; jsonschema alone is slower, not wrong
        return None
    from footprint._io import read_trusted_cache

    try:
        kept = read_trusted_cache(cache_path())  # None: missing, or writable by another user (never run)
        if kept is None:
            raise FileNotFoundError(cache_path())
        name, code = marshal.loads(kept)
        namespace: dict = {}
        exec(code, namespace)  # noqa: S102 - bytecode set-up compiled from the published schema
        return namespace[name], fastjsonschema.JsonSchemaException
    except Exception:  # noqa: BLE001 - not kept, or unusable: compile here (nothing is written)
        pass
    code, name = _source()
    namespace = {}
    exec(compile(code, FILENAME, "exec"), namespace)  # noqa: S102 - compiled here from the published schema
    return namespace[name], fastjsonschema.JsonSchemaException
