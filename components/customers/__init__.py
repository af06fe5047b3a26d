"""Customer presentation (list, coverage map, orphans, profile), one module per job; it
renders what it is given."""

from components.customers import ids
from components.customers.controls import filters_search, owner_options, page_filters
from components.customers.coverage import map_outputs, map_viewport
from components.customers.layout import customers_page
from components.customers.listing import export_file, list_outputs
from components.customers.orphans import (
    handed_over,
    handover_preview,
    nothing_picked,
    orphan_rows,
    picked_ids,
    receiving_options,
    refused,
)
from components.customers.profile import profile_page, render_profile

__all__ = [
    "customers_page",
    "export_file",
    "filters_search",
    "handed_over",
    "handover_preview",
    "ids",
    "list_outputs",
    "map_outputs",
    "map_viewport",
    "nothing_picked",
    "orphan_rows",
    "owner_options",
    "page_filters",
    "picked_ids",
    "profile_page",
    "receiving_options",
    "refused",
    "render_profile",
]
