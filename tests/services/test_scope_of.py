"""users.scope_of: the one place a signed-in user becomes the Scope of their queries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dashboard.services import alerts, finance, users, wall
from dashboard.services.users import User, scope_of
from data_access.scope import Scope


def person(role: str, regions: tuple[str, ...] = ()) -> User:
    return User(id=7, name=f"{role}-7", role=role, regions=regions)


@pytest.mark.parametrize(
    ("role", "regions", "expected"),
    [
        ("manager", ("reg-e", "reg-n"), Scope.of_regions(["reg-e", "reg-n"], user="manager-7")),
        ("admin", (), Scope.everything(user="admin-7")),
        ("finance", (), Scope.everything(user="finance-7")),
        ("exec", (), Scope.everything(user="exec-7", read_only=True)),
        ("wall", ("reg-e",), Scope.of_regions(["reg-e"], user="wall-7", read_only=True)),
        ("wall", (), Scope.everything(user="wall-7", read_only=True)),
    ],
)
def test_scope_of_a_user_is_their_regions_and_whether_their_role_changes_anything(
    role, regions, expected
):
    assert scope_of(person(role, regions)) == expected


def test_the_roles_that_change_something_are_those_the_services_let_change_something():
    may_change = {*alerts.TRIAGE_ROLES, *finance.DECIDERS, *finance.SETTING_EDITORS}
    assert may_change == users.CHANGING_ROLES
    assert wall.WALL_ROLE not in may_change


def test_a_wall_link_viewer_is_read_only_within_the_links_regions():
    link = wall.WallLink(
        id=3,
        name="lobby",
        views=("national",),
        regions=("reg-e",),
        created_by="admin",
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
        expires_at=datetime(2026, 12, 1, tzinfo=UTC),
        revoked_at=None,
        last_used_at=None,
    )
    scope = scope_of(wall.wall_user(link))
    assert scope == Scope.of_regions(["reg-e"], user="wall:lobby", read_only=True)
