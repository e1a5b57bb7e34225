"""SQLAlchemy 2 adapter: typed models, queries by intent, unit of work, Alembic migrations."""
