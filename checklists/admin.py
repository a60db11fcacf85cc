from django.contrib import admin
from django.utils.translation import gettext as _

from .models import TagSuggestion
from .suggestions import stats


@admin.register(TagSuggestion)
class TagSuggestionAdmin(admin.ModelAdmin):
    """What suggested tags were shown and decided; the acceptance rate heads the list (of the
    rows the filters keep), overall and by rank."""

    list_display = ("evidence", "requirement", "source", "rank", "score", "shown_at",
                    "decision", "decided_by", "decided_at")
    list_filter = ("decision", "source", "rank")
    search_fields = ("evidence__title", "requirement__ref_id")
    raw_id_fields = ("evidence", "requirement", "decided_by")
    readonly_fields = ("words",)

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        context = getattr(response, "context_data", None)  # a redirect has none
        if context is not None and context.get("cl") is not None:
            context["title"] = _rates_title(stats.acceptance(context["cl"].queryset))
        return response


def _rates_title(figures: dict) -> str:
    def line(counts: dict) -> str:
        rate = counts["acceptance_rate"]
        return _("%(rate)s accepted (%(accepted)d of %(decided)d decided, %(shown)d shown)") % {
            "rate": "—" if rate is None else f"{rate} %", "accepted": counts["accepted"],
            "decided": counts["accepted"] + counts["dismissed"], "shown": counts["shown"]}

    ranks = "; ".join(_("rank %(rank)s: %(line)s") % {"rank": row["rank"], "line": line(row)}
                      for row in figures["by_rank"])
    head = _("Suggested tags: %(line)s") % {"line": line(figures["overall"])}
    return f"{head} — {ranks}" if ranks else head
