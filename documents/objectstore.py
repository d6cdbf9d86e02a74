"""The S3 backend of django-storages, narrowed to what encrypted document contents need.

Objects hold AES-256-GCM ciphertext only, under opaque random names (documents/store.py). No address of
the store is ever handed out: ``url()`` refuses, with or without a signature, so that a content can only
reach a user through the application's views, after their access check, decrypted there. Configured in
``STORAGES["documents"]`` by opencpts/settings.py when ``AWS_STORAGE_BUCKET_NAME`` is set.
"""

from storages.backends.s3 import S3Storage


class CiphertextStorage(S3Storage):
    querystring_auth = False  # never a presigned address, even by mistake
    file_overwrite = True  # names are 128-bit random: no existence check (HEAD) before each upload
    default_content_type = "application/octet-stream"

    def url(self, name, parameters=None, expire=None, http_method=None):
        raise NotImplementedError(
            "Document contents are served by the application after its access check, never by the "
            "object store's address (documents/objectstore.py)."
        )
