"""Seed data: the Coalition of the Willing timeline as strictly validated events.

>>> from seeds import read_seed, SEED_PATH
>>> events = read_seed()          # coalition.yaml, in file (= log) order
"""

from seeds.loader import MEMBERSHIP_SEED_PATH, SEED_PATH, load_seed, read_seed

__all__ = ["MEMBERSHIP_SEED_PATH", "SEED_PATH", "load_seed", "read_seed"]
