"""A structure's readiness policy, by structure id:

    GET   /api/v1/readiness-policies/[{structure id}/]   members read it
    PATCH /api/v1/readiness-policies/{structure id}/     quality managers change it (audited)
"""

from rest_framework import mixins, serializers

from audit_prep.api.viewsets import ScopedViewSet
from audit_prep.models import Organization
from audit_prep.roles import Action

from ..services import policy


class ReadinessPolicySerializer(serializers.ModelSerializer):
    organization = serializers.IntegerField(source="pk", read_only=True)

    class Meta:
        model = Organization
        fields = ["organization", *policy.POLICY_FIELDS]


class ReadinessPolicyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                             mixins.UpdateModelMixin, ScopedViewSet):
    """How your structures' evidence counts in readiness: documents always need approval;
    records count once their file is verified, or only once approved when
    `records_need_approval` is true. Quality managers change it."""

    queryset = Organization.objects.order_by("name", "pk")
    serializer_class = ReadinessPolicySerializer
    http_method_names = ["get", "patch", "head", "options"]
    action_permissions = {"partial_update": Action.MANAGE_ORGANIZATION,
                          "update": Action.MANAGE_ORGANIZATION}
    filter_backends = []

    def perform_update(self, serializer):
        serializer.instance = policy.update_policy(
            self.request.user, serializer.instance, dict(serializer.validated_data))
