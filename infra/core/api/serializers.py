"""Serializer bases: related objects as brief {id, url, display}, model rules enforced on write."""

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject
from rest_framework.reverse import reverse
from rest_framework.validators import UniqueValidator

from ..models import ObjectChange, Token
from ..permissions import link_errors
from ..services.bulk import concrete_attrs, resolved_relations
from ..services.bulk import error_messages as drf_errors
from ..validation import as_id, validate_instance

_PK_PLACEHOLDER = 987654321987654


def api_url_for(model: type[models.Model], pk: object, request=None) -> str:
    """The detail URL of ``model`` ``pk``: resolved once per model and request, then filled in.

    A 1,000-row device page names six objects a row; reverse() for each was most of its time.
    """
    cache = request.__dict__.setdefault("_api_url_templates", {}) if request is not None else {}
    template = cache.get(model)
    if template is None:
        meta = model._meta
        url = reverse(f"api:{meta.app_label}-{meta.model_name}-detail", args=[_PK_PLACEHOLDER], request=request)
        template = cache[model] = url.replace(str(_PK_PLACEHOLDER), "{}")
    return template.format(pk)


def api_url(obj: models.Model, request=None) -> str:
    return api_url_for(type(obj), obj.pk, request)


class BriefRelatedField(serializers.PrimaryKeyRelatedField):
    """Reads as {id, url, display}; accepts an id or {"id": ...}. Look-ups are cached per request,
    so a bulk write of a thousand rows naming thirty OPDs asks the database thirty times."""

    def use_pk_only_optimization(self) -> bool:
        return False

    def to_representation(self, value):
        request = self.context.get("request")
        return {"id": value.pk, "url": api_url(value, request), "display": str(value)}

    def to_internal_value(self, data):
        if isinstance(data, dict):
            data = data.get("id")
        # Anything but an id (a list, a float, a bool) is the client's mistake, not a lookup to try.
        if isinstance(data, bool) or not isinstance(data, (int, str)):
            self.fail("incorrect_type", data_type=type(data).__name__)
        cache = self.context.setdefault("_related_cache", {})
        key = (self.queryset.model, data)  # the model alone: get_queryset() clones a queryset each call
        if key not in cache:
            cache[key] = super().to_internal_value(data)
        return cache[key]


def preload_related(serializer: serializers.Serializer, items: list) -> None:
    """Read the objects that ``items`` name through related fields, one query per field, into the
    cache BriefRelatedField looks in: a bulk write naming fifty OPDs and fifty sites asks twice."""
    cache = serializer.context.setdefault("_related_cache", {})
    for name, field in serializer.fields.items():
        many = isinstance(field, serializers.ManyRelatedField)
        relation = field.child_relation if many else field
        if field.read_only or not isinstance(relation, BriefRelatedField):
            continue
        wanted: dict[int, list] = {}
        for item in items:
            values = item.get(name) if isinstance(item, dict) else None
            for value in values if many and isinstance(values, list) else [values]:
                raw = value.get("id") if isinstance(value, dict) else value
                pk = as_id(raw)
                if pk is not None:
                    wanted.setdefault(pk, []).append(raw)
        if not wanted:
            continue
        queryset = relation.get_queryset()
        for pk, obj in queryset.in_bulk(list(wanted)).items():
            for raw in wanted[pk]:
                cache[(queryset.model, raw)] = obj


# Read-only fields a client may send with any value: ``last_updated`` is the version a write is
# based on, checked by the viewset (412 when the object changed since), not a value to set.
READ_ONLY_PRECONDITIONS = frozenset({"last_updated"})


def _same_value(field: serializers.Field, sent: object, stored: object) -> bool:
    """Whether what a client sent for a read-only field is what the API shows for it: an object by
    its id or {id, ...}, a time at the same instant whatever its offset, a number whatever its form."""
    if sent == stored:
        return True
    if isinstance(stored, dict) and "id" in stored:
        sent_id = sent.get("id") if isinstance(sent, dict) else sent
        return as_id(sent_id) is not None and as_id(sent_id) == as_id(stored["id"])
    if sent is None or stored is None or isinstance(sent, (dict, list, bool)):
        return False
    try:
        if isinstance(field, (serializers.DateTimeField, serializers.DateField, serializers.DecimalField)):
            return field.to_internal_value(sent) == field.to_internal_value(stored)
        if isinstance(stored, (int, float)) and not isinstance(stored, bool):
            return Decimal(str(sent)) == Decimal(str(stored))
    except (serializers.ValidationError, ArithmeticError, ValueError, TypeError):
        return False
    return False


class ReadOnlyFieldsMixin:
    """A write that sends a read-only field with another value than the stored one is refused (400,
    naming the field), rather than answered 200 with the value silently ignored. The same value
    (an object's GET output sent back in a PUT) is accepted and ignored; on a create, any value
    but null. A serializer may say where such a value is changed instead (``read_only_hints``)."""

    # field name -> what the 400 says instead of the generic message (e.g. "use the transition").
    read_only_hints: dict[str, str] = {}

    def to_internal_value(self, data):
        if isinstance(data, dict):
            refused = self.read_only_errors(data)
            if refused:
                raise serializers.ValidationError(refused)
        return super().to_internal_value(data)

    def read_only_errors(self, data: dict) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        instance = getattr(self, "instance", None)
        for name, field in self.fields.items():
            if not field.read_only or name not in data or name in READ_ONLY_PRECONDITIONS:
                continue
            sent = data[name]
            if instance is None:
                if sent is None:
                    continue
            else:
                try:
                    attribute = field.get_attribute(instance)
                    stored = None if attribute is None else field.to_representation(attribute)
                except (SkipField, AttributeError, ObjectDoesNotExist):
                    stored = None
                if _same_value(field, sent, stored):
                    continue
            hint = self.read_only_hints.get(name)
            errors[name] = [str(hint) if hint else str(_("This field is read-only: it cannot be set or changed."))]
        return errors


class BaseModelSerializer(ReadOnlyFieldsMixin, serializers.ModelSerializer):
    """``id``, ``url`` and ``display`` first; the model's own ``clean()`` runs on every write."""

    serializer_related_field = BriefRelatedField
    url = serializers.SerializerMethodField()
    display = serializers.SerializerMethodField()

    def get_url(self, obj) -> str:
        return api_url(obj, self.context.get("request"))

    def get_display(self, obj) -> str:
        return str(obj)

    def to_representation(self, instance):
        """DRF's own loop, with a model's plain fields read straight off the instance: DRF's general
        attribute lookup (dotted sources, dicts, callables) was a third of a 1,000-row list's time."""
        if not isinstance(instance, models.Model):
            return super().to_representation(instance)
        plan = self.__dict__.get("_representation_plan")
        if plan is None:
            plan = self._representation_plan = self._plan_representation(type(instance))
        ret = {}
        for name, field, attribute in plan:
            if attribute is None:
                value = instance
            elif attribute:
                value = getattr(instance, attribute)
            else:
                try:
                    value = field.get_attribute(instance)
                except SkipField:
                    continue
            if value is None or (isinstance(value, PKOnlyObject) and value.pk is None):
                ret[name] = None
            else:
                ret[name] = field.to_representation(value)
        return ret

    def _plan_representation(self, model: type[models.Model]) -> list[tuple[str, serializers.Field, str | None]]:
        """(name, field, how to read): an attribute name, None for the whole object (source="*"),
        or "" for DRF's general lookup."""
        plain = {f.name for f in model._meta.concrete_fields}
        plan = []
        for field in self._readable_fields:
            if field.source == "*":
                attribute = None
            elif len(field.source_attrs) == 1 and field.source in plain:
                attribute = field.source
            else:
                attribute = ""
            plan.append((field.field_name, field, attribute))
        return plan

    def build_field(self, field_name, info, model_class, nested_depth):
        field_class, kwargs = super().build_field(field_name, info, model_class, nested_depth)
        # DRF turns one-field unique constraints into its own validators with generic messages;
        # full_clean() below checks the same constraints with the model's messages.
        if "validators" in kwargs:
            kwargs["validators"] = [v for v in kwargs["validators"] if not isinstance(v, UniqueValidator)]
        return field_class, kwargs

    def get_validators(self) -> list:
        # The model's named constraints are checked by full_clean() below, with their own messages.
        return []

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if self.Meta.model._meta.many_to_many:
            # Records linked into this one (an application's servers) must be the user's to link.
            user = getattr(self.context.get("request"), "user", None)
            refused = link_errors(user, self.instance or self.Meta.model(), attrs)
            if refused:
                raise serializers.ValidationError(refused)
        if self.context.get("defer_model_validation"):
            return attrs  # a bulk create validates its instances together (BaseViewSet.create)
        instance = self.instance
        if instance is None:
            instance = self.Meta.model(**concrete_attrs(self.Meta.model, attrs))
            original = {}
        else:
            original = {k: getattr(instance, k) for k in concrete_attrs(type(instance), attrs)}
            for key in original:
                setattr(instance, key, attrs[key])
        try:
            validate_instance(instance, resolved=resolved_relations(attrs))
            # What the model's validation cleaned (a MAC address in its stored form) is what is saved.
            cleaned = {key: getattr(instance, key) for key in concrete_attrs(type(instance), attrs)}
        except DjangoValidationError as exc:
            raise serializers.ValidationError(drf_errors(exc)) from exc
        finally:
            for key, value in original.items():
                setattr(instance, key, value)
        attrs.update(cleaned)
        return attrs


def has_changes(serializer: serializers.ModelSerializer) -> bool:
    """Whether saving ``serializer`` (an update, validated) would change its object: a write that
    changes nothing is not saved, so ``last_updated`` never moves without a change record."""
    instance = serializer.instance
    if instance is None:
        return True
    meta = instance._meta
    for key, value in serializer.validated_data.items():
        try:
            field = meta.get_field(key)
        except FieldDoesNotExist:
            return True  # not a plain field (a serializer's own): its update decides
        if field.many_to_many:
            wanted = {getattr(v, "pk", v) for v in value}
            if wanted != set(getattr(instance, key).values_list("pk", flat=True)):
                return True
        elif not field.concrete:
            return True
        elif field.is_relation:
            if getattr(value, "pk", value) != getattr(instance, field.attname):
                return True
        elif field.to_python(value) != getattr(instance, field.attname):
            return True
    return False


class BriefSerializer(serializers.Serializer):
    """What ``?brief=1`` returns for any model."""

    id = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField()
    display = serializers.SerializerMethodField()

    def get_url(self, obj) -> str:
        return api_url(obj, self.context.get("request"))

    def get_display(self, obj) -> str:
        return str(obj)


class ObjectChangeSerializer(serializers.ModelSerializer):
    object_type = serializers.SerializerMethodField()
    related_object_type = serializers.SerializerMethodField()
    user = serializers.SerializerMethodField()
    entered_later = serializers.BooleanField(
        read_only=True,
        help_text=_("Recorded more than a minute away from its time: history entered after the fact."),
    )

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
            "recorded",
            "entered_later",
            "entered_by",
            "prev_hash",
            "hash",
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


class TokenSerializer(ReadOnlyFieldsMixin, serializers.ModelSerializer):
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
