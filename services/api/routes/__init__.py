"""The api's routers, one per resource: batches, uploads, documents."""
