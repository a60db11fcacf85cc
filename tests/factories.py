import datetime

import factory
from django.contrib.auth import get_user_model

from audit_prep.models import Membership, Organization
from audit_prep.roles import Role
from evidence.models import EvidenceItem, EvidenceKind


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Structure {n}")
    slug = factory.Sequence(lambda n: f"structure-{n}")
    kind = "ai"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.CONTRIBUTOR


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EvidenceItem

    organization = factory.SubFactory(OrganizationFactory)
    title = factory.Sequence(lambda n: f"Preuve {n}")
    kind = EvidenceKind.DOCUMENT
    effective_date = datetime.date(2026, 1, 15)
    created_by = factory.SubFactory(UserFactory)
