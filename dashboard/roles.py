"""The roles a person signs in with (the wall screen's own role lives with the wall service)."""

ROLES = ("exec", "manager", "finance", "admin")
