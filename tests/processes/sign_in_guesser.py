"""A separate process that tries wrong passwords: ``python -m tests.processes.sign_in_guesser
URL DATA_DIR NAME TRIES``; prints the status code of each sign-in, one per line."""

from __future__ import annotations

import sys
from pathlib import Path

from dashboard.settings import Settings
from dashboard.web.app import create_app
from tests.web_client import sign_in


def main(url: str, data_dir: str, name: str, tries: int) -> int:
    settings = Settings(database_url=url, data_dir=Path(data_dir), seed_demo_on_start=False)
    client = create_app(settings).server.test_client()
    client.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    for _ in range(tries):
        print(sign_in(client, name, "wrong-guess").status_code, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
