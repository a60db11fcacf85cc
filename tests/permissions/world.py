"""The world every permission test runs in: two structures, one member per role in `org`, the
quality manager of `other_org` as the outsider, and in each structure the same objects (an
evidence item with a file, its own requirement list, an adoption, an exclusion, a link, a
readiness snapshot, a notification per person, preferences, a reminder policy).

Built once for the package inside a transaction rolled back at its end (`conftest.py`); each
test runs in its own savepoint with its own copy of the evidence store.
"""

import dataclasses
import datetime

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework.test import APIClient

from audit_prep import access, tokens
from audit_prep.invitations import services as invitations
from audit_prep.invitations import tokens as invitation_tokens
from audit_prep.models import ApiToken, AuditEvent, Invitation, Membership, Organization
from audit_prep.roles import Role
from audits import answers, auditor_services, findings
from audits import services as audits
from audits.models import (
    AuditorAccess,
    AuditorInvitation,
    AuditPack,
    Certificate,
    CorrectiveAction,
    Engagement,
    EngagementKind,
    Finding,
    FindingVersion,
    Grade,
    GradingScale,
    PackFile,
)
from audits.packs import builder as pack_builder
from audits.packs import services as packs
from audits.requests import services as requests
from audits.requests import threads
from audits.requests.models import EvidenceRequest, RequestAnswer, RequestMessage
from checklists.models import (
    Adoption,
    EvidenceLink,
    Exclusion,
    ReadinessSnapshot,
    Referential,
    Requirement,
)
from checklists.services import links, own_requirements, snapshots, tailoring
from evidence.models import EvidenceItem, EvidenceReview, Revision, StoredFile, Tag
from populations.models import EvidenceMember, Member, Population
from populations.services import evidence_members, members
from tests.checklists.conftest import make_referential
from tests.conftest import stored_objects, upload
from tests.factories import (
    EvidenceFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)


def model_named(name: str):
    """A model by class name, wherever its app is (notices moved between apps)."""
    [found] = [candidate for candidate in apps.get_models() if candidate.__name__ == name]
    return found


Notification, UserPreference, ReminderPolicy = (
    model_named(name) for name in ("Notification", "UserPreference", "ReminderPolicy"))

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
SNAPSHOT_MODELS = (get_user_model(), Organization, Membership, Invitation, AuditEvent,
                   EvidenceItem, Revision, StoredFile, Tag, EvidenceItem.tags.through,
                   Referential, Requirement, Adoption, Exclusion,
                   EvidenceLink, ReadinessSnapshot, Notification, UserPreference, ReminderPolicy,
                   Population, Member, EvidenceMember, EvidenceReview, ApiToken,
                   Certificate, Engagement, Engagement.referentials.through,
                   GradingScale, Grade, Finding, FindingVersion,
                   FindingVersion.requirements.through, FindingVersion.evidence.through,
                   Finding.effectiveness.through,
                   CorrectiveAction,
                   EvidenceRequest, EvidenceRequest.requirements.through, RequestAnswer,
                   RequestMessage, AuditPack, PackFile, AuditorInvitation,
                   AuditorAccess)
# Each person's e-mail preferences (language, reminders opt-out), all different where they can.
PREFERENCES = {"viewer": ("fr", True), "contributor": ("en", False),
               "quality_manager": ("fr", False), "outsider": ("en", False),
               "other_member": ("en", True)}
NEW_PREFERENCES = {"language": "en", "reminders_opt_out": True}
OTHER_POLICY = {"lead_days": [45, 15], "overdue_weekly": False, "escalate_after_days": 5,
                "audit_gap_weeks": [6, 3]}
DEFAULT_POLICY = {"lead_days": [60, 30, 7, 0], "overdue_weekly": True,
                  "escalate_after_days": 14, "audit_gap_weeks": [8, 4, 2]}


INVITEE = "invitee@example.org"  # no account uses it


def secret_of(invitation) -> str:
    """The secret the invitation's e-mail carries (derived as the mail task does)."""
    return invitation_tokens.secret_for(invitation.token_salt, invitations.PURPOSE)


@dataclasses.dataclass
class World:
    org: Organization
    other_org: Organization
    users: dict  # subject -> user (None for anonymous), plus "other_member" of other_org
    ids: dict  # the placeholders of the paths: objects of `org`
    other_ids: dict  # the same objects in `other_org`
    media_root: object

    def client(self, subject: str, session: bool = False, **options) -> APIClient:
        """A client acting as `subject`: authenticated for the API, and also signed in with a
        session (as a browser is) when `session` is true, for the web pages."""
        client = APIClient(HTTP_ACCEPT_LANGUAGE="fr", **options)
        user = self.users[subject]
        if user is not None:
            client.force_authenticate(user)
            if session:
                client.force_login(user)
        return client

    def org_ids(self, model) -> set[int]:
        return ids_in(model, self.org)

    def other_org_ids(self, model) -> set[int]:
        return ids_in(model, self.other_org)


def ids_in(model, organization) -> set[int]:
    rows, owner = access.with_owner(model.objects.all())
    return set(rows.filter(**{owner: organization.pk}).values_list("pk", flat=True))


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


def _populations_of(organization, user, evidence_id) -> dict:
    """A structure's populations: employees in pathway with two members, the first named by
    its evidence, and an empty population of supervisors (the one a DELETE removes)."""
    population = members.create_population(user, organization, "employees_in_pathway")
    empty = members.create_population(user, organization, "supervisors")
    named, free = (members.create_member(user, population, {
        "reference": reference, "initials": "AB", "entry_date": datetime.date(2025, 9, 1)})
        for reference in ("1001", "1002"))
    [row] = evidence_members.set_members(user, EvidenceItem.objects.get(pk=evidence_id),
                                         [named])
    return {"population": population.pk, "empty_population": empty.pk, "member": named.pk,
            "free_member": free.pk, "evidence_member": row.pk}


def _audits_of(organization, user, library) -> dict:
    """A structure's certificate for the library referential and its first surveillance audit,
    planned on the adoption's target date (so that it changes nothing there)."""
    certificate = audits.create_certificate(user, organization, library, {
        "certification_body": "AFNOR Certification", "decision_date": datetime.date(2026, 3, 2),
        "expiry_date": datetime.date(2029, 3, 1)})
    engagement = audits.create_engagement(user, organization, {
        "kind": EngagementKind.SURVEILLANCE_1, "referentials": [library],
        "start_date": datetime.date(2027, 3, 15), "end_date": datetime.date(2027, 3, 16)})
    # Its auditor, whose access is open, and another address invited, not yet answered.
    auditor = UserFactory(username=f"auditrice-{organization.slug}",
                          email=f"auditrice@{organization.slug}.example")
    row = AuditorAccess.objects.create(engagement=engagement, user=auditor, granted_by=user,
                                       starts_on=datetime.date(2026, 12, 1),
                                       ends_on=datetime.date(2027, 4, 15))
    invitation = auditor_services.invite(user, engagement,
                                         f"auditeur@{organization.slug}.example")
    return {"certificate": certificate.pk, "engagement": engagement.pk,
            "auditor_access": row.pk, "auditor_invitation": invitation.pk,
            **_requests_of(engagement, user, library)}


def _requests_of(engagement, user, library) -> dict:
    """An evidence request of the audit on 7.2, answered by an item not submitted yet, with a
    message on each of its threads."""
    asked = requests.create_request(user, engagement, {
        "requirements": [library.requirements.get(ref_id="7.2")],
        "asked": "Registre des formations 2026", "due_date": datetime.date(2027, 3, 1)})
    answer = requests.add_answer(user, asked, EvidenceFactory(
        organization=engagement.organization, created_by=user, title="Registre 2026"))
    threads.post_message(user, asked, "auditor", "Le registre est en cours de mise a jour.")
    threads.post_message(user, asked, "internal", "A relire avant envoi.")
    return {"evidence_request": asked.pk, "request_answer": answer.pk}


def _findings_of(organization, user, library) -> dict:
    """An internal audit of the structure, over (so that it moves no target date), which its
    quality manager audits: a published major nonconformity answered (not yet submitted) with
    one corrective action, and a second finding still in draft."""
    engagement = audits.create_engagement(user, organization, {
        "kind": EngagementKind.INTERNAL, "referentials": [library],
        "start_date": datetime.date(2026, 10, 5), "end_date": datetime.date(2026, 10, 6)})
    scale = GradingScale.objects.get(organization=organization, certification_body="")
    major = scale.grades.get(code="major_nc")
    requirement = library.requirements.get(ref_id="9.2.2").pk
    finding = findings.draft_finding(user, engagement, {
        "grade": major.pk, "text": "Aucun audit interne des achats.",
        "requirements": [requirement]})
    finding = findings.publish(user, finding)
    answers.answer(user, finding, {"correction": "Audit des achats ajouté",
                                   "root_cause": "Programme incomplet"})
    action = answers.add_action(user, finding, {
        "description": "Programmer l'audit des achats", "owner": user,
        "due_date": datetime.date(2026, 12, 31)})
    drafted = findings.draft_finding(user, engagement, {
        "grade": major.pk, "text": "Brouillon", "requirements": [requirement]})
    return {"internal_engagement": engagement.pk, "finding": finding.pk,
            "draft_finding": drafted.pk, "corrective_action": action.pk,
            "grading_scale": scale.pk, "grade": major.pk, "nine_two_two": requirement}
def _packs_of(user, organization, library) -> dict:
    """A cross audit by a peer that took place, with its sealed packs: one built (ready to
    download), one whose build failed."""
    engagement = audits.create_engagement(user, organization, {
        "kind": EngagementKind.CROSS, "referentials": [library],
        "start_date": datetime.date(2026, 11, 2), "end_date": datetime.date(2026, 11, 3)})
    ready, failed = packs.seal(user, engagement), packs.seal(user, engagement)
    assert pack_builder.build(ready.pk).startswith("built")
    pack_builder.fail(failed.pk, "missing_file", "ISO9001/7/7.2 Registre.txt")
    return {"packed_engagement": engagement.pk, "pack": ready.pk, "failed_pack": failed.pk}


def _completed(user, organization, template) -> int:
    """The structure follows `template` and adds its own requirement T1.1 under T1."""
    template.refresh_from_db()
    tailoring.adopt(user, organization, template)
    return own_requirements.add_requirement(
        user, organization, {"ref_id": "T1.1", "name_fr": "Livret d'accueil", "parent": "T1"},
        template).pk


def get_user(pk):
    return get_user_model().objects.get(pk=pk)


def build_world(store) -> dict:
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
              "library_requirement": requirements["6.2.1"].pk,  # neither linked nor excluded
              "excludable_requirement": requirements["8.3"].pk}  # the library allows it
    # A template (no organization) both structures follow and complete with a requirement of
    # their own under its node T1: each sees its own only.
    template, _ = make_referential(code="cedre-iso9001", version="v2", clauses=[
        ("T1", None, [], None), ("T2", None, [], None)])
    Referential.objects.filter(pk=template.pk).update(kind="template", is_template=True)
    shared["template_referential"] = template.pk
    ids.update(shared, **_checklists_of(org, qm, ids["evidence"], library),
               added_requirement=_completed(qm, org, template))
    other_ids.update(shared, **_checklists_of(other_org, outsider, other_ids["evidence"],
                                              library),
                     added_requirement=_completed(outsider, other_org, template))
    ids.update(_populations_of(org, qm, ids["evidence"]), **_audits_of(org, qm, library))
    other_ids.update(_audits_of(other_org, outsider, library))
    ids.update(_findings_of(org, qm, library))
    other_ids.update(_findings_of(other_org, outsider, library))
    ids.update(_packs_of(qm, org, library))
    other_ids.update(_packs_of(outsider, other_org, library))
    other_ids.update(_populations_of(other_org, outsider, other_ids["evidence"]))
    # A pending invitation on each side (of org: to an address no account uses, with its secret,
    # which the accept and decline rows present).
    invitation = invitations.invite(qm, org, INVITEE, Role.VIEWER)
    ids.update(invitation=invitation.pk, invitation_token=secret_of(invitation))
    other_ids["invitation"] = invitations.invite(outsider, other_org, "quelqu.un@example.org",
                                                 Role.CONTRIBUTOR).pk
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
    # Two API tokens per person: the rows of one token act on the viewer's first.
    api_tokens = {name: [tokens.issue(get_user(pk), label)[0].pk for label in ("script", "")]
                  for name, pk in users.items()}
    ids["token"], other_ids["token"] = api_tokens["viewer"][0], api_tokens["outsider"][0]
    # org keeps the default reminder policy (no row: a PATCH creates it); other_org has its own.
    ReminderPolicy.objects.create(organization=other_org, **OTHER_POLICY)
    return {"org": org.pk, "other_org": other_org.pk, "users": users, "ids": ids,
            "other_ids": other_ids}



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


