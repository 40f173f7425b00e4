"""Repository listing at scale: ``GET /api/v1/repository?namespace=`` over 10,000 repositories,
beside ``/v2/_catalog`` on Berth and on the reference registry holding the same 10,000 repositories.

Quay's ``listRepos`` has no equivalent in the reference registry; its catalog (``/v2/_catalog?n=100``)
is the closest listing of many repositories, so it is the side-by-side baseline, measured on both.

Seeds through Berth's services (``create_organization``, ``create_repository`` with its audit entry,
``set_team_permission``) an organization ``benchorg`` with ``--repos`` repositories owned by user
``bench``, and a user ``viewer`` in a team holding read on every 100th repository (a sparse caller:
each page must skip ~10,000 rows it cannot see). The reference registry gets the same repository
names (one image pushed over HTTP, its repository folder copied). Times (p50/p95 of ``--requests``
calls, one keep-alive client):

* Berth ``listRepos`` as the org admin: page 1, the middle page, the last page (``next_page`` tokens);
  page 1 with ``last_modified`` and ``popularity``; ``public=true``; the sparse ``viewer``'s page 1;
* Berth ``getOrganizationMembers``, ``getOrganizationTeamMembers`` and the robot list (with and
  without permissions) over ``--members`` team members and ``--robots`` robots;
* Berth ``conductRepoSearch`` (``/api/v1/find/repositories?query=``);
* Berth and reference ``/v2/_catalog?n=100`` first, middle and last page.

Target: every Berth ``listRepos`` page under 20 ms.

    .venv/bin/python bench/namespace_bench.py [--repos 10000] [--requests 50] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import select

from berth.accounts.models import Account
from berth.accounts.service import PasswordPolicy, create_user
from berth.auditlog.service import Actor
from berth.db.engine import Database
from berth.orgs.models import TeamRole
from berth.orgs.service import add_team_member, create_organization, upsert_team
from berth.repos.models import RoleName, Visibility
from berth.repos.permissions import RepoTarget, set_team_permission
from berth.repos.service import create_repository
from berth.robots.service import create_robot
from registry_bench import PASSWORD, berth, reference
from tags_bench import CONFIG, LAYER, OCI, _manifest, _sha, timed

TARGET_MS = 20.0
ORG = "benchorg"


def seed_berth(db_uri: str, repos: int, members: int = 0, robots: int = 0) -> None:
    """The organization, its repositories, the sparse viewer, ``members`` users in team ``crew`` and
    ``robots`` robot accounts, through Berth's services."""
    db = Database(db_uri)
    when = datetime.now(UTC)
    with db.transaction() as session:
        bench = session.scalar(select(Account).where(Account.username == "bench"))
        assert bench is not None
        actor = Actor(account_id=bench.id)
        org = create_organization(session, name=ORG, email=None, creator=bench, actor=actor, now=when)
        viewer = create_user(
            session,
            username="viewer",
            email="viewer@example.com",
            password=PASSWORD,
            now=when,
            policy=PasswordPolicy("low"),
        )
        team = upsert_team(
            session, org, "readers", role=TeamRole.MEMBER, description="", actor=actor, now=when
        ).team
        add_team_member(session, org, team, viewer.username, actor=actor, now=when)
        for n in range(repos):
            repo = create_repository(
                session,
                namespace=org,
                name=f"repo{n:05d}",
                visibility=Visibility.PRIVATE,
                description=f"repository {n}",
                actor=actor,
                now=when,
                creator_id=bench.id,
            )
            if n % 100 == 0:
                set_team_permission(
                    session, RepoTarget(repo, org), "readers", RoleName.READ, actor=actor, now=when
                )
        crew = upsert_team(
            session, org, "crew", role=TeamRole.MEMBER, description="", actor=actor, now=when
        ).team
        for n in range(members):
            member = create_user(
                session,
                username=f"member{n:05d}",
                email=f"member{n:05d}@example.com",
                password=None,
                now=when,
                policy=PasswordPolicy("low"),
            )
            add_team_member(session, org, crew, member.username, actor=actor, now=when)
        for n in range(robots):
            create_robot(
                session,
                org,
                f"bot{n:05d}",
                description=None,
                unstructured_metadata=None,
                actor=actor,
                now=when,
            )
    db.dispose()


def seed_reference(url: str, storage: Path, repos: int) -> None:
    """Push one image to ``benchorg/repo00000``, then copy its repository folder to every other name."""
    with httpx.Client(timeout=60) as http:
        for data in (CONFIG, LAYER):
            location = http.post(f"{url}/v2/{ORG}/repo00000/blobs/uploads/").headers["Location"]
            location = location if location.startswith("http") else f"{url}{location}"
            sep = "&" if "?" in location else "?"
            http.put(f"{location}{sep}digest={_sha(data)}", content=data).raise_for_status()
        http.put(
            f"{url}/v2/{ORG}/repo00000/manifests/latest", content=_manifest(0), headers={"Content-Type": OCI}
        ).raise_for_status()
    folder = storage / f"docker/registry/v2/repositories/{ORG}"
    for n in range(1, repos):
        shutil.copytree(folder / "repo00000", folder / f"repo{n:05d}")


def _token(config: Path, user: str, *scopes: str) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BERTH_")}
    command = [sys.executable, "-m", "berth", "--config", str(config), "token", "create", "--user", user]
    for scope in scopes or ("repo:read",):
        command += ["--scope", scope]
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True, timeout=120)
    return done.stdout.strip().splitlines()[-1]


def _page_urls(http: httpx.Client, first: str, headers: dict[str, str]) -> tuple[list[str], float, int]:
    """Every page URL of a ``listRepos`` walk, the walk's wall time and the repositories seen."""
    urls = [first]
    seen = 0
    began = time.perf_counter()
    while True:
        body = http.get(urls[-1], headers=headers).raise_for_status().json()
        seen += len(body["repositories"])
        if "next_page" not in body:
            break
        urls.append(f"{first}&next_page={body['next_page']}")
    return urls, time.perf_counter() - began, seen


def _catalog_urls(base: str, repos: int) -> list[str]:
    """The catalog's first page, the page after the middle name, and the last page."""
    names = [f"{ORG}/repo{n:05d}" for n in range(repos)]
    middle, last = names[len(names) // 2 - 1], names[-101] if len(names) > 100 else names[0]
    return [
        f"{base}/v2/_catalog?n=100",
        f"{base}/v2/_catalog?n=100&last={middle}",
        f"{base}/v2/_catalog?n=100&last={last}",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=10_000)
    parser.add_argument("--members", type=int, default=1_000, help="users in one team of the organization")
    parser.add_argument("--robots", type=int, default=1_000, help="robot accounts of the organization")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="berth-namespace-bench-"))
    (root / "berth").mkdir()
    (root / "reference").mkdir()
    results: dict[str, dict[str, float]] = {}
    facts: dict[str, float] = {}
    try:
        with berth(root / "berth") as target:
            began = time.perf_counter()
            seed_berth(f"sqlite:///{root / 'berth' / 'berth.db'}", args.repos, args.members, args.robots)
            facts["berth_seed_s"] = round(time.perf_counter() - began, 1)
            config = root / "berth" / "config.yaml"
            admin = {"Authorization": f"Bearer {_token(config, 'bench')}"}
            viewer = {"Authorization": f"Bearer {_token(config, 'viewer')}"}
            org_admin = {"Authorization": f"Bearer {_token(config, 'bench', 'org:admin', 'repo:read')}"}
            listing = f"{target.url}/api/v1/repository?namespace={ORG}"
            with httpx.Client(timeout=60) as http:
                pages, walk_s, seen = _page_urls(http, listing, admin)
                facts["berth_full_walk_s"] = round(walk_s, 2)
                facts["berth_pages"] = len(pages)
                facts["berth_repos_seen"] = seen
                series = {
                    "listRepos page 1": (pages[0], admin),
                    f"listRepos page {len(pages) // 2}": (pages[len(pages) // 2 - 1], admin),
                    f"listRepos page {len(pages)} (last)": (pages[-1], admin),
                    "listRepos page 1 last_modified+popularity": (
                        f"{listing}&last_modified=true&popularity=true",
                        admin,
                    ),
                    "listRepos public=true page 1": (f"{target.url}/api/v1/repository?public=true", admin),
                    "listRepos sparse viewer page 1 (1 in 100)": (listing, viewer),
                    f"getOrganizationMembers ({args.members + 2} members)": (
                        f"{target.url}/api/v1/organization/{ORG}/members",
                        org_admin,
                    ),
                    f"getOrganizationTeamMembers crew ({args.members} members)": (
                        f"{target.url}/api/v1/organization/{ORG}/team/crew/members",
                        org_admin,
                    ),
                    f"robots list ({args.robots} robots, token=false)": (
                        f"{target.url}/api/v1/organization/{ORG}/robots?token=false",
                        org_admin,
                    ),
                    f"robots list ({args.robots} robots, permissions=true)": (
                        f"{target.url}/api/v1/organization/{ORG}/robots?permissions=true&token=false",
                        org_admin,
                    ),
                    "find/repositories query=repo0424": (
                        f"{target.url}/api/v1/find/repositories?query=repo0424",
                        admin,
                    ),
                }
                for name, (url, headers) in series.items():
                    results[f"berth {name}"] = timed(http, url, args.requests, headers)
                _, viewer_walk_s, viewer_seen = _page_urls(http, listing, viewer)
                facts["berth_viewer_walk_s"] = round(viewer_walk_s, 3)
                facts["berth_viewer_repos_seen"] = viewer_seen
                service = target.url.removeprefix("http://")
                v2 = http.get(
                    f"{target.url}/v2/auth",
                    params={"service": service, "scope": "registry:catalog:*"},
                    auth=("bench", PASSWORD),
                ).json()["token"]
                for label, url in zip(
                    ("first", "middle", "last"), _catalog_urls(target.url, args.repos), strict=True
                ):
                    results[f"berth v2 _catalog n=100 {label}"] = timed(
                        http, url, args.requests, {"Authorization": f"Bearer {v2}"}
                    )
        with reference(root / "reference") as ref:
            began = time.perf_counter()
            seed_reference(ref.url, root / "reference" / "storage", args.repos)
            facts["reference_seed_s"] = round(time.perf_counter() - began, 1)
            with httpx.Client(timeout=60) as http:
                page_url: str | None = f"{ref.url}/v2/_catalog?n=1000"
                count = 0
                while page_url:  # the reference caps n at 1,000 and pages with a Link header
                    response = http.get(page_url).raise_for_status()
                    count += len(response.json()["repositories"])
                    link = response.headers.get("Link", "")
                    page_url = f"{ref.url}{link.split(';')[0].strip('<> ')}" if link else None
                facts["reference_catalog_repos"] = count
                for label, url in zip(
                    ("first", "middle", "last"), _catalog_urls(ref.url, args.repos), strict=True
                ):
                    results[f"reference v2 _catalog n=100 {label}"] = timed(http, url, args.requests, {})
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if args.json:
        print(json.dumps({"facts": facts, "results": results}, indent=2))
        return 0
    for key, value in facts.items():
        print(f"{key}: {value}")
    print(f"{'series':58} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, stats in results.items():
        print(f"{name:58} {stats['p50_ms']:8.2f} {stats['p95_ms']:8.2f} {stats['max_ms']:8.2f}")
    worst = max(v["p95_ms"] for k, v in results.items() if k.startswith("berth listRepos"))
    print(f"worst Berth listRepos p95: {worst:.2f} ms (target < {TARGET_MS} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
