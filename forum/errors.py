"""Domain exceptions: each names the condition, views turn them into messages."""


class ForumError(Exception):
    """Base class for conditions a user can be told about."""


class NotFound(ForumError):
    """The group, thread, post or author asked for does not exist or is hidden."""


class Gone(ForumError):
    """The thing asked for existed and was removed for good (a purged post)."""


class BadImportSource(ForumError):
    """An import source cannot be opened or its format is not recognised."""
