"""The rules, in pure Python: no peewee, no textual, no I/O."""
