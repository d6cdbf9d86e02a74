"""Who may call the SAS interface: the client certificate the reverse proxy verified (mTLS, IGC-Santé), passed
in two headers (verification result, subject DN). The rules:

1. The headers count only on a connection from a reverse proxy listed in ``TRUSTED_PROXIES``
   (opencpts/clientip.py); from anywhere else they are the client's own words and the request is refused,
   whatever they say. With ``TRUSTED_PROXIES`` empty, everything is refused.
2. The verification header must read exactly ``SUCCESS``.
3. The subject DN must be in the RFC 4514 / RFC 2253 string form (nginx ``$ssl_client_s_dn``, HAProxy
   ``ssl_c_s_dn(,0,rfc2253)``, Apache ``SSL_CLIENT_S_DN``), parsed by ``cryptography``
   (``x509.Name.from_rfc4514_string``): escaped characters (``\\,``, ``\\2C``, ``\\+``) stay inside their
   value. The OpenSSL one-line form (``/C=FR/O=…/CN=…``, nginx ``$ssl_client_s_dn_legacy``, HAProxy's default)
   is refused: it escapes nothing, so ``/O=Acme/CN=sas-prod`` may be an organisation named
   ``Acme/CN=sas-prod``.
4. Exactly one CN and one OU, each in a single-valued RDN; a multi-valued RDN (``CN=a+OU=b``), two CNs or two
   OUs, a value given in hexadecimal (``#…``) or holding control characters are refused.
5. The CN must be listed in ``SAS_ALLOWED_CN`` and the OU in ``SAS_ALLOWED_OU`` (exact comparison).
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import NameOID, ObjectIdentifier
from django.conf import settings

from opencpts.clientip import from_trusted_proxy
from opencpts.french import count

MAX_DN_LENGTH = 4096
# Short names OpenSSL writes in its RFC 2253 output that cryptography's parser does not know by itself.
OPENSSL_NAMES = {
    "emailAddress": NameOID.EMAIL_ADDRESS,
    "serialNumber": NameOID.SERIAL_NUMBER,
    "SN": NameOID.SURNAME,
    "GN": NameOID.GIVEN_NAME,
    "title": NameOID.TITLE,
    "street": NameOID.STREET_ADDRESS,
    "organizationIdentifier": NameOID.ORGANIZATION_IDENTIFIER,
    "postalCode": NameOID.POSTAL_CODE,
    "name": ObjectIdentifier("2.5.4.41"),
    "initials": NameOID.INITIALS,
    "pseudonym": NameOID.PSEUDONYM,
    "generationQualifier": NameOID.GENERATION_QUALIFIER,
    "dnQualifier": NameOID.DN_QUALIFIER,
    "businessCategory": NameOID.BUSINESS_CATEGORY,
    "jurisdictionC": NameOID.JURISDICTION_COUNTRY_NAME,
    "jurisdictionST": NameOID.JURISDICTION_STATE_OR_PROVINCE_NAME,
    "jurisdictionL": NameOID.JURISDICTION_LOCALITY_NAME,
    "description": ObjectIdentifier("2.5.4.13"),
}


class Refused(Exception):
    """The request is refused; ``message`` (French) is the OperationOutcome's diagnostics."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Subject:
    cn: str
    ou: str


def _single(name: x509.Name, oid: ObjectIdentifier, label: str) -> str:
    values = name.get_attributes_for_oid(oid)
    if len(values) != 1:
        raise Refused(
            f"Certificat client refusé : le sujet doit comporter exactement un {label} "
            f"({count(len(values), 'trouvé', 'trouvés', 'aucun trouvé')})."
        )
    value = values[0].value
    if not isinstance(value, str) or not value or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise Refused(f"Certificat client refusé : {label} illisible.")
    return value


def parse_subject(dn: str) -> Subject:
    """The CN and OU of a subject DN in the RFC 4514 string form, or ``Refused``."""
    dn = dn or ""
    if not dn.strip():
        raise Refused("Certificat client absent ou non vérifié (mTLS IGC-Santé requis).")
    if dn.startswith("/"):
        raise Refused(
            "Certificat client refusé : sujet au format OpenSSL « /C=…/CN=… », ambigu ; le proxy doit "
            "transmettre la forme RFC 2253 (« CN=…,OU=…,O=…,C=FR »)."
        )
    if len(dn) > MAX_DN_LENGTH:
        raise Refused("Certificat client refusé : sujet trop long.")
    try:
        name = x509.Name.from_rfc4514_string(dn, attr_name_overrides=OPENSSL_NAMES)
    except ValueError:
        raise Refused("Certificat client refusé : sujet illisible (forme RFC 4514 attendue).") from None
    if any(len(rdn) > 1 for rdn in name.rdns):
        raise Refused("Certificat client refusé : sujet à RDN multivalué (« + ») non accepté.")
    return Subject(
        cn=_single(name, NameOID.COMMON_NAME, "CN"), ou=_single(name, NameOID.ORGANIZATIONAL_UNIT_NAME, "OU")
    )


def check(request) -> Subject:
    """The verified certificate's subject when the request may read the SAS interface; ``Refused``
    otherwise."""
    if not from_trusted_proxy(request):
        raise Refused(
            "Requête refusée : le certificat client n'est accepté que par l'intermédiaire du proxy "
            "de confiance (mTLS IGC-Santé requis)."
        )
    if request.META.get(settings.SAS_MTLS_VERIFY_HEADER, "") != "SUCCESS":
        raise Refused("Certificat client absent ou non vérifié (mTLS IGC-Santé requis).")
    subject = parse_subject(request.META.get(settings.SAS_MTLS_DN_HEADER, ""))
    if subject.cn not in settings.SAS_ALLOWED_CN:
        raise Refused("Certificat client refusé : CN non autorisé.")
    if subject.ou not in settings.SAS_ALLOWED_OU:
        raise Refused("Certificat client refusé : OU non autorisé.")
    return subject
