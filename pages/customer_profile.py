"""One customer's profile (contract §5): master data, owner and owner history, visit rhythm, the
visit timeline with integrity and replay links, orders over time and open alerts. A customer
outside the viewer's scope answers exactly as an unknown one: "not found"."""

from __future__ import annotations

import dash
from dash import Input, Output, callback, html

from components import customers as view
from components.customers import ids
from components.customers import regrade as regrade_view
from components.shell import forbidden
from dashboard.services import customers
from dashboard.services.users import scope_of
from dashboard.web.context import company_today, current_engine
from dashboard.web.pages_support import ALL_ROLES, guard, guard_layout
from pages import _customers_regrade

dash.register_page(
    __name__,
    path_template="/customers/<customer_id>",
    name="customer",
    title="客户档案 · Customer profile",
    title_zh="客户档案",
    title_en="Customer profile",
    roles=ALL_ROLES,
    order=16,
    nav=False,
)


_customers_regrade.register_profile_callbacks(page=__name__)  # grade history and lock


@guard_layout(forbidden)
def layout(me, /, customer_id=None, **_query):
    return html.Div(
        [
            view.profile_page(customer_id, me.lang),
            regrade_view.grade_section(
                customer_id, me.lang, may_lock=me.may(_customers_regrade.LOCK_ROLES)
            ),
        ]
    )


@callback(Output(ids.PROFILE, "children"), Input(ids.PROFILE_ID, "data"))
@guard()
def render_customer_profile(me, customer_id):
    today = company_today()
    try:
        profile = customers.customer_profile(
            current_engine(), scope_of(me.user), str(customer_id or ""), today=today
        )
    except customers.CustomerNotFound:
        profile = None
    return view.render_profile(profile, today=today, lang=me.lang, theme=me.theme)
