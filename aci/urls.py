from django.urls import path

from aci import views, views_cockpit, views_indicators, views_report

app_name = "aci"

C = "c/<slug:slug>/aci/"

urlpatterns = [
    path("aci/simulateur/", views.simulator, name="simulator"),
    # Contract, schedule, payments, budget (aci/views_cockpit.py)
    path(C, views_cockpit.cockpit, name="cockpit"),
    path(C + "signer/", views_cockpit.sign, name="sign"),
    path(C + "contrat/", views_cockpit.contract, name="contract"),
    path(C + "contrat/missions/<int:pk>/", views_cockpit.mission_dates, name="mission_dates"),
    path(C + "contrat/avenant/", views_cockpit.amend, name="amend"),
    path(C + "echeancier/", views_cockpit.schedule, name="schedule"),
    path(C + "echeancier/recalculer/", views_cockpit.recompute, name="recompute"),
    path(C + "versements/", views_cockpit.payments, name="payments"),
    path(C + "budget/", views_cockpit.budget, name="budget"),
    path(C + "depenses/", views_cockpit.expenses, name="expenses"),
    path(C + "depenses/<int:pk>/supprimer/", views_cockpit.expense_delete, name="expense_delete"),
    path(C + "depenses/importer/", views_cockpit.expenses_import, name="expenses_import"),
    # Objectives and indicators (aci/views_indicators.py)
    path(C + "indicateurs/", views_indicators.indicators, name="indicators"),
    path(C + "indicateurs/nouveau/", views_indicators.indicator_new, name="indicator_new"),
    path(C + "indicateurs/arreter/", views_indicators.close_year, name="close_year"),
    path(C + "indicateurs/<int:pk>/", views_indicators.indicator, name="indicator"),
    path(C + "indicateurs/<int:pk>/modifier/", views_indicators.indicator_edit, name="indicator_edit"),
    path(C + "indicateurs/<int:pk>/paliers/", views_indicators.indicator_steps, name="indicator_steps"),
    path(C + "indicateurs/<int:pk>/resultat/", views_indicators.indicator_result, name="indicator_result"),
    path(C + "indicateurs/<int:pk>/lignes.csv", views_indicators.indicator_rows, name="indicator_rows"),
    path(C + "indicateurs/<int:pk>/justificatifs/", views_indicators.evidence_add, name="evidence_add"),
    path(C + "justificatifs/<int:pk>/", views_indicators.evidence_download, name="evidence_download"),
    path(C + "justificatifs/<int:pk>/supprimer/", views_indicators.evidence_delete, name="evidence_delete"),
    # Annual report (aci/views_report.py)
    path(C + "rapport/", views_report.report, name="report"),
    path(C + "rapport/<int:year>.pdf", views_report.report_pdf, name="report_pdf"),
    path(C + "rapport/<int:year>.xlsx", views_report.report_xlsx, name="report_xlsx"),
]
