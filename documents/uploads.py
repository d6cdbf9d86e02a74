"""Upload handling: files are kept in memory only, never written to a temporary file in clear.

Django's default handlers write any upload above 2.5 MB to a temporary file on disk, in clear; documents
are health data encrypted at rest, so settings.FILE_UPLOAD_HANDLERS uses this handler instead. It keeps
each file in memory up to OPENCPTS_DOCUMENT_MAX_BYTES and the whole request up to
OPENCPTS_DOCUMENT_MAX_REQUEST_BYTES; beyond, the rest of the file is read and dropped, and the file
comes out as an ``OversizedUpload`` (its real size, no content) that documents.actions refuses with a
French message.
"""

import io

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler


def max_request_bytes() -> int:
    single = int(getattr(settings, "OPENCPTS_DOCUMENT_MAX_BYTES", 20 * 1024 * 1024))
    return int(getattr(settings, "OPENCPTS_DOCUMENT_MAX_REQUEST_BYTES", 3 * single))


class OversizedUpload(UploadedFile):
    """A file that was too big to keep: its name and real size only."""

    oversized = True

    def __init__(self, name: str, size: int, content_type: str | None = None):
        super().__init__(file=io.BytesIO(), name=name, content_type=content_type, size=size)


class BoundedMemoryUploadHandler(FileUploadHandler):
    def __init__(self, request=None):
        super().__init__(request)
        self.request_total = 0

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()
        self.received = 0
        self.overflow = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        self.request_total += len(raw_data)
        limit = int(getattr(settings, "OPENCPTS_DOCUMENT_MAX_BYTES", 20 * 1024 * 1024))
        if self.overflow or self.received > limit or self.request_total > max_request_bytes():
            if not self.overflow:
                self.overflow = True
                self.buffer = io.BytesIO()  # drop what was kept
            return None
        self.buffer.write(raw_data)
        return None

    def file_complete(self, file_size):
        if self.overflow:
            return OversizedUpload(self.file_name, file_size, self.content_type)
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
