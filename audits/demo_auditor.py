"""The demo's external auditor, `auditrice` (Claire Martin, the certification body's lead
auditor): invited to the demo's surveillance audit and accepted, with the fixed TOTP device of
`demo_totp` as her second factor, so that a person can sign in as her at once. Idempotent,
through the services."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit_prep.invitations import tokens
from audit_prep.models import Membership, Organization
from audit_prep.roles import Role
from checklists.demo import DEMO_SLUG, add_demo_password

from . import auditor_services
from .demo_totp import DEMO_TOTP_KEY
from .models import Engagement, EngagementKind

USERNAME, EMAIL = "auditrice", "claire.martin@afnor-demo.example"


def seed() -> None:
    """Create the auditor and her open access once (nothing when the account exists)."""
    User = get_user_model()
    organization = Organization.objects.filter(slug=DEMO_SLUG).first()
    engagement = Engagement.objects.filter(organization=organization,
                                           kind=EngagementKind.SURVEILLANCE_1).first()
    qm = Membership.objects.filter(organization=organization,
                                   role=Role.QUALITY_MANAGER).select_related("user").first()
    if engagement is None or qm is None or User.objects.filter(username=USERNAME).exists():
        return
    with transaction.atomic():
        auditor = User.objects.create_user(USERNAME, EMAIL, first_name="Claire",
                                           last_name="Martin")
        TOTPDevice.objects.create(user=auditor, name="TOTP", key=DEMO_TOTP_KEY, confirmed=True)
        invitation = auditor_services.invite(qm.user, engagement, EMAIL)
        # As if she had typed a code of her device on the invitation's page.
        auditor.is_verified = lambda: True  # type: ignore[attr-defined]
        auditor_services.accept(
            tokens.secret_for(invitation.token_salt, auditor_services.PURPOSE), auditor)
    add_demo_password(auditor)
