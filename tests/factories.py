"""factory_boy factories for every model the tests build."""

from __future__ import annotations

from datetime import date

import factory
from django.contrib.auth.hashers import make_password

from shelters.blind_index import index_values
from shelters.models import (
    FollowUp,
    LegalAction,
    Membership,
    Referral,
    Role,
    Service,
    Shelter,
    Training,
    User,
    Victim,
    VictimRole,
)

from .walls import let_the_test_see, seeing

PASSWORD = "correct-horse-battery-staple"


class CaseRecordFactory(factory.django.DjangoModelFactory):
    """Case records are made through a scope of the door (tests/walls.py), never around the wall."""

    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class, *args, **kwargs):  # noqa: ANN001, ANN206
        shelter = kwargs.get("shelter") or kwargs["victim"].shelter
        with seeing(shelter.pk):
            return super()._create(model_class, *args, **kwargs)


class ShelterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shelter

    slug = factory.Sequence(lambda n: f"shelter-{n}")
    name = factory.Sequence(lambda n: f"Shelter {n}")
    city = "Ciudad de México"
    state = "CMX"
    agreement_number = factory.Sequence(lambda n: f"AG-{n:03d}")
    agreement_start = date(2007, 5, 1)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):  # noqa: ANN001, ANN206
        shelter = super()._create(model_class, *args, **kwargs)
        let_the_test_see(shelter.pk)
        return shelter


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.CASEWORKER
    is_staff = True
    # Hashed before the first save: a password set on a saved account is an audited change.
    password = factory.LazyFunction(lambda: make_password(PASSWORD))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):  # noqa: ANN001, ANN206
        # The test reads the trail as the operator does, the entries of no shelter included.
        let_the_test_see()
        return super()._create(model_class, *args, **kwargs)

    @factory.post_generation
    def shelters(self, create, extracted, **kwargs):  # noqa: ANN001
        for shelter in extracted or []:
            Membership.objects.create(user=self, shelter=shelter)


class VictimFactory(CaseRecordFactory):
    class Meta:
        model = Victim

    shelter = factory.SubFactory(ShelterFactory)
    case_code = factory.Sequence(lambda n: f"T-{n:05d}")
    role = VictimRole.PRIMARY
    sex = "female"
    nationality = "MX"
    intake_date = date(2007, 10, 1)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):  # noqa: ANN001, ANN206
        # The services keep the names' blind index; a factory writes rows directly, so it fills it too.
        kwargs.update(index_values(kwargs.get("given_name"), kwargs.get("family_name")))
        return super()._create(model_class, *args, **kwargs)


class SecondaryVictimFactory(VictimFactory):
    role = VictimRole.SECONDARY
    primary_victim = factory.SubFactory(VictimFactory, shelter=factory.SelfAttribute("..shelter"))


class ServiceFactory(CaseRecordFactory):
    class Meta:
        model = Service

    victim = factory.SubFactory(VictimFactory)
    shelter = factory.SelfAttribute("victim.shelter")
    date = factory.SelfAttribute("victim.intake_date")
    category = "legal"


class ReferralFactory(CaseRecordFactory):
    class Meta:
        model = Referral

    victim = factory.SubFactory(VictimFactory)
    shelter = factory.SelfAttribute("victim.shelter")
    date = factory.SelfAttribute("victim.intake_date")
    kind = "transfer"
    institution = "DIF"


class LegalActionFactory(CaseRecordFactory):
    class Meta:
        model = LegalAction

    victim = factory.SubFactory(VictimFactory)
    shelter = factory.SelfAttribute("victim.shelter")
    date = factory.SelfAttribute("victim.intake_date")
    kind = "charges_filed"
    crime = "tip"


class FollowUpFactory(CaseRecordFactory):
    class Meta:
        model = FollowUp

    victim = factory.SubFactory(VictimFactory, exit_date=date(2007, 10, 20), exit_reason="reintegrated")
    shelter = factory.SelfAttribute("victim.shelter")
    date = date(2007, 11, 5)
    method = "phone"


class TrainingFactory(CaseRecordFactory):
    class Meta:
        model = Training

    shelter = factory.SubFactory(ShelterFactory)
    date = date(2007, 10, 15)
    institution = "Fiscalía"
    sector = "government"
    attendees = 12
    topic = "Trata de personas"
