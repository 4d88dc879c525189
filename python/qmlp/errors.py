"""The one exception type qmlp raises for bad input; the CLI turns it into a one-line error."""


class QmlpError(Exception):
    """A problem with the user's input or environment, with a message that names it."""
