"""Read-only JSON API under /api/v1: the same visibility rules as the pages."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    url_for,
)

from forum.extensions import db
from forum.services import archive, citations, evidence_view, thread_pages
from forum.text.masking import mask_addresses
from forum.web import openapi
from forum.web.common import page_arg, per_page
from forum.web.filters import address, iso, local_iso
from forum.web.links import link
from forum.web.search import MAX_PAGE, SORTS, Hit, find, hits, search_args

bp = Blueprint("api", __name__)


@bp.get("/groups")
def groups():
    groups = [_group(group) for group in archive.list_groups()]
    return jsonify(total=len(groups), next=None, groups=groups)


@bp.get("/groups/<path:name>/threads")
def group_threads(name: str):
    group = archive.get_group(name)
    page = archive.group_threads(group, page_arg(), per_page())
    return jsonify(group=group.name, **_paging(page),
                   next=url_for("api.group_threads", name=group.name,
                                page=page.next_num, _external=True)
                   if page.has_next else None,
                   threads=[_thread_row(row) for row in page.items])


@bp.get("/threads/<int:thread_id>")
def thread(thread_id: int):
    """One page of a thread in tree order, cut as the thread page is: `total`
    counts its visible posts, `next` is the next page's address or null."""
    thread = archive.get_thread(thread_id)
    shown = thread_pages.thread_page(thread, "tree", page_arg(), None,
                                     per_page("FORUM_THREAD_PAGE_SIZE"))
    entries, pager = shown.entries, shown.pager
    first = shown.first_post
    markers = evidence_view.markers(
        db.session, [e.post.id for e in entries if e.post is not None])
    return jsonify(
        id=thread.id,
        subject=mask_addresses(first.subject if first else ""),
        url=url_for("archive.thread", thread_id=thread.id, _external=True),
        **_paging(pager),
        next=url_for("api.thread", thread_id=thread.id, page=pager.next_num,
                     _external=True) if pager.has_next else None,
        posts=[_entry(entry, markers) for entry in entries],
    )


@bp.get("/posts/<permalink>")
def post(permalink: str):
    context = archive.post_context(archive.get_post_by_permalink(permalink))
    post = context.post
    return jsonify(
        **_post_summary(post),
        thread_id=post.thread_id,
        parent_permalink=context.parent.permalink if context.parent else None,
        parent_missing=context.parent_placeholder is not None,
        groups=[group.name for group in context.groups],
        replies=[reply.permalink for reply in context.replies],
        date_note=mask_addresses(post.date_note) or None,
        date_local=local_iso(post.date, post.date_offset),
        body_text=mask_addresses(post.body_text),
        url=url_for("archive.post", permalink=post.permalink, _external=True),
        **_evidence(evidence_view.post_evidence(db.session, post)),
    )


def _evidence(shown) -> dict:
    """Labels (with their citations) and the post's confirmed citations."""
    return {
        "labels": [{
            "id": label.id, "kind": label.kind.key,
            "name": label.kind.display_name, "severity": label.kind.severity,
            "span": ({"exact": mask_addresses(label.exact),
                      "prefix": mask_addresses(label.prefix),
                      "suffix": mask_addresses(label.suffix)} if label.exact else None),
            "rationale": mask_addresses(label.rationale), "revision": label.revision,
            "labelled_by": label.created_by.name,
            "labelled_at": iso(label.created_at),
            "updated_at": iso(label.updated_at),
            "citations": [_citation(c) for c in label.citations],
        } for label in shown.labels],
        "citations": [{**_citation(item.citation),
                       "note": mask_addresses(item.note) or None,
                       "in_quote": item.in_quote} for item in shown.citations],
    }


def _citation(citation) -> dict:
    return {"id": citation.id, "kind": citation.kind,
            "identifier": citation.identifier, "url": citation.url,
            "csl": citations.csl_json(citation),
            "page": url_for("evidence.citation", citation_id=citation.id,
                            _external=True)}


@bp.get("/search")
def search():
    args = search_args()
    if not args.q:
        abort(400, description="Add a query: /api/v1/search?q=words")
    _refuse_what_the_page_forgives()
    result, error = find(args, facets=False)
    if result is None:
        abort(400, description=error)
    pages = min(result.pages, MAX_PAGE)
    following = {**args.params(), "page": result.page + 1}
    return jsonify(query=args.q, sort=args.sort, total=result.total,
                   page=result.page, pages=pages, per_page=result.per_page,
                   next=url_for("api.search", **following, _external=True)
                   if result.page < pages else None,
                   suggestion=result.suggestion,
                   results=[_hit(hit) for hit in hits(result)])


def _refuse_what_the_page_forgives() -> None:
    """The search page reads an unknown sort as relevance and a blank thread as
    none, as a form sends them; a program is told its mistake instead."""
    if request.args.get("sort", "relevance") not in SORTS:
        abort(400, description=f"'sort' must be one of {', '.join(SORTS)}.")
    if request.args.get("thread") is not None and not request.args["thread"].strip():
        abort(400, description="'thread' must be a thread number.")


@bp.get("/openapi.json")
def openapi_json():
    # Flask 3 sorts keys unless told; the description reads best in its own order.
    text = current_app.json.dumps(openapi.description(), sort_keys=False)
    return current_app.response_class(f"{text}\n", mimetype="application/json")


@bp.get("/docs")
def docs():
    return render_template("api/docs.html", spec=openapi.description(),
                           type_text=openapi.type_text, fields=openapi.fields)


def _hit(hit: Hit) -> dict:
    post = hit.post
    return {
        "id": post.id,
        **_post_summary(post),
        "url": link("archive.post", post.permalink, external=True),
        "groups": hit.groups,
        "snippet": hit.summary,
    }


def _paging(page: archive.Page) -> dict:
    return {"page": page.page, "pages": page.pages, "per_page": page.per_page,
            "total": page.total}


def _group(group) -> dict:
    return {
        "name": group.name,
        "description": mask_addresses(group.description),
        "post_count": group.post_count,
        "thread_count": group.thread_count,
        "last_post_at": iso(group.last_post_at),
        "url": url_for("archive.group", name=group.name, _external=True),
    }


def _thread_row(row: archive.ThreadRow) -> dict:
    return {
        "id": row.thread.id,
        "subject": mask_addresses(row.subject),
        "post_count": row.post_count,
        "last_post_at": iso(row.last_post_at),
        "started_by": _author(row.first_post) if row.first_post else None,
        "url": url_for("api.thread", thread_id=row.thread.id, _external=True),
    }


def _entry(entry: archive.ThreadEntry, markers: dict) -> dict:
    placeholder = {"author": None, "date": None, "subject": None}
    data = _post_summary(entry.post) if entry.post else placeholder
    labels = markers.get(entry.post.id, []) if entry.post else []
    return {
        **data,
        "labels": [{"kind": label.kind.key, "severity": label.kind.severity}
                   for label in labels],
        "permalink": entry.permalink,
        "depth": entry.depth,
        "parent_permalink": entry.parent_permalink,
        "ghost": entry.placeholder == archive.MISSING,
        "available": entry.post is not None,
    }


def _post_summary(post) -> dict:
    return {
        "permalink": post.permalink,
        "subject": mask_addresses(post.subject),
        "author": _author(post),
        "date": iso(post.date),
    }


def _author(post) -> dict | None:
    """Who wrote the post: the name its own From gave, and the author's page."""
    if post.author is None:
        return None
    return {
        "name": mask_addresses(post.byline),
        "address": address(post.author) or None,
        "slug": post.author.slug,
    }
