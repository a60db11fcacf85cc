"""Writing the append-only audit trail. Services call `record` inside the transaction of the
change they describe, so the event and the change commit or roll back together."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from .models import AuditEvent
from .request_id import current_request_id


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
    with transaction.atomic():
        return AuditEvent.objects.create(
            organization_id=organization_id,
            actor_id=actor_id,
            actor_label=(actor.get_username() if actor_id else "system")[:254],
            action=action,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            before=_jsonable(before),
            after=_jsonable(after),
            request_id=current_request_id(),
        )
