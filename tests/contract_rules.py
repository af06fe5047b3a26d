"""The rule codes and severities as contract §2 and §3 list them (what the tests hold the rule
catalog to; written out here once, from the contract, never derived from the code)."""

CONTRACT_SEVERITY = {
    "critical": {"MOCK_LOCATION", "TRACK_MISMATCH", "PHOTO_REUSE"},
    "high": {
        "IMPOSSIBLE_SPEED",
        "STATIC_SPOOF",
        "GEOFENCE_MISS",
        "CLUSTERED_CHECKINS",
        "DEVICE_SHARED",
    },
    "medium": {"SHORT_VISIT", "PHOTO_TIME_MISMATCH", "SIGNAL_GAP"},
    "low": {"OFF_HOURS"},
}
# Contract §3, in its order.
CONTRACT_EXPENSE = (
    "MILEAGE_INFLATED",
    "NO_VISIT_DAY",
    "HOTEL_CITY_MISMATCH",
    "DUPLICATE_RECEIPT",
    "FRAUD_DAY_CLAIM",
    "OVER_CAP",
    "ENTERTAINMENT_NO_VISIT",
)
CONTRACT_RULES = set().union(*CONTRACT_SEVERITY.values(), CONTRACT_EXPENSE)
# Process rules of the judge (contract §5: FREQUENCY_MISS), alerts in the same queue.
# ... and contract §7: SOP_INCOMPLETE.
CONTRACT_PROCESS_SEVERITY = {"medium": {"FREQUENCY_MISS"}, "low": {"SOP_INCOMPLETE"}}
