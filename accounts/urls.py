from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from accounts import views, views_psc

app_name = "accounts"

urlpatterns = [
    path("connexion/", views.login_view, name="login"),
    path("deconnexion/", views.logout_view, name="logout"),
    path("connexion/psc/", views_psc.PSCLoginView.as_view(), name="psc_login"),
    path("connexion/psc/retour/", views_psc.PSCCallbackView.as_view(), name="psc_callback"),
    path("connexion/psc/confirmer/", views_psc.psc_confirm, name="psc_confirm"),
    path("compte/securite/psc/associer/", views_psc.psc_link, name="psc_link"),
    path("compte/securite/psc/dissocier/", views_psc.psc_unlink, name="psc_unlink"),
    path("compte/inscription/", views.register, name="register"),
    path("compte/verification/", views.otp_verify, name="otp_verify"),
    path("compte/double-authentification/", views.otp_setup, name="otp_setup"),
    path("compte/codes-de-secours/", views.recovery_codes, name="recovery_codes"),
    path("compte/securite/", views.security, name="security"),
    path(
        "compte/securite/appareils/<int:device_id>/retirer/",
        views.revoke_trusted_device,
        name="revoke_trusted_device",
    ),
    path(
        "compte/securite/appareils/tout-retirer/",
        views.revoke_all_trusted_devices,
        name="revoke_all_trusted_devices",
    ),
    path("compte/jetons/", views.api_tokens, name="api_tokens"),
    path("compte/jetons/<int:token_id>/revoquer/", views.revoke_api_token, name="revoke_api_token"),
    path(
        "mot-de-passe/oubli/",
        auth_views.PasswordResetView.as_view(
            template_name="accounts/password_reset.html",
            email_template_name="accounts/password_reset_email.txt",
            subject_template_name="accounts/password_reset_subject.txt",
            success_url=reverse_lazy("accounts:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "mot-de-passe/oubli/envoye/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="accounts/password_reset_confirm.html",
            success_url=reverse_lazy("accounts:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/modifie/",
        auth_views.PasswordResetCompleteView.as_view(template_name="accounts/password_reset_complete.html"),
        name="password_reset_complete",
    ),
]
