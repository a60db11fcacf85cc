"""The scoped base viewset: every action, custom actions included, reads its objects through
`access.scope`, and checks the role needed for the action with `access.require`."""

from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated

from .. import access
from ..roles import Action

DEFAULT_ACTIONS = {
    "list": Action.VIEW,
    "retrieve": Action.VIEW,
    "create": Action.CREATE,
    "update": Action.CHANGE,
    "partial_update": Action.CHANGE,
    "destroy": Action.CHANGE,
}


class ScopedActionPermission(IsAuthenticated):
    """Object-level: the user's role in the object's organization must allow the view action."""

    def has_object_permission(self, request, view, obj):
        access.require_object(request.user, view.required_action(), obj)
        return True


class ScopedViewSet(viewsets.GenericViewSet):
    """Base for every API viewset. Subclasses set `queryset` and may map custom actions to the
    `Action` they need in `action_permissions`."""

    permission_classes = [ScopedActionPermission]
    action_permissions: dict[str, Action] = {}

    def required_action(self) -> Action:
        return self.action_permissions.get(self.action) or DEFAULT_ACTIONS.get(
            self.action, Action.VIEW
        )

    def get_queryset(self):
        # Objects are found through VIEW; the role for the action itself is checked per object,
        # so that a member gets 403 (visible, not allowed) and an outsider 404 (not visible).
        return access.scope(super().get_queryset(), self.request.user, Action.VIEW)
