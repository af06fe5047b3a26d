"""UI strings found by the language-leak test (issue 23): labels that showed field names or
technical terms instead of words: key → (zh, en)."""

STRINGS: dict[str, tuple[str, str]] = {
    # The alert evidence's related records, one label per reference key.
    "alerts.ref.visit_id": ("拜访", "Visit"),
    "alerts.ref.customer_id": ("客户", "Customer"),
    "alerts.ref.check_out_id": ("签退", "Check-out"),
    "alerts.ref.matched_rep_id": ("比对到的业务员", "Matched rep"),
    "alerts.ref.visit_ids": ("拜访", "Visits"),
    "alerts.ref.customer_ids": ("客户", "Customers"),
    "alerts.ref.rep_ids": ("业务员", "Reps"),
    "alerts.ref.fix_ids": ("定位点", "GPS fixes"),
    "alerts.ref.photo_id": ("照片", "Photo"),
    "alerts.ref.matched_photo_id": ("比对到的照片", "Matched photo"),
    "alerts.ref.matched_visit_id": ("比对到的拜访", "Matched visit"),
    "alerts.ref.event_id": ("设备事件", "Device event"),
    "alerts.ref.device_id": ("设备", "Device"),
    # The photo pair: the perceptual hash the similarity is measured on.
    "alerts.photos.phash": ("感知哈希", "pHash"),
    # The sheet of a grid's XLSX export.
    "export.sheet": ("数据", "data"),
    # Leaflet's own controls on every map (components/map_controls.py).
    "map.zoom_in": ("放大", "Zoom in"),
    "map.zoom_out": ("缩小", "Zoom out"),
    "map.leaflet_title": ("开源交互式地图库", "A JavaScript library for interactive maps"),
}
