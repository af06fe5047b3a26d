"""The caller's scope as one value, and the one place it becomes SQL.

A ``Scope`` says who asks (``user``, None for the system), which regions they may see
(``region_ids``, None = every region) and whether they may change anything (``read_only``).
Every query that picks reps', customers', alerts' or claims' rows for someone takes one,
keyword-only and without a default, and builds its WHERE from the functions below, so a new
query can neither forget the scope nor apply it differently. (Reads keyed by the ids a scoped
read returned, such as a visit's rules or a claim's flags, need none.)

The scope is combined with the optional ``region``/``team``/``rep`` filter by AND: a filter
naming a region, team or rep outside the scope yields nothing, never the other region's data.
A rep is in the region of their team; a customer in the region of its owner rep's current team
(a customer without an owner is in no region's scope).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from data_access import schema

r = schema.reps
t = schema.teams
c = schema.customers

# A customer's owner rep and the owner's team (``customers_with_owner``).
owner = r.alias("owner")
owner_team = t.alias("owner_team")


def _region_set(region_ids: Iterable[str]) -> frozenset[str]:
    if isinstance(region_ids, str):
        # A bare string would be read as a set of one-letter region ids.
        raise TypeError("region_ids must be a collection of region ids or None, not a string")
    return frozenset(region_ids)


@dataclass(frozen=True)
class Scope:
    """Who asks (None: the system), the regions they may see (None: every region) and
    whether they may change nothing."""

    user: str | None = None
    region_ids: frozenset[str] | None = None
    read_only: bool = False

    def __post_init__(self) -> None:
        if self.region_ids is not None:
            object.__setattr__(self, "region_ids", _region_set(self.region_ids))

    @classmethod
    def system(cls) -> Scope:
        """The scope of background jobs and exports (rollups, the judge): every region."""
        return cls()

    @classmethod
    def everything(cls, *, user: str | None = None, read_only: bool = False) -> Scope:
        """Every region, for ``user``."""
        return cls(user=user, read_only=read_only)

    @classmethod
    def of_regions(
        cls, region_ids: Iterable[str], *, user: str | None = None, read_only: bool = False
    ) -> Scope:
        """Only ``region_ids`` (no region at all when it is empty), for ``user``."""
        return cls(user=user, region_ids=_region_set(region_ids), read_only=read_only)

    def covers(self, region_id: str | None) -> bool:
        """Whether the region is inside the scope."""
        return self.region_ids is None or region_id in self.region_ids


def _checked(scope: Scope) -> Scope:
    if not isinstance(scope, Scope):
        raise TypeError(f"scope must be a Scope, not {type(scope).__name__}")
    return scope


def region_conditions(
    scope: Scope, region_id: sa.ColumnElement[Any]
) -> list[sa.ColumnElement[bool]]:
    """The condition that the region id ``region_id`` lies in the scope (none for every
    region)."""
    regions = _checked(scope).region_ids
    return [] if regions is None else [region_id.in_(sorted(regions))]


def rep_conditions(
    scope: Scope,
    *,
    region: str | None = None,
    team: str | None = None,
    rep: str | None = None,
    active_only: bool = False,
) -> list[sa.ColumnElement[bool]]:
    """Conditions on ``reps`` joined to ``teams``: the scope AND the filter."""
    conds = region_conditions(scope, t.c.region_id)
    if region is not None:
        conds.append(t.c.region_id == region)
    if team is not None:
        conds.append(r.c.team_id == team)
    if rep is not None:
        conds.append(r.c.id == rep)
    if active_only:
        conds.append(r.c.active.is_(True))
    return conds


def scoped_rep_ids(
    scope: Scope,
    *,
    region: str | None = None,
    team: str | None = None,
    rep: str | None = None,
    active_only: bool = False,
) -> sa.Select:
    """SELECT reps.id of the reps in scope and filter (for ``rep_id IN (...)``)."""
    return (
        sa.select(r.c.id)
        .join(t, t.c.id == r.c.team_id)
        .where(*rep_conditions(scope, region=region, team=team, rep=rep, active_only=active_only))
    )


def bound_rep_filter(
    scope: Scope, *, region: str | None = None, team: str | None = None, rep: str | None = None
) -> tuple[tuple[bool, bool, bool, bool], dict[str, Any]]:
    """The shape of ``rep_conditions(scope, region=, team=, rep=)`` (whether the scope, region,
    team and rep conditions apply) and the values of the parameters of
    ``bound_rep_conditions(*shape)``: a statement built once per shape serves every value."""
    regions = _checked(scope).region_ids
    values = {
        "scope_regions": None if regions is None else sorted(regions),
        "region": region,
        "team": team,
        "rep": rep,
    }
    scoped, by_region, by_team, by_rep = (value is not None for value in values.values())
    params = {name: value for name, value in values.items() if value is not None}
    return (scoped, by_region, by_team, by_rep), params


def bound_rep_conditions(
    scoped: bool, region: bool, team: bool, rep: bool
) -> list[sa.ColumnElement[bool]]:
    """``rep_conditions`` with bound parameters (``scope_regions``, ``region``, ``team``,
    ``rep``, from ``bound_rep_filter``) in place of values."""
    conds: list[sa.ColumnElement[bool]] = []
    if scoped:
        conds.append(t.c.region_id.in_(sa.bindparam("scope_regions", expanding=True)))
    if region:
        conds.append(t.c.region_id == sa.bindparam("region", type_=sa.String))
    if team:
        conds.append(r.c.team_id == sa.bindparam("team", type_=sa.String))
    if rep:
        conds.append(r.c.id == sa.bindparam("rep", type_=sa.String))
    return conds


def customers_with_owner(customers: Any = c) -> Any:
    """``customers`` (the table, or a join holding it) LEFT JOIN their owner rep and the
    owner's team, for ``customer_conditions``."""
    return customers.outerjoin(owner, owner.c.id == c.c.owner_rep_id).outerjoin(
        owner_team, owner_team.c.id == owner.c.team_id
    )


def customer_conditions(
    scope: Scope, *, region: str | None = None, team: str | None = None, rep: str | None = None
) -> list[sa.ColumnElement[bool]]:
    """Conditions on ``customers_with_owner()``: region and team through the owner rep's
    current team, rep by the owner (a rep or team that moved takes its customers along at
    once; a customer without an owner has no region and is in no region's scope)."""
    conds = region_conditions(scope, owner_team.c.region_id)
    if region is not None:
        conds.append(owner_team.c.region_id == region)
    if rep is not None:
        conds.append(c.c.owner_rep_id == rep)
    if team is not None:
        conds.append(owner.c.team_id == team)
    return conds


def customer_home_region() -> sa.ColumnElement[Any]:
    """A customer's home region on ``customers_with_owner()``: its owner's team's region, or,
    for a customer without an owner, the region it last had (``customers.region_id``, kept
    when ingest or a person removes the owner)."""
    return sa.func.coalesce(owner_team.c.region_id, c.c.region_id)


def customer_home_conditions(
    scope: Scope, *, region: str | None = None
) -> list[sa.ColumnElement[bool]]:
    """Conditions on ``customers_with_owner()`` for the customer pages, orphans and handover:
    ``customer_conditions`` by the home region, so an orphan without an owner stays with the
    managers of its last region (the KPIs, which count owned customers, keep
    ``customer_conditions``)."""
    home = customer_home_region()
    conds = region_conditions(scope, home)
    if region is not None:
        conds.append(home == region)
    return conds
