"""A second connection to the test database, for tests of what another session sees while a
transaction is still open (transactional tests only: the other session commits for real)."""

import psycopg
from django.db import connection


def other_connection() -> psycopg.Connection:
    """A new psycopg connection to the database Django's connection uses; close it after."""
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        password=settings["PASSWORD"],
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
    )
