"""The evidence list page's search and filters (decision 0030): the same FilterSet as the API
(`LinkedEvidenceFilter`: words, structure, referential, requirement, status, kind, owner,
dates), the same order rule (best first when searching, unless an order is chosen), the
excerpt of each result on the page, and the choices the filters offer."""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from audit_prep import access
from audit_prep.models import Organization
from evidence import search

from .evidence_filters import LinkedEvidenceFilter
from .models import Adoption, Referential

# The sort orders offered, as the API's `ordering` spells them; "" is the default: best first
# when searching, the latest changes first otherwise.
ORDERINGS = {
    "": _("Best match first (latest changes when no words are typed)"),
    "-updated_at": _("Latest changes first"),
    "title": _("Title"),
    "validity_end": _("End of validity, soonest first"),
    "-validity_end": _("End of validity, latest first"),
    "-effective_date": _("Effective date, newest first"),
}
DATE_FILTERS = (
    ("effective_after", _("Effective from")), ("effective_before", _("Effective until")),
    ("updated_after", _("Changed from")), ("updated_before", _("Changed until")),
    ("valid_until_after", _("Valid until, from")), ("valid_until_before", _("Valid until, to")),
)


@dataclass
class Listing:
    """What the filters kept, in the order to show, and what was refused."""

    items: QuerySet
    ordering: str
    query: search.SearchQuery | None = None
    search_errors: list[str] = field(default_factory=list)
    errors: dict = field(default_factory=dict)


def listing(request, items: QuerySet) -> Listing:
    """`items` (already narrowed by the choke point) as the request's filters keep them."""
    ordering = request.GET.get("ordering", "")
    ordering = ordering if ordering in ORDERINGS else ""
    data = request.GET.copy()
    data.pop("requirement", None)  # the page's own: the requirement's name, a link from it
    for name in list(data):  # an empty field means "not given", as an absent parameter does
        data.setlist(name, [value for value in data.getlist(name) if value])
    found = LinkedEvidenceFilter(data, queryset=items, request=request)
    if not found.is_valid():
        errors = dict(found.errors)
        return Listing(items.none(), ordering, search_errors=list(errors.pop("q", [])),
                       errors=errors)
    items = found.qs
    if ordering:
        items = items.order_by(ordering, "-id")
    elif "search_rank" not in items.query.annotations:
        items = items.order_by("-updated_at", "-id")
    return Listing(items, ordering, query=found.form.cleaned_data.get("q"))


def preview_href(file_id: int, page: int | None) -> str:
    """Where the words are: the file's in-browser preview, at the page for a PDF."""
    return reverse("file-preview", args=[file_id]) + (f"#page={page}" if page else "")


def describe_matches(items, query: search.SearchQuery | None, href=preview_href,
                     found: dict | None = None) -> None:
    """Gives each item of one page of results its `match` (`search.Excerpt` or None) and
    `match_href` (`href` of the file and page where the words are, when it has pages): one
    query, unless the excerpts are `found` already."""
    if found is None:
        found = search.excerpts([item.pk for item in items], query) if query else {}
    for item in items:
        excerpt = found.get(item.pk)
        item.match = excerpt
        item.match_href = href(excerpt.file_id, excerpt.page) if excerpt and excerpt.page \
            else ""


def filter_choices(request) -> dict:
    """The structures, referentials and owners the filters offer (those the user sees), and
    the date filters with the values asked."""
    user = request.user
    dates = [(name, label, request.GET.get(name, "")) for name, label in DATE_FILTERS]
    organizations = access.scope(Organization.objects.order_by("name"), user)
    adopted = access.scope(Adoption.objects.all(), user).values("referential_id")
    owners = (get_user_model().objects.filter(memberships__organization__in=organizations)
              .distinct().order_by("username"))
    return {
        "organizations": organizations,
        "referentials": Referential.objects.filter(pk__in=adopted).order_by("ref_id"),
        "owners": [(user.pk, user.get_full_name() or user.get_username()) for user in owners],
        "orderings": ORDERINGS.items(),
        "date_filters": dates, "dates_asked": any(value for _name, _label, value in dates),
    }
