"""Who may do what with the diagnostic.

- Reading a CPTS's diagnostic: the page's rule (``cpts.view_territory``, cpts/roles.py); its members see every
  count, the public version (counts under 6 hidden) is what leaves the CPTS.
- Importing a dataset (reference data of the whole instance, shown in every territory's diagnostic): an
  instance administrator, or an active account that proved by a Pro Santé Connect login that it holds its
  professional record in the directory (a link the user declared is a claim, not a proof). The uploader is
  recorded on the dataset and in the audit trail; the uploader or an administrator may remove it.
"""

from accounts import psc


def may_import(user) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return bool(user.is_staff or psc.proven_professional_id(user) is not None)


def may_delete(user, dataset) -> bool:
    return bool(may_import(user) and (user.is_staff or dataset.imported_by_id == user.pk))
