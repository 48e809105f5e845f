"""The declaration document: its JSON and schema, content hash, and verification by recomputation."""
