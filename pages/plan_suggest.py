"""Suggested plans: the manager's review and publish (issue 17, contract §6). Pick a rep and a
date (or a team and an ISO week), see the suggested route on the map and in a list, move,
remove or add back stops (each edit re-timed on the server through the same core), publish it
as an ordinary plan. Managers (their regions) and admins only; off the navigation."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import dash
from dash import Input, Output, State, callback, ctx, no_update
from dash.exceptions import PreventUpdate

from components import plan_suggest as view
from components.shell import forbidden
from dashboard.route_plans import next_working_day
from dashboard.services import route_plans
from dashboard.services.users import scope_of
from dashboard.web.context import company_today, current_engine
from dashboard.web.pages_support import guard, guard_layout

REVIEW_ROLES = ("manager", "admin")  # exec and finance neither see nor use it

dash.register_page(
    __name__,
    path="/plans/suggest",
    path_template="/plans/suggest",  # off the nav: listed by its template like the others
    name="plan-suggest",
    title="建议拜访计划 · Suggested plans",
    title_zh="建议拜访计划",
    title_en="Suggested plans",
    roles=REVIEW_ROLES,
    order=17,
    nav=False,
)


@guard_layout(forbidden)
def layout(me, /, rep=None, date=None, **_query):
    """``?rep=&date=`` (a link from elsewhere) preset the pickers; nothing is read here."""
    return view.page(me.lang, rep=rep or None, day=date or None)


@callback(
    Output(view.REP, "options"),
    Output(view.TEAM, "options"),
    Output(view.DATE, "date"),
    Output(view.REP_COUNT, "children"),
    Output(view.REP, "value"),
    Input(view.INIT, "data"),
    State(view.DATE, "date"),
    State(view.REP, "value"),
)
@guard()
def fill_plan_suggest_pickers(me, _init, preset_day, preset_rep):
    """The reps in scope (a preset rep outside it is dropped), the date (next working day)."""
    reps = route_plans.reps_in_scope(current_engine(), scope=scope_of(me.user))
    day = no_update if preset_day else next_working_day(company_today()).isoformat()
    rep = preset_rep if preset_rep in {r["id"] for r in reps} else None
    return view.rep_options(reps), view.team_options(reps), day, f"{len(reps):,}", rep


def _date(value: Any) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise route_plans.PlanError(f"date: {value!r} is not a date (YYYY-MM-DD)") from None


def _plan(plan: Any) -> dict[str, Any] | None:
    """The plan store's value when it has a suggestion's shape (it comes from the browser)."""
    ok = (
        isinstance(plan, dict)
        and isinstance(plan.get("customer_ids"), list)
        and isinstance(plan.get("rep_id"), str)
        and isinstance(plan.get("date"), str)
    )
    return plan if ok else None


def _moved(ids: list[str], cid: str | None, step: int) -> list[str]:
    if cid not in ids:
        raise PreventUpdate
    i = ids.index(cid)
    j = i + step
    if not 0 <= j < len(ids):
        raise PreventUpdate
    out = list(ids)
    out[i], out[j] = out[j], out[i]
    return out


@callback(
    Output(view.PLAN, "data"),
    Output(view.WEEK_PLANS, "data"),
    Output(view.WEEK_PICK, "options"),
    Output(view.MESSAGE, "children"),
    Input(view.SUGGEST, "n_clicks"),
    Input(view.WEEK_PICK, "value"),
    Input(view.UP, "n_clicks"),
    Input(view.DOWN, "n_clicks"),
    Input(view.REMOVE, "n_clicks"),
    Input(view.ADD, "n_clicks"),
    State(view.MODE, "value"),
    State(view.REP, "value"),
    State(view.DATE, "date"),
    State(view.TEAM, "value"),
    State(view.WEEK, "value"),
    State(view.PLAN, "data"),
    State(view.WEEK_PLANS, "data"),
    State(view.STOP, "value"),
    State(view.ADD_PICK, "value"),
    prevent_initial_call=True,
)
@guard()
def update_plan_suggestion(
    me, _s, week_pick, _u, _d, _r, _a, mode, rep, day, team, week, plan, week_plans, stop, add
):
    engine, scope = current_engine(), scope_of(me.user)
    trigger = ctx.triggered_id
    try:
        if trigger == view.SUGGEST:
            if mode == "week":
                if not team:
                    raise route_plans.PlanError("team: required")
                if not week:
                    raise route_plans.PlanError("week: required")
                plans = route_plans.suggest_team_week(
                    engine, team_id=str(team), week=str(week).strip(), scope=scope
                )
                return plans[0], plans, view.week_options(plans, me.lang), None
            if not day:
                raise route_plans.PlanError("date: required")
            got = route_plans.suggest_day(engine, rep_id=str(rep or ""), on=_date(day), scope=scope)
            return got, None, [], None
        if trigger == view.WEEK_PICK:
            if not week_plans or week_pick is None or not 0 <= int(week_pick) < len(week_plans):
                raise PreventUpdate
            return week_plans[int(week_pick)], no_update, no_update, None
        plan = _plan(plan)
        if plan is None:
            raise PreventUpdate
        ids = list(plan["customer_ids"])
        if trigger == view.UP:
            ids = _moved(ids, stop, -1)
        elif trigger == view.DOWN:
            ids = _moved(ids, stop, 1)
        elif trigger == view.REMOVE:
            if stop not in ids:
                raise PreventUpdate
            ids.remove(stop)
        elif trigger == view.ADD:
            if not add or add in ids:
                raise PreventUpdate
            ids.append(add)
        else:
            raise PreventUpdate
        edited = route_plans.evaluate_order(
            engine,
            rep_id=str(plan["rep_id"]),
            on=_date(plan["date"]),
            customer_ids=ids,
            scope=scope,
            previous=plan,
        )
        return edited, no_update, no_update, None
    except route_plans.PlanError as exc:
        return no_update, no_update, no_update, view.error(str(exc))


@callback(
    Output(view.MAP_LAYER, "children"),
    Output(view.MAP, "bounds"),
    Output(view.SUMMARY, "children"),
    Output(view.STOPS, "children"),
    Output(view.LEFT_OUT, "children"),
    Output(view.STOP, "options"),
    Output(view.ADD_PICK, "options"),
    Input(view.PLAN, "data"),
)
@guard()
def render_plan_suggestion(me, plan):
    plan = _plan(plan)
    try:
        layer, bounds = view.map_layer(plan, me.lang)
        return (
            layer,
            bounds if bounds is not None else no_update,
            view.summary(plan, me.lang),
            view.stops_table(plan, me.lang),
            view.left_out_table(plan, me.lang),
            view.stop_options(plan),
            view.add_options(plan, me.lang),
        )
    except (KeyError, TypeError, ValueError):  # a store not written by this page
        return [], no_update, view.summary(None, me.lang), None, None, [], []


@callback(
    Output(view.RESULT, "children"),
    Input(view.PUBLISH, "n_clicks"),
    State(view.PLAN, "data"),
    prevent_initial_call=True,
)
@guard()
def publish_plan_suggestion(me, _n, plan):
    plan = _plan(plan)
    if plan is None:
        raise PreventUpdate
    engine, scope = current_engine(), scope_of(me.user)
    try:
        # Re-timed on the server: the stored km comes from the order, never from the browser.
        checked = route_plans.evaluate_order(
            engine,
            rep_id=str(plan.get("rep_id") or ""),
            on=_date(plan.get("date")),
            customer_ids=plan.get("customer_ids"),
            scope=scope,
        )
        summary = route_plans.publish(
            engine, checked, now=datetime.now(UTC), by=me.user.name, scope=scope
        )
    except route_plans.PlanError as exc:
        return view.error(str(exc))
    return view.published(summary, checked["id"], me.lang)
