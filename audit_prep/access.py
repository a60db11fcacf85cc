"""The one authorization choke point.

Every queryset that reaches a user goes through `scope(queryset, user, action)`, and every action
on an object through `can` / `require`. A model states where its organization is with a
`scope_path` attribute ("organization", "revision__evidence__organization", ...); a model whose
rows may belong to an organization in more than one way lists the paths in `scope_paths`, in
order: a row belongs to the first organization found (the requirements a structure adds under a
library referential's nodes: their own organization, else their referential's).

Shared reference data (the referential library: rows whose organization is empty) is readable
by every signed-in user when its model sets `scope_shared_when_unowned = True`; it is never
writable through the API.

Grants come from *sources*: functions returning, for a user and an action, the ids of the
organizations where the user may perform it. Memberships are the only organization-wide source.

An audit engagement is also reachable through *engagement grants* (decision 0022):
`engagement_actions(user, engagement)` is the union of what the engagement grant sources give.
Members get their role's actions in the engagement's structure; the `audits` app registers the
external auditor's time-boxed access to that one engagement. An auditor holds no organization
grant, so `scope` shows them nothing of the structure's vault: what they see is derived from the
engagement after `require_engagement`.
"""

from collections.abc import Callable, Iterable
from typing import Any, ClassVar, Protocol

from django.db.models import IntegerField, Q, QuerySet
from django.db.models.functions import Coalesce
from rest_framework.exceptions import NotFound, PermissionDenied

from .roles import ROLE_ACTIONS, Action, Role

GrantSource = Callable[[object, Action], Iterable[int] | QuerySet]
EngagementGrantSource = Callable[[object, Any], frozenset[Action]]
_grant_sources: list[GrantSource] = []
_engagement_grant_sources: list[EngagementGrantSource] = []
_ROLE_CACHE_ATTR = "_audit_prep_roles"


class Scoped(Protocol):
    """A model instance whose class states where its organization is."""

    scope_path: ClassVar[str]
    pk: Any


def register_grant_source(source: GrantSource) -> GrantSource:
    if source not in _grant_sources:
        _grant_sources.append(source)
    return source


@register_grant_source
def membership_grants(user, action: Action) -> QuerySet:
    from .models import Membership

    roles = [role for role, actions in ROLE_ACTIONS.items() if action in actions]
    return Membership.objects.filter(user=user, role__in=roles).values_list(
        "organization_id", flat=True
    )


def _authenticated(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def with_owner(queryset: QuerySet) -> tuple[QuerySet, str]:
    """The queryset and the lookup of the organization each row belongs to (for `scope_paths`,
    the first organization found, as an alias)."""
    paths = getattr(queryset.model, "scope_paths", None)
    if not paths:
        return queryset, queryset.model.scope_path
    return queryset.alias(_scope_owner=Coalesce(*paths, output_field=IntegerField())), \
        "_scope_owner"


def scope(queryset: QuerySet, user, action: Action = Action.VIEW) -> QuerySet:
    """Restrict `queryset` to the rows whose organization grants `action` to `user`."""
    if not _authenticated(user):
        return queryset.none()
    model = queryset.model
    queryset, path = with_owner(queryset)
    condition = Q()
    for source in _grant_sources:
        condition |= Q(**{f"{path}__in": source(user, action)})
    if action == Action.VIEW and getattr(model, "scope_shared_when_unowned", False):
        condition |= Q(**{f"{path}__isnull": True})
    return queryset.filter(condition)


def organization_ids(user, action: Action) -> set[int]:
    """Ids of organizations where `user` may perform `action`, memoised on the user object for
    the request (one query per action, whatever the number of objects checked)."""
    if not _authenticated(user):
        return set()
    cache = user.__dict__.setdefault(_ROLE_CACHE_ATTR, {})
    if action not in cache:
        ids: set[int] = set()
        for source in _grant_sources:
            ids.update(source(user, action))
        cache[action] = ids
    return cache[action]


def memoised(user, key, compute: Callable[[], Any]) -> Any:
    """`compute()` once per request and user (grants of any source; `forget` drops them)."""
    cache = user.__dict__.setdefault(_ROLE_CACHE_ATTR, {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def forget(user) -> None:
    """Drop the memoised grants (after a membership change within the same request)."""
    user.__dict__.pop(_ROLE_CACHE_ATTR, None)


def can(user, action: Action, organization_id: int) -> bool:
    return organization_id in organization_ids(user, action)


def require(user, action: Action, organization_id: int) -> None:
    """Raise 404 when the organization is not visible at all, 403 when visible but the user's
    role does not allow `action`."""
    if can(user, action, organization_id):
        return
    if can(user, Action.VIEW, organization_id):
        raise PermissionDenied()
    raise NotFound()


def require_object(user, action: Action, obj: Scoped) -> None:
    """`require` for one object; shared reference rows (no organization) may only be viewed."""
    organization_id = organization_of(obj)
    if organization_id is None:  # a shared reference row, or nothing anyone may see
        if (action == Action.VIEW and _authenticated(user)
                and getattr(type(obj), "scope_shared_when_unowned", False)):
            return
        raise NotFound()
    require(user, action, organization_id)


def organization_of(obj: Scoped) -> int | None:
    """The organization id an object belongs to, following its model's `scope_path`."""
    model = type(obj)
    for path in getattr(model, "scope_paths", None) or (model.scope_path,):
        if path == "pk":
            return obj.pk
        target = obj
        parts = path.split("__")
        for part in parts[:-1]:
            target = getattr(target, part)
        organization_id = getattr(target, f"{parts[-1]}_id")
        if organization_id is not None:
            return organization_id
    return None


def register_engagement_grant_source(source: EngagementGrantSource) -> EngagementGrantSource:
    if source not in _engagement_grant_sources:
        _engagement_grant_sources.append(source)
    return source


def role_in(user, organization_id: int) -> str | None:
    """The user's role in one structure (None when not a member), memoised for the request."""
    from .models import Membership

    if not _authenticated(user):
        return None
    return memoised(user, ("role", organization_id), lambda: Membership.objects.filter(
        user=user, organization_id=organization_id).values_list("role", flat=True).first())


@register_engagement_grant_source
def membership_engagement_grants(user, engagement) -> frozenset[Action]:
    """Members get their role's actions; on an audit the structure runs itself (internal or
    cross audit, `engagement.audited_by_structure`) its quality managers also audit: they
    record the findings (decision 0026)."""
    role = role_in(user, engagement.organization_id)
    if not role:
        return frozenset()
    if role == Role.QUALITY_MANAGER and getattr(engagement, "audited_by_structure", False):
        return ROLE_ACTIONS[role] | {Action.AUDIT}
    return ROLE_ACTIONS[role]


def engagement_actions(user, engagement) -> frozenset[Action]:
    """What `user` may do on one audit engagement, whichever source grants it."""
    if not _authenticated(user):
        return frozenset()
    granted: set[Action] = set()
    for source in _engagement_grant_sources:
        granted |= source(user, engagement)
    return frozenset(granted)


def require_engagement(user, action: Action, engagement) -> None:
    """`require` for one engagement: 404 when the user has no grant on it at all, 403 when the
    grant does not include `action`."""
    actions = engagement_actions(user, engagement)
    if action in actions:
        return
    if Action.VIEW in actions:
        raise PermissionDenied()
    raise NotFound()
