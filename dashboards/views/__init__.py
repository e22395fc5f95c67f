"""One module per page; each exposes ``router`` and renders the template named after it."""
