"""Enumerated record values shown on the pages (issue 23): photo kinds and location providers of
contract §1, key → (zh, en). Statuses, device event kinds, gap reasons, categories and roles have
their keys in their own areas (fin.status.*, alerts.device.*, gap.reason.*, fin.cat.*, role.*)."""

STRINGS: dict[str, tuple[str, str]] = {
    "enum.photo_kind.shelf": ("货架", "shelf"),
    "enum.photo_kind.promo": ("促销", "promotion"),
    "enum.photo_kind.storefront": ("门头", "storefront"),
    "enum.photo_kind.receipt": ("票据", "receipt"),
    "enum.photo_kind.other": ("其他", "other"),
    "enum.provider.gps": ("卫星定位", "GPS"),
    "enum.provider.network": ("基站定位", "cell network"),
    "enum.provider.wifi": ("Wi-Fi 定位", "Wi-Fi"),
    "enum.provider.fused": ("融合定位", "fused"),
}
