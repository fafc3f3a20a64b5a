"""`/projects/assigned` and `/projects/{id}/tasks` over HTTP, with pagination."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx

from moco_desktop.demo.server import EmbeddedMocoServer
from tests.demo.conftest import SHARED_SSL_CONTEXT, STAFF_KEY, World


def test_assigned_projects_carry_customer_tasks_and_contract(
    world: World, member: httpx.Client
) -> None:
    response = member.get("/projects/assigned", params={"active": "true"})
    assert response.status_code == 200
    assert response.json() == [
        {
            "id": world.project.id,
            "identifier": "P0001",
            "name": "Website",
            "active": True,
            "billable": True,
            "customer": {"id": world.project.customer_id, "name": "Bäckerei Hansen GmbH"},
            "tasks": [
                {"id": world.design.id, "name": "Design", "active": True, "billable": True},
                {
                    "id": world.development.id,
                    "name": "Entwicklung",
                    "active": True,
                    "billable": True,
                },
                {
                    "id": world.retired_task.id,
                    "name": "Altlast",
                    "active": False,
                    "billable": True,
                },
            ],
            "contract": {"user_id": world.member.id, "active": True},
        }
    ]


def test_active_filter(member: httpx.Client) -> None:
    every = [p["identifier"] for p in member.get("/projects/assigned").json()]
    archived = member.get("/projects/assigned", params={"active": "false"}).json()
    assert every == ["P0001", "P0003"]
    assert [p["identifier"] for p in archived] == ["P0003"]


def test_impersonation_lists_the_impersonated_users_projects(
    world: World, staff: httpx.Client
) -> None:
    own = [p["identifier"] for p in staff.get("/projects/assigned").json()]
    as_member = staff.get(
        "/projects/assigned", headers={"X-IMPERSONATE-USER-ID": str(world.member.id)}
    ).json()
    assert own == ["P0001", "P0002", "P0003"]
    assert [p["identifier"] for p in as_member] == ["P0001", "P0003"]
    assert {p["contract"]["user_id"] for p in as_member} == {world.member.id}


def test_pagination_headers_and_next_link(
    world: World, server: EmbeddedMocoServer, staff: httpx.Client
) -> None:
    first = staff.get("/projects/assigned.json", params={"active": "", "per_page": 2})
    assert first.headers["X-Page"] == "1"
    assert first.headers["X-Per-Page"] == "2"
    assert first.headers["X-Total"] == "3"
    assert len(first.json()) == 2
    link = first.headers["Link"]
    assert link.endswith('>; rel="next"')
    url = link[1 : link.index(">")]
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == f"http://127.0.0.1:{server.port}"
    assert parts.path == "/api/v1/projects/assigned.json"
    assert parse_qs(parts.query, keep_blank_values=True) == {
        "active": [""],
        "per_page": ["2"],
        "page": ["2"],
    }

    second = staff.get(url)
    assert second.headers["X-Page"] == "2"
    assert [p["identifier"] for p in second.json()] == ["P0003"]
    assert "Link" not in second.headers
    beyond = staff.get("/projects/assigned", params={"page": 9})
    assert beyond.json() == []
    assert beyond.headers["X-Total"] == "3"


def test_server_default_per_page(world: World) -> None:
    with (
        EmbeddedMocoServer(world.state, rate_limit=None, per_page=1) as small,
        httpx.Client(
            base_url=small.base_url,
            headers={"Authorization": f"Token token={STAFF_KEY}"},
            verify=SHARED_SSL_CONTEXT,
        ) as client,
    ):
        response = client.get("/projects/assigned")
        assert response.headers["X-Per-Page"] == "1"
        assert len(response.json()) == 1
        assert "page=2" in response.headers["Link"]


def test_tasks_of_a_project(world: World, member: httpx.Client, staff: httpx.Client) -> None:
    tasks = member.get(f"/projects/{world.project.id}/tasks").json()
    assert [t["name"] for t in tasks] == ["Design", "Entwicklung", "Altlast"]
    assert set(tasks[0]) >= {"id", "name", "billable", "active", "hourly_rate", "budget"}
    one = member.get(f"/projects/{world.project.id}/tasks/{world.design.id}")
    assert one.json()["name"] == "Design"

    forbidden = member.get(f"/projects/{world.staff_only_project.id}/tasks")
    assert (forbidden.status_code, forbidden.content) == (403, b"")
    assert staff.get(f"/projects/{world.staff_only_project.id}/tasks").status_code == 200
    missing = member.get("/projects/1/tasks")
    assert (missing.status_code, missing.content) == (404, b"")
    assert member.get(f"/projects/{world.project.id}/tasks/1").status_code == 404
