"""Programs the multi-process tests start as real, separate processes."""
