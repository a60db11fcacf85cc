"""Certificates and audits (engagements) of your structures. Quality managers record them;
every member sees them, with what comes next in each certificate's cycle."""

from django.db.models import Prefetch
from rest_framework import mixins
from rest_framework.decorators import action

from audit_prep.api.filters import id_filterset
from audit_prep.api.viewsets import ScopedViewSet
from audit_prep.roles import Action

from .. import services
from ..models import Certificate, Engagement
from .auditors import ACCESS_LOG_SCHEMA, access_log_response
from .serializers import CertificateSerializer, EngagementSerializer

WRITES: dict[str, Action | None] = {
    action: Action.MANAGE_AUDITS for action in ("create", "update", "partial_update", "destroy",
                                                "access_log")}


class CertificateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                         mixins.CreateModelMixin, mixins.UpdateModelMixin, ScopedViewSet):
    """Certificates per referential, with the surveillance and renewal audits they need."""

    queryset = (Certificate.objects.select_related("referential")
                .prefetch_related(Prefetch("engagements", queryset=Engagement.objects.all()))
                .order_by("-decision_date", "-id"))
    serializer_class = CertificateSerializer
    filterset_class = id_filterset(Certificate, id_fields=["organization", "referential"])
    action_permissions = WRITES

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.create_certificate(
            self.request.user, data.pop("organization"), data.pop("referential"), data)

    def perform_update(self, serializer):
        certificate = services.update_certificate(
            self.request.user, serializer.instance, dict(serializer.validated_data))
        serializer.instance = self.get_queryset().get(pk=certificate.pk)


class EngagementViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                        mixins.CreateModelMixin, mixins.UpdateModelMixin,
                        mixins.DestroyModelMixin, ScopedViewSet):
    """Audits of your structures: certification audits, internal and cross audits. An audit
    that has not started can be cancelled; one that started stays on record."""

    queryset = (Engagement.objects.select_related("certificate")
                .prefetch_related("referentials").order_by("start_date", "id"))
    serializer_class = EngagementSerializer
    filterset_class = id_filterset(Engagement, id_fields=["organization", "certificate"],
                                   fields=["kind"])
    action_permissions = WRITES

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.create_engagement(
            self.request.user, data.pop("organization"), data)

    def perform_update(self, serializer):
        engagement = services.update_engagement(
            self.request.user, serializer.instance, dict(serializer.validated_data))
        serializer.instance = self.get_queryset().get(pk=engagement.pk)

    def perform_destroy(self, instance):
        services.cancel_engagement(self.request.user, instance)

    @ACCESS_LOG_SCHEMA
    @action(detail=True, methods=["get"], url_path="access-log")
    def access_log(self, request, pk=None):
        """The audit's access log as CSV (quality managers): every event of its auditors (who,
        when, what, which object, request id) and of their invitations and accesses."""
        return access_log_response(request.user, self.get_object())
