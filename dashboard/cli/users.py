"""Verbs of people and screens: users, API tokens and wall-screen links."""

from __future__ import annotations

import argparse
import getpass
import sys

from dashboard.cli.common import (
    EXIT_OK,
    EXIT_REFUSED,
)
from dashboard.cli.common import (
    now as _now,
)
from dashboard.cli.common import (
    print_json as _print_json,
)
from dashboard.services import users, wall
from dashboard.services.db import get_engine
from dashboard.settings import Settings


def _read_password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password: ")
    second = getpass.getpass("Repeat password: ")
    if first != second:
        print("error: the passwords differ", file=sys.stderr)
        return None
    return first


def cmd_create_user(args: argparse.Namespace, settings: Settings) -> int:
    password = _read_password(args)
    if password is None:
        return EXIT_REFUSED
    engine = get_engine(settings.database_url)
    try:
        user = users.create_user(
            engine,
            name=args.name,
            password=password,
            role=args.role,
            regions=args.region or (),
            now=_now(),
        )
    except users.UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    scope = ", ".join(user.regions) if user.regions else "all regions"
    print(f"user {user.name}: role {user.role}, {scope}")
    return EXIT_OK


def cmd_deactivate_user(args: argparse.Namespace, settings: Settings) -> int:
    if not users.deactivate_user(get_engine(settings.database_url), args.name):
        print(f"error: no user named {args.name}", file=sys.stderr)
        return EXIT_REFUSED
    print(f"user {args.name}: deactivated, every session ended")
    return EXIT_OK


def cmd_sign_out_everywhere(args: argparse.Namespace, settings: Settings) -> int:
    count = users.sign_out_everywhere(get_engine(settings.database_url), args.name)
    if count is None:
        print(f"error: no user named {args.name}", file=sys.stderr)
        return EXIT_REFUSED
    print(f"user {args.name}: {count} session(s) ended")
    return EXIT_OK


def cmd_create_token(args: argparse.Namespace, settings: Settings) -> int:
    engine = get_engine(settings.database_url)
    try:
        token = users.create_token(engine, name=args.name, now=_now(), scope=args.scope)
    except users.UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    print(token)
    print("Store this token now: it is shown once and only its hash is kept.", file=sys.stderr)
    return EXIT_OK


def cmd_revoke_token(args: argparse.Namespace, settings: Settings) -> int:
    engine = get_engine(settings.database_url)
    count = users.revoke_token(engine, name=args.name, now=_now())
    print(f"revoked {count} token(s) named {args.name}")
    return EXIT_OK if count else EXIT_REFUSED


def cmd_wall_link_create(args: argparse.Namespace, settings: Settings) -> int:
    engine = get_engine(settings.database_url)
    try:
        link, token = wall.create_link(
            engine,
            name=args.name,
            views=args.views,
            regions=tuple(args.region or ()),
            expires_in=wall.parse_duration(args.expires),
            created_by=args.created_by,
            now=_now(),
        )
    except wall.WallError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_REFUSED
    base = (args.base_url or f"http://{settings.host}:{settings.port}").rstrip("/")
    print(f"{base}/wall/link/{token}")
    scope = ", ".join(link.regions) if link.regions else "all regions"
    print(
        f"wall link {link.name}: views {','.join(link.views)}; {scope}; "
        f"expires {link.expires_at.isoformat(timespec='minutes')}. "
        "The URL is shown once and only its hash is kept.",
        file=sys.stderr,
    )
    return EXIT_OK


def cmd_wall_link_list(args: argparse.Namespace, settings: Settings) -> int:
    now = _now()
    for link in wall.list_links(get_engine(settings.database_url)):
        _print_json(
            {
                "name": link.name,
                "status": link.status(now),
                "views": list(link.views),
                "regions": list(link.regions),
                "created_by": link.created_by,
                "created_at": link.created_at.isoformat(),
                "expires_at": link.expires_at.isoformat(),
                "revoked_at": link.revoked_at.isoformat() if link.revoked_at else None,
                "last_used_at": link.last_used_at.isoformat() if link.last_used_at else None,
            },
            sys.stdout,
        )
    return EXIT_OK


def cmd_wall_link_revoke(args: argparse.Namespace, settings: Settings) -> int:
    count = wall.revoke_link(get_engine(settings.database_url), name=args.name, now=_now())
    if not count:
        print(f"error: no live wall link named {args.name}", file=sys.stderr)
        return EXIT_REFUSED
    print(f"revoked wall link {args.name}; its screen blanks at its next refresh")
    return EXIT_OK
