"""Where the structure's pages of evidence requests are (for links from reminders and
notifications, which cannot reverse URLs in a worker without a request)."""


def board_path(organization_id: int, engagement_id: int) -> str:
    return f"/structures/{organization_id}/settings/audits/{engagement_id}/requests/"


def request_path(organization_id: int, engagement_id: int, request_id: int) -> str:
    return f"{board_path(organization_id, engagement_id)}{request_id}/"
