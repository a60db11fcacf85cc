"""A structure's certification and audits, in its settings: the certificates it holds with what
each one needs next (surveillance audits, renewal), the audits recorded, planned or past, and
for quality managers the forms that record a certificate, plan an audit, change or cancel one.
The same serializers, services and refusals as the API's `certificates/` and `engagements/`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit_prep.page_forms import field_errors, filled, refusals
from audit_prep.roles import Action
from audit_prep.structure_settings import frame, structure
from checklists.models import Adoption
from checklists.references import checklist_path

from . import auditor_services, cycle, gate, services
from .api.serializers import CertificateSerializer, EngagementSerializer
from .models import Certificate, Engagement, EngagementKind

SECTION, MANAGE = "audits", Action.MANAGE_AUDITS
CERTIFICATE_FIELDS = ("referential", "certification_body", "number", "decision_date",
                      "expiry_date", "scope")
ENGAGEMENT_FIELDS = ("kind", "certificate", "start_date", "end_date", "certification_body",
                     "lead_auditor", "scope")


def _form_data(post, names) -> dict:
    """The filled fields of a form, as an API body (an empty field is not given)."""
    data = filled(post, names)
    if "referentials" in post:
        data["referentials"] = post.getlist("referentials")
    return data


def _adopted(organization):
    return [adoption.referential for adoption in Adoption.objects.filter(
        organization=organization).select_related("referential").order_by("referential__ref_id")]


def _audits_page(request, organization, **context):
    today = timezone.localdate()
    certificates = list(Certificate.objects.filter(organization=organization)
                        .select_related("referential").prefetch_related("engagements")
                        .order_by("-decision_date", "-id"))
    cycles = [(certificate, [(milestone, milestone.state(today)) for milestone in
                             cycle.milestones(certificate, list(certificate.engagements.all()))])
              for certificate in certificates]
    engagements = list(Engagement.objects.filter(organization=organization)
                       .prefetch_related("referentials").order_by("-start_date", "-id"))
    failed = bool(context.get("refusals") or context.get("plan_errors")
                  or context.get("certify_errors"))
    plan_values = context.get("plan_values")
    return render(request, "audits/pages/audits.html", frame(
        organization, SECTION, request.user, MANAGE, cycles=cycles, today=today,
        upcoming=[e for e in reversed(engagements) if e.end_date >= today],
        past=[e for e in engagements if e.end_date < today], adopted=_adopted(organization),
        certificates=certificates, kinds=EngagementKind.choices,
        plan_chosen=plan_values.getlist("referentials") if plan_values else [],
        **{"refusals": [], **context}),
        status=400 if failed else 200)


def _record(request, organization):
    """Record a certificate or plan an audit, as the form posted says."""
    form: CertificateSerializer | EngagementSerializer
    if request.POST.get("form") == "certificate":
        form = CertificateSerializer(data={"organization": organization.pk, **_form_data(
            request.POST, CERTIFICATE_FIELDS)}, context={"request": request})
        done = _("The certificate is recorded.")
    else:
        form = EngagementSerializer(data={"organization": organization.pk, **_form_data(
            request.POST, ENGAGEMENT_FIELDS)}, context={"request": request})
        done = _("The audit is recorded.")
    which = "certify" if isinstance(form, CertificateSerializer) else "plan"
    context = {f"{which}_values": request.POST}
    if not form.is_valid():
        return _audits_page(request, organization, **{f"{which}_errors": field_errors(form)},
                            **context)
    data = dict(form.validated_data)
    data.pop("organization")
    if isinstance(form, CertificateSerializer):
        referential = data.pop("referential")
        refused = refusals(lambda: services.create_certificate(request.user, organization,
                                                               referential, data))
    else:
        refused = refusals(lambda: services.create_engagement(request.user, organization, data))
    if refused:
        return _audits_page(request, organization, refusals=refused, **context)
    messages.success(request, done)
    return redirect("structure-settings-audits", organization.pk)


@login_required
def audits(request, organization_id: int):
    """The structure's certificates with their cycle and its audits; quality managers record
    a certificate or plan an audit."""
    if request.method != "POST":
        return _audits_page(request, structure(request.user, organization_id))
    return _record(request, structure(request.user, organization_id, MANAGE))


def engagement_of(request, organization_id: int, engagement_id: int, action: Action):
    """The structure and the audit the URL names (404 when not found in that structure)."""
    organization = structure(request.user, organization_id, action)
    engagement = (Engagement.objects.filter(pk=engagement_id, organization=organization)
                  .prefetch_related("referentials").first())
    if engagement is None:
        raise Http404
    return organization, engagement


def _initial(engagement: Engagement) -> dict:
    """The audit's fields as its form shows them (dates in ISO, ids as text)."""
    return {"kind": engagement.kind, "certificate": str(engagement.certificate_id or ""),
            "start_date": engagement.start_date.isoformat(),
            "end_date": engagement.end_date.isoformat(),
            "certification_body": engagement.certification_body,
            "lead_auditor": engagement.lead_auditor, "scope": engagement.scope}


def engagement_response(request, organization, engagement, values=None, **context):
    """The audit's page (400 with the refusals or field errors given)."""
    failed = bool(context.get("refusals") or context.get("field_errors")
                  or context.get("auditor_errors") or context.get("extend_errors"))
    chosen = (values.getlist("referentials") if values is not None else
              [str(referential.pk) for referential in engagement.referentials.all()])
    adopted = dict(Adoption.objects.filter(organization=organization).values_list(
        "referential_id", "pk"))
    checklists = [(referential, checklist_path(adopted[referential.pk], engagement.start_date))
                  for referential in engagement.referentials.all() if referential.pk in adopted]
    found = gate.gate_for(engagement)
    return render(request, "audits/pages/engagement.html", frame(
        organization, SECTION, request.user, MANAGE, engagement=engagement, checklists=checklists,
        adopted=_adopted(organization), kinds=EngagementKind.choices, chosen=chosen,
        values=_initial(engagement) if values is None else values,
        certificates=Certificate.objects.filter(organization=organization)
        .select_related("referential").order_by("-decision_date"),
        started=engagement.start_date <= timezone.localdate(),
        gate=found, gate_message=gate.message(found) if found else "",
        auditors=auditor_services.panel(request.user, engagement,
                                        context.pop("auditor_values", None)),
        **{"refusals": [], "field_errors": {}, "auditor_errors": {}, "extend_for": None,
           "extend_errors": {}, **context}),
        status=400 if failed else 200)


@login_required
def engagement_page(request, organization_id: int, engagement_id: int):
    """One audit: its facts, changed by quality managers (the API's PATCH
    `engagements/<id>/`)."""
    action = MANAGE if request.method == "POST" else Action.VIEW
    organization, engagement = engagement_of(request, organization_id, engagement_id, action)
    if request.method != "POST":
        return engagement_response(request, organization, engagement)
    # Every field is on the form: an emptied text clears it, as a full API body would.
    data = {**{name: request.POST.get(name, "") for name in ENGAGEMENT_FIELDS},
            "referentials": request.POST.getlist("referentials")}
    data["certificate"] = data["certificate"] or None
    form = EngagementSerializer(engagement, data=data, partial=True,
                                context={"request": request})
    if not form.is_valid():
        return engagement_response(request, organization, engagement, values=request.POST,
                                field_errors=field_errors(form))
    refused = refusals(lambda: services.update_engagement(request.user, engagement,
                                                          dict(form.validated_data)))
    if refused:
        return engagement_response(request, organization, engagement, values=request.POST,
                                refusals=refused)
    messages.success(request, _("The audit is saved."))
    return redirect("structure-settings-audits", organization.pk)


@login_required
@require_POST
def engagement_cancel(request, organization_id: int, engagement_id: int):
    """Cancel an audit that has not started (the API's DELETE `engagements/<id>/`)."""
    organization, engagement = engagement_of(request, organization_id, engagement_id, MANAGE)
    refused = refusals(lambda: services.cancel_engagement(request.user, engagement))
    if refused:
        return engagement_response(request, organization, engagement, refusals=refused)
    messages.success(request, _("The audit is cancelled."))
    return redirect("structure-settings-audits", organization.pk)
