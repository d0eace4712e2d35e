"""API endpoints of the core: the change log and the user's own tokens."""

import django_filters
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import SAFE_METHODS, BasePermission

from ..choices import ChangeAction, ChangeSource
from ..filtersets import SafeInputMixin
from ..models import ObjectChange, Token
from .viewsets import APIMixin, ExportMixin


class OwnTokens(BasePermission):
    """Any signed-in user manages their own tokens; a read-only token cannot make or revoke one."""

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        token = request.auth if isinstance(request.auth, Token) else None
        return request.method in SAFE_METHODS or token is None or not token.read_only


class ObjectChangeSerializer(serializers.ModelSerializer):
    object_type = serializers.SerializerMethodField()
    related_object_type = serializers.SerializerMethodField()
    user = serializers.SerializerMethodField()

    class Meta:
        model = ObjectChange
        fields = (
            "id",
            "time",
            "user",
            "request_id",
            "source",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "related_object_type",
            "related_object_id",
            "before",
            "after",
        )

    @extend_schema_field(serializers.CharField())
    def get_object_type(self, obj) -> str:
        return f"{obj.content_type.app_label}.{obj.content_type.model}"

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_related_object_type(self, obj) -> str | None:
        ct = obj.related_content_type_id and ContentType.objects.get_for_id(obj.related_content_type_id)
        return f"{ct.app_label}.{ct.model}" if ct else None

    @extend_schema_field(serializers.CharField())
    def get_user(self, obj) -> str:
        return obj.user_name


class ObjectTypeFilter(django_filters.CharFilter):
    """``inventory.device`` (app label and model name)."""

    def filter(self, qs, value):
        if not value:
            return qs
        app_label, _sep, model = value.lower().partition(".")
        ct = ContentType.objects.filter(app_label=app_label, model=model).first()
        if ct is None:
            return qs.none()
        return qs.filter(**{self.field_name: ct})


class ObjectChangeFilterSet(SafeInputMixin, django_filters.FilterSet):
    object_type = ObjectTypeFilter(field_name="content_type", label=_("Object type, e.g. inventory.device"))
    object_id = django_filters.NumberFilter()
    related_object_type = ObjectTypeFilter(field_name="related_content_type", label=_("Parent object type"))
    related_object_id = django_filters.NumberFilter()
    user = django_filters.CharFilter(field_name="user_name", label=_("User name"))
    user_id = django_filters.NumberFilter()
    action = django_filters.MultipleChoiceFilter(choices=ChangeAction.choices)
    source = django_filters.MultipleChoiceFilter(choices=ChangeSource.choices)
    request_id = django_filters.UUIDFilter()
    time = django_filters.IsoDateTimeFromToRangeFilter(label=_("Time range: time_after, time_before"))
    q = django_filters.CharFilter(field_name="object_repr", lookup_expr="icontains", label=_("Object text contains"))

    class Meta:
        model = ObjectChange
        fields = ["object_type", "object_id", "user", "user_id", "action", "source", "request_id", "time"]


class ObjectChangeViewSet(APIMixin, ExportMixin, viewsets.ReadOnlyModelViewSet):
    """The change log: every create, update and delete, filterable by object, user, action, time.
    ``?format=csv`` or ``?format=xlsx`` exports the filtered log."""

    queryset = ObjectChange.objects.select_related("content_type")
    serializer_class = ObjectChangeSerializer
    filterset_class = ObjectChangeFilterSet
    ordering_fields = ("time", "id")
    ordering = ("-time", "-id")


class TokenSerializer(serializers.ModelSerializer):
    key = serializers.SerializerMethodField(help_text=_("The key: shown in this response only."))
    user = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Token
        fields = (
            "id",
            "prefix",
            "key",
            "user",
            "description",
            "read_only",
            "created",
            "expires",
            "last_used",
            "revoked",
        )
        read_only_fields = ("prefix", "created", "last_used", "revoked")
        # Read-only unless asked otherwise, in the browsable API's form too.
        extra_kwargs = {"read_only": {"default": True, "initial": True}}

    def get_key(self, obj) -> str | None:
        return getattr(obj, "_plain_key", None)

    def validate_expires(self, value):
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError(_("The expiry must be in the future."))
        return value


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
        from ..choices import Role
        from ..permissions import role_of

        read_only = data.get("read_only", True) or role_of(self.request.user) == Role.AUDITOR
        token, key = Token.issue(
            self.request.user, description=data.get("description", ""), read_only=read_only, expires=data.get("expires")
        )
        token._plain_key = key
        serializer.instance = token

    @extend_schema(description="Revoke the token: it stops working at once; the record stays.")
    def destroy(self, request, *args, **kwargs):
        from rest_framework.response import Response

        token = self.get_object()
        if token.revoked is None:  # the first revocation is the one on record
            token.revoke()
        return Response(status=204)
