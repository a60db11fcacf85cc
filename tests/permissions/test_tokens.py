"""Permission matrix of a person's API tokens (`/api/v1/me/tokens/`). Subjects and the world:
see `world.py` (two tokens per person); the checks: `base.py`.

A token belongs to no role: each signed-in subject lists and revokes its own only, and another
person's token is answered 404 whatever the role, the quality manager of its owner's structure
included. Revoking is audited (`token.revoke`, `token.revoke_all`, by the owner).
"""

from audit_prep.models import ApiToken, AuditEvent

from .base import Area, Endpoint, MatrixSuite

ENDPOINTS = [
    Endpoint("apitoken-list", "GET", "/api/v1/me/tokens/"),
    # the viewer's first token
    Endpoint("apitoken-detail", "GET", "/api/v1/me/tokens/{token}/"),
    Endpoint("apitoken-detail", "DELETE", "/api/v1/me/tokens/{token}/"),
    Endpoint("apitoken-revoke-all", "POST", "/api/v1/me/tokens/revoke-all/"),
]

# fmt: off
MATRIX = {
    # endpoint                          anonymous viewer contributor quality_manager outsider
    "apitoken-list GET":                    (401,  200,   200,        200,            200),
    "apitoken-detail GET":                  (401,  200,   404,        404,            404),
    "apitoken-detail DELETE":               (401,  204,   404,        404,            404),
    "apitoken-revoke-all POST":             (401,  200,   200,        200,            200),
}
# fmt: on

SHOWN = {"id", "prefix", "label", "created_at", "last_used_at", "expires_at", "current"}


def _own_tokens(endpoint, w, subject, response):
    own = set(ApiToken.objects.filter(user=w.users[subject]).values_list("pk", flat=True))
    results = response.json()["results"]
    assert len(own) == 2 and {item["id"] for item in results} == own
    for item in results:
        assert set(item) == SHOWN  # never the secret, nor its digest
        assert item["current"] is False  # the matrix's clients are not token-authenticated


def _token(endpoint, w, subject, response):
    body = response.json()
    assert (body["id"], body["label"], set(body)) == (w.ids["token"], "script", SHOWN)


READS = {"apitoken-list": _own_tokens, "apitoken-detail": _token}


def _revoked(w, response, user):
    assert not ApiToken.objects.filter(pk=w.ids["token"]).exists()
    assert ApiToken.objects.filter(user=user).count() == 1
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.object_id, event.organization_id) == (
        "token.revoke", str(w.ids["token"]), None)


def _all_revoked(w, response, user):
    assert response.json() == {"revoked": 2}
    assert not ApiToken.objects.filter(user=user).exists()
    assert ApiToken.objects.exclude(user=user).count() == 2 * (len(w.users) - 2)
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.after) == ("token.revoke_all", {"revoked": 2})


EFFECTS = {"apitoken-detail DELETE": _revoked, "apitoken-revoke-all POST": _all_revoked}


class TestTokens(MatrixSuite):
    area = Area(endpoints=ENDPOINTS, matrix=MATRIX, effects=EFFECTS, reads=READS,
                options_paths=("/api/v1/me/tokens/{token}/",))
