"""SQLAlchemy Core only: the schema, the engine, and the queries and bulk writes of each job.

Every query that picks reps', customers', alerts' or claims' rows for someone takes the caller's
``scope.Scope`` and builds its WHERE from ``data_access.scope``; ``data_access.frames`` holds
the helpers the modules share.
This package imports nothing of ours.
"""
