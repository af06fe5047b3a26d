"""The exit codes of every verb (see the package docstring)."""

EXIT_OK, EXIT_REFUSED, EXIT_UNREADABLE, EXIT_DB, EXIT_INTERNAL = 0, 1, 2, 3, 4
