"""What a page shows while a long job runs on the server (a Dash background callback): a
progress bar or a spinner, and a cancel button; and the callback arguments that drive them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import Input, Output, html

from components.i18n import t

JOB_SHOWN = "d-flex align-items-center w-100 gap-2"

Progress = Callable[[int, int], None]


def job_indicator(prefix: str, lang: str, *, progress: bool = True) -> html.Div:
    """Hidden until the job ``prefix`` runs: ``<prefix>-progress`` (a bar with a label) or a
    spinner with "working", and ``<prefix>-cancel``; the row is ``<prefix>-job``."""
    shown = (
        dbc.Progress(
            id=f"{prefix}-progress",
            value=0,
            label="",
            striped=True,
            animated=True,
            className="flex-grow-1 job-progress",
        )
        if progress
        else html.Span(
            [dbc.Spinner(size="sm", spinner_class_name="me-2"), t("job.working", lang)],
            className="small text-body-secondary flex-grow-1",
        )
    )
    cancel = dbc.Button(
        t("job.cancel", lang), id=f"{prefix}-cancel", size="sm", color="danger", outline=True
    )
    return html.Div([shown, cancel], id=f"{prefix}-job", className="d-none")


def background_job(prefix: str, buttons: Sequence[str], *, progress: bool = True) -> dict[str, Any]:
    """The background-callback arguments of a job shown by ``job_indicator(prefix)``: the
    ``buttons`` (ids) disabled and the indicator shown while it runs, its progress (value,
    label) when it has a bar, the cancel button."""
    spec: dict[str, Any] = {
        "background": True,
        "running": [
            *((Output(button, "disabled"), True, False) for button in buttons),
            (Output(f"{prefix}-job", "className"), JOB_SHOWN, "d-none"),
        ],
        "cancel": [Input(f"{prefix}-cancel", "n_clicks")],
        "interval": 500,
    }
    if progress:
        spec["progress"] = [
            Output(f"{prefix}-progress", "value"),
            Output(f"{prefix}-progress", "label"),
        ]
        spec["progress_default"] = [0, ""]
    return spec


def rows_progress(set_progress: Callable[[tuple], None], lang: str) -> Progress:
    """Turn a background callback's ``set_progress`` into ``progress(done, total)`` for a file
    being written: the bar's value (per cent; the first 10 are the reading) and its label."""

    def report(done: int, total: int) -> None:
        share = 100 if total == 0 else 10 + int(90 * done / total)
        label = t("job.writing", lang).format(n=f"{done:,}", total=f"{total:,}")
        set_progress((share, label))

    return report


def reading(set_progress: Callable[[tuple], None], lang: str) -> None:
    """Tell the bar the job is reading its data."""
    set_progress((5, t("job.reading", lang)))
