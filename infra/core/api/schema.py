"""OpenAPI schema tweaks: bulk operations get their own operation ids."""

from drf_spectacular.openapi import AutoSchema as BaseAutoSchema


class AutoSchema(BaseAutoSchema):
    def get_operation_id(self) -> str:
        action = getattr(self.view, "action", None)
        if action and action.startswith("bulk_"):
            tokenized = "_".join(t for t in self._tokenize_path() if t)
            return f"{tokenized}_{action}"
        return super().get_operation_id()

    def _is_list_view(self, serializer=None) -> bool:
        if getattr(self.view, "action", "").startswith("bulk_"):
            return False
        return super()._is_list_view(serializer)


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
