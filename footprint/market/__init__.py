"""Reviewers' side: the market register of declarations and the performance classes derived from it.

Classes are computed from declarations as registered, never from a recalculation.
"""
