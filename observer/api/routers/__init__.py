"""``/api/v1`` routers, one module per resource. The app factory (``observer.api.app``) includes them."""
