"""The OpenAPI 3.1 description of the read-only JSON API in `forum.web.api`.

Kept as data next to the views it describes: tests validate it, check every
/api/v1 route is in it, and hold real responses against its schemas.
"""

from __future__ import annotations

from forum.web.common import LARGEST_ID

REF = "#/components/schemas/"
TIMESTAMP = {"type": ["string", "null"], "format": "date-time",
             "description": "UTC, ISO-8601 with a Z; null when unknown"}
NEXT = {"type": ["string", "null"], "format": "uri",
        "description": "The next page's address, or null on the last page"}


def _ref(name: str) -> dict:
    return {"$ref": REF + name}


def _nullable(name: str) -> dict:
    return {"oneOf": [_ref(name), {"type": "null"}]}


def _string(description: str = "", nullable: bool = False, **more) -> dict:
    schema = {"type": ["string", "null"] if nullable else "string", **more}
    return {**schema, "description": description} if description else schema


def _integer(description: str = "", nullable: bool = False) -> dict:
    schema = {"type": ["integer", "null"] if nullable else "integer"}
    return {**schema, "description": description} if description else schema


def _array(items: dict) -> dict:
    return {"type": "array", "items": items}


def _object(properties: dict, description: str = "") -> dict:
    schema = {"type": "object", "properties": properties,
              "required": list(properties), "additionalProperties": False}
    return {"description": description, **schema} if description else schema


PAGING = {
    "page": _integer("This page's number, from 1"),
    "pages": _integer("How many pages there are"),
    "per_page": _integer("Items on a full page"),
    "total": _integer("Items on all pages"),
    "next": NEXT,
}

POST_SUMMARY = {
    "permalink": _string("Stable id: base32 of the SHA-1 of the Message-ID"),
    "subject": _string("Addresses masked"),
    "author": _nullable("Author"),
    "date": TIMESTAMP,
}

CITATION = {
    "id": _integer(),
    "kind": _string("pmid, pmcid, doi, isbn, url ..."),
    "identifier": _string(),
    "url": _string(nullable=True),
    "csl": {"type": "object", "description": "The record as CSL-JSON"},
    "page": _string("The citation's page", format="uri"),
}

SCHEMAS = {
    "Error": _object({
        "error": _string("What went wrong, in words"),
        "status": _integer("The HTTP status again"),
    }, "Every error under /api/ answers with this body."),
    "Author": _object({
        "name": _string("The name the post's own From line gave, addresses masked"),
        "address": _string("The masked address, or null", nullable=True),
        "slug": _string("The author page's name: /a/{slug}/"),
    }),
    "Group": _object({
        "name": _string(),
        "description": _string(),
        "post_count": _integer(),
        "thread_count": _integer(),
        "last_post_at": TIMESTAMP,
        "url": _string("The group's page", format="uri"),
    }),
    "GroupList": _object({
        "total": _integer(), "next": NEXT, "groups": _array(_ref("Group")),
    }),
    "ThreadRow": _object({
        "id": _integer(),
        "subject": _string(),
        "post_count": _integer(),
        "last_post_at": TIMESTAMP,
        "started_by": _nullable("Author"),
        "url": _string("The thread in this API", format="uri"),
    }),
    "ThreadPage": _object({
        "group": _string(), **PAGING, "threads": _array(_ref("ThreadRow")),
    }, "One page of a group's threads, newest activity first."),
    "LabelMarker": _object({
        "kind": _string("The label kind's key"),
        "severity": _string(),
    }),
    "Entry": _object({
        "permalink": _string("null for a hidden post", nullable=True),
        "subject": _string("null for a post the archive never saw", nullable=True),
        "author": _nullable("Author"),
        "date": TIMESTAMP,
        "labels": _array(_ref("LabelMarker")),
        "depth": _integer("Indent in the reply tree, 0 for a root"),
        "parent_permalink": _string(nullable=True),
        "ghost": {"type": "boolean",
                  "description": "A post replied to but never archived"},
        "available": {"type": "boolean",
                      "description": "False for ghosts and hidden posts"},
    }, "One place in a thread's reply tree."),
    "Thread": _object({
        "id": _integer(), "subject": _string(),
        "url": _string("The thread's page", format="uri"),
        **PAGING, "posts": _array(_ref("Entry")),
    }, "One page of a thread in tree order."),
    "Citation": _object(CITATION),
    "PostCitation": _object({
        **CITATION,
        "note": _string("The moderator's note", nullable=True),
        "in_quote": {"type": "boolean", "description": "Cited in quoted text"},
    }, "A confirmed citation on the post."),
    "Span": _object({
        "exact": _string(), "prefix": _string(), "suffix": _string(),
    }, "The quoted words a label is about, with text either side."),
    "Label": _object({
        "id": _integer(),
        "kind": _string("The label kind's key"),
        "name": _string(),
        "severity": _string(),
        "span": {"oneOf": [_ref("Span"), {"type": "null"}],
                 "description": "null when the label is on the whole post"},
        "rationale": _string(),
        "revision": _integer(),
        "labelled_by": _string(),
        "labelled_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
        "citations": _array(_ref("Citation")),
    }),
    "Post": _object({
        **POST_SUMMARY,
        "thread_id": _integer(),
        "parent_permalink": _string(nullable=True),
        "parent_missing": {"type": "boolean",
                           "description": "Replies to a post never archived"},
        "groups": _array(_string()),
        "replies": _array(_string("A reply's permalink")),
        "date_note": _string("Why the date is doubtful", nullable=True),
        "date_local": _string("At the source's offset; null when unknown",
                              nullable=True),
        "body_text": _string("The body as plain text, addresses masked"),
        "url": _string("The post's page", format="uri"),
        "labels": _array(_ref("Label")),
        "citations": _array(_ref("PostCitation")),
    }),
    "Hit": _object({
        "id": _integer(), **POST_SUMMARY,
        "url": _string("The post's page", format="uri"),
        "groups": _array(_string()),
        "snippet": _string("Plain text around the matched words"),
    }),
    "SearchResults": _object({
        "query": _string(),
        "sort": {"type": "string", "enum": ["relevance", "date", "oldest"]},
        **PAGING,
        "suggestion": _string("A spelling the index knows better", nullable=True),
        "results": _array(_ref("Hit")),
    }),
}


def _query(name: str, description: str, schema: dict,
           required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required,
            "description": description, "schema": schema}


def _path(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "path", "required": True,
            "description": description, "schema": schema}


# What `page_arg` accepts; anything else is a 400.
PAGE = _query("page", "Page number, from 1",
              {"type": "integer", "minimum": 1, "maximum": 999_999_999})
# A number a database column can hold (`id_arg`, `DatabaseId`); 0 is one that
# no row has, so it finds nothing, as any unknown id does.
ID = {"type": "integer", "minimum": 0, "maximum": LARGEST_ID}
ERRORS = {
    "400": "A malformed parameter or query",
    "404": "No such item, or a page past the last",
    "410": "Removed from the archive for good",
    "503": "The database is unreachable or behind the code",
}


def _responses(schema: str, *errors: str) -> dict:
    answers = {"200": {"description": "OK", "content": {
        "application/json": {"schema": _ref(schema)}}}}
    for code in errors:
        answers[code] = {"description": ERRORS[code], "content": {
            "application/json": {"schema": _ref("Error")}}}
    return answers


def _get(summary: str, schema: str, parameters: list, *errors: str) -> dict:
    return {"get": {"summary": summary, "parameters": parameters,
                    "responses": _responses(schema, *errors, "503")}}


PATHS = {
    "/groups": _get("Every group with its counts", "GroupList", []),
    "/groups/{name}/threads": _get(
        "A group's threads, newest activity first", "ThreadPage",
        [_path("name", "The group's name", {"type": "string"}), PAGE],
        "400", "404"),
    "/threads/{thread_id}": _get(
        "One page of a thread in reply-tree order", "Thread",
        [_path("thread_id", "The thread's id", ID), PAGE],
        "400", "404"),
    "/posts/{permalink}": _get(
        "One post with its labels and citations", "Post",
        [_path("permalink", "The post's permalink", {"type": "string"})],
        "404", "410"),
    "/search": _get("Search the archive (20 results a page, 50 pages at most)",
                    "SearchResults", [
        _query("q", "The query: words, \"phrases\", group:, d:, f: (required)",
               {"type": "string", "minLength": 1}, required=True),
        _query("sort", "Order: relevance, date (newest first) or oldest",
               {"type": "string", "enum": ["relevance", "date", "oldest"],
                "default": "relevance"}),
        PAGE,
        _query("group", "Only posts in this group", {"type": "string",
                                                     "maxLength": 255}),
        _query("thread", "Only posts in this thread", ID),
    ], "400", "404"),
    "/openapi.json": {"get": {
        "summary": "This description", "parameters": [],
        "responses": {"200": {"description": "OpenAPI 3.1", "content": {
            "application/json": {"schema": {"type": "object"}}}}}}},
}

DESCRIPTION = {
    "openapi": "3.1.0",
    "info": {
        "title": "Discussion archive API",
        "version": "1",
        "description": "Read-only JSON for the archive, with the visibility "
                       "rules of its pages. Addresses are masked.",
    },
    "servers": [{"url": "/api/v1"}],
    "paths": PATHS,
    "components": {"schemas": SCHEMAS},
}


def description() -> dict:
    """The OpenAPI 3.1 description as JSON-ready data."""
    return DESCRIPTION


def type_text(schema: dict) -> str:
    """A field's type in words: `array of Hit`, `Author or null`."""
    if "$ref" in schema:
        return schema["$ref"].removeprefix(REF)
    if "oneOf" in schema:
        return " or ".join(type_text(part) for part in schema["oneOf"])
    if schema.get("type") == "array":
        return f"array of {type_text(schema['items'])}"
    kinds = schema.get("type", "any")
    text = " or ".join(kinds) if isinstance(kinds, list) else kinds
    if "enum" in schema:
        text += f" ({', '.join(schema['enum'])})"
    return text


def fields(schema: dict) -> list[tuple[str, str, str]]:
    """(name, type, description) for each property of an object schema."""
    return [(name, type_text(field), field.get("description", ""))
            for name, field in schema.get("properties", {}).items()]
