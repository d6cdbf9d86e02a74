"""Pro Santé Connect on the demo: a local OpenID Connect provider with demo professionals' identities.

    make psc-demo                              # provider + OpenCPTS on http://127.0.0.1:8000, PSC on
    python scripts/psc_dev_provider.py         # provider only: prints the settings for `make run`

It starts the local provider of the tests (npm oidc-provider run by node, accounts/psc_provider.py) with two
identities taken from the demo database (`make setup` first):

- ``medecin``: the demo GP (medecin@demo.opencpts.test), whose account is linked to it here (accounts/psc.py
  ``link``, audited): « Se connecter avec Pro Santé Connect » logs him straight in, second factor included;
- ``nouveau``: a synthetic professional of the directory who has no account: « Créer mon compte »;
- ``inconnu``: an RPPS number absent from the directory: the refusal message.

The provider's login page lists them (no password: test identities, as on the PSC sandbox). Development only:
the client secret is random at each start.
"""

import argparse
import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opencpts.settings")
os.environ.setdefault("OPENCPTS_DEV", "1")


def identities() -> dict[str, dict]:
    from accounts import psc
    from accounts.models import User
    from demo.accounts import DOMAIN
    from directory.identifiers import rpps_with_key
    from directory.models import Professional

    doctor = User.objects.filter(email=f"medecin@{DOMAIN}").select_related("professional").first()
    if doctor is None or doctor.professional is None:
        sys.exit("Compte de démonstration medecin@… introuvable : lancez d'abord « make setup ».")
    pro = doctor.professional
    if doctor.external_idnat != pro.idnat:
        psc.link(doctor, psc.Identity(pro.idnat, "medecin", "eidas1"), pro)
    newcomer = (
        Professional.objects.filter(is_synthetic=True, active=True, account__isnull=True, id_type="8")
        .order_by("pk")
        .first()
    )
    found = {"medecin": pro}
    if newcomer is not None:
        found["nouveau"] = newcomer
    claims = {
        key: {
            "SubjectNameID": p.idnat,
            "given_name": p.first_name,
            "family_name": p.last_name,
            "acr": "eidas1",
        }
        for key, p in found.items()
    }
    absent = "8" + rpps_with_key("1999999990")
    claims["inconnu"] = {
        "SubjectNameID": absent,
        "given_name": "Ivan",
        "family_name": "INCONNU",
        "acr": "eidas1",
    }
    return claims


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PSC_DEMO_PROVIDER_PORT", "8089")))
    host, app_port = os.environ.get("HOST", "127.0.0.1"), os.environ.get("PORT", "8000")
    parser.add_argument("--app-url", default=f"http://{host}:{app_port}", help="where OpenCPTS is served")
    parser.add_argument("--serve", action="store_true", help="also serve OpenCPTS (uvicorn) with PSC on")
    args = parser.parse_args()

    import django

    django.setup()
    from accounts import psc_provider

    client_id, secret = "opencpts-demo", secrets.token_urlsafe(32)
    claims = identities()
    provider = psc_provider.start(args.port, client_id, secret, args.app_url, claims, quiet=False)
    env = {"PSC_CLIENT_ID": client_id, "PSC_CLIENT_SECRET": secret, **provider.settings()}
    print(f"\n  Fournisseur Pro Santé Connect local : {provider.issuer} (identités : {', '.join(claims)})")
    print("  Réglages pour OpenCPTS (docs/OPERATIONS.md « Pro Santé Connect ») :\n")
    for name, value in env.items():
        print(f"    export {name}={value}")
    print(f"\n  Puis {args.app_url}/connexion/ → « Se connecter avec Pro Santé Connect » → « medecin ».\n")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop the provider (finally) on SIGTERM too
    try:
        if args.serve:
            command = [sys.executable, "-m", "uvicorn", "opencpts.asgi:application", "--host", host]
            command += ["--port", app_port, "--log-level", "warning"]
            subprocess.run(command, env={**os.environ, **env}, check=False)  # noqa: S603
        else:
            provider.process.wait()
    except KeyboardInterrupt:
        pass
    finally:
        provider.stop()


if __name__ == "__main__":
    main()
