"""The ``berth`` command: serve, migrate, config check, user and token administration."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from berth.config import ConfigError, Settings, load_settings
from berth.lib.dates import parse_duration

if TYPE_CHECKING:
    from berth.runtime import Runtime

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="berth", description="Berth, a Quay-compatible container registry")
    parser.add_argument("--config", help="path to a Quay-style config.yaml (default: $BERTH_CONFIG or none)")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="apply migrations and serve HTTP")
    serve.add_argument("--config", dest="config_sub", help="path to config.yaml")
    serve.add_argument("--host", default=DEFAULT_HOST)
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.add_argument(
        "--workers", type=int, default=1, help="server processes (SQLite in WAL mode or PostgreSQL)"
    )

    sub.add_parser("migrate", help="apply database migrations")

    gc = sub.add_parser("gc", help="run one garbage-collection pass")
    gc.add_argument("--dry-run", action="store_true", help="list what would be deleted; delete nothing")
    worker = sub.add_parser("worker", help="run one background worker in the foreground")
    worker.add_argument("name", help="the worker: gc or autoprune")

    config = sub.add_parser("config", help="configuration tools")
    config_sub = config.add_subparsers(dest="config_command", required=True)
    config_sub.add_parser("check", help="validate and print the effective config (secrets masked)")

    user = sub.add_parser("user", help="user administration")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    create = user_sub.add_parser("create", help="create a user")
    create.add_argument("name")
    create.add_argument("--email", required=True)
    create.add_argument("--password", help="the password (prompted when omitted)")
    create.add_argument("--superuser", action="store_true", help="grant superuser rights")

    token = sub.add_parser("token", help="OAuth access tokens")
    token_sub = token.add_subparsers(dest="token_command", required=True)
    token_create = token_sub.add_parser("create", help="issue an OAuth access token (printed once)")
    token_create.add_argument("--user", required=True)
    token_create.add_argument("--scope", action="append", required=True, help="repeatable, e.g. repo:read")
    token_create.add_argument(
        "--expires-in",
        help="lifetime such as 30d or 12h (default OAUTH_TOKEN_LIFETIME, at most OAUTH_TOKEN_MAX_LIFETIME)",
    )
    token_list = token_sub.add_parser("list", help="list a user's or a robot's tokens (never secrets)")
    who = token_list.add_mutually_exclusive_group(required=True)
    who.add_argument("--user")
    who.add_argument("--robot", help="namespace+name")
    token_revoke = token_sub.add_parser("revoke", help="revoke one token by uuid, or every token of a robot")
    what = token_revoke.add_mutually_exclusive_group(required=True)
    what.add_argument("uuid", nargs="?")
    what.add_argument("--robot", help="namespace+name: revoke all its tokens (regenerate issues a new one)")

    db = sub.add_parser("db", help="developer tools for the schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    revision = db_sub.add_parser("revision", help="autogenerate a migration from the models")
    revision.add_argument("message")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(getattr(args, "config_sub", None) or args.config)


def _migrate(settings: Settings) -> None:
    from berth.db.engine import Database
    from berth.migrate import upgrade

    db = Database(settings.db_uri)
    try:
        upgrade(db.write_engine)
    finally:
        db.dispose()


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from berth.http.observability import configure_logging

    configure_logging(settings.log_level)
    _migrate(settings)
    print(f"berth: serving on http://{args.host}:{args.port}", file=sys.stderr)
    from berth.app import build_runtime
    from berth.workers.console import start_autoprune_in_process, start_in_process

    runtime = build_runtime(settings)
    collector = start_in_process(runtime)  # FEATURE_GARBAGE_COLLECTION
    pruner = start_autoprune_in_process(runtime)  # FEATURE_AUTO_PRUNE
    try:
        return _run_server(args, runtime)
    finally:
        for runner in (collector, pruner):
            if runner is not None:
                runner.stop(wait_s=10)


def _run_server(args: argparse.Namespace, runtime: Runtime) -> int:
    from berth.serving import serve_single, serve_workers

    if args.workers > 1:
        # Each worker builds its own app from the same config file (and the inherited BERTH_* variables).
        config_path = getattr(args, "config_sub", None) or args.config
        return serve_workers(
            os.path.abspath(config_path) if config_path else None, args.host, args.port, args.workers
        )
    serve_single(runtime, args.host, args.port)
    return 0


def _user_create(args: argparse.Namespace, settings: Settings) -> int:
    from berth.accounts.service import PasswordPolicy, create_user
    from berth.auditlog.service import log_action
    from berth.db.engine import Database
    from berth.lib.dates import utcnow

    password = args.password or getpass.getpass("Password: ")
    _migrate(settings)
    db = Database(settings.db_uri)
    now = utcnow()
    with db.transaction() as session:
        account = create_user(
            session,
            username=args.name,
            email=args.email,
            password=password,
            now=now,
            policy=PasswordPolicy(settings.password_hash_cost),
        )
        account.superuser = bool(args.superuser)
        log_action(
            session,
            "user_create",
            actor=None,
            now=now,
            namespace_id=account.id,
            metadata={"username": account.username, "via": "cli"},
        )
    db.dispose()
    print(f"created user {args.name}{' (superuser)' if args.superuser else ''}")
    return 0


def _token_create(args: argparse.Namespace, settings: Settings) -> int:
    from berth.accounts.service import get_user
    from berth.auditlog.service import log_action
    from berth.db.engine import Database
    from berth.lib.dates import utcnow
    from berth.lib.scopes import parse_scope_string
    from berth.oauth.service import create_access_token

    scopes = parse_scope_string(" ".join(args.scope))
    if scopes is None:
        print(f"berth: unknown scope in {args.scope!r}", file=sys.stderr)
        return 2
    from berth.oauth.service import bounded_lifetime

    lifetime = bounded_lifetime(
        parse_duration(args.expires_in) if args.expires_in else None,
        default_s=settings.oauth_token_lifetime_s,
        max_s=settings.oauth_token_max_lifetime_s,
    )
    _migrate(settings)
    db = Database(settings.db_uri)
    now = utcnow()
    with db.transaction() as session:
        account = get_user(session, args.user)
        if account is None:
            print(f"berth: no such user {args.user!r}", file=sys.stderr)
            return 1
        token, row = create_access_token(session, account, scopes, now=now, lifetime_s=lifetime)
        log_action(
            session,
            "create_oauth_api_token",
            actor=None,
            now=now,
            namespace_id=account.id,
            metadata={"token_uuid": row.uuid, "scope": row.scope, "via": "cli"},
        )
    db.dispose()
    print(token)
    return 0


def _token_admin(args: argparse.Namespace, settings: Settings) -> int:
    from berth.accounts.service import get_user
    from berth.db.engine import Database
    from berth.lib.dates import utcnow
    from berth.oauth.admin import credentials_of, revoke_credential, revoke_robot_tokens, robot_credentials

    _migrate(settings)
    db = Database(settings.db_uri)
    try:
        with db.transaction() as session:
            if args.robot:
                rows = (
                    robot_credentials(session, args.robot)
                    if args.token_command == "list"  # noqa: S105 - a subcommand name
                    else revoke_robot_tokens(session, args.robot, now=utcnow())
                )
                if rows is None:
                    print(f"berth: no such robot {args.robot!r}", file=sys.stderr)
                    return 1
                for row in rows:
                    print(json.dumps(row, sort_keys=True))
                return 0
            if args.token_command == "revoke":  # noqa: S105 - a subcommand name
                kind = revoke_credential(session, args.uuid, now=utcnow())
                if kind is None:
                    print(f"berth: no token {args.uuid!r}", file=sys.stderr)
                    return 1
                print(f"revoked {kind} token {args.uuid}")
                return 0
            account = get_user(session, args.user)
            if account is None:
                print(f"berth: no such user {args.user!r}", file=sys.stderr)
                return 1
            for row in credentials_of(session, account):
                print(json.dumps(row, sort_keys=True))
            return 0
    finally:
        db.dispose()


def _background(args: argparse.Namespace, settings: Settings) -> int:
    from berth.app import build_runtime
    from berth.http.observability import configure_logging
    from berth.workers.console import gc_command, worker_command

    configure_logging(settings.log_level)
    _migrate(settings)
    runtime = build_runtime(settings)
    try:
        if args.command == "gc":
            return gc_command(runtime, dry=args.dry_run)
        return worker_command(runtime, args.name)
    finally:
        runtime.db.dispose()


def _db_revision(args: argparse.Namespace, settings: Settings) -> int:
    from berth.db.engine import Database
    from berth.migrate import make_revision

    db = Database(settings.db_uri)
    make_revision(db.write_engine, args.message)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``berth`` console script."""
    args = _parser().parse_args(argv)
    try:
        settings = _settings(args)
        if args.command == "serve":
            return _serve(args, settings)
        if args.command in ("gc", "worker"):
            return _background(args, settings)
        if args.command == "migrate":
            _migrate(settings)
            print("database is up to date")
            return 0
        if args.command == "config":
            print(json.dumps(settings.masked(), indent=2, sort_keys=True))
            return 0
        if args.command == "user":
            return _user_create(args, settings)
        if args.command == "token":
            if args.token_command in ("list", "revoke"):
                return _token_admin(args, settings)
            return _token_create(args, settings)
        if args.command == "db":
            return _db_revision(args, settings)
    except ConfigError as exc:
        print(f"berth: invalid configuration: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"berth: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:
        from berth.errors import BerthError

        if isinstance(exc, BerthError):
            print(f"berth: {exc.message}", file=sys.stderr)
            return 1
        raise
    return 2
