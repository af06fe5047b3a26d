"""The pages' one role guard: callbacks and layouts open to the roles their page registered."""

from __future__ import annotations

import dash
import pytest
from flask import Flask
from werkzeug.exceptions import Forbidden, Unauthorized

from dashboard.services.users import User
from dashboard.web import context, pages_support
from dashboard.web.pages_support import Viewer, guard, guard_layout, page_roles

PAGE = __name__  # this module stands in for a page module


@pytest.fixture
def as_user(monkeypatch):
    """Sign a user in for the guard (None: anonymous), inside a request."""
    app = Flask(__name__)

    def sign_in(user: User | None):
        monkeypatch.setattr(context, "signed_in_user", lambda: user)
        monkeypatch.setattr(pages_support, "signed_in_user", lambda: user)
        ctx = app.test_request_context("/")
        ctx.push()
        request_contexts.append(ctx)

    request_contexts: list = []
    monkeypatch.setitem(dash.page_registry, PAGE, {"module": PAGE, "roles": ("exec", "finance")})
    yield sign_in
    for ctx in request_contexts:
        ctx.pop()


def _user(role: str, locale: str = "en", theme: str = "dark") -> User:
    return User(id=1, name=role, role=role, regions=(), locale=locale, theme=theme)


@guard()
def _render(me, query):
    return me, query


@guard(("finance",))
def _decide(me, clicks):
    return me.user.role, clicks


@guard(page="pages.elsewhere")
def _helper_callback(me):
    return me.user.role


@guard_layout(lambda lang: f"forbidden:{lang}")
def _layout(me, /, **query):
    return me, query


def test_callback_runs_for_a_role_of_its_page_with_the_viewers_language_and_theme(as_user):
    boss = _user("exec")
    as_user(boss)

    assert _render({"period": "7d"}) == (Viewer(boss, "en", "dark"), {"period": "7d"})


def test_callback_answers_401_to_an_anonymous_caller(as_user):
    as_user(None)

    with pytest.raises(Unauthorized):
        _render({})


def test_callback_answers_403_to_a_role_its_page_does_not_admit(as_user):
    as_user(_user("manager"))

    with pytest.raises(Forbidden):
        _render({})


def test_stricter_roles_of_an_action_override_the_page_roles(as_user):
    as_user(_user("exec"))
    with pytest.raises(Forbidden):
        _decide(1)


def test_stricter_roles_admit_their_own(as_user):
    as_user(_user("finance"))

    assert _decide(1) == ("finance", 1)


def test_helper_callback_takes_the_roles_of_the_page_it_names(as_user, monkeypatch):
    monkeypatch.setitem(
        dash.page_registry, "pages.elsewhere", {"module": "pages.elsewhere", "roles": ("admin",)}
    )
    as_user(_user("admin"))

    assert _helper_callback() == "admin"


def test_layout_shows_forbidden_in_the_viewers_language_to_another_role(as_user):
    as_user(_user("manager", locale="zh"))

    assert _layout(period="7d") == "forbidden:zh"


def test_layout_of_a_role_of_its_page_gets_the_viewer_and_the_query(as_user):
    boss = _user("finance", locale="zh", theme="light")
    as_user(boss)

    # A query key named like the viewer's parameter does not collide with it.
    assert _layout(me="x") == (Viewer(boss, "zh", "light"), {"me": "x"})


def test_layout_outside_a_request_is_the_full_layout_for_dashs_start_up_check(monkeypatch):
    monkeypatch.setitem(dash.page_registry, PAGE, {"module": PAGE, "roles": ("exec",)})

    assert _layout() == (Viewer(None, "zh", "light"), {})


def test_page_roles_of_a_module_that_registered_no_page_is_an_error():
    with pytest.raises(LookupError, match="no page"):
        page_roles("pages.nowhere")


def test_plain_components_send_what_dash_would_and_keep_orjsons_fast_path():
    import dash_bootstrap_components as dbc
    import orjson
    from dash import html
    from dash._utils import to_json

    rows = [{"id": f"a-{i}", "n": i, "when": "2026-11-26"} for i in range(3)]
    strip = html.Div(
        [dbc.Badge("严重 3", color="danger", id="b-1"), html.Span("x", style={"gap": 1})],
        className="strip",
    )
    answer = (rows, strip, "text", None, [html.B("1"), "2"])
    plain = pages_support.plain_components(answer)
    # The same JSON reaches the renderer, and orjson alone can now write it.
    assert to_json(plain) == to_json(answer)
    orjson.dumps(plain)
    with pytest.raises(TypeError):
        orjson.dumps(answer)
    assert type(plain) is tuple and plain[0] is rows  # plain rows are not walked
    assert plain[1]["type"] == "Div" and plain[1]["props"]["children"][0]["type"] == "Badge"
