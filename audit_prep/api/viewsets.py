"""The scoped base viewset: every action, custom actions included, reads its objects through
`access.scope`, and checks the role needed for the action with `access.require`.

The role an action needs (`ScopedViewSet.required_action`) is enforced where it is declared:
- on an object (detail routes): when the view fetches it (`has_object_permission`): 404 when
  the object is out of scope, 403 when visible but the role does not allow the action;
- without an object (create, bulk, import...): before the request body is validated
  (`has_permission`), in the organization the request names (`target_organizations`) when the
  user can see it, else in at least one of the user's organizations (the service then checks
  the precise one, and the serializer answers an organization out of scope like an id that does
  not exist). Reads without an object (lists) are restricted by the scope itself.
"""

from rest_framework import viewsets
from rest_framework.exceptions import PermissionDenied
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


def _id(value) -> int | None:
    """An id as sent in a body or a query string, or None when it is not one."""
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def named_ids(data, field: str) -> list[int]:
    """The ids a request body (or query) gives in `field`, one or a list; nothing trusted."""
    if not hasattr(data, "get"):
        return []
    if hasattr(data, "getlist"):
        values = data.getlist(field)
    else:
        value = data.get(field)
        values = value if isinstance(value, list) else [value]
    return [number for number in map(_id, values) if number is not None]


class ScopedActionPermission(IsAuthenticated):
    """The user's role must allow the view's action: in the object's organization (object
    routes), or in the organization the request names (routes without an object)."""

    def has_permission(self, request, view):
        if not super().has_permission(request, view):
            return False
        action = view.required_action()
        if action is None or action == Action.VIEW or getattr(view, "detail", True):
            return True  # object routes: checked on the object; lists: the scope itself
        user = request.user
        allowed = access.organization_ids(user, action)
        if not allowed:
            raise PermissionDenied()  # nowhere: refused before reading the body
        visible = access.organization_ids(user, Action.VIEW)
        named = view.target_organizations(request) & visible
        if not named <= allowed:
            raise PermissionDenied()
        return True

    def may_forbid(self, view) -> bool:
        """For the schema (audit_prep.api.schema): whether a signed-in user can get 403 here,
        i.e. whether the action needs more than seeing its objects."""
        return view.required_action() not in (None, Action.VIEW)

    def has_object_permission(self, request, view, obj):
        action = view.required_action()
        if action is not None:
            access.require_object(request.user, action, obj)
        return True


class ScopedViewSet(viewsets.GenericViewSet):
    """Base for every API viewset. Subclasses set `queryset` and may map actions to the
    `Action` they need in `action_permissions` (None: any signed-in user). A route without an
    object names its organization in `organization_field` of the body (or query string), or
    overrides `target_organizations`."""

    permission_classes = [ScopedActionPermission]
    action_permissions: dict[str, Action | None] = {}
    organization_field = "organization"

    def required_action(self) -> Action | None:
        if self.action in self.action_permissions:
            return self.action_permissions[self.action]
        return DEFAULT_ACTIONS.get(self.action, Action.VIEW)

    def target_organizations(self, request) -> set[int]:
        """Ids of the organizations a request without an object names (unchecked: the
        permission keeps those the user can see)."""
        return {*named_ids(request.data, self.organization_field),
                *named_ids(request.query_params, self.organization_field)}

    def get_queryset(self):
        # Objects are found through VIEW; the role for the action itself is checked per object,
        # so that a member gets 403 (visible, not allowed) and an outsider 404 (not visible).
        return access.scope(super().get_queryset(), self.request.user, Action.VIEW)
