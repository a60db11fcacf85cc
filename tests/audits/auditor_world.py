"""What the auditor tests share: an audit of `org` ahead (10-11 February 2027, the tests' day
being 5 December 2026), invitations sent through the real e-mail, and the secret read back
from it."""

import datetime
import re

from django.core import mail

from audits import auditor_services
from audits.models import Engagement, EngagementKind

FIRST_DAY, LAST_DAY = datetime.date(2027, 2, 10), datetime.date(2027, 2, 11)
LINK = re.compile(r"(http://127\.0\.0\.1:8000/auditor-invitations/([0-9a-f]{64})/)")
PASSWORD = "correct horse battery staple"


def audit_ahead(org, qm) -> Engagement:
    return Engagement.objects.create(organization=org, created_by=qm,
                                     kind=EngagementKind.SURVEILLANCE_1, start_date=FIRST_DAY,
                                     end_date=LAST_DAY)


def inviter(qm, engagement, django_capture_on_commit_callbacks):
    """invite(email, **window) -> (invitation, secret of its e-mail)."""
    def make(email, by=None, **window):
        with django_capture_on_commit_callbacks(execute=True):
            invitation = auditor_services.invite(by or qm, engagement, email, **window)
        return invitation, secret_in([m for m in mail.outbox if m.to == [invitation.email]][-1])

    return make


def secret_in(message) -> str:
    [(_url, secret)] = LINK.findall(message.body)
    return secret
