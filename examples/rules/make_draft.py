"""Writes examples/rules/ndpr-oxide-draft.yaml: the README's draft revision of the NdPr oxide rule.

The draft is rules/ndpr-oxide.yaml with three edits a rule author might propose (version 1.2.0; mining
company-specific data optional, with the Bayan Obo mining dataset as default; cut-off 1 % instead of 3 %),
so 'footprint rules diff' and 'footprint rules validate' have a real file to show.  When the rule
changes, run this again (tests/test_readme.py says so when the draft is stale):

    .venv/bin/python examples/rules/make_draft.py
"""
from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
RULE = HERE.parents[1] / "rules" / "ndpr-oxide.yaml"
DRAFT = HERE / "ndpr-oxide-draft.yaml"

EDITS = (
    ("version: 1.1.0\n", "version: 1.2.0\n"),
    ('        annex_v: ["4(a)", "4(b)", "4(c)"]\n        company_specific: required\n',
     '        annex_v: ["4(a)", "4(b)", "4(c)"]\n        company_specific: optional\n'
     "        default_dataset: process/ree-ore-mining-bayan-obo\n"),
    ("  threshold: 0.03\n", "  threshold: 0.01\n"),
)


def draft_text() -> str:
    text = RULE.read_text(encoding="utf-8")
    for old, new in EDITS:
        if text.count(old) != 1:
            raise SystemExit(f"{RULE}: expected exactly one {old.strip()!r} to edit")
        text = text.replace(old, new)
    return text


if __name__ == "__main__":
    DRAFT.write_text(draft_text(), encoding="utf-8")
    print(f"written: {DRAFT}")
