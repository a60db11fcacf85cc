"""The auditor's workspace in the API, read-only (decision 0028): the engagements the auditor
can open today, an engagement's checklist on the audit date, its evidence (each item in the
revision in force on that date) and the download of their files. The same guard as the pages
(`guard.enter`: the choke point's 404 / 403, then `auditor.view` / `auditor.download` in the
audit trail for the engagement's auditors); nothing here goes through `access.scope`, which
shows an auditor nothing."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from audit_prep.api.schema import file_responses
from audit_prep.roles import Action
from evidence import search, serving
from evidence.api.serializers import search_match
from evidence.filetypes import ALLOWED_TYPES
from evidence.services import record_download

from ..auditor_evidence import audit_date, auditor_evidence, auditor_files
from ..models import Engagement
from . import checklist
from .api_serializers import (
    EngagementChecklistSerializer,
    WorkspaceEngagementSerializer,
    WorkspaceEvidenceSerializer,
    evidence_rows,
)
from .guard import enter, is_auditor_of, record
from .pages import open_engagements
from .search import matches, searched


def _search_query(text: str) -> search.SearchQuery | None:
    """The words of `q`, None when blank; a refused query is a 400 on `q`."""
    if not text.strip():
        return None
    try:
        return search.parse(text)
    except search.QueryRefused as refused:
        raise serializers.ValidationError({"q": [serializers.ErrorDetail(
            str(refused.message), code=refused.code)]}) from None


class AuditWorkspaceViewSet(viewsets.GenericViewSet):
    """Your audits as their auditor: read-only, on the audit date."""

    serializer_class = WorkspaceEngagementSerializer
    queryset = Engagement.objects.none()  # every engagement is reached through `enter`
    # Named as in the pages' routes, so that a refusal is logged on the engagement asked for.
    lookup_url_kwarg = "engagement_id"
    lookup_value_regex = "[0-9]+"

    def _enter(self, pk, action: Action = Action.VIEW) -> Engagement:
        return enter(self.request.user, pk, action)

    def list(self, request):
        """The engagements you can open today as their auditor, each apart (structure, kind,
        dates, referentials)."""
        page = self.paginate_queryset(open_engagements(request.user))
        return self.get_paginated_response(WorkspaceEngagementSerializer(page, many=True).data)

    def retrieve(self, request, engagement_id=None):
        """One engagement you audit."""
        engagement = self._enter(engagement_id)
        record(request, "view", engagement, what="engagement")
        return Response(WorkspaceEngagementSerializer(engagement).data)

    @extend_schema(responses=EngagementChecklistSerializer)
    @action(detail=True, methods=["get"])
    def checklist(self, request, engagement_id=None):
        """The checklist of each referential of the engagement on the audit date: the
        requirements and exclusions, their statuses (missing evidence: `missing`), and the
        linked evidence, whose `url` is its place in this API."""
        engagement = self._enter(engagement_id)
        evidence_url = request.build_absolute_uri(
            reverse("auditengagement-evidence", args=[engagement.pk]))
        checklists = [checklist.build(engagement, adoption)
                      for adoption in checklist.adoptions_of(engagement)]
        for data in checklists:
            for item in data["items"]:
                for evidence in item["evidence"]:
                    evidence["url"] = f"{evidence_url}?id={evidence['id']}"
        record(request, "view", engagement, what="checklist")
        return Response({"engagement": engagement.pk, "reference_date": audit_date(engagement),
                         "checklists": checklists})

    @extend_schema(responses=WorkspaceEvidenceSerializer(many=True), parameters=[
        OpenApiParameter("id", int, description=_("Only this evidence item.")),
        OpenApiParameter("requirement", int, description=_(
            "Only the evidence linked to this requirement.")),
        OpenApiParameter("q", str, description=_(
            "Words to find among this audit's evidence, as in /api/v1/evidence/?q= (results "
            "best first). The files' text is searched only where the revision in force on the "
            "audit date is the current one; elsewhere the title, tags and description."))])
    @action(detail=True, methods=["get"])
    def evidence(self, request, engagement_id=None):
        """The evidence linked to the requirements of the engagement's referentials, each in
        its revision in force on the audit date, with that revision's files."""
        engagement = self._enter(engagement_id)
        items = auditor_evidence(engagement).order_by("title", "pk")
        for name, lookup in (("id", "pk"), ("requirement", "requirement_links__requirement")):
            value = request.query_params.get(name)
            if value is not None:
                if not value.isdigit() or len(value) > 12:
                    raise serializers.ValidationError({name: [_("A whole number is needed.")]})
                items = items.filter(**{lookup: int(value)})
        query = _search_query(request.query_params.get("q", ""))
        page = self.paginate_queryset(items if query is None else searched(items, query))
        rows = evidence_rows(engagement, page, lambda pk_: request.build_absolute_uri(
            reverse("auditengagement-download", args=[engagement.pk, pk_])))
        found = matches(page, query)
        for row in rows:
            row["match"] = search_match(found[row["id"]]) if row["id"] in found else None
        record(request, "view", engagement, what="evidence")
        return self.get_paginated_response(WorkspaceEvidenceSerializer(rows, many=True).data)

    @extend_schema(
        responses={**file_responses(ALLOWED_TYPES, _("The file's bytes (local disk).")),
                   302: OpenApiResponse(description=_(
                       "A redirect to a short-lived signed URL of the file (S3)."))})
    @action(detail=True, methods=["get"], url_path=r"files/(?P<file_id>[0-9]+)/download")
    def download(self, request, engagement_id=None, file_id=None):
        """A file of a revision in force on the audit date. Any other file: 404."""
        engagement = self._enter(engagement_id, Action.DOWNLOAD)
        stored = (auditor_files(engagement).select_related("revision")
                  .filter(pk=file_id).first())
        if stored is None:
            raise NotFound()
        if is_auditor_of(request.user, engagement):
            record(request, "download", engagement, stored, name=stored.name,
                   sha256=stored.sha256, evidence=stored.revision.evidence_id)
        else:
            record_download(request.user, stored, transfers=request.method != "HEAD")
        return serving.file_response(stored)

