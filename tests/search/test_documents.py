"""What goes into the index for a post."""

from types import SimpleNamespace

from forum.search.documents import build_document, split_new_and_quoted


def row(**fields):
    base = dict(id=1, thread_id=1, subject="", body_text="", body_html=None,
                date=None, content_hash="h", author_name="")
    base.update(fields)
    return SimpleNamespace(**base)


def test_new_and_quoted_text_are_separate():
    new, quoted = split_new_and_quoted(
        "Mark wrote:\n> magnesium cures\n\nNo, it doesn't."
    )
    assert "magnesium" in quoted and "magnesium" not in new
    assert "doesn't" in new


def test_addresses_are_masked_before_indexing():
    doc = build_document(row(subject="mail MLondon@PSFC.MIT.EDU",
                             author_name="mlondon@psfc.mit.edu",
                             body_text="write to thai@sympatico.ca"), ["g"])
    indexed = " ".join([doc.subject, doc.author, doc.new_text, doc.quoted_text])
    assert "mlondon@" not in indexed.lower() and "thai@" not in indexed
    assert "tha...@sympatico.ca" in doc.new_text


def test_html_only_posts_are_indexed_by_their_text():
    doc = build_document(row(body_html="<p>Turmeric <b>helped</b> me</p>"), ["g"])
    assert "Turmeric" in doc.new_text and "<b>" not in doc.new_text
