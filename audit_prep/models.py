"""Structures (organizations), memberships with roles, and the append-only audit trail."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from .roles import Role
from .validators import validate_siret


class OrganizationKind(models.TextChoices):
    AI = "ai", _("association intermédiaire (AI)")
    ACI = "aci", _("atelier et chantier d'insertion (ACI)")
    EI = "ei", _("entreprise d'insertion (EI)")
    ETTI = "etti", _("entreprise de travail temporaire d'insertion (ETTI)")
    GEIQ = "geiq", _("GEIQ")
    OTHER = "other", _("other")


class Organization(models.Model):
    """A structure (SIAE or other ESS enterprise) that owns an evidence vault."""

    scope_path = "pk"

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    siret = models.CharField(
        _("SIRET"), max_length=14, blank=True, default="", validators=[validate_siret]
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=OrganizationKind.choices, default=OrganizationKind.OTHER
    )
    region = models.CharField(_("region"), max_length=100, blank=True, default="")
    # How records count in readiness (`checklists.readiness.needs_approval`): once their file is
    # verified (the default, as most structures do), or only once approved like documents.
    # Changed through the checklists' readiness policy (it marks the readiness to recompute).
    records_need_approval = models.BooleanField(
        _("records count only once approved"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("structure")
        verbose_name_plural = _("structures")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["siret"], condition=~Q(siret=""), name="organization_siret_unique"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=OrganizationKind.values), name="organization_kind_valid"
            ),
        ]

    def __str__(self):
        return self.name


class Membership(models.Model):
    """A person's role in one structure; a person may belong to several structures."""

    scope_path = "organization"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["organization_id", "user_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="membership_unique"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self):
        return f"{self.user} @ {self.organization} ({self.role})"


class AuditEvent(models.Model):
    """One append-only line of the audit trail, written by a service in the transaction of the
    change it describes (or, for reads such as downloads, on its own)."""

    scope_path = "organization"

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="audit_events", null=True
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    actor_label = models.CharField(max_length=254, blank=True, default="")
    action = models.CharField(max_length=40, db_index=True)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200, blank=True, default="")
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True, default="")
    # The X-Request-ID the client sent, if any: its own name for the request, never ours.
    client_request_id = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError(_("Audit events cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("Audit events cannot be deleted."))


CALENDAR_TOKEN_LENGTH = 64  # secrets.token_urlsafe(32) is 43 characters


def new_calendar_token() -> str:
    import secrets

    return secrets.token_urlsafe(32)


class UserPreference(models.Model):
    """A person's language for e-mails, reminder opt-out, an address refused by the mail server,
    and the secret of their calendar feed. One row per person: the language is core's
    (`audit_prep.i18n.language_of`), the other fields are read and written by `notices`."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference"
    )
    language = models.CharField(
        _("language"), max_length=5, choices=settings.LANGUAGES, default="fr"
    )
    reminders_opt_out = models.BooleanField(_("no reminder e-mails"), default=False)
    # The address the mail server refused for good; nothing is e-mailed to it any more (a new
    # address, or clearing this, resumes the e-mails).
    email_refused = models.EmailField(_("refused e-mail address"), blank=True, default="")
    calendar_token = models.CharField(max_length=CALENDAR_TOKEN_LENGTH, unique=True,
                                      default=new_calendar_token)

    class Meta:
        verbose_name = _("preference")
        verbose_name_plural = _("preferences")

    def __str__(self):
        return f"{self.user} ({self.language})"


class ApiToken(models.Model):
    """A person's API token, issued at sign-in (`POST /api/v1/auth/token/`). Only the SHA-256
    digest of the secret is kept (the secret is shown once); `prefix`, its first characters,
    lets the owner tell tokens apart. A token expires once unused for
    `API_TOKEN_IDLE_TIMEOUT` (`expires_at`); its owner lists and revokes it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(_("prefix"), max_length=8)
    label = models.CharField(_("label"), max_length=100, blank=True, default="")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"))

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.prefix}… ({self.label})" if self.label else f"{self.prefix}…"

    @property
    def expires_at(self):
        return self.last_used_at + settings.API_TOKEN_IDLE_TIMEOUT


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    WITHDRAWN = "withdrawn", _("withdrawn")
    EXPIRED = "expired", _("expired")


class InvitationBase(models.Model):
    """What an invitation by e-mail holds, whatever it opens (a structure here; one audit
    engagement later): the address as typed, a status, when it ends, and the hash of its
    single-use secret (`audit_prep.invitations.tokens`). The secret itself is never stored:
    `token_salt` with the site's secret key derives it again for the e-mail only."""

    email = models.EmailField(_("e-mail address"))
    status = models.CharField(_("status"), max_length=10, choices=InvitationStatus.choices,
                              default=InvitationStatus.PENDING)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    token_salt = models.CharField(max_length=32, editable=False)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    # When the e-mail carrying the current secret went out (cleared by a re-send).
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(condition=Q(status__in=InvitationStatus.values),
                                   name="%(app_label)s_%(class)s_status_valid"),
            models.CheckConstraint(condition=Q(expires_at__gt=F("created_at")),
                                   name="%(app_label)s_%(class)s_expires_after_creation"),
        ]


class Invitation(InvitationBase):
    """An e-mail address invited to join a structure with a role; the membership exists only
    once the invitee accepts (`audit_prep.invitations.services`)."""

    scope_path = "organization"

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="invitations"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    # The account that accepted.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="+", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            *InvitationBase.Meta.constraints,
            models.UniqueConstraint(Lower("email"), "organization",
                                    condition=Q(status=InvitationStatus.PENDING),
                                    name="invitation_one_pending_per_address"),
            models.CheckConstraint(condition=Q(role__in=Role.values),
                                   name="invitation_role_valid"),
        ]

    def __str__(self):
        return f"{self.email} @ {self.organization} ({self.role})"
