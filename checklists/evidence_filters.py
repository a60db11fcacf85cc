"""The vault's filters with those that need the links to requirements: `referential` and
`requirement` (decision 0030). The vault (`evidence`) cannot know requirements, a lower layer;
this FilterSet extends its own and serves both the evidence list page and the API's
`/evidence/` (the project's router registers `EvidenceViewSet` below in place of the vault's)."""

from django.utils.translation import gettext_lazy as _

from audit_prep.api.filters import IdFilter
from evidence.api.filters import EvidenceFilter
from evidence.api.views import EvidenceViewSet as VaultEvidenceViewSet

from .models import EvidenceLink


class LinkedEvidenceFilter(EvidenceFilter):
    referential = IdFilter(method="by_referential", label=_(
        "Only the items linked to a requirement (not retired) of this referential."))
    requirement = IdFilter(method="by_requirement", label=_(
        "Only the items linked to this requirement."))

    def by_referential(self, queryset, name, value):
        links = EvidenceLink.objects.filter(requirement__referential_id=value,
                                            requirement__retired_at__isnull=True)
        return queryset.filter(pk__in=links.values("evidence_id"))

    def by_requirement(self, queryset, name, value):
        links = EvidenceLink.objects.filter(requirement_id=value)
        return queryset.filter(pk__in=links.values("evidence_id"))


class EvidenceViewSet(VaultEvidenceViewSet):
    """Evidence items of the structures you belong to. Never deleted: archive them."""

    filterset_class = LinkedEvidenceFilter
