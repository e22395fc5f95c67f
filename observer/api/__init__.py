"""The HTTP side of Observer: the app factory, ``/api/v1`` routers, authentication and errors.

``observer.api.app.create_app`` is the composition root: it includes every router and mounts the
catalog pages from :mod:`dashboards`.
"""
