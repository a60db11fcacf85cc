import datetime

import factory
from django.contrib.auth import get_user_model

from audit_prep.models import Membership, Organization
from audit_prep.roles import Role
from evidence.file_checks import refresh_file_check
from evidence.models import EvidenceItem, EvidenceKind, Revision, StoredFile, VerificationStatus


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


def evidence_with_file(organization, user, *, current=True, integrity_error=False, **fields):
    """Evidence with one verified revision holding one stored file (no object in storage), and
    its `file_check` derived as the verification pipeline and the integrity sweep keep it."""
    evidence = EvidenceFactory(organization=organization, created_by=user, **fields)
    revision = Revision.objects.create(evidence=evidence, number=1, created_by=user,
                                       is_current=current,
                                       verification_status=VerificationStatus.VERIFIED)
    StoredFile.objects.create(organization=organization, revision=revision, name="f.pdf",
                              size=1, mime_type="application/pdf",
                              sha256=f"{evidence.pk:064d}",
                              storage_key=f"o/{organization.pk}/{evidence.pk}",
                              integrity_error=integrity_error)
    refresh_file_check([evidence.pk])
    evidence.refresh_from_db(fields=["file_check"])
    return evidence
