"""The providers of the manifest's sections (`manifest.register_section`), registered when the
app is ready (`audits.apps`): each part of an engagement gives its own data."""

from django.db.models import Prefetch

from evidence.references import reference

from ..findings import published_findings
from ..models import Engagement
from ..requests.models import EvidenceRequest, RequestAnswer
from .manifest import register_section

register_section("findings")(published_findings)


@register_section("requests")
def submitted_requests(engagement: Engagement) -> list[dict]:
    """Every request of the audit as its auditor sees it: what is asked, by when, its status
    shown to the auditor and the evidence submitted in answer (the structure's internal status
    and thread stay out). Three queries."""
    submitted = RequestAnswer.objects.filter(submitted_at__isnull=False).order_by("id")
    rows = (EvidenceRequest.objects.filter(engagement=engagement).order_by("due_date", "id")
            .prefetch_related("requirements",
                              Prefetch("answers", queryset=submitted, to_attr="submitted")))
    return [{"reference": row.reference, "asked": row.asked, "due_date": row.due_date,
             "origin": row.origin, "auditor_status": row.auditor_status,
             "submitted_at": row.submitted_at,
             "requirements": sorted(requirement.ref_id for requirement in row.requirements.all()),
             "answers": [reference(answer.evidence_id) for answer in row.submitted]}
            for row in rows]
