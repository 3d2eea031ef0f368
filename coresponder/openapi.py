"""The OpenAPI schema says what every operation may answer, errors included: one Error shape
(coresponder.errors) for 400, 401, 403, 404, 405, 406, 409, 413, 415, 429 and 503; and request
bodies say that fields they do not list are refused (coresponder.strict)."""

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "detail", "fields"],
            "properties": {
                "code": {"type": "string", "example": "invalid"},
                "detail": {"type": "string", "example": "Please correct: lat."},
                "fields": {"type": "object", "additionalProperties": True},
            },
        }
    },
}
ERRORS = {
    "400": "Invalid input; `fields` names what to correct.",
    "401": "Not authenticated, or the token is unknown, revoked or expired.",
    "403": "The user's role does not allow this.",
    "404": "No such record (or not one this user may see).",
    "405": "Method not allowed here.",
    "406": "Only JSON is served.",
    "409": "A refused state change or roster conflict, said in words.",
    "413": "The body is larger than the server accepts (DATA_UPLOAD_MAX_MEMORY_SIZE).",
    "415": "Only JSON bodies are accepted.",
    "429": "Too many requests from this token for its role; try again after Retry-After seconds.",
    "503": "The database is not answering for a moment; try again after Retry-After seconds.",
}


def add_error_responses(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for name, schema in result["components"]["schemas"].items():
        if name.endswith("Request"):  # request bodies: unknown fields are refused (coresponder.strict)
            schema["additionalProperties"] = False
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            for code, description in ERRORS.items():
                responses.setdefault(code, {"description": description, "content": reference})
            # gunicorn refuses a request line over 4 KB itself, before Django: no Error body.
            responses.setdefault("414", {"description": "The address (with its query) is too long."})
    return result
