"""Web articles on their pages: a document with headings, lists and a real
table, the source and date where the page gave them, and comments as replies."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Post
from tests.helpers import REPO

pytestmark = pytest.mark.search_backend("whoosh-ram")
FASCICULATIONS = REPO / "samples" / "article-fasciculations-deficiencies.txt"
WORDPRESS = REPO / "tests" / "data" / "article-wordpress-nested-comments.html"


def first_post() -> Post:
    return db.session.scalars(select(Post).order_by(Post.id)).first()


def test_the_comparison_table_is_a_table_on_thread_and_post_pages(
        client, import_sources):
    import_sources(FASCICULATIONS, group="articles.magnesium")
    db.session.commit()
    article = first_post()
    pages = ((f"/t/{article.thread_id}/", 3), (f"/p/{article.permalink}/", 2))
    for url, level in pages:
        html = client.get(url).get_data(as_text=True)
        assert '<table class="doc-table">' in html, url
        assert '<th scope="col">Common Dietary Sources</th>' in html
        assert '<td data-label="Deficiency">Vitamin B12</td>' in html
        assert f"<h{level}>Conclusion</h{level}>" in html  # under an h2, an h1
        assert "<li>Sleep Deprivation:" in html
        assert "|---|" not in html
        assert "no date on the saved page" in html
        assert ">Unknown<" not in html and "date unknown" not in html


def test_comments_on_a_saved_page_read_as_mail_replies(client, import_sources):
    import_sources(WORDPRESS, group="articles.sample")
    db.session.commit()
    article, *comments = db.session.scalars(select(Post).order_by(Post.thread_order))
    html = client.get(f"/t/{article.thread_id}/").get_data(as_text=True)
    assert html.count('class="body-text article-text"') == 1
    assert html.count("in reply to") >= len(comments) == 3
    assert article.source_url and article.source_url in html


def test_a_byline_and_a_repaired_date_are_said_in_words(client, import_sources):
    import_sources(REPO / "samples" / "article-fmnetwork-magnesium-fibromyalgia.txt")
    db.session.commit()
    article = first_post()
    html = client.get(f"/t/{article.thread_id}/").get_data(as_text=True)
    assert "Web article by" in html and "joshua (fmnetnews)" in html
    assert "(date repaired: the page gives no time zone" in html
