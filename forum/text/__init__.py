"""Text for display and for moderation, with no database: the one HTML
sanitiser and address masking (`markup`), reflowing old fixed-width posts
(`reflow`), web articles as documents (`article_doc`), text-quote selectors
that pin a label to its words (`textquote`) and taking removed text out of
stored text and HTML (`scrub`)."""
