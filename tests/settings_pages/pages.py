"""What the tests of the settings pages share: their paths, a page's text as read, and the
number of queries a page runs."""

import html

from django.db import connection
from django.test.utils import CaptureQueriesContext


def settings(org, rest: str = "") -> str:
    return f"/structures/{org.pk}/settings/{rest}"


def text(response) -> str:
    """The page as a reader gets it (entities decoded; French typography's narrow spaces
    kept)."""
    return html.unescape(response.content.decode())


def queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)
