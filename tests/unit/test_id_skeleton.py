"""The index's validation layout (dashboard.web.app.id_skeleton): every component that has an
id, wherever it sits in the layout, as its type, namespace and id, in document order."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash._utils import to_json

from dashboard.web.app import id_skeleton


def test_every_component_with_an_id_is_kept_with_its_type_alone_in_document_order():
    layout = html.Div(
        [
            html.H1("title", id="title", className="big"),
            html.Div(
                dcc.Loading(
                    html.Span(id="inside", children="x"),
                    custom_spinner=html.I(id="spinner-in-a-prop"),
                ),
            ),
            dbc.Tabs([dbc.Tab(label="a", tab_id="a", id={"type": "tab", "index": 1})]),
            dcc.Graph(id="chart", figure={"data": [{"type": "bar", "x": [1], "y": [2]}]}),
        ],
        id="root",
    )
    skeleton = id_skeleton(to_json(layout))
    assert skeleton["type"] == "Div" and skeleton["namespace"] == "dash_html_components"
    kept = skeleton["props"]["children"]
    assert [(n["type"], n["props"]["id"]) for n in kept] == [
        ("Div", "root"),
        ("H1", "title"),
        ("Span", "inside"),
        ("I", "spinner-in-a-prop"),
        ("Tab", {"type": "tab", "index": 1}),
        ("Graph", "chart"),
    ]
    assert {n["namespace"] for n in kept} == {
        "dash_html_components",
        "dash_core_components",
        "dash_bootstrap_components",
    }
    assert all(n["props"] == {"id": n["props"]["id"]} for n in kept)


def test_a_layout_without_ids_keeps_an_empty_div():
    assert id_skeleton(to_json(html.Div([html.P("a"), "b"])))["props"]["children"] == []
