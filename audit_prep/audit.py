"""Writing the append-only audit trail. Services call `record` inside the transaction of the
change they describe, so the event and the change commit or roll back together."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from .models import AuditEvent
from .request_id import current_client_request_id, current_request_id


def _jsonable(value):
    if value is None:
        return None
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


FROM_OBJECT = object()


def record(actor, action: str, obj, *, organization_id=FROM_OBJECT, before=None,
           after=None) -> AuditEvent:
    """Append one event. `obj` is any model instance; `organization_id` defaults to the object's
    own organization (None for a person's own settings, which belong to no structure)."""
    from .access import organization_of

    if organization_id is FROM_OBJECT:
        organization_id = organization_of(obj)
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    return _append(
        organization_id=organization_id, actor_id=actor_id,
        actor_label=actor.get_username() if actor_id else "system", action=action,
        object_type=obj._meta.label_lower, object_id=str(obj.pk), object_repr=str(obj),
        before=before, after=after)


def record_anonymous(action: str, *, object_type: str, object_id: str, object_repr: str,
                     after=None) -> AuditEvent:
    """Append one event of nobody signed in, in no structure (a failed sign-in: the person
    typing is unknown, whatever account they name)."""
    return _append(organization_id=None, actor_id=None, actor_label="anonymous", action=action,
                   object_type=object_type, object_id=object_id, object_repr=object_repr,
                   before=None, after=after)


def _append(*, actor_label: str, object_repr: str, before, after, **fields) -> AuditEvent:
    with transaction.atomic():
        return AuditEvent.objects.create(
            **fields, actor_label=actor_label[:254], object_repr=object_repr[:200],
            before=_jsonable(before), after=_jsonable(after), request_id=current_request_id(),
            client_request_id=current_client_request_id(),
        )
