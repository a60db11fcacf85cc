"""A structure's reminder policy, in its settings: when reminders go out before evidence
expires, the weekly reminder while overdue, the escalation to the quality managers, and the
digests before a target audit date. Read by every member; changed by quality managers with the
API's serializer and service (`reminder-policies/`, `services.update_policy`)."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from audit_prep.page_forms import field_errors as form_field_errors
from audit_prep.page_forms import refusals
from audit_prep.roles import Action
from audit_prep.structure_settings import frame, structure

from . import services
from .api.serializers import ReminderPolicySerializer


def numbers(value: str) -> list[str]:
    """The numbers typed in one field ("60, 30, 7, 0"), as the API's list receives them."""
    return [part for part in re.split(r"[\s,;]+", value.strip()) if part]


def as_text(values) -> str:
    return ", ".join(str(value) for value in values)


@login_required
def reminders(request, organization_id: int):
    """The structure's reminder policy; quality managers change it."""
    action = Action.MANAGE_ORGANIZATION if request.method == "POST" else Action.VIEW
    organization = structure(request.user, organization_id, action)
    policy = services.policy_of(organization)
    values = {"lead_days": as_text(policy.lead_days), "overdue_weekly": policy.overdue_weekly,
              "escalate_after_days": policy.escalate_after_days,
              "audit_gap_weeks": as_text(policy.audit_gap_weeks)}
    field_errors: dict[str, list[str]] = {}
    refused: list[str] = []
    if request.method == "POST":
        post = request.POST
        values = {"lead_days": post.get("lead_days", ""),
                  "overdue_weekly": "overdue_weekly" in post,
                  "escalate_after_days": post.get("escalate_after_days", ""),
                  "audit_gap_weeks": post.get("audit_gap_weeks", "")}
        form = ReminderPolicySerializer(policy, data={
            **values, "lead_days": numbers(post.get("lead_days", "")),
            "audit_gap_weeks": numbers(post.get("audit_gap_weeks", ""))})
        if not form.is_valid():
            field_errors = form_field_errors(form)
        else:
            refused = refusals(lambda: services.update_policy(request.user, organization,
                                                              dict(form.validated_data)))
            if not refused:
                messages.success(request, _("The reminder policy was saved."))
                return redirect("structure-settings-reminders", organization.pk)
    return render(request, "notices/pages/settings_reminders.html", frame(
        organization, "reminders", request.user, Action.MANAGE_ORGANIZATION, policy=policy,
        values=values, field_errors=field_errors, refusals=refused),
        status=400 if field_errors or refused else 200)
