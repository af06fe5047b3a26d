"""A separate process reading (or creating) the shared secret key file: prints the key.
``python -m tests.processes.secret_reader PATH GO`` (waits for GO to exist)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from dashboard.web.server import shared_secret_file

if __name__ == "__main__":
    path, go = Path(sys.argv[1]), Path(sys.argv[2])
    while not go.exists():
        time.sleep(0.001)
    print(shared_secret_file(path))
