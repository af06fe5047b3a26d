"""The replay page's presentation, rendering a payload of ``services.replay.replay_day``."""

from components.replay import ids
from components.replay.common import DEFAULT_CENTER, clock, duration
from components.replay.layout import replay_page
from components.replay.map_layers import _track_layers, map_layers, map_viewport
from components.replay.panels import (
    _quality_text,
    anomaly_list,
    day_links,
    legend,
    message,
    rep_options,
    summary_panel,
    title,
)
from components.replay.player import player_data, render_replay, slider_marks
from components.replay.timeline import timeline_figure

__all__ = [
    "DEFAULT_CENTER",
    "_quality_text",  # tests/services/test_device_quality_views.py
    "_track_layers",  # tests/unit/test_replay_components.py
    "anomaly_list",
    "clock",
    "day_links",
    "duration",
    "ids",
    "legend",
    "map_layers",
    "map_viewport",
    "message",
    "player_data",
    "render_replay",
    "rep_options",
    "replay_page",
    "slider_marks",
    "summary_panel",
    "timeline_figure",
    "title",
]
