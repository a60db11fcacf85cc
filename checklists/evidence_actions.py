"""The workflow of an evidence item from its page: submit for review, approve, archive with a
reason, "reviewed, still valid". Thin views over the vault's services, as the API's actions:
the same serializers, the same checks and refusal messages (shown beside the form that was
sent, status 400), the same audit trail. A role that may not act gets a 403 page, whatever the
page showed; an item out of scope is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit_prep import access
from audit_prep.page_forms import refusals
from audit_prep.roles import Action
from evidence import services
from evidence.api.serializers import ArchiveSerializer, ReviewSerializer

from .evidence_pages import item_or_404, render_detail


def act(request, evidence_id: int, form: str, action: Action, call, done: str):
    """Run `call(item, data)` for the form `form` of the item's page: the role first (403, as
    the API refuses before reading the body), then the service. Success: a message and back to
    the page; a refusal: the page again, its messages beside the form."""
    item = item_or_404(request, evidence_id)

    def attempt():
        access.require(request.user, action, item.organization_id)
        call(item, request.POST)

    refused = refusals(attempt)
    if refused:
        return render_detail(request, item, status=400, refused={form: refused},
                             sent=request.POST)
    messages.success(request, done)
    return redirect("evidence-page", item.pk)


def _validated(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@require_POST
@login_required
def submit(request, evidence_id: int):
    return act(request, evidence_id, "submit", Action.SUBMIT,
               lambda item, data: services.submit_for_review(request.user, item),
               _("Submitted for review."))


@require_POST
@login_required
def approve(request, evidence_id: int):
    return act(request, evidence_id, "approve", Action.APPROVE,
               lambda item, data: services.approve(request.user, item),
               _("Approved: this evidence now counts for the requirements it answers."))


@require_POST
@login_required
def archive(request, evidence_id: int):
    def call(item, data):
        services.archive(request.user, item, _validated(ArchiveSerializer, data)["reason"])

    return act(request, evidence_id, "archive", Action.ARCHIVE, call,
               _("Archived. The item, its versions and files are kept."))


@require_POST
@login_required
def review(request, evidence_id: int):
    def call(item, data):
        found = _validated(ReviewSerializer, data)
        services.mark_reviewed(request.user, item, found["reviewed_on"], found["note"])

    return act(request, evidence_id, "review", Action.APPROVE, call,
               _("Marked as reviewed and still valid."))
