"""Who may do what with the diagnostic.

- Reading a CPTS's diagnostic: the page's rule (``cpts.view_territory``, cpts/roles.py); its members see every
  count, the public version (counts under 6 hidden) is what leaves the CPTS.
- Importing a dataset (reference data of the whole instance, shown in every territory's diagnostic): an
  instance administrator, or an active account linked to its professional record in the directory (a
  porteur of a project or a CPTS). The uploader is recorded on the dataset and in the audit trail; the
  uploader or an administrator may remove it.
"""


def may_import(user) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and user.is_active
        and (user.is_staff or user.professional_id is not None)
    )


def may_delete(user, dataset) -> bool:
    return bool(may_import(user) and (user.is_staff or dataset.imported_by_id == user.pk))
