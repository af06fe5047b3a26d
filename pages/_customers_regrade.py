"""Callbacks of the regrade (contract §5): the admin's what-if and apply panel on /customers
(registered by pages/customers.py), and a customer's grade history and lock on its profile
(registered by pages/customer_profile.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from dash import Input, Output, State, callback, ctx, no_update
from dash.exceptions import PreventUpdate

from components.customers import ids
from components.customers import regrade as view
from dashboard.grades import GradeError, StalePlan
from dashboard.services import grades
from dashboard.services.users import scope_of
from dashboard.web.context import company_today, current_engine
from dashboard.web.pages_support import guard

APPLY_ROLES = grades.APPLY_ROLES
LOCK_ROLES = grades.LOCK_ROLES


def register_list_callbacks(page: str) -> None:
    """The what-if panel's callbacks, for admins only (the panel is in their layout only)."""

    @callback(
        Output(ids.REGRADE_BODY, "children"),
        Output(ids.REGRADE_PLAN, "data"),
        Input(ids.REGRADE_REFRESH, "data"),
    )
    @guard(APPLY_ROLES, page=page)
    def render_regrade_whatif(me, _refresh):
        plan = grades.what_if(current_engine(), scope_of(me.user), today=company_today())
        summary = plan.summary()
        return view.whatif_body(summary, me.lang), summary["fingerprint"]

    @callback(
        Output(ids.REGRADE_MESSAGE, "children"),
        Output(ids.REGRADE_REFRESH, "data"),
        Input(ids.REGRADE_APPLY, "n_clicks"),
        State(ids.REGRADE_REASON, "value"),
        State(ids.REGRADE_PLAN, "data"),
        State(ids.REGRADE_REFRESH, "data"),
        prevent_initial_call=True,
    )
    @guard(APPLY_ROLES, page=page)
    def apply_regrade_now(me, clicks, reason, fingerprint, refresh):
        if not clicks:
            raise PreventUpdate
        try:
            done = grades.apply_regrade(
                current_engine(),
                scope_of(me.user),
                role=me.user.role,
                by=me.user.name,
                reason=str(reason or ""),
                today=company_today(),
                now=datetime.now(UTC),
                expect=str(fingerprint or "") or None,
            )
        except StalePlan:
            return view.stale(me.lang), (refresh or 0) + 1
        except GradeError as exc:
            return view.refused(str(exc), me.lang), no_update
        return view.applied(len(done.changed), me.lang), (refresh or 0) + 1


def register_profile_callbacks(page: str) -> None:
    """The profile's grade card (every role of the page) and lock control (managers in their
    regions, admins)."""

    @callback(
        Output(ids.GRADE_CARD, "children"),
        Input(ids.PROFILE_ID, "data"),
        Input(ids.GRADE_REFRESH, "data"),
    )
    @guard(page=page)
    def render_customer_grade(me, customer_id, _refresh):
        try:
            card = grades.grade_card(
                current_engine(), scope_of(me.user), customer_id=str(customer_id or "")
            )
        except grades.GradeCustomerNotFound:
            card = None
        return view.grade_card(card, me.lang)

    @callback(
        Output(ids.GRADE_MESSAGE, "children"),
        Output(ids.GRADE_REFRESH, "data"),
        Input(ids.GRADE_LOCK, "n_clicks"),
        Input(ids.GRADE_UNLOCK, "n_clicks"),
        State(ids.PROFILE_ID, "data"),
        State(ids.GRADE_REASON, "value"),
        State(ids.GRADE_REFRESH, "data"),
        prevent_initial_call=True,
    )
    @guard(LOCK_ROLES, page=page)
    def set_customer_grade_lock(me, _lock, _unlock, customer_id, reason, refresh):
        if ctx.triggered_id not in (ids.GRADE_LOCK, ids.GRADE_UNLOCK):
            raise PreventUpdate
        if not ctx.triggered or not ctx.triggered[0].get("value"):
            raise PreventUpdate
        locked = ctx.triggered_id == ids.GRADE_LOCK
        try:
            changed = grades.set_grade_lock(
                current_engine(),
                scope_of(me.user),
                role=me.user.role,
                by=me.user.name,
                customer_id=str(customer_id or ""),
                locked=locked,
                reason=str(reason or ""),
                now=datetime.now(UTC),
            )
        except grades.GradeCustomerNotFound as exc:
            return view.refused(str(exc), me.lang), no_update
        except GradeError as exc:
            return view.refused(str(exc), me.lang), no_update
        return view.lock_outcome(changed, locked, me.lang), (refresh or 0) + 1
