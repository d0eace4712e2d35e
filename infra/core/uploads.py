"""A request body's size, whatever carries it: form fields and files.

Django bounds form fields and JSON bodies (``DATA_UPLOAD_MAX_MEMORY_SIZE``) but streams uploaded
files to disk without a limit. ``LimitedUploadHandler``, first in ``FILE_UPLOAD_HANDLERS``, refuses
a multipart body larger than ``SIMPUL_MAX_UPLOAD_SIZE`` before it is read (from its declared
length) or as soon as its files pass the limit (a body sent without one), with Django's
``RequestDataTooBig``: the web answers it with a page that says so, the API with a JSON 413
(``infra.views.bad_request``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler


class LimitedUploadHandler(FileUploadHandler):
    """Stops a multipart body past ``SIMPUL_MAX_UPLOAD_SIZE`` bytes; passes every chunk on unchanged."""

    def __init__(self, request=None) -> None:
        super().__init__(request)
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None) -> None:
        if content_length and content_length > settings.SIMPUL_MAX_UPLOAD_SIZE:
            raise RequestDataTooBig("Request body exceeded settings.SIMPUL_MAX_UPLOAD_SIZE.")

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > settings.SIMPUL_MAX_UPLOAD_SIZE:
            raise RequestDataTooBig("Uploaded files exceeded settings.SIMPUL_MAX_UPLOAD_SIZE.")
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None  # the next handler keeps the file
