"""Peewee models, the database from a path or URL, migrations."""
