"""What people write, read without Brightway: rules, activity data, suppliers' declarations, units, DQR scores.

Nothing here imports footprint.data or footprint.engine: a rule author can validate a
rule and a producer can check activity data on a machine with no background set up.
"""
