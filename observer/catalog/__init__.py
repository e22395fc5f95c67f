"""Read models for the catalog: what the API and the pages show, assembled from the store.

Each module composes store reads and pure resolution (owners, descriptions) into frozen values that
both ``/api/v1`` and the HTML pages render, so the two never disagree.
"""
