"""The calculation: a producer's product system on top of the background, its result table and data quality.

It knows no declaration: the engine returns results and quality; footprint.declaration
turns them into the document a producer signs.
"""
