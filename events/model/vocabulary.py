"""The fixed vocabulary: stance scale, condition status, commitment status, kinds."""

from __future__ import annotations

from typing import Literal

#: The stance scale, lowest to highest. Order matters: queries may compare stances.
STANCES: tuple[str, ...] = (
    "hostile",  # opposes and threatens action against it
    "declined",  # rules out taking part
    "reluctant",
    "undecided",  # no position, or cannot confirm yet
    "supportive",  # supports in principle or shows interest, no commitment
    "conditional",  # commits subject to named conditions
    "committed",
    "delivered",  # being carried out or in force
)
STANCE_RANK = {name: rank for rank, name in enumerate(STANCES)}

Stance = Literal["hostile", "declined", "reluctant", "undecided", "supportive", "conditional", "committed", "delivered"]
ConditionStatus = Literal["pending", "met", "failed", "withdrawn"]
ConditionKind = Literal["trigger", "ratification", "mandate", "other"]
ActorKind = Literal["state", "organisation", "coalition"]
CommitmentStatus = Literal["active", "pending", "lapsed"]

CONDITION_STATUSES: tuple[str, ...] = ("pending", "met", "failed", "withdrawn")
COMMITMENT_STANCES = frozenset({"conditional", "committed"})


def commitment_status(stance: str | None, condition_statuses: list[str]) -> str | None:
    """Derive the commitment status of a stance from the statuses of its conditions.

    Only ``conditional`` and ``committed`` stances are commitments; for any other
    stance the answer is ``None``. A failed condition makes the commitment ``lapsed``;
    otherwise a pending one keeps it ``pending``; met or withdrawn ones leave it ``active``.
    """
    if stance not in COMMITMENT_STANCES:
        return None
    if "failed" in condition_statuses:
        return "lapsed"
    if "pending" in condition_statuses:
        return "pending"
    return "active"
