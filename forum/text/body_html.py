"""A plain-text post body as HTML: prose reflowed, links made, and quotes,
signatures, "Original Message" tails and uuencoded binaries folded.

Plain text is escaped, never sanitised: an HTML sanitiser would eat
`Name <addr> wrote:`.  The folds are `<details>`, so a page works without
JavaScript.  Addresses are masked (forum.text.masking) before any HTML is made.
"""

from __future__ import annotations

from markupsafe import Markup, escape

from forum.text.blocks import Block, is_quoted, quote_levels, split_blocks
from forum.text.links import linked, linkify, may_hold_link
from forum.text.masking import mask_addresses
from forum.text.reflow import reflow

# Quotes of up to this many lines stay open: a fold would cost more than it hides.
OPEN_QUOTE_MAX_LINES = 3
# A fixed-width block scrolls sideways inside its own box on a narrow screen:
# it takes focus, so a keyboard can scroll it too.
SCROLLS = ' tabindex="0"'


def render_body(text: str | None) -> Markup:
    """Plain-text body -> HTML with folds, links and masked addresses.

    Prose is reflowed into paragraphs, hand-laid blocks stay fixed-width
    (forum.text.reflow); signatures keep their lines.  Built as escaped strings
    and wrapped once: Markup's own formatting was a third of the time.
    """
    lines = mask_addresses(text or "").replace("\r\n", "\n").replace("\r", "\n")
    parts = [_render_block(block) for block in split_blocks(lines.split("\n"))]
    return Markup(f'<div class="body-text">{"".join(parts)}</div>')


def _render_block(block: Block) -> str:
    if block.kind == "binary":
        return str(_render_binary(block))
    rendered = _BLOCK_RENDERERS[block.kind](block.lines)
    scrolls = SCROLLS if block.kind == "signature" else ""
    inner = f'<div class="{block.kind}"{scrolls}>{rendered}</div>'
    if block.kind == "text":
        return inner
    if block.kind == "quote" and len(block.lines) <= OPEN_QUOTE_MAX_LINES:
        return inner
    return (f'<details class="fold-{block.kind}"><summary>{escape(_summary(block))}'
            f"</summary>{inner}</details>")


def _render_text(lines: list[str]) -> str:
    """Prose as paragraphs and lists, hand-laid lines as they are
    (forum.text.reflow)."""
    # Most blocks hold no link: then each piece is only escaped.
    shown = linkify if may_hold_link("\n".join(lines)) else escape
    parts = []
    for segment in reflow(lines):
        if segment.kind == "fixed":
            fixed = shown("\n".join(segment.lines))
            parts.append(f'<pre class="fixed"{SCROLLS}>{fixed}</pre>')
        elif segment.kind == "list":
            items = "".join(f"<li>{shown(item)}</li>" for item in segment.lines)
            parts.append(f'<ul class="items">{items}</ul>')
        else:
            parts.append(f'<p>{"<br>".join(map(shown, segment.lines))}</p>')
    return "".join(parts)


def _render_quote(lines: list[str]) -> str:
    """Quoted lines without their marks, reflowed; deeper levels nested."""
    parts = []
    depth = 1
    for level, content in quote_levels(lines):
        parts.append("<blockquote>" * (level - depth)
                     + "</blockquote>" * (depth - level))
        # Marks gone, words from two lines meet (`joe` / `> at x dot com`):
        # so the text is masked again.
        parts.append(_render_text(mask_addresses("\n".join(content)).split("\n")))
        depth = level
    parts.append("</blockquote>" * (depth - 1))
    return "".join(parts)


def _render_tail(lines: list[str]) -> str:
    """An "Original Message" tail: its own text and quotes, each as above."""
    parts, start = [], 0
    while start < len(lines):
        quoted = is_quoted(lines[start])
        end = start + 1
        while end < len(lines) and (is_quoted(lines[end]) == quoted
                                    or not lines[end].strip()):
            end += 1
        if quoted:
            parts.append(f"<blockquote>{_render_quote(lines[start:end])}</blockquote>")
        else:
            parts.append(_render_text(lines[start:end]))
        start = end
    return "".join(parts)


def _summary(block: Block) -> str:
    if block.kind == "signature":
        return "signature"
    noun = "quoted line" if len(block.lines) == 1 else "quoted lines"
    if block.kind == "tail":
        return f"{len(block.lines)} {noun} (original message)"
    return f"{len(block.lines)} {noun}"


def _render_binary(block: Block) -> Markup:
    return Markup(
        '<details class="fold-binary"><summary>binary attachment (uuencoded) '
        'omitted: {}</summary><p class="note">{} lines of uuencoded data are kept '
        "in the original source but not shown here.</p></details>"
    ).format(block.name, len(block.lines))


def _render_lines(lines: list[str]) -> str:
    """Lines as written (a signature), for a block styled to keep them."""
    return linked("\n".join(lines))


_BLOCK_RENDERERS = {"text": _render_text, "quote": _render_quote,
                    "tail": _render_tail, "signature": _render_lines}
