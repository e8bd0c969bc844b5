"""The database: engine, schema migrations and typed models (no Flask)."""
