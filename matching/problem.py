"""The allocation problem: frozen dataclasses keyed by id, and the bounds the loader checks.

``matching.loader.load_problem`` is the only way in from user input: it checks
everything the contract promises (allocation-format.md, version 1), so everything
after loading may rely on a consistent, validated problem.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

FORMAT = "youth-allocation/1"
TOP_KEYS = ("format", "policy", "youths", "offers", "applications", "locked", "forbidden", "apart", "friends")
#: Keys a problem must have; the others default to an empty list.
REQUIRED_TOP_KEYS = TOP_KEYS[:-1]
POLICY_KEYS = ("seed", "max_places_per_youth", "max_jobs_per_youth", "priority_tiers", "priority_ranks", "friends")
YOUTH_KEYS = ("id", "age", "groups", "district", "gender")
OFFER_KEYS = ("id", "kind", "capacity", "min_age", "max_age", "weeks")
OPTIONAL_OFFER_KEYS = ("min_participants",)
#: The name of the level "friend pairs together" in a result (policy.friends).
FRIENDS_LEVEL = "friend pairs together"
#: A friend group is two or three youths (a youth names at most two friends).
FRIEND_GROUP_SIZE = (2, 3)
#: Exactly ``YYYY-Www`` in ASCII digits, used with ``fullmatch``: ``\d`` would also take
#: Arabic-Indic or full-width digits, and ``$`` a trailing newline, and two spellings of
#: one week would escape the same-week rule.
WEEK_RE = re.compile(r"([0-9]{4})-W([0-9]{2})", re.ASCII)

#: Bounds on the integers of a problem (inclusive). The contract leaves them to us: they lie
#: far beyond any real round, and refusing a value beyond them, with its place, keeps absurd
#: numbers away from the solver's 64-bit arithmetic.
AGE_BOUNDS = (0, 150)
CAPACITY_BOUNDS = (0, 1_000_000)
RANK_BOUNDS = (1, 1_000)
PLACES_BOUNDS = (1, 1_000)              #: policy.max_places_per_youth
JOBS_BOUNDS = (0, 1_000)                #: policy.max_jobs_per_youth
SEED_BOUNDS = (-2**63, 2**63 - 1)       #: a signed 64-bit integer, as the database keeps it


class ProblemError(ValueError):
    """Bad input. ``where`` is the place in the file, ``message`` what is wrong there.

    ``file`` names the file when the input was read from one (None for a dict), so the
    command line can say which of its two files is wrong.
    """

    def __init__(self, where: str, message: str, file: str | None = None) -> None:
        super().__init__(": ".join(part for part in (file, where, message) if part))
        self.where = where
        self.message = message
        self.file = file

    def in_file(self, file: str) -> ProblemError:
        return ProblemError(self.where, self.message, file)


@dataclass(frozen=True)
class Policy:
    seed: int
    max_places_per_youth: int = 2
    max_jobs_per_youth: int = 1
    priority_tiers: tuple[str, ...] = ()
    priority_ranks: bool = True
    #: The "friend pairs together" level (after places filled, before the rank sums).
    friends: bool = False


@dataclass(frozen=True)
class Youth:
    id: str
    age: int
    groups: tuple[str, ...] = ()
    district: str | None = None
    gender: str | None = None


@dataclass(frozen=True)
class Offer:
    id: str
    kind: str
    capacity: int
    min_age: int
    max_age: int
    weeks: tuple[str, ...]
    #: The offer runs with at least this many youths or none; 0 when it has no minimum.
    min_participants: int = 0

    @property
    def is_job(self) -> bool:
        return self.kind == "job"


@dataclass(frozen=True)
class Application:
    youth: str
    offer: str
    rank: int


@dataclass(frozen=True)
class Pair:
    youth: str
    offer: str


@dataclass(frozen=True)
class Problem:
    policy: Policy
    youths: tuple[Youth, ...]
    offers: tuple[Offer, ...]
    applications: tuple[Application, ...]
    locked: tuple[Pair, ...] = ()
    forbidden: tuple[Pair, ...] = ()
    apart: tuple[tuple[str, ...], ...] = ()
    #: Friend groups (two or three youths each, no youth in two groups): wishes, not rules.
    friends: tuple[tuple[str, ...], ...] = ()

    def youth(self, youth_id: str) -> Youth:
        """KeyError for an unknown id."""
        return self._youths_by_id[youth_id]

    def offer(self, offer_id: str) -> Offer:
        """KeyError for an unknown id."""
        return self._offers_by_id[offer_id]

    # cached_property writes the instance dict directly, so it works on a frozen dataclass
    @cached_property
    def _youths_by_id(self) -> dict[str, Youth]:
        return {y.id: y for y in self.youths}

    @cached_property
    def _offers_by_id(self) -> dict[str, Offer]:
        return {o.id: o for o in self.offers}

    def tier_of(self, youth: Youth) -> str | None:
        """A youth's tier is the highest priority tier among their groups, or None."""
        for tier in self.policy.priority_tiers:
            if tier in youth.groups:
                return tier
        return None
