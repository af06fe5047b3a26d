"""What the replay's pieces share: colours, the wall clock of seconds since midnight, durations."""

from __future__ import annotations

from datetime import date, datetime, timedelta

# Colours of the speed bins (walking/idle, city, arterial, fast) and the other map items.
SPEED_COLOURS = ("#6c8ebf", "#2e9d5b", "#e69b00", "#d6336c")
INSIDE, OUTSIDE = "#198754", "#dc3545"
ROLE_COLOURS = {"visited": "#0d6efd", "planned": "#fd7e14", "owned": "#8c98a4"}
GAP_COLOUR, JUMP_COLOUR, PLAN_COLOUR, PHOTO_COLOUR = "#6f42c1", "#dc3545", "#fd7e14", "#d63384"
OFF_DUTY_COLOUR = "#adb5bd"  # grey: outside the rep's work hours
COARSE_COLOUR = "#8a8f98"  # grey: a coarse fix is a phone's guess, not where the rep went
DEFAULT_CENTER = [31.2304, 121.4737]


def clock(seconds: int | None, shifts: list[list[int]] | None = None) -> str:
    """Format seconds since local midnight as the wall clock HH:MM:SS ("—" when missing)."""
    if seconds is None:
        return "—"
    shift = 0
    for start, value in shifts or ():
        if seconds >= start:
            shift = value
    seconds = int(seconds) + shift
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    return f"{sign}{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def duration(seconds: float | None, lang: str) -> str:
    """Format a duration as '1 h 05 min' / '1 小时 05 分'."""
    if seconds is None:
        return "—"
    minutes = round(seconds / 60.0)
    h, m = divmod(minutes, 60)
    if lang == "en":
        return f"{h} h {m:02d} min" if h else f"{m} min"
    return f"{h} 小时 {m:02d} 分" if h else f"{m} 分钟"


def wall_time(day: str, seconds: int, shifts: list[list[int]]) -> str:
    """The plotly x value (naive local wall time) of seconds since midnight."""
    shift = 0
    for start, value in shifts:
        if seconds >= start:
            shift = value
    moment = datetime.combine(date.fromisoformat(day), datetime.min.time()) + timedelta(
        seconds=seconds + shift
    )
    return moment.strftime("%Y-%m-%d %H:%M:%S")
