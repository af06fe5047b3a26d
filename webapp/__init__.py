"""The Dash application: built from the Flask server, the shell, and the pages."""
