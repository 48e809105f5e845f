"""The background: the Brightway project, the open inventory library, LCIA methods, imports and mappings.

It knows no producer: nothing here imports footprint.engine, and a mapping resolves
input kinds to dataset keys without touching a product system.
"""
