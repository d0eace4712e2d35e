"""Serializer bases: related objects as brief {id, url, display}, model rules enforced on write."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from rest_framework import serializers
from rest_framework.reverse import reverse
from rest_framework.validators import UniqueValidator

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
        key = (self.get_queryset().model, data)
        if key not in cache:
            cache[key] = super().to_internal_value(data)
        return cache[key]


class BaseModelSerializer(serializers.ModelSerializer):
    """``id``, ``url`` and ``display`` first; the model's own ``clean()`` runs on every write."""

    serializer_related_field = BriefRelatedField
    url = serializers.SerializerMethodField()
    display = serializers.SerializerMethodField()

    def get_url(self, obj) -> str:
        return api_url(obj, self.context.get("request"))

    def get_display(self, obj) -> str:
        return str(obj)

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
        model = self.Meta.model
        concrete = {f.name for f in model._meta.concrete_fields}
        instance = (
            model(**{k: v for k, v in attrs.items() if k in concrete}) if self.instance is None else self.instance
        )
        if self.instance is not None:
            original = {k: getattr(self.instance, k) for k in attrs if k in concrete}
            for key, value in attrs.items():
                if key in concrete:
                    setattr(instance, key, value)
        try:
            instance.full_clean(
                exclude=[f.name for f in model._meta.many_to_many], validate_unique=True, validate_constraints=True
            )
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages) from exc
        finally:
            if self.instance is not None:
                for key, value in original.items():
                    setattr(self.instance, key, value)
        return attrs


class BriefSerializer(serializers.Serializer):
    """What ``?brief=1`` returns for any model."""

    id = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField()
    display = serializers.SerializerMethodField()

    def get_url(self, obj) -> str:
        return api_url(obj, self.context.get("request"))

    def get_display(self, obj) -> str:
        return str(obj)
