"""OpenAPI schema hooks."""


def only_public_api(endpoints):
    """Keep /api/v1/ in the schema; Wagtail's own admin API is not ours to publish."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/v1/")]


NOT_SIGNED_IN = {
    "description": "Not signed in (code not_authenticated), or a CSRF token missing.",
}


def every_operation_may_refuse_a_visitor(result, generator, request, public):
    """Every endpoint answers 403 to a visitor who is not signed in
    (``IsAuthenticated``, config/api_errors.py gives the body its code); say so
    where an operation does not already document its own 403."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"].setdefault("403", NOT_SIGNED_IN)
    return result
