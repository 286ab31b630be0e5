"""The store: models, engine, sessions, encryption and migrations."""
