"""Finance services: the claims ledger, one claim's evidence and mileage ledger, decisions with
their audit trail, the monthly statement and the what-if back-test of the expense thresholds.

The region scope always comes from the signed-in user (a manager sees their regions only); only
``finance`` and ``admin`` decide, and only ``admin`` saves thresholds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine

from dashboard import contract, tracks
from dashboard import finance as core
from dashboard import kpis as kpi_core
from dashboard.filters import Filters
from dashboard.rules.integrity import integrity_score
from dashboard.services import settings as rule_settings
from dashboard.services.users import User, scope_of
from data_access import alerts as alert_store
from data_access import finance as store
from data_access import finance_decisions as decisions
from data_access import records

DECIDERS = ("finance", "admin")
SETTING_EDITORS = ("admin",)
FLAG_FILTERS = ("flagged", "clean", *core.EXPENSE_RULES)


class NotAllowed(core.FinanceError):
    """The signed-in user's role may not do this."""


# ------------------------------------------------------------------ settings


def load_rules(engine: Engine) -> core.FinanceRules:
    """The finance thresholds in force: the settings store over the contract defaults."""
    return rule_settings.load_expense_config(engine)


def save_rules(
    engine: Engine, user: User, values: Mapping[str, Any], *, now: datetime, note: str | None = None
) -> int:
    """Save thresholds as the new setting (admin only; audited); return how many changed."""
    if user.role not in SETTING_EDITORS:
        raise NotAllowed(f"role: {user.role} may not change thresholds (admin only)")
    current = load_rules(engine)
    before = core.rules_to_settings(current)
    after = core.rules_to_settings(core.rules_from_values(values, current))
    changed = {key: value for key, value in after.items() if value != before[key]}
    return len(rule_settings.save_values(engine, changed, actor=user.name, now=now, note=note))


AUDIT_COLUMNS = ["at", "actor", "key", "before", "after", "note"]


def settings_history(engine: Engine, user: User) -> pd.DataFrame:
    """The latest audited changes of the finance thresholds."""
    rows = rule_settings.audit_log(engine, keys=core.SETTING_KEYS, limit=50)
    return pd.DataFrame([[row[c] for c in AUDIT_COLUMNS] for row in rows], columns=AUDIT_COLUMNS)


# ------------------------------------------------------------------ the ledger


def _filter_kwargs(filters: Filters) -> dict[str, Any]:
    return {"region": filters.region, "team": filters.team, "rep": filters.rep}


def _attach_flags(claims: pd.DataFrame, flags: pd.DataFrame) -> pd.DataFrame:
    """Add rules (list), flags (text: rule and amount at risk), at_risk and flagged."""
    out = claims
    if flags.empty:
        out["rules"] = [[] for _ in range(len(out))]
        out["flags"] = ""
        out["at_risk"] = 0.0
        out["flagged"] = False
        return out
    # Plain dicts: a few thousand flags, and pandas' per-group aggregation costs ~50x more.
    rules_by: dict[str, list[str]] = {}
    text_by: dict[str, list[str]] = {}
    risk_by: dict[str, float] = {}
    for cid, rule, risk in zip(
        flags["claim_id"], flags["rule"], flags["amount_at_risk"].astype(float), strict=True
    ):
        rules_by.setdefault(cid, []).append(rule)
        text_by.setdefault(cid, []).append(f"{rule} ¥{risk:,.2f}")
        risk_by[cid] = max(risk_by.get(cid, 0.0), risk)
    ids = out["claim_id"].tolist()
    out["rules"] = [rules_by.get(cid, []) for cid in ids]
    out["flags"] = [" · ".join(text_by[cid]) if cid in text_by else "" for cid in ids]
    risks = np.array([risk_by.get(cid, 0.0) for cid in ids], dtype=float)
    out["at_risk"] = np.minimum(risks, out["amount"].to_numpy(dtype=float)).round(2)
    out["flagged"] = out["flags"] != ""
    return out


def _fetch_ledger(conn, user: User, filters: Filters, category, status, flag=None) -> pd.DataFrame:
    scope = scope_of(user)
    claims = store.fetch_claims(
        conn,
        start=filters.start,
        end=filters.end,
        scope=scope,
        category=category,
        status=status,
        flag=flag,
        **_filter_kwargs(filters),
    )
    flags = store.fetch_flags(
        conn, start=filters.start, end=filters.end, scope=scope, **_filter_kwargs(filters)
    )
    return _attach_flags(claims, flags)


def totals(claims: pd.DataFrame) -> dict[str, float]:
    """Claimed, at risk, and the CNY (and count) per decision status of a set of claims."""
    amount = claims["amount"].astype(float)
    out: dict[str, float] = {
        "claims": len(claims),
        "claimed": round(float(amount.sum()), 2),
        "at_risk": round(float(claims["at_risk"].sum()), 2),
        "flagged": int(claims["flagged"].sum()),
    }
    for status in core.STATUSES:
        hit = claims["status"] == status
        out[status] = round(float(amount[hit].sum()), 2)
        out[f"{status}_n"] = int(hit.sum())
    return out


def _mileage_rows(claims: pd.DataFrame, rules: core.FinanceRules) -> pd.DataFrame:
    keep = claims["claimed_km"].notna()
    if "category" in claims.columns:
        keep &= claims["category"] == "mileage"
    m = claims[keep].copy()
    tracked = m["tracked_km"].astype(float).fillna(0.0)
    m["tracked_km"] = tracked
    m["limit_km"] = core.limit_km(tracked, rules).round(2)
    excess, at_risk = core.mileage_excess(m["claimed_km"], tracked, m["amount"], rules)
    m["excess_km"] = excess.round(2)
    m["reimbursable_cny"] = (m["amount"].astype(float) - at_risk).round(2)
    m["ratio"] = np.where(tracked > 0, m["claimed_km"] / tracked.where(tracked > 0, 1.0), np.nan)
    return m


_KM_FLOATS = ("amount", "claimed_km", "tracked_km")
LEDGER_ROWS = 500  # claims (and mileage claims) the page's grids receive; export takes all


def _ledger_kwargs(user: User, filters: Filters, status, flag) -> dict[str, Any]:
    return {
        "start": filters.start,
        "end": filters.end,
        "scope": scope_of(user),
        "status": status,
        "flag": flag,
        **_filter_kwargs(filters),
    }


def _mileage_first(mileage: pd.DataFrame) -> pd.DataFrame:
    """Mileage claims, the largest excess over the band first, then the highest ratio."""
    return mileage.sort_values(
        ["excess_km", "ratio", "date", "rep_id", "claim_id"],
        ascending=[False, False, True, True, True],
        na_position="last",
        kind="stable",
    )


def ledger(
    engine: Engine,
    user: User,
    filters: Filters,
    *,
    category: str | None = None,
    status: str | None = None,
    flag: str | None = None,
    today: date | None = None,
    limit: int | None = LEDGER_ROWS,
) -> dict[str, Any]:
    """Return the claims of the filter with their flags and decisions, and what sits on top.

    Keys: ``claims`` (one row per claim: rules, flags text, at_risk, flagged, status ...; with
    a ``limit``, only the ``limit`` most relevant: flagged by amount at risk first, then by
    date), ``totals`` (see ``totals``; always over EVERY claim of the filter, computed in SQL),
    ``mileage`` (the mileage claims with tracked km, band, reimbursable and ratio; with a
    ``limit``, the ``limit`` largest excesses first), ``mileage_total`` (how many mileage claims
    the filter has), ``ratios`` (claimed ÷ tracked per rep and date of the drifting reps, from
    every mileage claim of the filter), ``rules`` (the thresholds in force), ``limit``.
    ``limit=None`` returns every claim (the export).
    """
    if category is not None and category not in core.CATEGORIES:
        raise core.FinanceError(f"category: {category!r} is not an expense category")
    if status is not None and status not in core.STATUSES:
        raise core.FinanceError(f"status: {status!r} is not a claim status")
    if flag is not None and flag not in FLAG_FILTERS:
        raise core.FinanceError(f"flag: {flag!r} is not one of {', '.join(FLAG_FILTERS)}")
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise core.FinanceError(f"limit: {limit!r} must be a whole number of at least 1")
    kw = _ledger_kwargs(user, filters, status, flag)
    with engine.connect() as conn:
        rules = rule_settings.expense_config_of(conn)
        if limit is None:  # every claim: the totals are summed from them
            claims = _fetch_ledger(conn, user, filters, category, status, flag)
            sums = totals(claims)
        else:
            claims, sums = store.fetch_ledger_page(
                conn, statuses=core.STATUSES, limit=limit, category=category, **kw
            )
            flags = store.fetch_claim_flags(conn, claims["claim_id"], with_evidence=False)
            claims = _attach_flags(claims, flags)
        if category in (None, "mileage"):
            every_mileage = store.fetch_mileage_claims(conn, **kw)
        else:
            every_mileage = pd.DataFrame(
                {
                    name: pd.Series(dtype=float if name in _KM_FLOATS else object)
                    for name in store.MILEAGE_COLUMNS
                }
            )
    claims = claims.reset_index(drop=True)
    mileage = _mileage_rows(every_mileage, rules)
    ratios = core.claim_ratios(mileage)
    drifting = core.drifting_reps(ratios)
    if limit is None:
        mileage = mileage.sort_values(["date", "rep_id", "claim_id"], kind="stable")
    else:
        mileage = _mileage_first(mileage).head(limit)
    return {
        "claims": claims,
        "totals": sums,
        "mileage": mileage.reset_index(drop=True),
        "mileage_total": len(every_mileage),
        "ratios": ratios[ratios["rep_id"].isin(drifting)],
        "rules": rules,
        "limit": limit,
    }


# ------------------------------------------------------------------ one claim's evidence


def _day_window(day: date, tz_name: str) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=contract.zone(tz_name))
    return start, start + timedelta(days=1)


def _cleaned_km(arr: np.ndarray, config: tracks.TrackConfig) -> float:
    """Km of the day's cleaned trips (contract §3 tracked distance, the tracks API)."""
    return float(tracks.analyze_day(arr[:, 0], arr[:, 1], arr[:, 2], arr[:, 3], config=config).km)


def mileage_of_claim(conn, claim: Mapping[str, Any], rules: core.FinanceRules, visits):
    """The mileage ledger of one mileage claim from the day's raw fixes and verified visits."""
    start, end = _day_window(claim["date"], claim["timezone"])
    _reps, arr = records.fetch_fix_arrays(conn, rep_ids=[claim["rep_id"]], start=start, end=end)
    track_config = rule_settings.track_config_of(conn)
    verified = visits[visits["verified"] & (visits["local_date"] == claim["date"])]
    return core.mileage_ledger(
        claimed_km=float(claim["claimed_km"]),
        amount_cny=float(claim["amount"]),
        raw_km=core.raw_track_km(
            arr[:, 0], arr[:, 1], arr[:, 2], max_speed_mps=track_config.max_speed_mps
        ),
        tracked_km=_cleaned_km(arr, track_config),
        chain_km=core.chain_km(verified["lat"], verified["lon"]),
        rules=rules,
    )


def claim_evidence(engine: Engine, user: User, claim_id: str) -> dict[str, Any] | None:
    """Return what explains one claim (None when it does not exist or is out of scope).

    Keys: ``claim`` (the ledger row), ``flags``, ``history`` (decisions of the claim and status
    changes of its flags, oldest first), ``visits`` (the day's visits with their integrity
    score), ``alerts`` (the rep's authenticity alerts that day), ``receipt_uses`` (other claims
    with the same receipt), ``cap`` (core.CapCheck or None), ``cities`` ({"day": [...],
    "next_day": [...]}), ``mileage`` (core.MileageLedger or None), ``replay`` (a path).
    """
    scope = scope_of(user)
    with engine.connect() as conn:
        rules = rule_settings.expense_config_of(conn)
        found = store.fetch_claims_by_id(conn, [claim_id], scope=scope)
        if found.empty:
            return None
        flags = store.fetch_claim_flags(conn, [claim_id])
        claim = _attach_flags(found, flags[["claim_id", "rule", "amount_at_risk"]].copy())
        row = claim.iloc[0].to_dict()
        day, rep_id = row["date"], row["rep_id"]
        next_day = day + timedelta(days=1)
        visits = store.fetch_day_visit_points(
            conn, rep_id=rep_id, days=[day, next_day], min_dwell_s=kpi_core.MIN_DWELL_S
        )
        alert_rules = alert_store.fetch_visit_rules(conn, visits["visit_id"])
        alerts = store.fetch_day_alerts(conn, rep_id=rep_id, day=day)
        history = decisions.fetch_history(
            conn, "claim", [claim_id], ("expense_flag", flags["flag_id"])
        )
        receipt = row.get("receipt_sha256")
        uses = (
            store.fetch_receipt_uses(conn, receipt, scope=scope)
            if receipt
            else pd.DataFrame(columns=["claim_id"])
        )
        cap = None
        if row["category"] in core.CAPPED_CATEGORIES:
            day_claims = store.fetch_rep_day_claims(
                conn, rep_id=rep_id, day=day, category=row["category"]
            )
            cap = core.cap_check(row["category"], day_claims, rules)
        mileage = None
        if row["category"] == "mileage" and row.get("claimed_km") is not None:
            mileage = mileage_of_claim(conn, row, rules, visits)
    today_visits = visits[visits["local_date"] == day].copy()
    today_visits["rules"] = [sorted(set(alert_rules.get(v, []))) for v in today_visits["visit_id"]]
    today_visits["integrity"] = [integrity_score(rs) for rs in today_visits["rules"]]
    return {
        "claim": row,
        "flags": flags,
        "history": history.reset_index(drop=True),
        "visits": today_visits.reset_index(drop=True),
        "alerts": alerts,
        "receipt_uses": uses[uses["claim_id"] != claim_id].reset_index(drop=True),
        "cap": cap,
        "cities": {
            "day": sorted(set(visits.loc[visits["local_date"] == day, "city"])),
            "next_day": sorted(set(visits.loc[visits["local_date"] == next_day, "city"])),
        },
        "mileage": mileage,
        "replay": f"/replay/{rep_id}/{day.isoformat()}",
        "rules": rules,
    }


# ------------------------------------------------------------------ decisions


def decide(
    engine: Engine,
    user: User,
    claim_ids: Sequence[str],
    action: str,
    *,
    note: str | None,
    now: datetime,
) -> dict[str, Any]:
    """Decide claims (approve, reject with a reason, query with a question), all or none.

    Writes the claims' current status, sets their flags' status alike, and appends one
    status_events row per claim and per flag (who, when, before → after, note). Returns
    {"count", "amount", "status"}.
    """
    if user.role not in DECIDERS:
        raise NotAllowed(f"role: {user.role} may not decide claims (finance and admin only)")
    ids = list(dict.fromkeys(claim_ids))
    if not ids:
        raise core.FinanceError("claim_ids: no claim selected")
    text = (note or "").strip() or None
    with engine.begin() as conn:
        claims = store.fetch_claims_by_id(conn, ids, scope=scope_of(user))
        missing = sorted(set(ids) - set(claims["claim_id"]))
        if missing:
            raise core.FinanceError(f"claim_ids: {', '.join(missing[:5])} not found in your scope")
        current = dict(zip(claims["claim_id"], claims["status"], strict=True))
        target = {cid: core.decide(current[cid], action, text) for cid in ids}
        events = [
            {
                "subject_kind": "claim",
                "subject_id": cid,
                "at": now,
                "actor": user.name,
                "action": action,
                "from_status": current[cid],
                "to_status": target[cid],
                "note": text,
            }
            for cid in ids
        ]
        flag_status: dict[str, str] = {}
        for flag in decisions.fetch_flag_states(conn, ids):
            to = target[flag["claim_id"]]
            if flag["status"] == to:
                continue
            flag_status[flag["id"]] = to
            events.append(
                {
                    "subject_kind": "expense_flag",
                    "subject_id": flag["id"],
                    "at": now,
                    "actor": user.name,
                    "action": action,
                    "from_status": flag["status"],
                    "to_status": to,
                    "note": text,
                }
            )
        decisions.upsert_claim_statuses(
            conn,
            [
                {"claim_id": cid, "status": target[cid], "updated_at": now, "updated_by": user.name}
                for cid in ids
            ],
        )
        decisions.set_flag_statuses(conn, flag_status, now=now)
        decisions.append_status_events(conn, events)
    return {
        "count": len(ids),
        "amount": round(float(claims["amount"].sum()), 2),
        "status": ACTION_STATUS[action],
    }


ACTION_STATUS = core.ACTIONS


def clean_claims(
    engine: Engine, user: User, filters: Filters, *, category: str | None = None
) -> dict[str, Any]:
    """The pending claims without any flag in the filter: {"ids", "count", "amount"} (what
    "approve every clean claim" would approve)."""
    with engine.connect() as conn:
        clean = _fetch_ledger(conn, user, filters, category, "pending", "clean")
    return {
        "ids": list(clean["claim_id"]),
        "count": len(clean),
        "amount": round(float(clean["amount"].sum()), 2),
    }


def approve_clean(
    engine: Engine,
    user: User,
    filters: Filters,
    claim_ids: Iterable[str],
    *,
    category: str | None = None,
    now: datetime,
    note: str | None = None,
) -> dict[str, Any]:
    """Approve the confirmed clean claims that are still pending and clean in the filter."""
    if user.role not in DECIDERS:
        raise NotAllowed(f"role: {user.role} may not decide claims (finance and admin only)")
    still = set(clean_claims(engine, user, filters, category=category)["ids"])
    ids = [cid for cid in claim_ids if cid in still]
    if not ids:
        return {"count": 0, "amount": 0.0, "status": "approved"}
    return decide(engine, user, ids, "approve", note=note, now=now)


# ------------------------------------------------------------------ the monthly statement

STATEMENT_KEYS = {
    "rep": ["rep_id", "rep_name", "team_name"],
    "team": ["team_id", "team_name"],
}


def month_filters(filters: Filters, month: str | None) -> Filters:
    """The filter narrowed to one calendar month ``YYYY-MM`` (default: the month the filter's
    period ends in)."""
    if month:
        try:
            first = date.fromisoformat(f"{month}-01")
        except ValueError:
            raise core.FinanceError(f"month: {month!r} is not YYYY-MM") from None
    else:
        first = filters.end.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return replace(filters, period="custom", start=first, end=nxt - timedelta(days=1))


def statement(
    engine: Engine, user: User, filters: Filters, *, by: str = "rep", month: str | None = None
) -> dict[str, Any]:
    """The monthly statement per rep or per team: {"rows", "totals", "month", "start", "end"}."""
    narrowed = month_filters(filters, month)
    return {
        **period_statement(engine, user, narrowed, by=by),
        "month": narrowed.start.strftime("%Y-%m"),
        "start": narrowed.start,
        "end": narrowed.end,
    }


def period_statement(
    engine: Engine, user: User, filters: Filters, *, by: str = "rep"
) -> dict[str, Any]:
    """The statement per rep or per team over the filter's own period: {"rows", "totals"}
    (what ``statement`` gives for a calendar month; the standard reports use any period)."""
    if by not in STATEMENT_KEYS:
        raise core.FinanceError(f"by: {by!r} is not one of rep, team")
    claims = _period_claims(engine, user, filters)
    return {"rows": core.statement(claims, STATEMENT_KEYS[by]), "totals": totals(claims)}


def period_statements(engine: Engine, user: User, filters: Filters) -> dict[str, pd.DataFrame]:
    """``period_statement``'s rows per rep and per team (keys "rep", "team") from one read."""
    claims = _period_claims(engine, user, filters)
    return {by: core.statement(claims, keys) for by, keys in STATEMENT_KEYS.items()}


def _period_claims(engine: Engine, user: User, filters: Filters) -> pd.DataFrame:
    with engine.connect() as conn:
        claims = _fetch_ledger(conn, user, filters, None, None)
        decided = claims.loc[claims["status"].isin(["rejected", "queried"]), "claim_id"]
        notes = decisions.fetch_last_notes(conn, decided)
    claims["decision_note"] = claims["claim_id"].map(notes)
    return claims


# ------------------------------------------------------------------ what-if


def what_if(
    engine: Engine, user: User, filters: Filters, proposed: Mapping[str, Any]
) -> dict[str, Any]:
    """Back-test proposed thresholds on the filter's stored claims against the ones in force.

    Returns {"current", "proposed" (as setting dicts), "table" (core.compare_what_if),
    "claims" (how many claims were back-tested)}.
    """
    with engine.connect() as conn:
        current = rule_settings.expense_config_of(conn)
        claims = store.fetch_claims(
            conn,
            start=filters.start,
            end=filters.end,
            scope=scope_of(user),
            **_filter_kwargs(filters),
        )
    rules = core.rules_from_values(proposed, current)
    frame = claims[["claim_id", "rep_id", "date", "category", "amount", "claimed_km", "tracked_km"]]
    return {
        "current": core.rules_to_settings(current),
        "proposed": core.rules_to_settings(rules),
        "table": core.compare_what_if(frame, current, rules),
        "claims": len(frame),
    }
