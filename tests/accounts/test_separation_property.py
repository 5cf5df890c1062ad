"""Property: no sequence of role, membership, activation and invitation changes, by anyone but the
operator's command line, lets an account that is not shelter staff read a case record, or lets a
shelter's records be opened to someone its coordinators did not let in."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from accounts import services
from shelters.models import SHELTER_ROLES, Role, User
from shelters.selectors import victims_visible_to
from tests.factories import ShelterFactory, UserFactory, VictimFactory

pytestmark = pytest.mark.django_db

ACTORS = ["pat", "root", "paco", "carla", "alice", "bea"]
ROLES = list(Role.values)


class SeparationOfDuties(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        # Each example runs inside a savepoint of the test's transaction and rolls it back.
        self.savepoint = transaction.savepoint()
        self.shelters = {
            "a": ShelterFactory(slug="prop-a", name="A"),
            "b": ShelterFactory(slug="prop-b", name="B"),
        }
        VictimFactory(shelter=self.shelters["a"], intake_date=date(2007, 10, 1))
        VictimFactory(shelter=self.shelters["b"], intake_date=date(2007, 10, 1))
        self.users = {
            "pat": UserFactory(username="pat", role=Role.PROGRAM_STAFF),
            "root": UserFactory(username="root", role="", is_superuser=True),
            "paco": UserFactory(username="paco", role=Role.PARTNER, is_staff=False),
            "carla": UserFactory(username="carla", role=Role.COORDINATOR, shelters=[self.shelters["a"]]),
            "alice": UserFactory(username="alice", role=Role.CASEWORKER, shelters=[self.shelters["a"]]),
            "bea": UserFactory(username="bea", role=Role.COORDINATOR, shelters=[self.shelters["b"]]),
        }
        # Who each shelter's coordinators (or the starting data) let in: the only accounts that may read it.
        self.let_in = {"a": {"carla", "alice"}, "b": {"bea"}}
        self.joined = 0

    def teardown(self) -> None:
        transaction.savepoint_rollback(self.savepoint)

    def actor(self, name: str) -> User:
        user = self.users[name]
        user.refresh_from_db()
        return user

    def attempt(self, change) -> bool:  # type: ignore[no-untyped-def]
        try:
            with transaction.atomic():
                change()
        except (PermissionDenied, ValidationError):
            return False
        return True

    def coordinates(self, actor: str, shelter: str) -> bool:
        user = self.actor(actor)
        return (
            user.is_active
            and user.role == Role.COORDINATOR
            and user.memberships.filter(shelter=self.shelters[shelter]).exists()
        )

    @rule(actor=st.sampled_from(ACTORS), who=st.sampled_from(ACTORS), role=st.sampled_from(ROLES))
    def change_role(self, actor: str, who: str, role: str) -> None:
        self.attempt(lambda: services.role_change(actor=self.actor(actor), user=self.actor(who), role=role))

    @rule(actor=st.sampled_from(ACTORS), who=st.sampled_from(ACTORS), shelter=st.sampled_from(["a", "b"]))
    def add_membership(self, actor: str, who: str, shelter: str) -> None:
        allowed = self.coordinates(actor, shelter)
        if self.attempt(
            lambda: services.membership_add(
                actor=self.actor(actor), user=self.actor(who), shelter=self.shelters[shelter]
            )
        ):
            assert allowed, f"{actor} added {who} to {shelter} without coordinating it"
            self.let_in[shelter].add(who)

    @rule(actor=st.sampled_from(ACTORS), who=st.sampled_from(ACTORS), shelter=st.sampled_from(["a", "b"]))
    def remove_membership(self, actor: str, who: str, shelter: str) -> None:
        self.attempt(
            lambda: services.membership_remove(
                actor=self.actor(actor), user=self.actor(who), shelter=self.shelters[shelter]
            )
        )

    @rule(actor=st.sampled_from(ACTORS), who=st.sampled_from(ACTORS), active=st.booleans())
    def set_active(self, actor: str, who: str, active: bool) -> None:
        self.attempt(lambda: services.account_set_active(actor=self.actor(actor), user=self.actor(who), active=active))

    @rule(actor=st.sampled_from(ACTORS), role=st.sampled_from(ROLES), shelter=st.sampled_from(["a", "b", None]))
    def invite_and_join(self, actor: str, role: str, shelter: str | None) -> None:
        result = {}

        def invite() -> None:
            result["invitation"], _link = services.invitation_create(
                actor=self.actor(actor),
                email="new@example.org",
                role=role,
                shelter=self.shelters[shelter] if shelter else None,
            )

        if not self.attempt(invite):
            return
        invitation = result["invitation"]
        if invitation.shelter_id:
            assert self.coordinates(actor, shelter), f"{actor} invited to {shelter} without coordinating it"
        self.joined += 1
        name = f"joined{self.joined}"
        services.invitation_accept(invitation=invitation, username=name, password="una-clave-bastante-larga")
        self.users[name] = User.objects.get(username=name)
        if invitation.shelter_id:
            self.let_in[shelter].add(name)

    @invariant()
    def nobody_reads_a_shelter_that_did_not_let_them_in(self) -> None:
        for name, user in self.users.items():
            user.refresh_from_db()
            for key, shelter in self.shelters.items():
                if victims_visible_to(user).filter(shelter=shelter).exists():
                    assert name in self.let_in[key], f"{name} reads shelter {key}"

    @invariant()
    def program_staff_partners_and_the_superuser_never_read_a_case(self) -> None:
        for name in ("pat", "root", "paco"):
            user = self.actor(name)
            assert not victims_visible_to(user).exists(), f"{name} reads a case record"
            # Not even one step towards it: no shelter role, no membership (the door would still hold; this
            # catches the grant itself, which only the command line may make).
            assert user.role not in SHELTER_ROLES, f"{name} was given the role {user.role}"
            assert not user.memberships.exists(), f"{name} was made a member of a shelter"


def test_no_sequence_of_changes_opens_a_shelter_to_someone_it_did_not_let_in():
    run_state_machine_as_test(
        SeparationOfDuties,
        settings=settings(
            max_examples=60, stateful_step_count=12, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )
