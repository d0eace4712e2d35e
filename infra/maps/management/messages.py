"""The diagram commands' own refusals (not the form's), in the reader's language: one wording for both."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import CommandError
from django.utils import translation
from django.utils.translation import gettext


def check_language(language: str | None) -> str:
    """The language asked for (the city's by default); an unknown one is refused in the city's language."""
    languages = [code for code, _name in settings.LANGUAGES]
    language = language or settings.LANGUAGE_CODE
    if language not in languages:
        with translation.override(settings.LANGUAGE_CODE):
            message = gettext("Unknown language “%(language)s”: choose one of %(choices)s.") % {
                "language": language,
                "choices": ", ".join(languages),
            }
        raise CommandError(message)
    return language


def cannot_write(output: str, error: OSError, language: str) -> CommandError:
    with translation.override(language):
        return CommandError(gettext("Cannot write %(file)s: %(reason)s.") % {"file": output, "reason": error.strerror})
