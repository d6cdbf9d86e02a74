"""Codes of the ANS NOS terminologies (TRE_G15 professions, TRE_R38 specialties...), as data."""

from django.db import models

NOS_BASE = "https://mos.esante.gouv.fr/NOS"
SYSTEM_URLS = {
    "TRE_G15": f"{NOS_BASE}/TRE_G15-ProfessionSante/FHIR/TRE-G15-ProfessionSante",
    "TRE_R38": f"{NOS_BASE}/TRE_R38-SpecialiteOrdinale/FHIR/TRE-R38-SpecialiteOrdinale",
    "TRE_R95": f"{NOS_BASE}/TRE_R95-UsagerTitre/FHIR/TRE-R95-UsagerTitre",
    "TRE_R94": f"{NOS_BASE}/TRE_R94-ProfessionSocial/FHIR/TRE-R94-ProfessionSocial",
    "TRE_R291": f"{NOS_BASE}/TRE_R291-AutreProfession/FHIR/TRE-R291-AutreProfession",
}
PROFESSION_SYSTEMS = ("TRE_G15", "TRE_R95", "TRE_R94", "TRE_R291")


class Concept(models.Model):
    system = models.CharField(max_length=20)
    code = models.CharField(max_length=20)
    display = models.CharField(max_length=200)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["system", "code"], name="concept_unique_system_code")]
        ordering = ["system", "display"]

    def __str__(self):
        return self.display

    @property
    def system_url(self) -> str:
        return SYSTEM_URLS[self.system]
