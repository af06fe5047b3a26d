"""Contract §7 in the pure core: step outcomes, completion, SOP_INCOMPLETE, versions, editor."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, date, datetime, timedelta

import pytest

from dashboard import sop
from dashboard.rules.sop import SopVisit, find_sop_incomplete
from dashboard.sop import StepRecord

STEPS = sop.normalize_steps(
    [
        {"code": "check_in_photo", "required": True},
        {"code": "shelf", "required": True},
        {"code": "competitor", "required": False},
    ]
)
IN, OUT = 1000.0, 2000.0


def outcomes(*records):
    return sop.step_outcomes([s["code"] for s in STEPS], records, checkin_s=IN, checkout_s=OUT)


def visit(*records, effective=True):
    return SopVisit(
        "v-1",
        "rep-1",
        "cust-1",
        date(2026, 11, 26),
        IN,
        OUT,
        effective,
        "sop-std",
        "Std",
        2,
        STEPS,
        tuple(records),
    )


def test_step_after_check_out_is_late_and_not_done():
    got = outcomes(StepRecord("check_in_photo", 1100), StepRecord("shelf", 2100))
    assert got == {"check_in_photo": "done", "shelf": "late", "competitor": "missing"}
    assert sop.completion(STEPS, got) == (1, 2)


def test_step_before_check_in_is_late():
    assert outcomes(StepRecord("shelf", 900))["shelf"] == "late"


def test_failed_step_is_an_outcome_not_done_and_not_missing():
    got = outcomes(StepRecord("check_in_photo", 1100), StepRecord("shelf", 1200, ok=False))
    assert got["shelf"] == "failed"
    assert sop.completion(STEPS, got) == (1, 2)
    assert sop.required_not_done(STEPS, got) == ([], [])
    assert (
        find_sop_incomplete(
            [visit(StepRecord("check_in_photo", 1100), StepRecord("shelf", 1200, ok=False))]
        )
        == []
    )


def test_optional_step_missing_raises_no_alert():
    got = outcomes(StepRecord("check_in_photo", 1100), StepRecord("shelf", 1200))
    assert got["competitor"] == "missing"
    assert sop.completion(STEPS, got) == (2, 2)
    assert (
        find_sop_incomplete([visit(StepRecord("check_in_photo", 1100), StepRecord("shelf", 1200))])
        == []
    )


def test_sop_incomplete_names_missing_and_late_required_steps():
    (alert,) = find_sop_incomplete([visit(StepRecord("shelf", 2500))])
    assert alert.rule == "SOP_INCOMPLETE"
    assert alert.evidence == {
        "template": "sop-std",
        "version": 2,
        "missing": ["check_in_photo"],
        "late": ["shelf"],
    }
    assert alert.visit_id == "v-1"


def test_sop_incomplete_ignores_a_visit_that_is_not_effective():
    assert find_sop_incomplete([visit(effective=False)]) == []


def test_done_in_window_wins_over_a_late_repeat():
    assert outcomes(StepRecord("shelf", 2500), StepRecord("shelf", 1500))["shelf"] == "done"


def test_version_in_force_is_the_latest_taking_effect_at_or_before_the_visit():
    t = lambda d: datetime(2026, 11, d, tzinfo=UTC)  # noqa: E731
    versions = [(1, t(1)), (2, t(15))]
    assert sop.version_in_force(versions, t(14)) == 1
    assert sop.version_in_force(versions, t(15)) == 2
    assert sop.version_in_force(versions, datetime(2026, 10, 1, tzinfo=UTC)) == 1
    assert sop.version_in_force([], t(3)) is None


def test_same_steps_compares_every_attribute_and_the_order():
    a = [{"code": "a", "required": True}, {"code": "b", "required": False}]
    assert sop.same_steps(a, [dict(x) for x in a])
    assert not sop.same_steps(a, list(reversed(a)))
    assert not sop.same_steps(a, [a[0], {**a[1], "min_seconds": 30}])


@pytest.mark.parametrize(
    ("steps", "field"),
    [
        ([], "steps"),
        ([{"code": ""}], "steps[0].code"),
        ([{"code": "a"}, {"code": " "}], "steps[1].code"),
        ([{"code": "a"}, {"code": "a"}], "steps[1].code"),
        ([{"code": "a", "kind": "dance"}], "steps[0].kind"),
        ([{"code": "a", "min_seconds": "soon"}], "steps[0].min_seconds"),
    ],
)
def test_editor_refuses_bad_steps_naming_the_field(steps, field):
    with pytest.raises(sop.StepsError) as err:
        sop.check_editor_steps(steps)
    assert err.value.field == field
    assert str(err.value).startswith(field + ":")


def test_step_seconds_count_from_the_previous_step_or_the_check_in():
    got = sop.step_seconds(
        [StepRecord("b", 1300), StepRecord("a", 1100), StepRecord("x", 900)], checkin_s=IN
    )
    assert got == {"a": 100, "b": 200}


# ------------------------------------------------------------------ the rollup's step timing


def test_timing_buckets_hold_their_lower_edge_and_the_last_is_open():
    assert sop.TIMING_BUCKETS == 52
    assert [sop.timing_bucket(x) for x in (0, 4.999, 5, 59.9, 60, 179, 180, 599, 600)] == [
        0,
        0,
        1,
        11,
        12,
        23,
        24,
        37,
        38,
    ]
    assert sop.timing_bucket(3599.9) == 50 and sop.timing_bucket(86_400) == 51
    assert sop.timing_bucket(-3) == 0
    assert sop.bucket_width(0) == 5 and sop.bucket_width(12) == 10 and sop.bucket_width(51) is None


def _counts(values):
    counts = [0] * sop.TIMING_BUCKETS
    for x in values:
        counts[sop.timing_bucket(x)] += 1
    return counts


@pytest.mark.parametrize("seed", range(30))
def test_the_histogram_median_is_within_a_bucket_of_the_exact_one(seed):
    rnd = random.Random(seed)
    values = [
        rnd.choice((rnd.uniform(0, 90), rnd.lognormvariate(4.5, 0.8)))
        for _ in range(rnd.randrange(1, 400))
    ]
    exact = statistics.median(values)
    got = sop.histogram_median(_counts(values))
    spans = [sop.bucket_width(sop.timing_bucket(x)) or 3600.0 for x in (exact, got)]
    assert abs(got - exact) <= max(spans)
    assert sop.histogram_median([0] * sop.TIMING_BUCKETS) is None


def test_the_histogram_median_of_one_value_is_its_buckets_middle():
    assert sop.histogram_median(_counts([61])) == 65.0
    assert sop.histogram_median(_counts([61, 69, 300])) == 67.5  # 2nd of 2 in [60, 70)
    assert sop.histogram_median(_counts([7200])) == 3600.0  # the open bucket: its edge


def test_visit_step_timing_counts_from_the_previous_step_inside_the_window_only():
    t0 = datetime(2026, 11, 3, 1, 0, tzinfo=UTC)
    sec = lambda s: t0 + timedelta(seconds=s)  # noqa: E731
    records = [
        ("b", sec(200), True),
        ("a", sec(90), False),
        ("a", sec(150), True),  # a's first record in the window is 90 s
        ("c", sec(-30), True),  # before the check-in: not timed
        ("d", sec(1300), True),  # after the check-out: not timed
    ]
    got = sop.visit_step_timing(records, checkin=t0, checkout=sec(1200))
    assert got == {"a": 90.0, "b": 110.0}
    assert sop.visit_step_timing(records, checkin=t0, checkout=None)["d"] == 1100.0
