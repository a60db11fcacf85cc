"""Role x scope permission matrix over every endpoint of the service.

One row per endpoint (route + method), one column per subject, the expected HTTP status in
each cell (`MATRIX`):

* anonymous: 401 `not_authenticated` on every API endpoint; token authentication comes first
  in DEFAULT_AUTHENTICATION_CLASSES, so DRF answers 401 with `WWW-Authenticate: Token`. The
  landing page, the health check, the OpenAPI schema and the Swagger UI are public.
* viewer / contributor / quality_manager: members of `org`, the structure that owns every
  object the rows point at (but the library referential and its requirements, which belong
  to no structure and are readable by every signed-in user, never writable).
* outsider: quality manager of `other_org`. Every object of `org` is answered 404 `not_found`
  (detail routes, custom actions, downloads, exports) and never appears in a list; an id of
  `org` in a request body is answered 400 `validation_error`, exactly like an id that does not
  exist.
* A person's own things (in-app notifications, e-mail preferences) belong to no role: each
  signed-in subject lists and changes its own only, and another person's notification is
  answered 404 whatever the role, that of the quality manager of its structure included.

The router has no `.json` format-suffix routes: such a spelling of any route is answered 404
by URL resolution, before authentication, for every subject.

For every cell: a refused request (status >= 400) leaves every row of the database and every
object of the evidence store exactly as they were and answers the error format
{"error": {"code", "message", "request_id", ...}} with the stable code of its status; a
successful read (other than a download) writes nothing; a successful write (or download) has
its effect and leaves audit events by the acting user, but for the `PERSONAL` writes (a
person's own notifications marked read, their own preferences), which change that person's rows
only and leave no audit event.

`test_matrix_covers_every_route` fails when a route is added to `audit_prep.urls.router` (or a
top-level route to `audit_prep.urls.urlpatterns`) without rows here.
"""

import dataclasses
import datetime
import io
import os
import pathlib
import shutil
import string
import tempfile
from collections.abc import Callable

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import override_settings
from django.urls import URLPattern, URLResolver, resolve
from rest_framework.test import APIClient

from audit_prep import urls as project_urls
from audit_prep.models import AuditEvent, Membership, Organization, UserPreference
from audit_prep.roles import Role
from checklists import exports
from checklists.models import (
    Adoption,
    EvidenceLink,
    Exclusion,
    ReadinessSnapshot,
    Referential,
    Requirement,
)
from checklists.services import links, snapshots, tailoring
from evidence.models import EvidenceItem, EvidenceStatus, Revision, StoredFile, Tag
from notices.models import Notification, ReminderPolicy

from .checklists.conftest import make_referential
from .conftest import stored_objects, upload
from .factories import MembershipFactory, OrganizationFactory, UserFactory

PROOF = ("preuve.txt", b"Compte rendu de la revue de direction du 12 janvier 2026.\n")
OTHER_PROOF = ("voisin.txt", b"Compte rendu de la revue de direction du chantier voisin.\n")
NEW_PROOF = ("preuve-v2.txt", b"Compte rendu de la revue de direction, version corrigee.\n")
CREATE_PROOF = ("accueil.txt", b"Procedure d'accueil des salaries en insertion.\n")
OWN_LIST = ("exigences-auditeur.csv", b"ref_id;name_fr;documented_information\n"
            b"A1;Registre des accueils;enregistrement\nA2;Plan de formation;document\n")
PASSWORD = "correct horse battery staple"  # tests.factories.UserFactory
JUSTIFICATION = "Pas de conception : la structure met du personnel a disposition."
NEW_JUSTIFICATION = "Pas de conception de produits ni de services (revu en 2026)."
EXPORT_FORMATS = ("xlsx", "pdf", "csv")

SUBJECTS = ("anonymous", "viewer", "contributor", "quality_manager", "outsider")
SUBJECT_ROLES = {"viewer": Role.VIEWER, "contributor": Role.CONTRIBUTOR,
                 "quality_manager": Role.QUALITY_MANAGER, "outsider": None}
ERROR_CODES = {400: "validation_error", 401: "not_authenticated", 403: "permission_denied",
               404: "not_found", 405: "method_not_allowed"}
SNAPSHOT_MODELS = (Organization, Membership, AuditEvent, EvidenceItem, Revision, StoredFile, Tag,
                   EvidenceItem.tags.through, Referential, Requirement, Adoption, Exclusion,
                   EvidenceLink, ReadinessSnapshot, Notification, UserPreference, ReminderPolicy)
# Each person's e-mail preferences (language, reminders opt-out), all different where they can.
PREFERENCES = {"viewer": ("fr", True), "contributor": ("en", False),
               "quality_manager": ("fr", False), "outsider": ("en", False),
               "other_member": ("en", True)}
NEW_PREFERENCES = {"language": "en", "reminders_opt_out": True}
OTHER_POLICY = {"lead_days": [45, 15], "overdue_weekly": False, "escalate_after_days": 5}
DEFAULT_POLICY = {"lead_days": [60, 30, 7, 0], "overdue_weekly": True,
                  "escalate_after_days": 14}


# --- the objects -------------------------------------------------------------------------------


@dataclasses.dataclass
class World:
    org: Organization
    other_org: Organization
    users: dict  # subject -> user (None for anonymous), plus "other_member" of other_org
    ids: dict  # the placeholders of the paths: objects of `org`
    other_ids: dict  # the same objects in `other_org`
    media_root: object

    def client(self, subject: str, **options) -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="fr", **options)
        user = self.users[subject]
        if user is not None:
            client.force_authenticate(user)
        return client

    def org_ids(self, model) -> set[int]:
        return _ids_in(model, self.org)

    def other_org_ids(self, model) -> set[int]:
        return _ids_in(model, self.other_org)


def _ids_in(model, organization) -> set[int]:
    rows = model.objects.filter(**{model.scope_path: organization.pk})
    return set(rows.values_list("pk", flat=True))


def _evidence_with_file(client, organization, title, proof) -> dict:
    """An evidence item created through the API with one uploaded revision holding `proof`."""
    response = client.post(
        "/api/v1/evidence/",
        {"organization": organization.pk, "title": title, "kind": "document",
         "effective_date": "2026-01-15", "renewal_months": 12, "tags": ["revue"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    evidence_id = response.json()["id"]
    response = upload(client, evidence_id, proof, note="Version signee")
    assert response.status_code == 201, response.content
    revision = response.json()
    return {"evidence": evidence_id, "revision": revision["id"],
            "file": revision["files"][0]["id"]}


def _checklists_of(organization, user, evidence_id, library) -> dict:
    """A structure's side of the checklists, built through the services: its own list (two
    requirements; the list is adopted on first use), an adoption of the `library` referential,
    an exclusion of one own requirement, a link from its evidence to the other one, and a
    readiness snapshot of the adoption. Exclusion and link point at the structure's own list,
    so that filtering on those requirement ids would reveal something if it were not scoped."""
    tailoring.upsert_own_requirements(user, organization, [
        {"ref_id": "P1", "name_fr": "Registre des entrees et sorties"},
        {"ref_id": "P2", "name_fr": "Conception de produits"}])
    own = Referential.objects.get(organization=organization)
    linked, excluded = (Requirement.objects.get(referential=own, ref_id=ref_id)
                        for ref_id in ("P1", "P2"))
    adoption = tailoring.adopt(user, organization, library, datetime.date(2027, 3, 15))
    exclusion = tailoring.exclude(user, organization, excluded, JUSTIFICATION)
    [link] = links.link_many(user, [EvidenceItem.objects.get(pk=evidence_id)], [linked])
    return {"referential": own.pk, "requirement": linked.pk, "excluded": excluded.pk,
            "adoption": adoption.pk, "exclusion": exclusion.pk, "link": link.pk,
            "snapshot": snapshots.take(user, adoption).pk}


def _build_world(store) -> dict:
    org = OrganizationFactory(name="AI du Val", slug="ai-du-val")
    other_org = OrganizationFactory(name="Chantier voisin", slug="chantier-voisin")

    def member(username, role, organization=org):
        return MembershipFactory(organization=organization, role=role,
                                 user=UserFactory(username=username)).user

    qm = member("qualite", Role.QUALITY_MANAGER)
    viewer = member("lecteur", Role.VIEWER)
    contributor = member("contributrice", Role.CONTRIBUTOR)
    outsider = member("voisin", Role.QUALITY_MANAGER, other_org)
    other_member = member("voisine", Role.CONTRIBUTOR, other_org)
    # The membership the membership rows change or delete: nobody's own.
    target = member("membre", Role.VIEWER).memberships.get()
    UserFactory(username="nouvelle")  # an account without any membership, to be added

    def client(user):
        api = APIClient()
        api.force_authenticate(user)
        return api

    ids = _evidence_with_file(client(qm), org, "Revue de direction 2026", PROOF)
    other_ids = _evidence_with_file(client(outsider), other_org, "Revue du voisin",
                                    OTHER_PROOF)
    assert len(stored_objects(store)) == 2
    # The library (no organization): ISO 9001 adopted by both structures, ISO 14001 by none.
    library, requirements = make_referential()
    unadopted, _ = make_referential(code="iso14001", clauses=[
        ("4", None, [], None), ("4.1", "4", [], None)])
    shared = {"library_referential": library.pk, "unadopted_referential": unadopted.pk,
              "library_requirement": requirements["6.2.1"].pk}  # neither linked nor excluded
    ids.update(shared, **_checklists_of(org, qm, ids["evidence"], library))
    other_ids.update(shared, **_checklists_of(other_org, outsider, other_ids["evidence"],
                                              library))
    ids.update(org=org.pk, membership=target.pk,
               event=AuditEvent.objects.filter(organization=org).latest("id").pk)
    other_ids.update(org=other_org.pk,
                     membership=other_member.memberships.get().pk,
                     event=AuditEvent.objects.filter(organization=other_org).latest("id").pk)
    users = {"viewer": viewer.pk, "contributor": contributor.pk, "quality_manager": qm.pk,
             "outsider": outsider.pk, "other_member": other_member.pk}
    # One unread notification per person, in their structure: a list shows exactly one's own,
    # and the rows of one notification act on the viewer's (another person's for the others).
    notifications = {
        name: Notification.objects.create(
            user_id=pk, organization=other_org if name in ("outsider", "other_member") else org,
            kind="reminder_digest", title=f"1 preuve a renouveler ({name})").pk
        for name, pk in users.items()}
    ids["notification"], other_ids["notification"] = (notifications["viewer"],
                                                      notifications["outsider"])
    # Everyone's preferences exist already (a first GET creates them otherwise: that is covered
    # by tests/workers/test_reminders.py), so that a read writes nothing.
    for name, (language, opt_out) in PREFERENCES.items():
        UserPreference.objects.create(user_id=users[name], language=language,
                                      reminders_opt_out=opt_out)
    # org keeps the default reminder policy (no row: a PATCH creates it); other_org has its own.
    ReminderPolicy.objects.create(organization=other_org, **OTHER_POLICY)
    return {"org": org.pk, "other_org": other_org.pk, "users": users, "ids": ids,
            "other_ids": other_ids}


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The objects, built once for the module inside a transaction rolled back at its end.
    Each test runs in its own savepoint (pytest-django's `db`), so every test starts from
    exactly this state; building it per test would take most of the time budget."""
    store = tmp_path_factory.mktemp("matrix-store")
    storages = {**django_settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(store), "allow_overwrite": True},
    }}
    with django_db_blocker.unblock(), override_settings(STORAGES=storages), \
            transaction.atomic():
        yield {**_build_world(store), "store": store}
        transaction.set_rollback(True)


# Creating a store's directories on disk takes a good part of a test's own time: each test's
# copy of the store goes to memory where there is a tmpfs.
_FAST_TMP = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None


@pytest.fixture
def media_root(built_world, settings):
    """This test's evidence store (overrides tests.conftest.media_root): a copy of the one the
    module's objects were built with."""
    root = pathlib.Path(tempfile.mkdtemp(prefix="matrix-", dir=_FAST_TMP)) / "store"
    shutil.copytree(built_world["store"], root)
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(root), "allow_overwrite": True},
    }}
    yield root
    shutil.rmtree(root.parent, ignore_errors=True)


@pytest.fixture
def world(built_world, db, media_root):
    """This test's view of the objects, with its own copy of the store (`media_root`); users
    and structures are fetched again, so that nothing is carried over between tests (such as
    the grants `access` memoises on user objects)."""
    pks = built_world["users"]
    by_pk = get_user_model().objects.in_bulk(pks.values())
    return World(
        org=Organization.objects.get(pk=built_world["org"]),
        other_org=Organization.objects.get(pk=built_world["other_org"]),
        users={"anonymous": None, **{subject: by_pk[pk] for subject, pk in pks.items()}},
        ids=dict(built_world["ids"]), other_ids=dict(built_world["other_ids"]),
        media_root=media_root,
    )


def snapshot(world: World) -> dict:
    """Every row of every table the API writes to (every column, as the database holds it: read
    with plain SQL, ten times faster than through the ORM's converters), and every object in
    the store."""
    quote = connection.ops.quote_name
    state = {}
    with connection.cursor() as cursor:
        for model in SNAPSHOT_MODELS:
            meta = model._meta
            cursor.execute(f"SELECT * FROM {quote(meta.db_table)} ORDER BY {quote(meta.pk.column)}")
            columns = [column[0] for column in cursor.description]
            state[model.__name__] = [dict(zip(columns, row, strict=True))
                                     for row in cursor.fetchall()]
    state["store"] = stored_objects(world.media_root)
    return state


# --- the endpoints -----------------------------------------------------------------------------


def _multipart_file(name: str, data: bytes):
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def _org_put(w):
    return {"name": "AI du Val (modifiee)", "slug": "ai-du-val", "siret": "", "kind": "aci",
            "region": "Bretagne"}


def _evidence_create(w):
    return {"organization": w.org.pk, "title": "Procedure d'accueil", "kind": "document",
            "effective_date": "2026-03-01", "tags": ["accueil"]}


def _evidence_create_with_file(w):
    return {**_evidence_create(w), "tags": "accueil", "files": [_multipart_file(*CREATE_PROOF)]}


def _evidence_put(w):
    return {"title": "Revue de direction 2026 (v2)", "description": "Complet",
            "kind": "document", "effective_date": "2026-02-01", "renewal_months": 24,
            "tags": ["revue", "direction"]}


def _new_proof(w):
    return {"files": [_multipart_file(*NEW_PROOF)], "note": "Correction"}


def _own_requirement(w):
    return {"organization": w.org.pk, "ref_id": "P3", "name_fr": "Livret d'accueil",
            "documented_information": ["maintain"], "renewal_months": 12}


def _own_list(w):
    return {"organization": w.org.pk, "file": _multipart_file(*OWN_LIST)}


def _adoption_create(w):
    return {"organization": w.org.pk, "referential": w.ids["unadopted_referential"],
            "target_audit_date": "2027-09-30"}


def _exclusion_create(w):
    return {"organization": w.org.pk, "requirement": w.ids["library_requirement"],
            "justification": JUSTIFICATION}


def _link_create(w):
    return {"evidence": w.ids["evidence"], "requirement": w.ids["library_requirement"],
            "note": "Objectifs 2026"}


def _bulk_link(w):
    # The second pair is already linked in the world: left as it is.
    return {"evidence": [w.ids["evidence"]],
            "requirements": [w.ids["library_requirement"], w.ids["requirement"]]}


def _invalid_evidence(w):
    return {"organization": w.org.pk, "title": "", "kind": "unknown"}


def _invalid_own_list(w):
    return {"organization": w.org.pk}  # no file


# Writes without an object, each with a body its serializer refuses (route, path, body,
# multipart): a role that may not write is refused (403) before the body is read for errors.
INVALID_WRITES = (
    ("organization-list", "/api/v1/organizations/", lambda w: {"kind": "unknown"}, False),
    ("membership-list", "/api/v1/memberships/",
     lambda w: {"organization": w.org.pk, "user": "personne", "role": "king"}, False),
    ("evidence-list", "/api/v1/evidence/", _invalid_evidence, False),
    ("requirement-list", "/api/v1/requirements/",
     lambda w: {"organization": w.org.pk, "ref_id": ""}, False),
    ("requirement-import-list", "/api/v1/requirements/import/", _invalid_own_list, True),
    ("adoption-list", "/api/v1/adoptions/",
     lambda w: {"organization": w.org.pk, "referential": "x"}, False),
    ("exclusion-list", "/api/v1/exclusions/", lambda w: {"organization": w.org.pk}, False),
    ("link-list", "/api/v1/links/", lambda w: {"evidence": w.ids["evidence"]}, False),
    ("link-bulk", "/api/v1/links/bulk/",
     lambda w: {"evidence": [w.ids["evidence"]], "requirements": []}, False),
)


@dataclasses.dataclass(frozen=True)
class Endpoint:
    route: str  # URL name as registered (router "<basename>-<suffix>" or urlpatterns name)
    method: str
    path: str  # formatted with World.ids
    variant: str = ""  # tells two rows of the same route and method apart
    data: Callable | None = None  # World -> request body
    multipart: bool = False
    listing: type | None = None  # the model a list shows: org's objects visible (or not)
    only: str | None = None  # a nested list: the key in World.ids of its only item

    @property
    def key(self) -> str:
        return " ".join(filter(None, (self.route, self.method, self.variant)))

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/v1/")

    def request(self, client, w: World, path: str | None = None, method: str | None = None):
        call = getattr(client, (method or self.method).lower())
        path = path or self.path.format(**w.ids)
        if self.data is None:
            return call(path)
        return call(path, self.data(w), format="multipart" if self.multipart else "json")


_ENDPOINTS = [
    Endpoint("api-root", "GET", "/api/v1/"),
    # organizations
    Endpoint("organization-list", "GET", "/api/v1/organizations/", listing=Organization),
    Endpoint("organization-detail", "GET", "/api/v1/organizations/{org}/"),
    Endpoint("organization-list", "POST", "/api/v1/organizations/",
             data=lambda w: {"name": "Nouvelle structure", "slug": "nouvelle", "kind": "ei"}),
    Endpoint("organization-detail", "PATCH", "/api/v1/organizations/{org}/",
             data=lambda w: {"region": "Bretagne"}),
    Endpoint("organization-detail", "PUT", "/api/v1/organizations/{org}/", data=_org_put),
    # memberships
    Endpoint("membership-list", "GET", "/api/v1/memberships/", listing=Membership),
    Endpoint("membership-detail", "GET", "/api/v1/memberships/{membership}/"),
    Endpoint("membership-list", "POST", "/api/v1/memberships/",
             data=lambda w: {"organization": w.org.pk, "user": "nouvelle", "role": "viewer"}),
    Endpoint("membership-detail", "PATCH", "/api/v1/memberships/{membership}/",
             data=lambda w: {"role": Role.CONTRIBUTOR}),
    Endpoint("membership-detail", "PUT", "/api/v1/memberships/{membership}/",
             data=lambda w: {"role": Role.CONTRIBUTOR}),
    Endpoint("membership-detail", "DELETE", "/api/v1/memberships/{membership}/"),
    # the audit trail
    Endpoint("auditevent-list", "GET", "/api/v1/audit-events/", listing=AuditEvent),
    Endpoint("auditevent-detail", "GET", "/api/v1/audit-events/{event}/"),
    # evidence
    Endpoint("evidence-list", "GET", "/api/v1/evidence/", listing=EvidenceItem),
    Endpoint("evidence-detail", "GET", "/api/v1/evidence/{evidence}/"),
    Endpoint("evidence-list", "POST", "/api/v1/evidence/", data=_evidence_create),
    Endpoint("evidence-list", "POST", "/api/v1/evidence/", "with file",
             data=_evidence_create_with_file, multipart=True),
    Endpoint("evidence-detail", "PATCH", "/api/v1/evidence/{evidence}/",
             data=lambda w: {"title": "Revue de direction 2026 (v2)",
                             "tags": ["revue", "direction"]}),
    Endpoint("evidence-detail", "PUT", "/api/v1/evidence/{evidence}/", data=_evidence_put),
    Endpoint("evidence-submit", "POST", "/api/v1/evidence/{evidence}/submit/"),
    Endpoint("evidence-approve", "POST", "/api/v1/evidence/{evidence}/approve/"),
    Endpoint("evidence-archive", "POST", "/api/v1/evidence/{evidence}/archive/",
             data=lambda w: {"reason": "Remplacee par la revue 2027"}),
    Endpoint("evidence-revisions", "GET", "/api/v1/evidence/{evidence}/revisions/",
             listing=Revision, only="revision"),
    Endpoint("evidence-revisions", "POST", "/api/v1/evidence/{evidence}/revisions/",
             data=_new_proof, multipart=True),
    # revisions and files
    Endpoint("revision-list", "GET", "/api/v1/revisions/", listing=Revision),
    Endpoint("revision-detail", "GET", "/api/v1/revisions/{revision}/"),
    Endpoint("storedfile-detail", "GET", "/api/v1/files/{file}/"),
    Endpoint("storedfile-download", "GET", "/api/v1/files/{file}/download/"),
    # referentials: the library and the structures' own lists (read-only)
    Endpoint("referential-list", "GET", "/api/v1/referentials/", listing=Referential),
    Endpoint("referential-detail", "GET", "/api/v1/referentials/{referential}/"),
    Endpoint("referential-detail", "GET", "/api/v1/referentials/{library_referential}/",
             "library"),
    # requirements
    Endpoint("requirement-list", "GET", "/api/v1/requirements/", listing=Requirement),
    Endpoint("requirement-detail", "GET", "/api/v1/requirements/{requirement}/"),
    Endpoint("requirement-detail", "GET", "/api/v1/requirements/{library_requirement}/",
             "library"),
    Endpoint("requirement-list", "POST", "/api/v1/requirements/", data=_own_requirement),
    Endpoint("requirement-import-list", "POST", "/api/v1/requirements/import/",
             data=_own_list, multipart=True),
    # adoptions and their checklist
    Endpoint("adoption-list", "GET", "/api/v1/adoptions/", listing=Adoption),
    Endpoint("adoption-detail", "GET", "/api/v1/adoptions/{adoption}/"),
    Endpoint("adoption-list", "POST", "/api/v1/adoptions/", data=_adoption_create),
    Endpoint("adoption-detail", "PATCH", "/api/v1/adoptions/{adoption}/",
             data=lambda w: {"warning_days": 60}),
    Endpoint("adoption-detail", "PUT", "/api/v1/adoptions/{adoption}/",
             data=lambda w: {"target_audit_date": "2027-06-30", "warning_days": 45}),
    Endpoint("adoption-checklist", "GET", "/api/v1/adoptions/{adoption}/checklist/"),
    *(Endpoint("adoption-export", "GET", f"/api/v1/adoptions/{{adoption}}/checklist/export/{fmt}/",
               fmt) for fmt in EXPORT_FORMATS),
    Endpoint("adoption-snapshots", "GET", "/api/v1/adoptions/{adoption}/snapshots/",
             listing=ReadinessSnapshot, only="snapshot"),
    Endpoint("adoption-snapshots", "POST", "/api/v1/adoptions/{adoption}/snapshots/"),
    # exclusions
    Endpoint("exclusion-list", "GET", "/api/v1/exclusions/", listing=Exclusion),
    Endpoint("exclusion-detail", "GET", "/api/v1/exclusions/{exclusion}/"),
    Endpoint("exclusion-list", "POST", "/api/v1/exclusions/", data=_exclusion_create),
    Endpoint("exclusion-detail", "PATCH", "/api/v1/exclusions/{exclusion}/",
             data=lambda w: {"justification": NEW_JUSTIFICATION}),
    Endpoint("exclusion-detail", "PUT", "/api/v1/exclusions/{exclusion}/",
             data=lambda w: {"justification": NEW_JUSTIFICATION}),
    Endpoint("exclusion-detail", "DELETE", "/api/v1/exclusions/{exclusion}/"),
    # links from evidence to requirements
    Endpoint("link-list", "GET", "/api/v1/links/", listing=EvidenceLink),
    Endpoint("link-detail", "GET", "/api/v1/links/{link}/"),
    Endpoint("link-list", "POST", "/api/v1/links/", data=_link_create),
    Endpoint("link-detail", "DELETE", "/api/v1/links/{link}/"),
    Endpoint("link-bulk", "POST", "/api/v1/links/bulk/", data=_bulk_link),
    # writes without an object, with a body that does not validate: the role is checked first
    *(Endpoint(route, "POST", path, "invalid body", data=data, multipart=multipart)
      for route, path, data, multipart in INVALID_WRITES),
    # a person's own notifications; the detail rows act on the viewer's
    Endpoint("notification-list", "GET", "/api/v1/notifications/"),
    Endpoint("notification-detail", "GET", "/api/v1/notifications/{notification}/"),
    Endpoint("notification-read", "POST", "/api/v1/notifications/{notification}/read/"),
    Endpoint("notification-read-all", "POST", "/api/v1/notifications/read-all/"),
    # reminder policies, by structure id (org has none saved: the defaults)
    Endpoint("reminderpolicy-list", "GET", "/api/v1/reminder-policies/"),
    Endpoint("reminderpolicy-detail", "GET", "/api/v1/reminder-policies/{org}/"),
    Endpoint("reminderpolicy-detail", "PATCH", "/api/v1/reminder-policies/{org}/",
             data=lambda w: {"lead_days": [14, 90], "escalate_after_days": 3}),
    Endpoint("reminderpolicy-detail", "PUT", "/api/v1/reminder-policies/{org}/",
             data=lambda w: {**DEFAULT_POLICY, "lead_days": [14, 90]}),
    # outside the router
    Endpoint("me", "GET", "/api/v1/me/"),
    Endpoint("me-preferences", "GET", "/api/v1/me/preferences/"),
    Endpoint("me-preferences", "PATCH", "/api/v1/me/preferences/",
             data=lambda w: NEW_PREFERENCES),
    Endpoint("schema", "GET", "/api/schema/"),
    Endpoint("swagger-ui", "GET", "/api/docs/"),
    Endpoint("home", "GET", "/"),
    Endpoint("healthz", "GET", "/healthz"),
    Endpoint("readyz", "GET", "/readyz"),
]
ENDPOINTS = {endpoint.key: endpoint for endpoint in _ENDPOINTS}

# fmt: off
MATRIX = {
    # endpoint                          anonymous viewer contributor quality_manager outsider
    "api-root GET":                         (401,  200,   200,        200,            200),
    "organization-list GET":                (401,  200,   200,        200,            200),
    "organization-detail GET":              (401,  200,   200,        200,            404),
    "organization-list POST":               (401,  201,   201,        201,            201),
    "organization-detail PATCH":            (401,  403,   403,        200,            404),
    "organization-detail PUT":              (401,  403,   403,        200,            404),
    "membership-list GET":                  (401,  200,   200,        200,            200),
    "membership-detail GET":                (401,  200,   200,        200,            404),
    "membership-list POST":                 (401,  403,   403,        201,            400),
    "membership-detail PATCH":              (401,  403,   403,        200,            404),
    "membership-detail PUT":                (401,  403,   403,        200,            404),
    "membership-detail DELETE":             (401,  403,   403,        204,            404),
    "auditevent-list GET":                  (401,  200,   200,        200,            200),
    "auditevent-detail GET":                (401,  404,   404,        200,            404),
    "evidence-list GET":                    (401,  200,   200,        200,            200),
    "evidence-detail GET":                  (401,  200,   200,        200,            404),
    "evidence-list POST":                   (401,  403,   201,        201,            400),
    "evidence-list POST with file":         (401,  403,   201,        201,            400),
    "evidence-detail PATCH":                (401,  403,   200,        200,            404),
    "evidence-detail PUT":                  (401,  403,   200,        200,            404),
    "evidence-submit POST":                 (401,  403,   200,        200,            404),
    "evidence-approve POST":                (401,  403,   403,        200,            404),
    "evidence-archive POST":                (401,  403,   403,        200,            404),
    "evidence-revisions GET":               (401,  200,   200,        200,            404),
    "evidence-revisions POST":              (401,  403,   201,        201,            404),
    "revision-list GET":                    (401,  200,   200,        200,            200),
    "revision-detail GET":                  (401,  200,   200,        200,            404),
    "storedfile-detail GET":                (401,  200,   200,        200,            404),
    "storedfile-download GET":              (401,  200,   200,        200,            404),
    "referential-list GET":                 (401,  200,   200,        200,            200),
    "referential-detail GET":               (401,  200,   200,        200,            404),
    "referential-detail GET library":       (401,  200,   200,        200,            200),
    "requirement-list GET":                 (401,  200,   200,        200,            200),
    "requirement-detail GET":               (401,  200,   200,        200,            404),
    "requirement-detail GET library":       (401,  200,   200,        200,            200),
    "requirement-list POST":                (401,  403,   403,        201,            400),
    "requirement-import-list POST":         (401,  403,   403,        201,            400),
    "adoption-list GET":                    (401,  200,   200,        200,            200),
    "adoption-detail GET":                  (401,  200,   200,        200,            404),
    "adoption-list POST":                   (401,  403,   403,        201,            400),
    "adoption-detail PATCH":                (401,  403,   403,        200,            404),
    "adoption-detail PUT":                  (401,  403,   403,        200,            404),
    "adoption-checklist GET":               (401,  200,   200,        200,            404),
    "adoption-export GET xlsx":             (401,  200,   200,        200,            404),
    "adoption-export GET pdf":              (401,  200,   200,        200,            404),
    "adoption-export GET csv":              (401,  200,   200,        200,            404),
    "adoption-snapshots GET":               (401,  200,   200,        200,            404),
    "adoption-snapshots POST":              (401,  403,   201,        201,            404),
    "exclusion-list GET":                   (401,  200,   200,        200,            200),
    "exclusion-detail GET":                 (401,  200,   200,        200,            404),
    "exclusion-list POST":                  (401,  403,   403,        201,            400),
    "exclusion-detail PATCH":               (401,  403,   403,        200,            404),
    "exclusion-detail PUT":                 (401,  403,   403,        200,            404),
    "exclusion-detail DELETE":              (401,  403,   403,        204,            404),
    "link-list GET":                        (401,  200,   200,        200,            200),
    "link-detail GET":                      (401,  200,   200,        200,            404),
    "link-list POST":                       (401,  403,   201,        201,            400),
    "link-detail DELETE":                   (401,  403,   204,        204,            404),
    "link-bulk POST":                       (401,  403,   201,        201,            400),
    # invalid bodies: 403 wherever the role does not allow the write, before validation
    "organization-list POST invalid body":  (401,  400,   400,        400,            400),
    "membership-list POST invalid body":    (401,  403,   403,        400,            400),
    "evidence-list POST invalid body":      (401,  403,   400,        400,            400),
    "requirement-list POST invalid body":   (401,  403,   403,        400,            400),
    "requirement-import-list POST invalid body": (401, 403, 403,      400,            400),
    "adoption-list POST invalid body":      (401,  403,   403,        400,            400),
    "exclusion-list POST invalid body":     (401,  403,   403,        400,            400),
    "link-list POST invalid body":          (401,  403,   400,        400,            400),
    "link-bulk POST invalid body":          (401,  403,   400,        400,            400),
    "notification-list GET":                (401,  200,   200,        200,            200),
    # the viewer's notification: 404 for anyone else, its structure's quality manager included
    "notification-detail GET":              (401,  200,   404,        404,            404),
    "notification-read POST":               (401,  200,   404,        404,            404),
    "notification-read-all POST":           (401,  200,   200,        200,            200),
    "reminderpolicy-list GET":              (401,  200,   200,        200,            200),
    "reminderpolicy-detail GET":            (401,  200,   200,        200,            404),
    "reminderpolicy-detail PATCH":          (401,  403,   403,        200,            404),
    # reminder policies are changed with PATCH only
    "reminderpolicy-detail PUT":            (401,  405,   405,        405,            405),
    "me GET":                               (401,  200,   200,        200,            200),
    "me-preferences GET":                   (401,  200,   200,        200,            200),
    "me-preferences PATCH":                 (401,  200,   200,        200,            200),
    "schema GET":                           (200,  200,   200,        200,            200),
    "swagger-ui GET":                       (200,  200,   200,        200,            200),
    "home GET":                             (200,  200,   200,        200,            200),
    "healthz GET":                          (200,  200,   200,        200,            200),
    "readyz GET":                           (200,  200,   200,        200,            200),
}
# fmt: on

# (endpoint, subject) -> reason, for cells that document a known bug with a strict xfail.
KNOWN_BUGS: dict[tuple[str, str], str] = {}


def _marks(name: str, subject: str) -> list:
    reason = KNOWN_BUGS.get((name, subject))
    return [pytest.mark.xfail(strict=True, reason=reason)] if reason else []


# --- what a successful write must have done ----------------------------------------------------


def _created_org(w, response, user):
    membership = Membership.objects.get(organization_id=response.json()["id"], user=user)
    assert membership.role == Role.QUALITY_MANAGER
    assert response.json()["my_role"] == Role.QUALITY_MANAGER


def _created_evidence(files):
    def check(w, response, user):
        evidence = EvidenceItem.objects.get(pk=response.json()["id"])
        assert (evidence.organization_id, evidence.created_by_id) == (w.org.pk, user.pk)
        names = set(StoredFile.objects.filter(revision__evidence=evidence)
                    .values_list("name", flat=True))
        assert names == files
    return check


def _evidence_is(**fields):
    def check(w, response, user):
        evidence = EvidenceItem.objects.get(pk=w.ids["evidence"])
        for name, value in fields.items():
            value = user.pk if value == "<actor>" else value
            assert getattr(evidence, name) == value, name
    return check


def _role_of_target_is(role):
    def check(w, response, user):
        assert Membership.objects.get(pk=w.ids["membership"]).role == role
    return check


def _new_revision(w, response, user):
    assert response.json()["number"] == 2
    assert [f["name"] for f in response.json()["files"]] == [NEW_PROOF[0]]
    assert Revision.objects.filter(evidence_id=w.ids["evidence"]).count() == 2


def _downloaded(w, response, user):
    assert b"".join(response.streaming_content) == PROOF[1]
    assert response["Content-Disposition"].startswith("attachment")
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.object_id) == ("file.download", str(w.ids["file"]))


def _org_is(**fields):
    def check(w, response, user):
        organization = Organization.objects.get(pk=w.org.pk)
        assert {name: getattr(organization, name) for name in fields} == fields
    return check


def _member_added(w, response, user):
    assert Membership.objects.get(organization=w.org, user__username="nouvelle").role == \
        Role.VIEWER


def _member_removed(w, response, user):
    assert not Membership.objects.filter(pk=w.ids["membership"]).exists()


def _own_requirement_added(w, response, user):
    requirement = Requirement.objects.get(referential__organization=w.org, ref_id="P3")
    assert response.json()["id"] == requirement.pk
    assert (requirement.referential_id, requirement.documented_information) == (
        w.ids["referential"], ["maintain"])


def _own_list_imported(w, response, user):
    assert response.json() == {"added": 2, "changed": 0, "rows": 2}
    ref_ids = Requirement.objects.filter(referential_id=w.ids["referential"]).values_list(
        "ref_id", flat=True)
    assert set(ref_ids) == {"P1", "P2", "A1", "A2"}


def _adopted(w, response, user):
    adoption = Adoption.objects.get(organization=w.org, referential=w.ids["unadopted_referential"])
    assert response.json()["id"] == adoption.pk
    assert (adoption.adopted_by_id, adoption.target_audit_date) == (
        user.pk, datetime.date(2027, 9, 30))


def _adoption_is(**fields):
    def check(w, response, user):
        adoption = Adoption.objects.get(pk=w.ids["adoption"])
        assert {name: getattr(adoption, name) for name in fields} == fields
    return check


_EXPORT_MAGIC = {"xlsx": b"PK\x03\x04", "pdf": b"%PDF-", "csv": b"\xef\xbb\xbf"}


def _exported(fmt):
    def check(w, response, user):
        assert response["Content-Type"] == exports.EXPORTERS[fmt][1]
        assert response["Content-Disposition"].startswith("attachment")
        assert response.content.startswith(_EXPORT_MAGIC[fmt])
        event = AuditEvent.objects.latest("id")
        assert (event.action, event.object_id, event.organization_id) == (
            "checklist.export", str(w.ids["adoption"]), w.org.pk)
        assert event.after["format"] == fmt
    return check


def _snapshot_taken(w, response, user):
    snapshot = ReadinessSnapshot.objects.get(pk=response.json()["id"])
    assert (snapshot.organization_id, snapshot.taken_by_id) == (w.org.pk, user.pk)
    assert snapshot.referential_id == w.ids["library_referential"]


def _excluded(w, response, user):
    exclusion = Exclusion.objects.get(organization=w.org,
                                          requirement=w.ids["library_requirement"])
    assert (exclusion.justification, exclusion.decided_by_id) == (JUSTIFICATION, user.pk)


def _exclusion_rejustified(w, response, user):
    exclusion = Exclusion.objects.get(pk=w.ids["exclusion"])
    assert (exclusion.justification, exclusion.decided_by_id) == (NEW_JUSTIFICATION, user.pk)
    assert exclusion.requirement_id == w.ids["excluded"]


def _exclusion_withdrawn(w, response, user):
    assert not Exclusion.objects.filter(pk=w.ids["exclusion"]).exists()


def _linked(*requirements):
    def check(w, response, user):
        pairs = set(EvidenceLink.objects.filter(evidence=w.ids["evidence"]).values_list(
            "requirement_id", "created_by_id"))
        assert pairs == {(w.ids["requirement"], w.users["quality_manager"].pk)} | {
            (w.ids[key], user.pk) for key in requirements}
    return check


def _bulk_linked(w, response, user):
    assert response.json() == {"created": 1}  # the pair already linked is left as it is
    _linked("library_requirement")(w, response, user)


def _unlinked(w, response, user):
    assert not EvidenceLink.objects.filter(pk=w.ids["link"]).exists()


def _policy_changed(w, response, user):
    assert response.json() == {**DEFAULT_POLICY, "organization": w.org.pk,
                               "lead_days": [90, 14], "escalate_after_days": 3}
    policy = ReminderPolicy.objects.get(organization=w.org)
    assert (policy.lead_days, policy.escalate_after_days) == ([90, 14], 3)
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.organization_id) == ("reminder_policy.update", w.org.pk)
    assert (event.before["lead_days"], event.after["lead_days"]) == ([60, 30, 7, 0], [90, 14])


def _notification_read(w, response, user):
    assert response.json()["id"] == w.ids["notification"] and response.json()["read_at"]
    assert Notification.objects.get(pk=w.ids["notification"]).read_at is not None


def _all_notifications_read(w, response, user):
    assert response.json() == {"updated": 1}  # each person has one unread in the world
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()


def _preferences_changed(w, response, user):
    assert response.json() == {**NEW_PREFERENCES, "email_refused": ""}
    preference = UserPreference.objects.get(user=user)
    assert (preference.language, preference.reminders_opt_out) == ("en", True)


EFFECTS = {
    "organization-list POST": _created_org,
    "organization-detail PATCH": _org_is(region="Bretagne", name="AI du Val"),
    "organization-detail PUT": _org_is(region="Bretagne", name="AI du Val (modifiee)",
                                       kind="aci"),
    "membership-list POST": _member_added,
    "membership-detail PATCH": _role_of_target_is(Role.CONTRIBUTOR),
    "membership-detail PUT": _role_of_target_is(Role.CONTRIBUTOR),
    "membership-detail DELETE": _member_removed,
    "evidence-list POST": _created_evidence(files=set()),
    "evidence-list POST with file": _created_evidence(files={CREATE_PROOF[0]}),
    "evidence-detail PATCH": _evidence_is(title="Revue de direction 2026 (v2)"),
    "evidence-detail PUT": _evidence_is(effective_date=datetime.date(2026, 2, 1),
                                        valid_until=datetime.date(2028, 2, 1)),
    "evidence-submit POST": _evidence_is(status=EvidenceStatus.IN_REVIEW),
    "evidence-approve POST": _evidence_is(status=EvidenceStatus.APPROVED,
                                          approved_by_id="<actor>"),
    "evidence-archive POST": _evidence_is(status=EvidenceStatus.ARCHIVED,
                                          archive_reason="Remplacee par la revue 2027"),
    "evidence-revisions POST": _new_revision,
    "storedfile-download GET": _downloaded,
    "requirement-list POST": _own_requirement_added,
    "requirement-import-list POST": _own_list_imported,
    "adoption-list POST": _adopted,
    "adoption-detail PATCH": _adoption_is(warning_days=60,
                                          target_audit_date=datetime.date(2027, 3, 15)),
    "adoption-detail PUT": _adoption_is(warning_days=45,
                                        target_audit_date=datetime.date(2027, 6, 30)),
    **{f"adoption-export GET {fmt}": _exported(fmt) for fmt in EXPORT_FORMATS},
    "adoption-snapshots POST": _snapshot_taken,
    "exclusion-list POST": _excluded,
    "exclusion-detail PATCH": _exclusion_rejustified,
    "exclusion-detail PUT": _exclusion_rejustified,
    "exclusion-detail DELETE": _exclusion_withdrawn,
    "link-list POST": _linked("library_requirement"),
    "link-detail DELETE": _unlinked,
    "link-bulk POST": _bulk_linked,
    "reminderpolicy-detail PATCH": _policy_changed,
    "notification-read POST": _notification_read,
    "notification-read-all POST": _all_notifications_read,
    "me-preferences PATCH": _preferences_changed,
}
STORING = {"evidence-list POST with file", "evidence-revisions POST"}
# Writes to a person's own things that change nothing of a structure's records: marking one's
# own notifications read, one's own e-mail language and reminder opt-out. They are not auditable
# changes and leave no audit event (the calendar token, a secret, is audited: see
# tests/checklists/test_calendar.py). Like reads they must leave everything else as it was:
# only the acting person's rows of the table named here may change.
PERSONAL = {"notification-read POST": Notification, "notification-read-all POST": Notification,
            "me-preferences PATCH": UserPreference}
# Reads that leave a trace in the audit trail: they are checked like writes.
AUDITED_READS = {"storedfile-download", "adoption-export"}


# --- the checks --------------------------------------------------------------------------------


def _cases():
    for name, statuses in MATRIX.items():
        for subject, expected in zip(SUBJECTS, statuses, strict=True):
            yield pytest.param(name, subject, expected, marks=_marks(name, subject),
                               id=f"{name.replace(' ', '_')}-{subject}-{expected}")


def _assert_error(response, status: int) -> None:
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert error["code"] == ERROR_CODES[status], error
    assert isinstance(error["message"], str) and error["message"], error
    assert error["request_id"] == response["X-Request-ID"], error
    assert set(error) <= {"code", "message", "request_id", "fields", "details"}, error
    assert bool(error.get("fields")) == (status == 400), error
    if status == 401:
        assert response["WWW-Authenticate"] == "Token"


def _library_ids(model) -> set[int]:
    """Rows of no structure, readable by every signed-in user (models that allow them)."""
    if not getattr(model, "scope_shared_when_unowned", False):
        return set()
    rows = model.objects.filter(**{f"{model.scope_path}__isnull": True})
    return set(rows.values_list("pk", flat=True))


def _check_listing(endpoint: Endpoint, w: World, subject: str, response) -> None:
    body = response.json()
    listed = {item["id"] for item in body["results"]}
    assert body["count"] == len(listed)  # everything on the first page
    mine, theirs = w.org_ids(endpoint.listing), w.other_org_ids(endpoint.listing)
    assert mine and theirs  # the world holds such objects on both sides
    assert _library_ids(endpoint.listing) <= listed, "the library is for every signed-in user"
    if endpoint.only is not None:
        assert listed == {w.ids[endpoint.only]}
    elif endpoint.listing is AuditEvent and subject in ("viewer", "contributor"):
        assert listed == set()  # the audit trail is for quality managers only
    elif subject == "outsider":
        assert not listed & mine, f"{endpoint.listing.__name__} of org leaked to the outsider"
        assert theirs <= listed
    else:
        assert mine <= listed
        assert not listed & theirs, f"{endpoint.listing.__name__} of other_org leaked"


def _placeholders(path: str) -> list[str]:
    return [name for _text, name, _spec, _conv in string.Formatter().parse(path) if name]


def _is_html(response) -> None:
    assert response["Content-Type"].startswith("text/html")


def _is_schema(response) -> None:
    assert response.content.startswith(b"openapi: 3")


def _is_alive(response) -> None:
    assert response.json() == {"status": "ok"}


def _is_ready(response) -> None:
    assert response.json()["status"] == "ready"


def _is_api_root(response) -> None:
    assert "evidence" in response.json()


# Routes that are the same for everyone who may read them: what their answer must be.
SITE_READS = {"home": _is_html, "swagger-ui": _is_html, "schema": _is_schema,
              "healthz": _is_alive, "readyz": _is_ready, "api-root": _is_api_root}


def _check_read(endpoint: Endpoint, w: World, subject: str, response) -> None:
    if endpoint.listing is not None:
        _check_listing(endpoint, w, subject, response)
    elif endpoint.route in SITE_READS:
        SITE_READS[endpoint.route](response)
    elif endpoint.route == "me":
        body = response.json()
        user = w.users[subject]
        assert (body["id"], body["username"]) == (user.pk, user.username)
        organizations = {m["organization"] for m in body["memberships"]}
        assert organizations == ({w.org.pk} if SUBJECT_ROLES[subject] else {w.other_org.pk})
    elif endpoint.route == "notification-list":
        own = set(Notification.objects.filter(user=w.users[subject]).values_list("pk", flat=True))
        assert own and {item["id"] for item in response.json()["results"]} == own
    elif endpoint.route == "reminderpolicy-list":
        org, policy = ((w.other_org, OTHER_POLICY) if subject == "outsider"
                       else (w.org, DEFAULT_POLICY))
        assert response.json()["results"] == [{"organization": org.pk, **policy}]
    elif endpoint.route == "reminderpolicy-detail":
        assert response.json() == {"organization": w.org.pk, **DEFAULT_POLICY}
    elif endpoint.route == "me-preferences":
        language, opt_out = PREFERENCES[subject]
        assert response.json() == {"language": language, "reminders_opt_out": opt_out,
                                   "email_refused": ""}
    elif endpoint.route == "adoption-checklist":
        body = response.json()
        assert (body["adoption"], body["organization"]["id"]) == (w.ids["adoption"], w.org.pk)
        assert {item["ref_id"] for item in body["items"]} >= {"4.3", "6.2.1", "9.3.3"}
    elif endpoint.route not in AUDITED_READS:
        placeholder = _placeholders(endpoint.path)[0]
        body = response.json()
        assert body["id"] == w.ids[placeholder]
        if endpoint.route == "organization-detail":
            assert body["my_role"] == SUBJECT_ROLES[subject]


@pytest.mark.parametrize(("name", "subject", "expected"), list(_cases()))
def test_matrix(world, name, subject, expected):
    endpoint = ENDPOINTS[name]
    before = snapshot(world)

    response = endpoint.request(world.client(subject), world)

    assert response.status_code == expected, getattr(response, "content", b"")[:500]
    after = snapshot(world)
    if expected >= 400:
        _assert_error(response, expected)
        assert after == before, "a refused request changed the database or the store"
        return
    if endpoint.method == "GET":
        _check_read(endpoint, world, subject, response)
    if name in PERSONAL:
        EFFECTS[name](world, response, world.users[subject])
        table = PERSONAL[name].__name__
        others = {key: rows for key, rows in after.items() if key != table}
        assert others == {key: rows for key, rows in before.items() if key != table}, \
            "a personal write changed something else (or left an audit event)"
        user_id = world.users[subject].pk
        assert [row for row in after[table] if row["user_id"] != user_id] == [
            row for row in before[table] if row["user_id"] != user_id], \
            "a personal write changed another person's rows"
    elif name in EFFECTS:
        EFFECTS[name](world, response, world.users[subject])
        audited = after["AuditEvent"][len(before["AuditEvent"]):]
        assert audited, "a successful write (or download) left no trace in the audit trail"
        assert {event["actor_id"] for event in audited} == {world.users[subject].pk}
        assert (after["store"] != before["store"]) == (name in STORING)
    else:
        assert after == before, "a read wrote something"


# --- the same routes, spelled otherwise --------------------------------------------------------

def _suffixed(path: str) -> str:
    return "/api/v1/.json" if path == "/api/v1/" else path[:-1] + ".json"


def _head_cases():
    for name, endpoint in ENDPOINTS.items():
        # The function views (@api_view) answer HEAD with 405: they list their methods.
        if not endpoint.is_api or endpoint.route in ("me", "me-preferences") or \
                endpoint.method != "GET":
            continue
        for subject in ("anonymous", "viewer", "outsider"):
            expected = MATRIX[name][SUBJECTS.index(subject)]
            yield pytest.param(name, subject, expected, marks=_marks(name, subject),
                               id=f"{name.replace(' ', '_')}-{subject}-{expected}")


@pytest.mark.parametrize(("name", "subject", "expected"), list(_head_cases()))
def test_head_answers_like_get(world, name, subject, expected):
    endpoint = ENDPOINTS[name]
    before = snapshot(world)

    response = endpoint.request(world.client(subject, raise_request_exception=False), world,
                                path=endpoint.path.format(**world.ids), method="HEAD")

    assert response.status_code == expected
    # HEAD transfers nothing: it writes nothing, not even a download or export in the audit trail.
    assert snapshot(world) == before


@pytest.mark.parametrize("name", [name for name, endpoint in ENDPOINTS.items()
                                  if endpoint.is_api])
def test_format_suffix_routes_are_gone(world, name):
    """No `.json` spelling of any route (the router is built without format suffixes): 404 for
    every subject, anonymous included since URL resolution comes before authentication, the
    same answer for all, and nothing changed, whatever the method and the body."""
    endpoint = ENDPOINTS[name]
    path = _suffixed(endpoint.path.format(**world.ids))
    before = snapshot(world)

    responses = {subject: endpoint.request(world.client(subject, raise_request_exception=False),
                                           world, path=path)
                 for subject in SUBJECTS}

    assert {subject: r.status_code for subject, r in responses.items()} == dict.fromkeys(
        SUBJECTS, 404)
    assert len({r.content for r in responses.values()}) == 1, "the answer depends on the user"
    assert snapshot(world) == before, "a request on a '.json' spelling changed something"


@pytest.mark.parametrize("path", [
    "/api/v1/organizations/{org}/", "/api/v1/memberships/{membership}/",
    "/api/v1/audit-events/{event}/", "/api/v1/evidence/{evidence}/",
    "/api/v1/evidence/{evidence}/approve/", "/api/v1/evidence/{evidence}/revisions/",
    "/api/v1/revisions/{revision}/", "/api/v1/files/{file}/", "/api/v1/files/{file}/download/",
    "/api/v1/referentials/{referential}/", "/api/v1/requirements/{requirement}/",
    "/api/v1/adoptions/{adoption}/", "/api/v1/adoptions/{adoption}/checklist/",
    "/api/v1/adoptions/{adoption}/checklist/export/pdf/",
    "/api/v1/adoptions/{adoption}/snapshots/", "/api/v1/exclusions/{exclusion}/",
    "/api/v1/links/{link}/", "/api/v1/notifications/{notification}/",
    "/api/v1/notifications/{notification}/read/", "/api/v1/reminder-policies/{org}/",
])
def test_options_reveal_nothing_to_the_outsider(world, path):
    """OPTIONS describes the route, not the object: the outsider gets the same answer for an
    object of `org` as for an id that does not exist, and no form to change it."""
    client = world.client("outsider")
    response = client.options(path.format(**world.ids))
    missing = client.options(path.format(**dict.fromkeys(world.ids, 999_999)))
    assert response.status_code == 200
    assert response.json() == missing.json()
    # POST is described from the serializer alone; PUT only when the object may be changed.
    assert "PUT" not in response.json().get("actions", {})
    anonymous = world.client("anonymous").options(path.format(**world.ids))
    assert anonymous.status_code == 401
    _assert_error(anonymous, 401)


# --- another structure's ids inside a request body ---------------------------------------------


@pytest.fixture
def dual(world):
    """Quality manager of `org` and viewer of `other_org`: the serializer accepts other_org's
    members as owners for them, so the service itself must refuse."""
    user = MembershipFactory(organization=world.org, role=Role.QUALITY_MANAGER,
                             user=UserFactory(username="double")).user
    MembershipFactory(user=user, organization=world.other_org, role=Role.VIEWER)
    world.users["dual"] = user
    return user


def _evidence_in_other_org(w):
    return "post", "/api/v1/evidence/", {**_evidence_create(w), "organization": w.other_org.pk}


def _evidence_with_file_in_other_org(w):
    return "post", "/api/v1/evidence/", {**_evidence_create_with_file(w),
                                         "organization": w.other_org.pk}


def _membership_in_other_org(w):
    return "post", "/api/v1/memberships/", {"organization": w.other_org.pk, "user": "nouvelle",
                                            "role": Role.VIEWER}


def _own_viewer_into_other_org(w):
    return "post", "/api/v1/memberships/", {"organization": w.other_org.pk, "user": "lecteur",
                                            "role": Role.QUALITY_MANAGER}


def _owner_from_other_org_patch(w):
    return "patch", f"/api/v1/evidence/{w.ids['evidence']}/", {
        "owner": w.users["other_member"].pk}


def _owner_from_other_org_put(w):
    return "put", f"/api/v1/evidence/{w.ids['evidence']}/", {
        **_evidence_put(w), "owner": w.users["other_member"].pk}


def _owner_from_other_org_create(w):
    return "post", "/api/v1/evidence/", {**_evidence_create(w),
                                         "owner": w.users["other_member"].pk}


def _outsider_creates_evidence_in_org(w):
    return "post", "/api/v1/evidence/", _evidence_create(w)


def _outsider_joins_org(w):
    return "post", "/api/v1/memberships/", {"organization": w.org.pk, "user": "voisin",
                                            "role": Role.QUALITY_MANAGER}


def _with(route, build, **changes):
    """A request of the checklists: `build(w)` as the body, with `changes` (World -> value)."""
    def request(w):
        return "post", route, {**build(w), **{name: value(w) for name, value in changes.items()}}
    return request


def _other(key):
    return lambda w: w.other_ids[key]


def _other_org(w):
    return w.other_org.pk


def _org(w):
    return w.org.pk


def _invalid_in_other_org(path, build):
    """An invalid body naming other_org (or, for links, its evidence)."""
    def request(w):
        data = build(w)
        if "organization" in data:
            data["organization"] = w.other_org.pk
        else:
            data["evidence"] = (w.other_ids["evidence"] if isinstance(data["evidence"], int)
                                else [w.other_ids["evidence"]])
        return "post", path, data
    return request


QM, ORG, NOT_THERE, NOT_MEMBER, NOT_ADOPTED = (
    "quality_manager", "organization", "does_not_exist", "owner_not_member",
    "requirement_not_adopted")
REQUIREMENTS, IMPORT, ADOPTIONS, EXCLUSIONS, LINKS, BULK = (
    "/api/v1/requirements/", "/api/v1/requirements/import/", "/api/v1/adoptions/",
    "/api/v1/exclusions/", "/api/v1/links/", "/api/v1/links/bulk/")
# fmt: off
CROSS_CASES = {
    # case: (subject, request, status, refused field, its error code)
    "evidence in other_org":
        (QM, _evidence_in_other_org, 400, ORG, NOT_THERE),
    "evidence with file in other_org":
        (QM, _evidence_with_file_in_other_org, 400, ORG, NOT_THERE),
    "membership in other_org":
        (QM, _membership_in_other_org, 400, ORG, NOT_THERE),
    "own viewer made qm of other_org":
        (QM, _own_viewer_into_other_org, 400, ORG, NOT_THERE),
    "owner from other_org (PATCH)":
        (QM, _owner_from_other_org_patch, 400, "owner", NOT_THERE),
    "owner from other_org (PUT)":
        (QM, _owner_from_other_org_put, 400, "owner", NOT_THERE),
    "owner from other_org (create)":
        (QM, _owner_from_other_org_create, 400, "owner", NOT_THERE),
    "both orgs: owner from other_org (PATCH)":
        ("dual", _owner_from_other_org_patch, 400, "owner", NOT_MEMBER),
    "both orgs: owner from other_org (PUT)":
        ("dual", _owner_from_other_org_put, 400, "owner", NOT_MEMBER),
    "both orgs: owner from other_org (create)":
        ("dual", _owner_from_other_org_create, 400, "owner", NOT_MEMBER),
    "both orgs: evidence where only viewer":
        ("dual", _evidence_in_other_org, 403, None, None),
    "both orgs: file where only viewer":
        ("dual", _evidence_with_file_in_other_org, 403, None, None),
    "both orgs: member where only viewer":
        ("dual", _membership_in_other_org, 403, None, None),
    "outsider: evidence in org":
        ("outsider", _outsider_creates_evidence_in_org, 400, ORG, NOT_THERE),
    "outsider: joins org":
        ("outsider", _outsider_joins_org, 400, ORG, NOT_THERE),
    # checklists: the quality manager of org names other_org or one of its objects
    "own requirement in other_org":
        (QM, _with(REQUIREMENTS, _own_requirement, organization=_other_org), 400, ORG,
         NOT_THERE),
    "own list imported into other_org":
        (QM, _with(IMPORT, _own_list, organization=_other_org), 400, ORG, NOT_THERE),
    "adoption for other_org":
        (QM, _with(ADOPTIONS, _adoption_create, organization=_other_org), 400, ORG,
         NOT_THERE),
    "adoption of other_org's own list":
        (QM, _with(ADOPTIONS, _adoption_create, referential=_other("referential")), 400,
         "referential", NOT_THERE),
    "exclusion in other_org":
        (QM, _with(EXCLUSIONS, _exclusion_create, organization=_other_org), 400, ORG,
         NOT_THERE),
    "exclusion of other_org's own requirement":
        (QM, _with(EXCLUSIONS, _exclusion_create, requirement=_other("requirement")), 400,
         "requirement", NOT_THERE),
    "link to a requirement of other_org's own list":
        (QM, _with(LINKS, _link_create, requirement=_other("requirement")), 400,
         "requirement", NOT_THERE),
    "link with other_org's evidence":
        (QM, _with(LINKS, _link_create, evidence=_other("evidence")), 400, "evidence",
         NOT_THERE),
    "bulk link to a requirement of other_org's own list":
        (QM, _with(BULK, _bulk_link, requirements=lambda w: [
            w.ids["library_requirement"], w.other_ids["requirement"]]), 400, "requirements",
         NOT_THERE),
    "bulk link with other_org's evidence":
        (QM, _with(BULK, _bulk_link, evidence=lambda w: [
            w.ids["evidence"], w.other_ids["evidence"]]), 400, "evidence", NOT_THERE),
    # ... and when the user also is a viewer of other_org: the services refuse
    "both orgs: own requirement where only viewer":
        ("dual", _with(REQUIREMENTS, _own_requirement, organization=_other_org), 403, None,
         None),
    "both orgs: own list where only viewer":
        ("dual", _with(IMPORT, _own_list, organization=_other_org), 403, None, None),
    "both orgs: adoption where only viewer":
        ("dual", _with(ADOPTIONS, _adoption_create, organization=_other_org), 403, None,
         None),
    "both orgs: exclusion where only viewer":
        ("dual", _with(EXCLUSIONS, _exclusion_create, organization=_other_org), 403, None,
         None),
    "both orgs: link of evidence where only viewer":
        ("dual", _with(LINKS, _link_create, evidence=_other("evidence")), 403, None, None),
    "both orgs: bulk link of evidence where only viewer":
        ("dual", _with(BULK, _bulk_link, evidence=lambda w: [
            w.ids["evidence"], w.other_ids["evidence"]]), 403, None, None),
    # ... before the body is validated, in the structure the body names
    **{f"both orgs: invalid {route} where only viewer":
       ("dual", _invalid_in_other_org(path, data), 403, None, None)
       for route, path, data, _multipart in INVALID_WRITES if route != "organization-list"},
    "both orgs: adoption of other_org's own list":
        ("dual", _with(ADOPTIONS, _adoption_create, referential=_other("referential")), 400,
         "referential", NOT_THERE),
    "both orgs: exclusion of other_org's own requirement":
        ("dual", _with(EXCLUSIONS, _exclusion_create, requirement=_other("requirement")), 400,
         "requirement", NOT_ADOPTED),
    "both orgs: link to other_org's own requirement":
        ("dual", _with(LINKS, _link_create, requirement=_other("requirement")), 400,
         "requirement", NOT_ADOPTED),
    "both orgs: bulk link to other_org's own requirement":
        ("dual", _with(BULK, _bulk_link, requirements=lambda w: [w.other_ids["requirement"]]),
         400, "requirement", NOT_ADOPTED),
    # the outsider names org
    "outsider: own requirement in org":
        ("outsider", _with(REQUIREMENTS, _own_requirement, organization=_org), 400, ORG,
         NOT_THERE),
    "outsider: adoption for org":
        ("outsider", _with(ADOPTIONS, _adoption_create, organization=_org), 400, ORG,
         NOT_THERE),
    "outsider: exclusion in org":
        ("outsider", _with(EXCLUSIONS, _exclusion_create, organization=_org), 400, ORG,
         NOT_THERE),
    "outsider: link of org's evidence":
        ("outsider", _with(LINKS, _link_create), 400, "evidence", NOT_THERE),
}
# fmt: on


def _codes(errors) -> list[str]:
    """The error codes of one field, list items (`{"1": [...]}`) included."""
    if isinstance(errors, dict):
        return [code for value in errors.values() for code in _codes(value)]
    return [code for error in errors
            for code in ([error["code"]] if "code" in error else _codes(error))]


@pytest.mark.parametrize(("subject", "build", "status", "field", "code"),
                         [pytest.param(*case, id=name) for name, case in CROSS_CASES.items()])
def test_ids_of_another_structure_in_the_body(world, dual, subject, build, status, field, code):
    method, path, data = build(world)
    multipart = "files" in data or "file" in data
    before = snapshot(world)

    response = getattr(world.client(subject), method)(
        path, data, format="multipart" if multipart else "json")

    assert response.status_code == status, response.content
    _assert_error(response, status)
    if field is not None:
        errors = response.json()["error"]["fields"]
        assert set(errors) == {field}, errors
        assert _codes(errors[field]) == [code], errors
    assert snapshot(world) == before, "a refused request changed the database or the store"


@pytest.mark.parametrize(("path", "data", "rows"), [
    pytest.param("/api/v1/evidence/{evidence}/", lambda w: {"organization": w.other_org.pk},
                 lambda: list(EvidenceItem.objects.order_by("pk").values_list(
                     "organization_id", flat=True)),
                 id="evidence organization is read-only"),
    pytest.param("/api/v1/memberships/{membership}/",
                 lambda w: {"organization": w.other_org.pk, "user": "voisine",
                            "role": Role.CONTRIBUTOR},
                 lambda: list(Membership.objects.order_by("pk").values_list(
                     "user_id", "organization_id")),
                 id="membership organization and user are read-only"),
    pytest.param("/api/v1/adoptions/{adoption}/",
                 lambda w: {"organization": w.other_org.pk,
                            "referential": w.ids["unadopted_referential"], "warning_days": 10},
                 lambda: list(Adoption.objects.order_by("pk").values_list(
                     "organization_id", "referential_id")),
                 id="adoption organization and referential are read-only"),
    pytest.param("/api/v1/exclusions/{exclusion}/",
                 lambda w: {"organization": w.other_org.pk,
                            "requirement": w.ids["library_requirement"],
                            "justification": NEW_JUSTIFICATION},
                 lambda: list(Exclusion.objects.order_by("pk").values_list(
                     "organization_id", "requirement_id")),
                 id="exclusion organization and requirement are read-only"),
])
def test_an_object_cannot_be_moved_to_another_structure(world, path, data, rows):
    before = rows()
    response = world.client("quality_manager").patch(path.format(**world.ids), data(world),
                                                     format="json")
    assert response.status_code == 200, response.content
    assert response.json()["organization"] == world.org.pk
    assert rows() == before


# --- filters must not reveal what another structure holds --------------------------------------

@pytest.mark.parametrize(("path", "key"), [
    pytest.param("/api/v1/evidence/?organization={}", "org", id="evidence?organization"),
    pytest.param("/api/v1/evidence/?owner={}", "other_member", id="evidence?owner"),
    pytest.param("/api/v1/revisions/?evidence={}", "evidence", id="revisions?evidence"),
    pytest.param("/api/v1/memberships/?organization={}", "org", id="memberships?organization"),
    pytest.param("/api/v1/audit-events/?organization={}", "org", id="audit-events?organization"),
    pytest.param("/api/v1/audit-events/?actor={}", "other_member", id="audit-events?actor"),
    pytest.param("/api/v1/audit-events/?object_type=evidence.evidenceitem&object_id={}",
                 "evidence", id="audit-events?object_id"),
    pytest.param("/api/v1/referentials/?organization={}", "org", id="referentials?organization"),
    pytest.param("/api/v1/requirements/?referential={}", "referential",
                 id="requirements?referential"),
    pytest.param("/api/v1/adoptions/?organization={}", "org", id="adoptions?organization"),
    pytest.param("/api/v1/adoptions/?referential={}", "referential", id="adoptions?referential"),
    pytest.param("/api/v1/exclusions/?organization={}", "org", id="exclusions?organization"),
    pytest.param("/api/v1/exclusions/?requirement={}", "excluded", id="exclusions?requirement"),
    pytest.param("/api/v1/links/?evidence={}", "evidence", id="links?evidence"),
    pytest.param("/api/v1/links/?requirement={}", "requirement", id="links?requirement"),
])
def test_filters_on_another_structures_ids_reveal_nothing(world, path, key):
    """The quality manager of `org` filters on ids of `other_org`: an empty page, and the same
    answer as for an id that does not exist (no existence oracle)."""
    client = world.client("quality_manager")
    foreign = world.users[key].pk if key in world.users else world.other_ids[key]
    response = client.get(path.format(foreign))
    missing = client.get(path.format(999_999))
    assert response.status_code == 200, response.content
    assert response.json()["results"] == []
    assert (missing.status_code, missing.json()) == (200, response.json())


# --- authentication ----------------------------------------------------------------------------


def test_token_and_session_authentication(world):
    anonymous = APIClient()
    wrong = anonymous.post("/api/v1/auth/token/", {"username": "lecteur", "password": "x"},
                           format="json")
    assert wrong.status_code == 400
    _assert_error(wrong, 400)
    response = anonymous.post("/api/v1/auth/token/",
                              {"username": "lecteur", "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content

    with_token = APIClient(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    listed = with_token.get("/api/v1/evidence/")
    assert listed.status_code == 200
    assert {item["id"] for item in listed.json()["results"]} == {world.ids["evidence"]}
    refused = with_token.post(f"/api/v1/evidence/{world.ids['evidence']}/approve/")
    assert refused.status_code == 403
    _assert_error(refused, 403)

    bad_token = APIClient(HTTP_AUTHORIZATION="Token " + "0" * 40).get("/api/v1/evidence/")
    assert bad_token.status_code == 401
    assert bad_token.json()["error"]["code"] == "authentication_failed"
    assert bad_token["WWW-Authenticate"] == "Token"

    session = APIClient()
    assert session.login(username="voisin", password=PASSWORD)
    hidden = session.get(f"/api/v1/evidence/{world.ids['evidence']}/")
    assert hidden.status_code == 404
    _assert_error(hidden, 404)
    assert session.get(f"/api/v1/evidence/{world.other_ids['evidence']}/").status_code == 200


# --- a person's own settings ------------------------------------------------------------------


def test_calendar_address_is_audited_when_preferences_came_first(world):
    user = UserFactory(username="sans-preferences")  # no preference yet, unlike the subjects
    client = APIClient()
    client.force_authenticate(user)
    assert client.get("/api/v1/me/preferences/").status_code == 200
    assert client.get("/api/v1/me/calendar/").status_code == 200
    assert AuditEvent.objects.filter(actor=user, action="calendar.token_create").count() == 1


# --- the matrix is complete --------------------------------------------------------------------

# Top-level routes that are not in the matrix: token login is tested above, the others are not
# part of the API (admin, language switch, browsable-API login are includes, not routes here).
# Per-person routes with no structure in scope, specified in their own tests:
# api-token in test_token_and_session_authentication below; the calendar routes (anonymous 401,
# a person's own feed only, token rotation, 404 for any other token) in
# tests/checklists/test_calendar.py.
NOT_IN_MATRIX = {"api-token", "me-calendar", "me-calendar-reset", "calendar-feed"}


def _router_routes() -> set[tuple[str, str]]:
    """(URL name, method) of every route of the router. HEAD is served by the GET handler
    (DRF adds it to `actions` on first use): it is exercised by `test_head_answers_like_get`.
    The router has no `.json` format-suffix routes (`test_format_suffix_routes_are_gone`)."""
    routes = set()
    for pattern in project_urls.router.urls:
        assert isinstance(pattern, URLPattern), pattern
        assert "format" not in pattern.pattern.regex.groupindex, pattern
        actions = getattr(pattern.callback, "actions", None) or {"get": "api_root"}
        routes.update((pattern.name, method.upper()) for method in actions if method != "head")
    return routes


def test_matrix_covers_every_route():
    assert set(MATRIX) == set(ENDPOINTS)
    covered = {(endpoint.route, endpoint.method) for endpoint in ENDPOINTS.values()}

    missing = _router_routes() - covered
    assert not missing, f"router routes without matrix rows: {sorted(missing)}"

    top_level = {entry.name for entry in project_urls.urlpatterns
                 if not isinstance(entry, URLResolver)}
    missing = top_level - NOT_IN_MATRIX - {route for route, _method in covered}
    assert not missing, f"top-level routes without matrix rows: {sorted(missing)}"

    for name, endpoint in ENDPOINTS.items():
        dummy = dict.fromkeys(_placeholders(endpoint.path), 1)
        # the row's path really is the route it names
        assert resolve(endpoint.path.format(**dummy)).url_name == endpoint.route, name
        statuses = dict(zip(SUBJECTS, MATRIX[name], strict=True))
        if endpoint.is_api:
            assert statuses["anonymous"] == 401, name
        # every successful write has its effect checked
        writes = endpoint.method != "GET" or endpoint.route in AUDITED_READS
        if writes and any(status < 400 for status in statuses.values()):
            assert name in EFFECTS, name
    assert set(PERSONAL) <= set(EFFECTS)
