"""A small company for the customer tests: two regions, an active and an inactive rep, owned
customers, an orphan of each kind, and effective visits on chosen dates."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from dashboard.services import ingest
from tests import builders as b


def company() -> list[dict[str, Any]]:
    """reg-e: team-1 with rep-1, rep-2 and rep-x (inactive); reg-n: team-n with rep-n.

    Customers: cust-1 (A) and cust-2 (B) of rep-1, cust-3 (C) of rep-2, cust-x (A) of the
    inactive rep-x (an orphan), cust-n (A) of rep-n in the other region.
    """
    return [
        b.region(),
        b.region("reg-n", name="华北 North"),
        b.team(),
        b.team("team-n", region_id="reg-n", name="北京一组"),
        b.rep(),
        b.rep("rep-2", name="李娜"),
        b.rep("rep-x", name="王强", active=False),
        b.rep("rep-n", team_id="team-n", name="赵敏"),
        b.sop_template(),
        b.customer("cust-1", name="华联超市", contact_name="王经理", contact_phone="13800138000"),
        b.customer("cust-2", name="联华便利", grade="B"),
        b.customer("cust-3", name="好德便利", grade="C", owner_rep_id="rep-2"),
        b.customer("cust-x", name="孤儿药店", owner_rep_id="rep-x"),
        b.customer("cust-n", name="北京超市", owner_rep_id="rep-n"),
    ]


def effective_visit(
    visit_id: str, customer_id: str, day: date, *, rep_id: str = "rep-1", minutes: int = 20
) -> list[dict[str, Any]]:
    """A check-in at the customer at 09:20 local time and a check-out ``minutes`` later."""
    start = datetime(day.year, day.month, day.day, 9, 20)
    end = start + timedelta(minutes=minutes)
    return [
        b.check_in(
            visit_id,
            rep_id=rep_id,
            customer_id=customer_id,
            ts=start.isoformat() + "+08:00",
        ),
        b.check_out(f"co-{visit_id}", visit_id=visit_id, ts=end.isoformat() + "+08:00"),
    ]


def load(engine, values: list[dict[str, Any]], now: datetime) -> None:
    summary = ingest.ingest_values(engine, values, source="test", now=now)
    assert not summary.rejected, summary.rejected
