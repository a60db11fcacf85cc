"""Web pages that put files in the vault: "Add evidence" (each file becomes its own draft item)
and a new version of an item. Thin views over the API's serializers and services
(`EvidenceSerializer`, `UploadFieldsSerializer`, `create_evidence`, `add_revision`): the same
checks, stable codes and messages.

With JavaScript (`audit_prep/js/upload.js`) each file goes in its own request, with its own
progress bar and result, answered with a small HTML fragment; a refused file never stops the
others. Without it the form sends every file at once and, as the API does, one refused file
refuses the whole request: the page says so, with every file's reason.

The body is read by the view, not by the CSRF middleware, so that a body refused while it is
read (too large, too many files) is answered with its reason: the CSRF check follows at once,
before anything is stored."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from rest_framework.exceptions import APIException, NotAuthenticated, NotFound, ValidationError
from rest_framework.exceptions import PermissionDenied as DrfPermissionDenied

from audit_prep import access
from audit_prep.models import Organization
from audit_prep.page_forms import refusals
from audit_prep.roles import Action

from . import services
from .api.serializers import EvidenceSerializer, UploadFieldsSerializer
from .filetypes import RejectionReason
from .models import EvidenceItem, EvidenceKind, EvidenceStatus
from .services.uploads import refusal_of_each
from .upload_results import FileResult, held_back, proposed_title, read_body, refused

ADD_TEMPLATE = "evidence/pages/evidence_add.html"
VERSION_TEMPLATE = "evidence/pages/new_version.html"
RESULTS_TEMPLATE = "evidence/pages/_upload_results.html"
SHOWN_CREATED = 50  # at most this many items listed back after a form sent without JavaScript


def upload_structures(user):
    """The structures where `user` may add evidence with its files."""
    return access.scope(access.scope(Organization.objects.order_by("name"), user,
                                     Action.CREATE), user, Action.UPLOAD)


def _require(user, organization_id: int, *actions: Action) -> None:
    """404 out of scope, 403 for a role that may not (a forged POST included)."""
    def check() -> None:
        for action in actions:
            access.require(user, action, organization_id)

    refusals(check)


def _csrf_refusal(request):
    """Django's CSRF check, run by the view once the body is read (the view is exempt from the
    middleware's): None when the token is right, else the CSRF failure page."""
    def no_view(request):
        raise AssertionError("only process_view runs")  # pragma: no cover

    return CsrfViewMiddleware(no_view).process_view(request, no_view, (), {})


def _reraise_role_refusal(refusal: Exception) -> None:
    """A refused role (a forged POST) or an unknown object stays a 403 or 404 page."""
    if isinstance(refusal, NotFound):
        raise Http404 from refusal
    if isinstance(refusal, DrfPermissionDenied | NotAuthenticated):
        raise PermissionDenied from refusal


@login_required
def choose_structure(request):
    """Where to add evidence: straight to the one structure, or a choice among several."""
    organizations = list(upload_structures(request.user))
    if not organizations:
        raise PermissionDenied
    if len(organizations) == 1:
        return redirect("evidence-page-add", organizations[0].pk)
    return render(request, "evidence/pages/choose_structure.html",
                  {"organizations": organizations})


def _received(request, handle: Callable[[], tuple[list[FileResult], int]]):
    """Read the body and check its CSRF token, then `handle()` the files: the response to give
    at once (the CSRF failure page, or the fragment the script asks for, one <li> per file), or
    None, with the results and their status."""
    body_refused = read_body(request)
    if body_refused is None and (csrf := _csrf_refusal(request)) is not None:
        return csrf, [], csrf.status_code
    if body_refused is not None:
        results, status = [refused("", body_refused)], body_refused.status_code
    else:
        results, status = handle()
    if request.htmx:
        return render(request, RESULTS_TEMPLATE, {
            "results": results, "whole": status >= 400 and len(results) > 1}, status=status), \
            results, status
    return None, results, status


def _labels() -> dict[str, str]:
    return {name: capfirst(str(field.label)) for name, field in EvidenceSerializer().fields.items()
            if field.label}


def _form_context(organization, values=None, **extra) -> dict:
    return {"organization": organization, "kinds": EvidenceKind.choices,
            "values": values or {"kind": EvidenceKind.DOCUMENT,
                                 "effective_date": timezone.localdate().isoformat()},
            **extra}


def _validated(request, organization, upload) -> dict:
    """The item's fields as the API's create serializer validates them, the title proposed
    from the file's name when the form gives none."""
    data = request.POST.copy()
    data["organization"] = str(organization.pk)
    data["title"] = request.POST.get("title", "").strip() or proposed_title(upload.name)
    serializer = EvidenceSerializer(data=data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    validated = dict(serializer.validated_data)
    validated.pop("organization")
    return validated


def _checked(request, organization, uploads, fields) -> tuple[list, list]:
    """Each file's validated fields, and each file's refusal (None when it would be kept)."""
    labels = _labels()
    datas: list[dict | None] = []
    found: list[FileResult | None] = []
    for upload in uploads:
        try:
            datas.append(_validated(request, organization, upload))
            found.append(None)
        except APIException as refusal:
            datas.append(None)
            found.append(refused(upload.name, refusal, labels))
    if not any(found) and len(uploads) > 1:
        found = [refused(upload.name, refusal) if refusal else None for upload, refusal in zip(
            uploads, refusal_of_each(organization.pk, uploads, fields["allow_duplicate"]),
            strict=True)]
    return datas, found


def _create_each(request, organization, uploads) -> tuple[list[FileResult], int]:
    """One draft item per file, all or none: the results and the status to answer."""
    names = [upload.name for upload in uploads]
    upload_fields = UploadFieldsSerializer(data=request.POST)
    if not uploads:
        return [refused("", services.UploadRejected(RejectionReason.FILE_REQUIRED))], 400
    if not upload_fields.is_valid():
        return [refused("", ValidationError(upload_fields.errors))], 400
    fields = upload_fields.validated_data
    datas, found = _checked(request, organization, uploads, fields)
    if any(found):
        return held_back(names, found), _status(found)
    created = []
    with transaction.atomic():
        for index, (upload, data) in enumerate(zip(uploads, datas, strict=True)):
            try:
                created.append(services.create_evidence(
                    request.user, organization, data, uploads=[upload], note=fields["note"],
                    allow_duplicate=fields["allow_duplicate"]))
            except (APIException, DjangoValidationError) as refusal:
                _reraise_role_refusal(refusal)
                transaction.set_rollback(True)
                found = [None] * len(uploads)
                found[index] = refused(upload.name, refusal, _labels())
                return held_back(names, found), _status(found)
    return [FileResult(name=name, item=item)
            for name, item in zip(names, created, strict=True)], 201


def _status(found) -> int:
    """The status of the first refusal, as the API answers it."""
    return next(result for result in found if result).status


def _created_results(request, organization) -> list[FileResult]:
    ids = [int(value) for value in request.GET.getlist("created")[:SHOWN_CREATED]
           if value.isdigit()]
    items = access.scope(EvidenceItem.objects.filter(organization=organization, pk__in=ids),
                         request.user).prefetch_related("revisions__files").order_by("pk")
    return [FileResult(name=", ".join(file.name for revision in item.revisions.all()
                                      for file in revision.files.all()), item=item)
            for item in items]


@csrf_exempt  # checked in the view, once the body is read (module docstring)
@login_required
def add_evidence(request, organization_id: int):
    """Add evidence to a structure: each file its own draft item."""
    organization = access.scope(Organization.objects.filter(pk=organization_id),
                                request.user).first()
    if organization is None:
        raise Http404
    _require(request.user, organization.pk, Action.CREATE, Action.UPLOAD)
    if request.method != "POST":
        return render(request, ADD_TEMPLATE, _form_context(
            organization, results=_created_results(request, organization)))
    answered, results, status = _received(request, lambda: _create_each(
        request, organization, request.FILES.getlist("files")))
    if answered is not None:
        return answered
    if status == 201:
        messages.success(request, ngettext("%(count)d evidence item created, as a draft.",
                                           "%(count)d evidence items created, as drafts.",
                                           len(results)) % {"count": len(results)})
        query = urlencode([("created", result.item.pk) for result in results if result.item])
        return redirect(f"{reverse('evidence-page-add', args=[organization.pk])}?{query}")
    field_errors: dict[str, list[str]] = next(
        (result.field_errors for result in results if result.field_errors), {})
    return render(request, ADD_TEMPLATE, _form_context(
        organization, request.POST.dict(), results=results, refused_whole=True,
        field_errors=field_errors), status=status)


def _add_version(request, item) -> tuple[list[FileResult], int]:
    uploads = request.FILES.getlist("files")
    upload_fields = UploadFieldsSerializer(data=request.POST)
    try:
        upload_fields.is_valid(raise_exception=True)
        fields = upload_fields.validated_data
        revision = services.add_revision(request.user, item, uploads, note=fields["note"],
                                         allow_duplicate=fields["allow_duplicate"])
    except APIException as refusal:
        _reraise_role_refusal(refusal)
        status = getattr(refusal, "status_code", 400)
        if len(uploads) < 2 or not upload_fields.is_valid():
            return [refused(uploads[0].name if uploads else "", refusal)], status
        each = refusal_of_each(item.organization_id, uploads,
                               upload_fields.validated_data["allow_duplicate"])
        if not any(each):  # refused for what the files share (an archived item...)
            return [refused(upload.name, refusal) for upload in uploads], status
        return held_back([upload.name for upload in uploads],
                         [refused(upload.name, one) if one else None
                          for upload, one in zip(uploads, each, strict=True)]), status
    return [FileResult(name=file.name, item=item, revision=revision)
            for file in revision.files.order_by("pk")], 201


@csrf_exempt  # checked in the view, once the body is read (module docstring)
@login_required
def new_version(request, evidence_id: int):
    """A new version of an item: its files, with a note."""
    item = access.scope(EvidenceItem.objects.select_related("organization"),
                        request.user).filter(pk=evidence_id).first()
    if item is None:
        raise Http404
    _require(request.user, item.organization_id, Action.UPLOAD)
    context = {"item": item, "archived": item.status == EvidenceStatus.ARCHIVED}
    if request.method != "POST":
        return render(request, VERSION_TEMPLATE, context)
    answered, results, status = _received(request, lambda: _add_version(request, item))
    if answered is not None:
        return answered
    if status == 201 and (revision := results[0].revision) is not None:
        messages.success(request, ngettext(
            "Version %(number)d added with %(count)d file.",
            "Version %(number)d added with %(count)d files.", len(results)) % {
                "number": revision.number, "count": len(results)})
        return redirect(f"{reverse('evidence-page', args=[item.pk])}#versions")
    return render(request, VERSION_TEMPLATE, {**context, "results": results,
                                              "refused_whole": True}, status=status)
