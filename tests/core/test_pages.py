"""The web pages' server side: who sees what, the password reset e-mail, the security headers
and a fixed number of queries whatever the size of the vault."""

import datetime
import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from checklists.models import Adoption, EvidenceLink
from checklists.services import readiness_state
from evidence.models import EvidenceItem
from tests.checklists.conftest import make_referential


@pytest.fixture
def adoption(org, qm):
    referential, _clauses = make_referential()
    return Adoption.objects.create(organization=org, referential=referential, adopted_by=qm,
                                   target_audit_date=datetime.date(2027, 3, 15))


@pytest.fixture
def signed_in(client, qm):
    client.force_login(qm)
    return client


def test_structure_page_shows_readiness_to_members_only(signed_in, org, other_org, adoption):
    page = signed_in.get(f"/structures/{org.pk}/", HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200
    text = page.content.decode()
    assert org.name in text and "Référentiel iso9001" in text and "Par chapitre" in text
    assert signed_in.get(f"/structures/{other_org.pk}/").status_code == 404
    assert signed_in.get("/structures/999999/").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in_and_come_back(client, org):
    response = client.get(f"/structures/{org.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/structures/{org.pk}/"


def test_pages_forbid_inline_scripts_and_framing(client, db):
    policy = client.get("/accounts/login/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy
    # the Swagger UI page keeps the policy of its own
    assert client.get("/api/docs/")["Content-Security-Policy"] != policy


def test_password_reset_mail_links_to_the_site_not_to_the_host_header(client, qm, settings):
    qm.email = "qualite@example.org"
    qm.save()
    response = client.post("/accounts/password_reset/", {"email": "qualite@example.org"},
                           HTTP_HOST="localhost", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.subject == "audit-prep : choisir un nouveau mot de passe"
    link = re.search(r"(\S+/accounts/reset/\S+/)", message.body).group(1)
    assert link.startswith(settings.SITE_URL.rstrip("/") + "/accounts/reset/")
    assert "localhost" not in message.body.replace(settings.SITE_URL, "")

    form = client.get(link.removeprefix(settings.SITE_URL.rstrip("/")), follow=True)
    assert "Choisir un nouveau mot de passe" in form.content.decode()


def test_password_reset_answers_the_same_for_an_unknown_address(client, db):
    response = client.post("/accounts/password_reset/", {"email": "personne@example.org"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password_reset/done/"
    assert mail.outbox == []


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def _link_items(org, qm, adoption, count: int) -> None:
    """`count` more items, each linked to one of the referential's requirements in turn, in a
    few statements (10,000 take about a second)."""
    requirements = list(adoption.referential.requirements.filter(assessable=True))
    items = EvidenceItem.objects.bulk_create(
        [EvidenceItem(organization=org, title=f"Attestation {index}", kind="record", owner=qm,
                      created_by=qm, effective_date=datetime.date(2026, 1, 5))
         for index in range(count)], batch_size=2000)
    EvidenceLink.objects.bulk_create(
        [EvidenceLink(evidence=item, requirement=requirements[index % len(requirements)],
                      created_by=qm) for index, item in enumerate(items)], batch_size=2000)


def _computed(org) -> None:
    """The readiness the workers store after a change of the vault (decision 0008)."""
    readiness_state.mark_dirty(org.pk)
    readiness_state.recompute_dirty()


def test_structure_page_runs_the_same_queries_for_10_and_10000_items(signed_in, org, qm,
                                                                     adoption):
    _link_items(org, qm, adoption, 10)
    _computed(org)
    small = _queries(signed_in, f"/structures/{org.pk}/")
    _link_items(org, qm, adoption, 9990)
    _computed(org)
    assert _queries(signed_in, f"/structures/{org.pk}/") == small
    assert _queries(signed_in, "/") == _queries(signed_in, "/")


def test_checklist_page_filters_by_status_and_chapter(signed_in, org, qm, adoption):
    page = signed_in.get(f"/checklists/{adoption.pk}/", HTTP_ACCEPT_LANGUAGE="fr")
    text = page.content.decode()
    assert "Exigence 4.3" in text and "Exigence 9.3.3" in text
    assert "11 exigences affichées sur 11." in text

    missing_in_9 = signed_in.get(f"/checklists/{adoption.pk}/?status=missing&chapter=9",
                                 HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Exigence 9.3.3" in missing_in_9 and "Exigence 4.3" not in missing_in_9
    assert "4 exigences affichées sur 11." in missing_in_9


def test_checklist_page_answers_htmx_with_the_results_only(signed_in, adoption):
    part = signed_in.get(f"/checklists/{adoption.pk}/?status=covered", HTTP_HX_REQUEST="true",
                         HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "<form" not in part and "<html" not in part
    assert 'hx-swap-oob="true"' in part and "0 exigence affichée sur 11." in part
    assert "Aucune exigence ne correspond à ces filtres." in part


def test_checklist_page_refuses_a_bad_date_with_the_api_message(signed_in, adoption, api):
    page = signed_in.get(f"/checklists/{adoption.pk}/?date=1800-01-01",
                         HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    api_error = api.get(f"/api/v1/adoptions/{adoption.pk}/checklist/?date=1800-01-01").json()
    message = api_error["error"]["fields"]["date"]["date"][0]["message"]
    assert message == "Choisissez une date entre 2000 et 2100."
    assert message in page


def test_checklist_page_of_another_structure_is_not_found(signed_in, other_org, outsider):
    referential, _clauses = make_referential(code="autre")
    foreign = Adoption.objects.create(organization=other_org, referential=referential,
                                      adopted_by=outsider)
    assert signed_in.get(f"/checklists/{foreign.pk}/").status_code == 404


def test_checklist_page_runs_the_same_queries_for_10_and_10000_items(signed_in, org, qm,
                                                                     adoption):
    _link_items(org, qm, adoption, 10)
    small = _queries(signed_in, f"/checklists/{adoption.pk}/")
    _link_items(org, qm, adoption, 9990)
    assert _queries(signed_in, f"/checklists/{adoption.pk}/") == small


def test_checklist_page_lists_each_requirements_evidence_with_a_link_to_it(signed_in, org, qm,
                                                                           adoption):
    from tests.factories import evidence_with_file

    requirement = adoption.referential.requirements.get(ref_id="7.2")
    item = evidence_with_file(org, qm, title="Registre des formations", kind="record",
                              status="approved", approved_at=timezone.now(),
                              effective_date=datetime.date(2026, 1, 5),
                              valid_until=datetime.date(2099, 6, 30))
    EvidenceLink.objects.create(evidence=item, requirement=requirement, created_by=qm)

    page = signed_in.get(f"/checklists/{adoption.pk}/?chapter=7",
                         HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert (f'<li><a class="ref" href="/evidence/{item.pk}/">EV-{item.pk:06d}</a> Registre des '
            "formations (version 1) — valide, valable jusqu&#x27;au 30 juin 2099</li>") in page
