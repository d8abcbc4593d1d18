"""The OpenAPI description: valid 3.1, complete, and true to real responses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate
from sqlalchemy import select

from forum.extensions import db
from forum.models import Post
from forum.services.accounts import create_user
from forum.services.citations import attach_citation, citations_from_text
from forum.services.evidence import label_post, seed_label_kinds
from forum.web.openapi import REF, description

SEED_THREAD = (Path(__file__).resolve().parents[2] / "samples"
               / "usenet-2000-magnesium-fibromyalgia-thread.txt")
GROUP = "alt.support.fibromyalgia"


@pytest.fixture
def seeded(app, import_sources):
    """The 2000 thread, its first post labelled with a citation and citing one."""
    import_sources(SEED_THREAD, fmt="google-groups", group=GROUP)
    seed_label_kinds(db.session)
    moderator = create_user(db.session, "mara", "correct horse battery", "moderator")
    first = db.session.scalar(select(Post).where(Post.is_ghost.is_(False))
                              .order_by(Post.date, Post.id).limit(1))
    label_post(db.session, moderator, first, "limited_evidence", "Small trials.",
               citations=citations_from_text(db.session, "PMID 9068914"))
    attach_citation(db.session, moderator, first, "PMID 8988330", note="A trial.")
    db.session.commit()
    return first


def _schema_for(name: str) -> dict:
    """A JSON Schema for one component, its $refs pointing into $defs."""
    text = json.dumps(description()["components"]["schemas"])
    defs = json.loads(text.replace(REF, "#/$defs/"))
    return {"$defs": defs, "$ref": f"#/$defs/{name}"}


def _response_schema(path: str, status: int) -> str:
    answer = description()["paths"][path]["get"]["responses"][str(status)]
    return answer["content"]["application/json"]["schema"]["$ref"].removeprefix(REF)


def check(client, url: str, path: str, status: int = 200) -> dict:
    response = client.get(url)
    assert response.status_code == status, url
    assert response.mimetype == "application/json"
    data = response.get_json()
    schema = _schema_for(_response_schema(path, status))
    Draft202012Validator.check_schema(schema)
    errors = [f"{list(e.absolute_path)}: {e.message}"
              for e in Draft202012Validator(schema).iter_errors(data)]
    assert errors == [], url
    return data


def test_description_is_valid_openapi_3_1():
    validate(description())


def test_every_api_route_is_described(app):
    described = {f"/api/v1{path}" for path in description()["paths"]}
    rules = {rule.rule.replace("<path:", "{").replace("<int:", "{")
             .replace("<", "{").replace(">", "}")
             for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
             and rule.endpoint != "api.docs"}
    assert rules - described == set()


def test_served_description_keeps_its_order(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json() == description()
    assert list(json.loads(response.get_data(as_text=True))) == list(description())


def test_real_responses_match_the_schemas(client, seeded):
    groups = check(client, "/api/v1/groups", "/groups")
    assert groups["groups"][0]["name"] == GROUP
    threads = check(client, f"/api/v1/groups/{GROUP}/threads",
                    "/groups/{name}/threads")
    thread_id = threads["threads"][0]["id"]
    thread = check(client, f"/api/v1/threads/{thread_id}", "/threads/{thread_id}")
    assert any(entry["labels"] for entry in thread["posts"])
    post = check(client, f"/api/v1/posts/{seeded.permalink}", "/posts/{permalink}")
    assert post["labels"][0]["citations"] and post["citations"]
    found = check(client, "/api/v1/search?q=magnesium", "/search")
    assert found["results"]


@pytest.mark.parametrize(("url", "path", "status"), [
    ("/api/v1/groups/no.such.group/threads", "/groups/{name}/threads", 404),
    (f"/api/v1/groups/{GROUP}/threads?page=x", "/groups/{name}/threads", 400),
    ("/api/v1/threads/999999", "/threads/{thread_id}", 404),
    ("/api/v1/threads/1?page=0", "/threads/{thread_id}", 400),
    ("/api/v1/posts/nosuchpost", "/posts/{permalink}", 404),
    ("/api/v1/search", "/search", 400),
    ("/api/v1/search?q=magnesium&page=999", "/search", 404),
])
def test_error_responses_match_the_schema(client, seeded, url, path, status):
    data = check(client, url, path, status)
    assert data["status"] == status


def test_docs_page_shows_every_path_and_field(client):
    html = client.get("/api/v1/docs").get_data(as_text=True)
    for path in description()["paths"]:
        assert f"GET /api/v1{path}" in html
    assert "<code>parent_permalink</code>" in html and "sort" in html
    assert 'href="/api/v1/docs"' in client.get("/").get_data(as_text=True)
