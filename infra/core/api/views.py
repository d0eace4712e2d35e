"""API endpoints of the core: the change log and the user's own tokens."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from ..filtersets import ObjectChangeFilterSet
from ..models import ObjectChange, Token
from ..permissions import readable_changes
from ..services.tokens import issue_token, revoke_token
from .serializers import ObjectChangeSerializer, TokenSerializer
from .viewsets import APIMixin, ExportMixin


class OwnTokens(BasePermission):
    """Any signed-in user manages their own tokens; a read-only token cannot make or revoke one."""

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        token = request.auth if isinstance(request.auth, Token) else None
        return request.method in SAFE_METHODS or token is None or not token.read_only


class ObjectChangeViewSet(APIMixin, ExportMixin, viewsets.ReadOnlyModelViewSet):
    """The change log: every create, update and delete, filterable by object, user, action, time.
    ``?format=csv`` or ``?format=xlsx`` exports the filtered log."""

    queryset = ObjectChange.objects.select_related("content_type")
    serializer_class = ObjectChangeSerializer
    filterset_class = ObjectChangeFilterSet
    ordering_fields = ("time", "id")
    ordering = ("-time", "-id")

    def get_queryset(self):
        return readable_changes(self.request.user, super().get_queryset())


class TokenViewSet(
    APIMixin,
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """A user's own API tokens: create one (its key is shown once), list them, revoke one (DELETE)."""

    queryset = Token.objects.none()  # the model, for the schema; get_queryset gives the user's own
    serializer_class = TokenSerializer
    permission_classes = [OwnTokens]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Token.objects.none()
        return Token.objects.filter(user=self.request.user).select_related("user")

    def perform_create(self, serializer):
        data = serializer.validated_data
        token, key = issue_token(
            user=self.request.user,
            description=data.get("description", ""),
            read_only=data.get("read_only", True),
            expires=data.get("expires"),
        )
        token._plain_key = key
        serializer.instance = token

    @extend_schema(description="Revoke the token: it stops working at once; the record stays.")
    def destroy(self, request, *args, **kwargs):
        revoke_token(token=self.get_object())
        return Response(status=204)
