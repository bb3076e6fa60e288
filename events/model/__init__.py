"""Layer 1, pure: what an event is (types, dates, vocabulary, ids, clock, errors) and the shapes of answers.

Imports nothing else of ``events``; every other layer builds on it.
"""
