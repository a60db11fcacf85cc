"""The table-driven machinery of the role x scope permission matrix.

Each area of the API (`test_core`, `test_evidence`, `test_checklists`,
`test_notices_and_workers`) states its endpoints and the expected HTTP status for each subject
in an `Area` table, and inherits the checks below; `test_coverage` proves that the areas
together cover every route. Rows are keyed on route names and URLs, never on view classes, so
that a route moving to another app keeps its rows.

For every cell: a refused request (status >= 400) leaves every row of the database and every
object of the evidence store exactly as they were and answers the error format
{"error": {"code", "message", "request_id", ...}} with the stable code of its status; a
successful read (other than a download or export) writes nothing; a successful write (or
download) has its effect and leaves audit events by the acting user, but for the `personal`
writes (a person's own notifications marked read, their own preferences), which change that
person's rows only and leave no audit event.
"""

import dataclasses
import io
import json
import string
from collections.abc import Callable

import pytest

from audit_prep import access
from audit_prep.models import AuditEvent, Invitation
from audits.models import AuditorAccess, AuditorInvitation

from .world import ERROR_CODES, SUBJECTS, World, ids_in, snapshot

# Lists that only quality managers see the rows of.
QM_ONLY = (AuditEvent, Invitation, AuditorInvitation, AuditorAccess)


def multipart_file(name: str, data: bytes):
    handle = io.BytesIO(data)
    handle.name = name
    return handle


@dataclasses.dataclass(frozen=True)
class Endpoint:
    route: str  # URL name as registered (router "<basename>-<suffix>" or urlpatterns name)
    method: str
    path: str  # formatted with World.ids
    variant: str = ""  # tells two rows of the same route and method apart
    data: Callable | None = None  # World -> request body
    multipart: bool = False
    listing: type | None = None  # the model a list shows: org's objects visible (or not)
    only: str | None = None  # a nested list: the key in World.ids of its only item

    @property
    def key(self) -> str:
        return " ".join(filter(None, (self.route, self.method, self.variant)))

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/v1/")

    def request(self, client, w: World, path: str | None = None, method: str | None = None):
        call = getattr(client, (method or self.method).lower())
        path = path or self.path.format(**w.ids)
        if self.data is None:
            return call(path)
        return call(path, self.data(w), format="multipart" if self.multipart else "json")


@dataclasses.dataclass
class Area:
    """One area's table: its endpoints, the status per subject (`SUBJECTS` order) for each
    endpoint key, what each successful write must have done, and the area's other cases."""

    endpoints: list[Endpoint]
    matrix: dict[str, tuple[int, ...]]
    effects: dict[str, Callable] = dataclasses.field(default_factory=dict)
    # route -> check(w, subject, response) of a successful read (default: the object's id)
    reads: dict[str, Callable] = dataclasses.field(default_factory=dict)
    storing: frozenset = frozenset()  # writes that add objects to the store
    personal: dict = dataclasses.field(default_factory=dict)  # key -> the one table changed
    audited_reads: frozenset = frozenset()  # routes of reads that leave an audit event
    options_paths: tuple = ()  # object routes the outsider asks OPTIONS about
    cross_cases: dict = dataclasses.field(default_factory=dict)  # another structure's ids
    moves: list = dataclasses.field(default_factory=list)  # create-only fields, as params
    filters: list = dataclasses.field(default_factory=list)  # filters on foreign ids
    known_bugs: dict = dataclasses.field(default_factory=dict)  # (key, subject) -> reason
    # Rows open to anonymous requests (authorized by a secret in the body, not by a role), and
    # refusals with a code of their own: key -> {status: code}.
    public: frozenset = frozenset()
    error_codes: dict = dataclasses.field(default_factory=dict)

    @property
    def by_key(self) -> dict[str, Endpoint]:
        return {endpoint.key: endpoint for endpoint in self.endpoints}

    def marks(self, name: str, subject: str) -> list:
        reason = self.known_bugs.get((name, subject))
        return [pytest.mark.xfail(strict=True, reason=reason)] if reason else []

    def cell(self, name: str, subject: str, expected: int):
        return pytest.param(name, subject, expected, marks=self.marks(name, subject),
                            id=f"{name.replace(' ', '_')}-{subject}-{expected}")


def assert_error(response, status: int, code: str | None = None) -> None:
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert error["code"] == (code or ERROR_CODES[status]), error
    assert isinstance(error["message"], str) and error["message"], error
    assert error["request_id"] == response["X-Request-ID"], error
    assert set(error) <= {"code", "message", "request_id", "fields", "details"}, error
    assert bool(error.get("fields")) == (status == 400), error
    if status == 401:
        assert response["WWW-Authenticate"] == "Token"


def placeholders(path: str) -> list[str]:
    return [name for _text, name, _spec, _conv in string.Formatter().parse(path) if name]


def _library_ids(model) -> set[int]:
    """Rows of no structure, readable by every signed-in user (models that allow them)."""
    if not getattr(model, "scope_shared_when_unowned", False):
        return set()
    rows, owner = access.with_owner(model.objects.all())
    return set(rows.filter(**{f"{owner}__isnull": True}).values_list("pk", flat=True))


def _check_listing(endpoint: Endpoint, w: World, subject: str, response) -> None:
    body = response.json()
    listed = {item["id"] for item in body["results"]}
    assert body["count"] == len(listed)  # everything on the first page
    mine, theirs = ids_in(endpoint.listing, w.org), ids_in(endpoint.listing, w.other_org)
    assert mine and theirs  # the world holds such objects on both sides
    assert _library_ids(endpoint.listing) <= listed, "the library is for every signed-in user"
    if endpoint.only is not None:
        assert listed == {w.ids[endpoint.only]}
    elif endpoint.listing in QM_ONLY and subject in ("viewer", "contributor"):
        assert listed == set()  # the audit trail, invitations, auditors: quality managers only
    elif subject == "outsider":
        assert not listed & mine, f"{endpoint.listing.__name__} of org leaked to the outsider"
        assert theirs <= listed
    else:
        assert mine <= listed
        assert not listed & theirs, f"{endpoint.listing.__name__} of other_org leaked"


def check_object_read(endpoint: Endpoint, w: World, response) -> dict:
    """The object the path names, by its id; returns the body."""
    body = response.json()
    assert body["id"] == w.ids[placeholders(endpoint.path)[0]]
    return body


def _check_read(area: Area, endpoint: Endpoint, w: World, subject: str, response) -> None:
    if endpoint.listing is not None:
        _check_listing(endpoint, w, subject, response)
    elif endpoint.route in area.reads:
        area.reads[endpoint.route](endpoint, w, subject, response)
    elif endpoint.route not in area.audited_reads:
        check_object_read(endpoint, w, response)


def _check_success(area: Area, name: str, w: World, subject: str, response, before, after):
    endpoint = area.by_key[name]
    if subject == "anonymous" and not endpoint.path.startswith("/api/") \
            and response.status_code == 302:
        # a page sends anonymous visitors to sign in (and back after), whatever the method
        assert response["Location"] == f"/accounts/login/?next={endpoint.path.format(**w.ids)}"
        assert after == before, "an anonymous request to a page changed something"
        return
    if endpoint.method == "GET":
        _check_read(area, endpoint, w, subject, response)
    user = w.users[subject]
    if name in area.personal:
        area.effects[name](w, response, user)
        table = area.personal[name].__name__
        others = {key: rows for key, rows in after.items() if key != table}
        assert others == {key: rows for key, rows in before.items() if key != table}, \
            "a personal write changed something else (or left an audit event)"
        assert [row for row in after[table] if row["user_id"] != user.pk] == [
            row for row in before[table] if row["user_id"] != user.pk], \
            "a personal write changed another person's rows"
    elif name in area.effects:
        area.effects[name](w, response, user)
        audited = after["AuditEvent"][len(before["AuditEvent"]):]
        assert audited, "a successful write (or download) left no trace in the audit trail"
        if user is not None:  # an anonymous (public) write: its effect names the actor
            assert {event["actor_id"] for event in audited} == {user.pk}
        assert (after["store"] != before["store"]) == (name in area.storing)
    else:
        assert after == before, "a read wrote something"


def _suffixed(path: str) -> str:
    return "/api/v1/.json" if path == "/api/v1/" else path[:-1] + ".json"


def _codes(errors) -> list[str]:
    """The error codes of one field, list items (`{"1": [...]}`) included."""
    if isinstance(errors, dict):
        return [code for value in errors.values() for code in _codes(value)]
    return [code for error in errors
            for code in ([error["code"]] if "code" in error else _codes(error))]


def _params(names: str, items) -> tuple[str, list]:
    return names, list(items)


class MatrixSuite:
    """Every cell of the area's matrix, and the same routes spelled otherwise."""

    area: Area

    def test_matrix(self, world, name, subject, expected):
        endpoint = self.area.by_key[name]
        client = world.client(subject, session=not endpoint.path.startswith("/api/"))
        before = snapshot(world)

        response = endpoint.request(client, world)

        assert response.status_code == expected, getattr(response, "content", b"")[:500]
        after = snapshot(world)
        if expected >= 400:
            if endpoint.is_api or endpoint.path.startswith("/api/"):
                assert_error(response, expected,
                             self.area.error_codes.get(name, {}).get(expected))
            else:  # a page answers a page, never another structure's name
                assert response["Content-Type"].startswith("text/html")
                assert world.org.name not in response.content.decode()
            assert after == before, "a refused request changed the database or the store"
            return
        _check_success(self.area, name, world, subject, response, before, after)

    test_matrix.cases = lambda area: _params("name,subject,expected", (
        area.cell(name, subject, expected) for name, statuses in area.matrix.items()
        for subject, expected in zip(SUBJECTS, statuses, strict=True)))

    def test_head_answers_like_get(self, world, name, subject, expected):
        endpoint = self.area.by_key[name]
        before = snapshot(world)

        response = endpoint.request(world.client(subject, raise_request_exception=False), world,
                                    path=endpoint.path.format(**world.ids), method="HEAD")

        assert response.status_code == expected
        # HEAD transfers nothing: it writes nothing, not even a download or an export.
        assert snapshot(world) == before

    # The function views (@api_view) answer HEAD with 405: they list their methods.
    test_head_answers_like_get.cases = lambda area: _params("name,subject,expected", (
        area.cell(name, subject, area.matrix[name][SUBJECTS.index(subject)])
        for name, endpoint in area.by_key.items()
        if endpoint.is_api and endpoint.method == "GET"
        and endpoint.route not in ("me", "me-preferences")
        for subject in ("anonymous", "viewer", "outsider")))

    def test_format_suffix_routes_are_gone(self, world, name):
        """No `.json` spelling of any route (the router is built without format suffixes): 404
        for every subject, anonymous included since URL resolution comes before
        authentication, the same answer for all, and nothing changed, whatever the method and
        the body."""
        endpoint = self.area.by_key[name]
        path = _suffixed(endpoint.path.format(**world.ids))
        before = snapshot(world)

        responses = {subject: endpoint.request(
            world.client(subject, raise_request_exception=False), world, path=path)
            for subject in SUBJECTS}

        assert {subject: r.status_code for subject, r in responses.items()} == dict.fromkeys(
            SUBJECTS, 404)
        for response in responses.values():
            assert_error(response, 404)  # the API's error shape, not Django's HTML page
        errors = {json.dumps({**r.json()["error"], "request_id": ""}, sort_keys=True)
                  for r in responses.values()}
        assert len(errors) == 1, "the answer depends on the user"
        assert snapshot(world) == before, "a request on a '.json' spelling changed something"

    test_format_suffix_routes_are_gone.cases = lambda area: _params("name", (
        name for name, endpoint in area.by_key.items() if endpoint.is_api))

    def test_options_reveal_nothing_to_the_outsider(self, world, path):
        """OPTIONS describes the route, not the object: the outsider gets the same answer for
        an object of `org` as for an id that does not exist, and no form to change it."""
        client = world.client("outsider")
        response = client.options(path.format(**world.ids))
        missing = client.options(path.format(**dict.fromkeys(world.ids, 999_999)))
        assert response.status_code == 200
        assert response.json() == missing.json()
        # POST is described from the serializer alone; PUT only when the object may be changed.
        assert "PUT" not in response.json().get("actions", {})
        anonymous = world.client("anonymous").options(path.format(**world.ids))
        assert anonymous.status_code == 401
        assert_error(anonymous, 401)

    test_options_reveal_nothing_to_the_outsider.cases = lambda area: _params(
        "path", area.options_paths)


class CrossStructureSuite:
    """Another structure's ids in a request body, in create-only fields and in filters."""

    area: Area

    def test_ids_of_another_structure_in_the_body(self, world, dual, subject, build, status,
                                                  field, code):
        method, path, data = build(world)
        multipart = "files" in data or "file" in data
        before = snapshot(world)

        response = getattr(world.client(subject), method)(
            path, data, format="multipart" if multipart else "json")

        assert response.status_code == status, response.content
        assert_error(response, status)
        if field is not None:
            errors = response.json()["error"]["fields"]
            assert set(errors) == {field}, errors
            assert _codes(errors[field]) == [code], errors
        assert snapshot(world) == before, "a refused request changed the database or the store"

    test_ids_of_another_structure_in_the_body.cases = lambda area: _params(
        "subject,build,status,field,code",
        (pytest.param(*case, id=name) for name, case in area.cross_cases.items()))

    def test_an_object_cannot_be_moved_to_another_structure(self, world, path, data, rows):
        before = rows()
        response = world.client("quality_manager").patch(path.format(**world.ids), data(world),
                                                         format="json")
        assert response.status_code == 200, response.content
        assert response.json()["organization"] == world.org.pk
        assert rows() == before

    test_an_object_cannot_be_moved_to_another_structure.cases = lambda area: _params(
        "path,data,rows", area.moves)

    def test_filters_on_another_structures_ids_reveal_nothing(self, world, path, key):
        """The quality manager of `org` filters on ids of `other_org`: an empty page, and the
        same answer as for an id that does not exist (no existence oracle)."""
        client = world.client("quality_manager")
        foreign = world.users[key].pk if key in world.users else world.other_ids[key]
        response = client.get(path.format(foreign))
        missing = client.get(path.format(999_999))
        assert response.status_code == 200, response.content
        assert response.json()["results"] == []
        assert (missing.status_code, missing.json()) == (200, response.json())

    test_filters_on_another_structures_ids_reveal_nothing.cases = lambda area: _params(
        "path,key", area.filters)


def cross_request(path: str, build: Callable, **changes) -> Callable:
    """A POST to `path` with `build(w)` as the body and `changes` (World -> value) applied."""
    def request(w):
        return "post", path, {**build(w), **{name: value(w) for name, value in changes.items()}}
    return request


def other(key: str) -> Callable:
    return lambda w: w.other_ids[key]


def other_org(w) -> int:
    return w.other_org.pk


def org(w) -> int:
    return w.org.pk


def invalid_in_other_org(path: str, build: Callable) -> Callable:
    """An invalid body naming other_org (or, for links, its evidence)."""
    def request(w):
        data = build(w)
        if "organization" in data:
            data["organization"] = w.other_org.pk
        else:
            data["evidence"] = (w.other_ids["evidence"] if isinstance(data["evidence"], int)
                                else [w.other_ids["evidence"]])
        return "post", path, data
    return request

