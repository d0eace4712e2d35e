"""OpenAPI schema tweaks: what the base viewset adds to DRF, described as it behaves.

- a list takes ``brief``, ``as_of`` and ``format`` (csv, xlsx), so its items are the full object,
  the brief one or a historical row, and it may answer with a file;
- POST on a list takes one object or a list of them; PUT, PATCH and DELETE on a list take a list;
- a write takes a condition: the If-Match header, and ``last_updated`` in the body (each item's in
  a bulk write), answered 412 when the object changed since it was read (``viewsets.conditional``);
- every operation names its error answers (always a JSON object).
"""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema as BaseAutoSchema
from drf_spectacular.plumbing import ResolvedComponent, build_array_type, build_basic_type, build_parameter_type
from drf_spectacular.types import OpenApiTypes

from ..exports import CSV_TYPE, XLSX_TYPE

ERROR_SCHEMA = {
    "type": "object",
    "description": "An error: `detail` for the request as a whole, or one list of messages per field; "
    "a bulk request names each bad item by its index in `items`.",
    "properties": {
        "detail": {"type": "string"},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"index": {"type": "integer"}, "errors": {"type": "object"}},
            },
        },
    },
    "additionalProperties": True,
}
HISTORICAL_ROW_SCHEMA = {
    "type": "object",
    "description": "An object as it was at `as_of`: its logged fields (foreign keys as `<name>_id` and as "
    "{id, url, display}), and the time of the change record that gave this state.",
    "properties": {
        "id": {"type": "integer"},
        "display": {"type": "string"},
        "as_of_change": {"type": "string", "format": "date-time"},
    },
    "required": ["id", "display", "as_of_change"],
    "additionalProperties": True,
}
ERROR_DESCRIPTIONS = {
    "400": "The request is not valid (field errors, or the bulk items that are not).",
    "401": "No credentials, or a token that is unknown, expired or revoked.",
    "403": "The role or a read-only token does not allow this.",
    "404": "No such object.",
    "409": "Refused by the database: other records refer to the object, or a unique value is taken.",
    "412": "The object changed since it was read (If-Match, or the last_updated sent, does not match its "
    "current version): nothing was written. One object: its current ETag is in the ETag header. A bulk "
    "write: `stale` lists the ids, `items` each one's index, current `etag` and `last_updated`.",
}
IF_MATCH_SINGLE = (
    "Write only if the object is still at this version: `*` or its ETag (from the ETag header of a GET), "
    "in double quotes; several, separated by commas, allowed. Refused with 412 if it changed; an empty or "
    "malformed value is a 400. Optional."
)
IF_MATCH_BULK = (
    "Write only if every object named is still at the version read: the ETags of the objects, in double "
    "quotes, separated by commas (or `*`). For many objects send each item's `last_updated` instead. Optional."
)
VERSION_PROPERTY = {
    "type": "string",
    "format": "date-time",
    "description": "The object's last_updated as you read it: the write is refused (412) if it changed since. "
    "Optional.",
}


class AutoSchema(BaseAutoSchema):
    def get_operation_id(self) -> str:
        action = getattr(self.view, "action", None)
        if action and action.startswith("bulk_"):
            tokenized = "_".join(t for t in self._tokenize_path() if t).replace("-", "_")
            return f"{tokenized}_{action}"
        return super().get_operation_id()

    def _is_list_view(self, serializer=None) -> bool:
        if (getattr(self.view, "action", "") or "").startswith("bulk_"):
            return False
        return super()._is_list_view(serializer)

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        from .viewsets import BaseViewSet, ExportMixin

        action = getattr(self.view, "action", None)
        bulk_view = isinstance(self.view, BaseViewSet)
        if action == "list" and isinstance(self.view, ExportMixin):
            self._describe_list(operation, full=bulk_view)
        elif bulk_view and action == "create":
            self._describe_create(operation)
        elif bulk_view and action in ("bulk_update", "bulk_partial_update"):
            self._describe_bulk_update(operation)
        elif bulk_view and action == "bulk_destroy":
            self._describe_bulk_destroy(operation)
        if bulk_view and action in ("update", "partial_update"):
            self._describe_version_in_body(operation)
        if (bulk_view and self.method in ("PUT", "PATCH", "DELETE")) or action == "transition":
            self._describe_if_match(operation, bulk=action.startswith("bulk_") if action else False)
        self._describe_errors(operation)
        return operation

    # --- pieces ------------------------------------------------------------------------------
    def _component(self, name: str, schema: dict) -> dict:
        component = ResolvedComponent(name=name, type=ResolvedComponent.SCHEMA, schema=schema, object=name)
        self.registry.register_on_missing(component)
        return component.ref

    def _model_ref(self, direction: str) -> dict:
        serializer = self.view.get_serializer()
        if direction == "request" and self.method == "PATCH":
            serializer.partial = True
        return self.resolve_serializer(serializer, direction).ref

    def _describe_list(self, operation: dict, full: bool) -> None:
        parameters = operation.setdefault("parameters", [])
        parameters.append(
            build_parameter_type(
                "format",
                build_basic_type(OpenApiTypes.STR) | {"enum": ["csv", "xlsx"]},
                "query",
                description="Export the whole filtered list as a CSV or XLSX file (not paginated).",
            )
        )
        response = operation["responses"]["200"]
        if full:
            from .serializers import BriefSerializer

            parameters.append(
                build_parameter_type(
                    "brief",
                    build_basic_type(OpenApiTypes.BOOL),
                    "query",
                    description="Only {id, url, display} for each object: a light list.",
                )
            )
            parameters.append(
                build_parameter_type(
                    "as_of",
                    build_basic_type(OpenApiTypes.DATETIME),
                    "query",
                    description="The list as it was at this moment (ISO date and time with its offset), rebuilt "
                    "from the change log. Filters then match the historical values exactly.",
                )
            )
            items = {
                "anyOf": [
                    self._model_ref("response"),
                    self.resolve_serializer(BriefSerializer(), "response").ref,
                    self._component("HistoricalRow", HISTORICAL_ROW_SCHEMA),
                ]
            }
            schema = self.view.paginator.get_paginated_response_schema(build_array_type(items))
            response["content"] = {media: {"schema": schema} for media in response["content"]}
        binary = {"schema": {"type": "string", "format": "binary"}}
        response["content"][CSV_TYPE.split(";")[0]] = binary
        response["content"][XLSX_TYPE] = binary
        parameters.sort(key=lambda p: (p["in"], p["name"]))

    def _describe_create(self, operation: dict) -> None:
        one_request, one = self._model_ref("request"), self._model_ref("response")
        schema = {"oneOf": [one_request, {**build_array_type(one_request), "minItems": 1}]}
        operation["requestBody"]["content"] = {"application/json": {"schema": schema}}
        operation["description"] = (
            operation.get("description", "") + "\n\nPOST a list of objects to create "
            "them all or none (a 400 names each bad item by its index)."
        ).strip()
        created = operation["responses"]["201"]
        created["content"] = {m: {"schema": {"oneOf": [one, build_array_type(one)]}} for m in created["content"]}

    def _describe_bulk_update(self, operation: dict) -> None:
        with_id = {
            "allOf": [
                self._model_ref("request"),
                {
                    "type": "object",
                    "properties": {"id": {"type": "integer", "minimum": 1}, "last_updated": VERSION_PROPERTY},
                    "required": ["id"],
                },
            ]
        }
        operation["requestBody"] = {
            "content": {"application/json": {"schema": {**build_array_type(with_id), "minItems": 1}}},
            "required": True,
        }
        ok = operation["responses"]["200"]
        ok["content"] = {m: {"schema": build_array_type(self._model_ref("response"))} for m in ok["content"]}
        operation["description"] = "Change several objects, each named by its id: all of them or none."

    def _describe_bulk_destroy(self, operation: dict) -> None:
        item = {
            "oneOf": [
                {"type": "integer", "minimum": 1},
                {
                    "type": "object",
                    "properties": {"id": {"type": "integer", "minimum": 1}, "last_updated": VERSION_PROPERTY},
                    "required": ["id"],
                },
            ]
        }
        operation["requestBody"] = {
            "content": {"application/json": {"schema": {**build_array_type(item), "minItems": 1}}},
            "required": True,
        }
        operation["description"] = "Delete several objects (ids, or objects with their id): all of them or none."

    def _describe_version_in_body(self, operation: dict) -> None:
        """A single PUT or PATCH also takes the last_updated it read (read-only otherwise)."""
        body = operation.get("requestBody", {}).get("content", {})
        version = {"type": "object", "properties": {"last_updated": VERSION_PROPERTY}}
        for media in body.values():
            media["schema"] = {"allOf": [media["schema"], version]}

    def _describe_if_match(self, operation: dict, bulk: bool) -> None:
        parameters = operation.setdefault("parameters", [])
        parameters.append(
            build_parameter_type(
                "If-Match",
                build_basic_type(OpenApiTypes.STR),
                "header",
                description=IF_MATCH_BULK if bulk else IF_MATCH_SINGLE,
            )
        )

    def _describe_errors(self, operation: dict) -> None:
        codes = ["400", "401", "403"]
        if "{" in self.path:
            codes.append("404")
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes.append("409")
            if "{" in self.path or self.method in ("PUT", "PATCH", "DELETE"):
                codes.append("412")
        ref = self._component("Error", ERROR_SCHEMA)
        for code in codes:
            operation["responses"].setdefault(
                code,
                {
                    "description": ERROR_DESCRIPTIONS[code],
                    "content": {"application/json": {"schema": ref}},
                },
            )


try:
    from drf_spectacular.extensions import OpenApiAuthenticationExtension

    class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
        target_class = "infra.core.api.authentication.TokenAuthentication"
        name = "tokenAuth"

        def get_security_definition(self, auto_schema):
            return {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "`Token <key>`: create a key under /api/tokens/ (it is shown once).",
            }
except ImportError:  # pragma: no cover
    pass


class BriefRelatedFieldExtension(OpenApiSerializerFieldExtension):
    """A related object reads as {id, url, display}; it is written as its id, or as what was read."""

    target_class = "infra.core.api.serializers.BriefRelatedField"

    def map_serializer_field(self, auto_schema, direction):
        if direction == "response":
            from .serializers import BriefSerializer

            return auto_schema.resolve_serializer(BriefSerializer(), "response").ref
        by_id = {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}
        return {"oneOf": [{"type": "integer"}, by_id]}
