from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from shelters.models import Membership, User

pytestmark = pytest.mark.django_db


def run(*args, **env):
    out = StringIO()
    call_command("add_user", *args, stdout=out)
    return out.getvalue()


def test_it_creates_a_caseworker_with_shelters(shelter_a, shelter_b):
    output = run(
        "maria",
        "--role",
        "caseworker",
        "--shelter",
        "shelter-a",
        "--shelter",
        "shelter-b",
        "--password",
        "pw-1234-long",
    )

    user = User.objects.get(username="maria")
    assert user.role == "caseworker"
    assert set(user.shelters.values_list("slug", flat=True)) == {"shelter-a", "shelter-b"}
    assert user.check_password("pw-1234-long")
    assert "Created maria" in output


def test_it_takes_the_password_from_the_environment(shelter_a, monkeypatch):
    monkeypatch.setenv("PROTEJA_PASSWORD", "from-the-env-42")

    run("pat2", "--role", "program_staff")

    assert User.objects.get(username="pat2").check_password("from-the-env-42")


def test_it_updates_an_existing_user_and_their_shelters(shelter_a, shelter_b):
    run("maria", "--role", "caseworker", "--shelter", "shelter-a", "--password", "first-password-1")

    output = run("maria", "--role", "coordinator", "--shelter", "shelter-b")

    user = User.objects.get(username="maria")
    assert user.role == "coordinator"
    assert list(Membership.objects.filter(user=user).values_list("shelter__slug", flat=True)) == ["shelter-b"]
    assert user.check_password("first-password-1")
    assert "Updated maria" in output


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        (["x", "--role", "admin", "--password", "p"], "--role must be one of"),
        (["x", "--role", "caseworker", "--password", "p"], "--shelter is required"),
        (["x", "--role", "caseworker", "--shelter", "nowhere", "--password", "p"], "no shelter with slug nowhere"),
        (["x", "--role", "partner", "--shelter", "shelter-a", "--password", "p"], "not tied to a shelter"),
        (["x", "--role", "partner"], "needs --password or PROTEJA_PASSWORD"),
    ],
)
def test_it_rejects_bad_arguments_with_a_reason_and_creates_nothing(shelter_a, monkeypatch, args, reason):
    monkeypatch.delenv("PROTEJA_PASSWORD", raising=False)

    with pytest.raises(CommandError, match=reason):
        run(*args)

    assert not User.objects.filter(username="x").exists()


def test_bad_arguments_exit_non_zero_with_one_line(shelter_a):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "manage.py", "add_user", "x", "--role", "wizard", "--password", "p"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode != 0
    assert "CommandError: --role must be one of" in result.stderr
