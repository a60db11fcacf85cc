"""Changing an evidence item's details from the web: the API's update serializer validates the
form, `update_evidence` makes the change (and writes the audit trail), and the warnings the API
returns beside the item (`title_warnings`) are shown after the change. Refusals are shown beside
their field, in the API's words."""

from typing import cast

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Field
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from rest_framework import exceptions

from audit_prep import access
from audit_prep.page_forms import error_messages, refusals
from audit_prep.roles import Action
from evidence import services
from evidence.api.serializers import EvidenceSerializer
from evidence.models import EvidenceItem, EvidenceKind

from .evidence_pages import item_or_404

DATES = ("effective_date", "period_start", "period_end", "valid_until", "retention_until")
# The form's fields in order, with the input each one is (the labels are the model's).
FIELDS = (("title", "text"), ("description", "textarea"), ("kind", "select"),
          ("owner", "select"), ("effective_date", "date"), ("period_start", "date"),
          ("period_end", "date"), ("renewal_months", "number"), ("valid_until", "date"),
          ("retention_until", "date"), ("tags", "text"))
REQUIRED = {"title", "kind", "effective_date"}


def _initial(item: EvidenceItem) -> dict:
    values = {name: getattr(item, name) for name, _input in FIELDS if name not in (
        "owner", "tags")}
    values.update(owner=item.owner_id or "", tags=", ".join(t.name for t in item.tags.all()))
    values = {name: "" if value is None else value for name, value in values.items()}
    for name in DATES:
        values[name] = values[name].isoformat() if values[name] else ""
    if item.renewal_months:  # the end follows from the period: only one of them is given
        values["valid_until"] = ""
    return values


def _data(post) -> dict:
    """The form as the API's serializer reads a PUT: an empty optional field is null, an empty
    required one is absent (the API's "required" refusal), tags a comma-separated list."""
    data: dict = {}
    for name, _input in FIELDS:
        value = post.get(name, "").strip() if name != "description" else post.get(name, "")
        if name == "tags":
            data[name] = [tag.strip() for tag in value.split(",") if tag.strip()]
        elif value or name == "description":
            data[name] = value
        elif name not in REQUIRED:
            data[name] = None
    return data


def _field_refusals(call) -> dict[str, list[str]]:
    """The refusal of `call` by field ("" for the form as a whole); {} on success."""
    found: dict[str, list[str]] = {}

    def attempt():
        try:
            call()
        except exceptions.ValidationError as refusal:
            if not isinstance(refusal.detail, dict):
                raise
            for field, detail in refusal.detail.items():
                key = field if field in dict(FIELDS) else ""
                found.setdefault(key, []).extend(error_messages(detail))

    general = refusals(attempt)
    if general:
        found.setdefault("", []).extend(general)
    return found


def _fields(item: EvidenceItem, values: dict, errors: dict) -> list[dict]:
    members = (get_user_model().objects.filter(memberships__organization_id=item.organization_id)
               .order_by("username"))
    choices = {"kind": list(EvidenceKind.choices),
               "owner": [("", _("Nobody"))] + [(str(user.pk), user.get_full_name()
                                                 or user.get_username()) for user in members]}
    meta = EvidenceItem._meta
    return [{"name": name, "input": input_type, "value": str(values.get(name, "")),
             "label": _("Tags") if name == "tags" else cast(Field, meta.get_field(name)
                                                            ).verbose_name,
             "required": name in REQUIRED, "errors": errors.get(name, []),
             "choices": choices.get(name)} for name, input_type in FIELDS]


@login_required
def edit(request, evidence_id: int):
    """The form of the item's details (those who may change it); sent: the item changed, its
    warnings shown, back to its page."""
    item = item_or_404(request, evidence_id)
    refusals(lambda: access.require(request.user, Action.CHANGE, item.organization_id))
    values, errors = _initial(item), {}
    if request.method == "POST":
        values = {name: request.POST.get(name, "") for name, _input in FIELDS}
        changed = []

        def change():
            serializer = EvidenceSerializer(item, data=_data(request.POST),
                                            context={"request": request})
            serializer.is_valid(raise_exception=True)
            changed.append(services.update_evidence(request.user, item,
                                                    dict(serializer.validated_data)))

        errors = _field_refusals(change)
        if not errors:
            messages.success(request, _("The details were saved."))
            for warning in services.title_warnings(changed[0]):
                messages.warning(request, warning["message"])
            return redirect("evidence-page", item.pk)
    return render(request, "checklists/pages/evidence_edit.html", {
        "item": item, "fields": _fields(item, values, errors), "errors": errors.get("", []),
        "renewal_help": _("Give either an end of validity or a renewal period: with a period, "
                          "the end follows from the effective date or the latest review.")},
        status=400 if errors else 200)
