"""PropDesk's SQLite database backend: Django's, with writers queued inside the process.

See `base.py`. Selected in settings.DATABASES when the database is SQLite."""
