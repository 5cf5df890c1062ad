"""shelters.0011 takes the month lock's table from indicators: every lock made before it survives `migrate`."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from proteja_site.database_roles import as_owner

BEFORE = [("shelters", "0010_fill_victim_name_blind_index"), ("indicators", "0001_initial")]
AFTER = [("shelters", "0011_month_lock_from_indicators"), ("indicators", "0002_month_lock_moves_to_shelters")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def before_the_move(transactional_db):
    """The schema with the lock in `indicators`; afterwards every migration again, whatever the test did."""
    with as_owner(connection):
        yield migrate(BEFORE)
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_locks_made_in_indicators_survive_the_move(before_the_move):
    old = before_the_move
    shelter = old.get_model("shelters", "Shelter").objects.create(slug="shelter-l", name="Shelter L")
    user = old.get_model("shelters", "User").objects.create(username="staff-l", role="program_staff")
    old.get_model("indicators", "MonthLock").objects.create(shelter=shelter, month=date(2007, 10, 1), locked_by=user)

    new = migrate(AFTER)
    locks = list(new.get_model("shelters", "MonthLock").objects.values_list("shelter__slug", "month", "locked_by_id"))
    assert locks == [("shelter-l", date(2007, 10, 1), user.pk)]
    assert "shelters_monthlock" in connection.introspection.table_names()
    assert "indicators_monthlock" not in connection.introspection.table_names()

    # And back: the table returns to indicators with its row.
    old = migrate(BEFORE)
    assert old.get_model("indicators", "MonthLock").objects.filter(month=date(2007, 10, 1)).count() == 1
