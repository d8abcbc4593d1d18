"""A web article's text as HTML: headings, paragraphs, lists, quotes and tables.

forum.text.article_doc finds the structure; this module escapes, links and
masks it.  A table with a header row stacks into labelled cards on a phone.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from forum.text.article_doc import DocBlock, article_blocks
from forum.text.body_html import SCROLLS
from forum.text.links import linked
from forum.text.masking import mask_addresses


def render_article(text: str | None, heading: int = 3) -> Markup:
    """A web article's text as a document: headings, paragraphs, lists, tables."""
    text = mask_addresses(text or "")
    parts, previous = [], None
    for block in article_blocks(text):
        parts.append(_render_doc_block(block, previous, heading))
        previous = block
    return Markup(f'<div class="body-text article-text">{"".join(parts)}</div>')


def _render_doc_block(block: DocBlock, previous: DocBlock | None, heading: int) -> str:
    after_heading = previous is not None and previous.kind == "heading"
    if block.kind == "heading":
        level = heading + 1 if after_heading else heading
        return f"<h{level}>{linked(block.lines[0])}</h{level}>"
    if block.kind in ("list", "ordered"):
        tag = "ul" if block.kind == "list" else "ol"
        items = "".join(f"<li>{linked(item)}</li>" for item in block.lines)
        return f'<{tag} class="items">{items}</{tag}>'
    if block.kind == "table":
        caption = previous.lines[0] if previous is not None and after_heading \
            else "Table"
        return _render_table(block, caption)
    if block.kind == "quote":
        lines = "<br>".join(map(linked, block.lines))
        return f"<blockquote><p>{lines}</p></blockquote>"
    return f"<p>{linked(block.lines[0])}</p>"


def _render_table(block: DocBlock, name: str) -> str:
    """A table with a header row stacks into labelled cards on a phone
    (reading.css); one without scrolls inside its own focusable box."""
    rows = block.rows
    head = ""
    if block.header:
        cells = "".join(f'<th scope="col">{linked(cell)}</th>' for cell in rows[0])
        head, rows = f"<thead><tr>{cells}</tr></thead>", rows[1:]
    labels = [f' data-label="{escape(cell)}"' if block.header else ""
              for cell in block.rows[0]]
    body = "".join(
        "<tr>" + "".join(f"<td{label}>{linked(cell)}</td>"
                         for label, cell in zip(labels, row, strict=True)) + "</tr>"
        for row in rows
    )
    stacks = " stacks" if block.header else ""
    return (f'<div class="table-scroll{stacks}" role="region" '
            f'aria-label="{escape(name)}"{SCROLLS}><table class="doc-table">'
            f"{head}<tbody>{body}</tbody></table></div>")
