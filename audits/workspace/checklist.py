"""The engagement's checklist as its auditor reads it: each referential of the engagement,
adopted by the structure, evaluated on the audit date by the checklist service
(`checklists.services.checklist.build`, the one readiness rule), read-only."""

from checklists.models import Adoption
from checklists.services import checklist

from ..auditor_evidence import audit_date
from ..models import Engagement


def adoptions_of(engagement: Engagement) -> list[Adoption]:
    """The structure's adoptions of the engagement's referentials, by referential code (a
    referential no longer followed has no checklist)."""
    return list(Adoption.objects.filter(organization_id=engagement.organization_id,
                                        referential__in=engagement.referentials.values("pk"))
                .select_related("referential", "organization").order_by("referential__ref_id"))


def build(engagement: Engagement, adoption: Adoption, order: str = "clause",
          evidence_limit: int | None = checklist.EVIDENCE_SHOWN_PER_REQUIREMENT) -> dict:
    """One referential's checklist on the audit date, as plain data (the API's and the
    structure's checklist shape)."""
    return checklist.build(adoption, audit_date(engagement), order, evidence_limit=evidence_limit)
