"""The image can back up the compose stack's database: its pg_dump is the server's major version
(an older pg_dump refuses to dump a newer server)."""

import re

from tests.test_docker import dockerfile_instructions, services


def test_the_image_installs_the_postgresql_client_of_the_stacks_server():
    image = services()["postgres"]["image"]
    server_major = re.match(r"postgres:(\d+)", image).group(1)
    args = dict(arguments.partition("=")[::2] for keyword, arguments in dockerfile_instructions()
                if keyword == "ARG")
    assert args["PG_CLIENT_MAJOR"] == server_major
    installs = " ".join(arguments for keyword, arguments in dockerfile_instructions()
                        if keyword == "RUN")
    assert 'postgresql-client-${PG_CLIENT_MAJOR}' in installs
