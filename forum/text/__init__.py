"""Text for display and for moderation, with no database: the one HTML
sanitiser and the door every body takes to a page (`markup`, with its steps:
`blocks`, `masking`, `links`, `body_html`, `article_html`, `snippets`),
reflowing old fixed-width posts (`reflow`, with `layout` for hand-laid
lines), web articles as documents (`article_doc`), text-quote selectors that
pin a label to its words (`textquote`) and taking removed text out of stored
text and HTML (`scrub`)."""
