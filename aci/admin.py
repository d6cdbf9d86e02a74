from django.contrib import admin

from aci.models import SizeTier, TierGrid


class SizeTierInline(admin.TabularInline):
    model = SizeTier
    extra = 0


@admin.register(TierGrid)
class TierGridAdmin(admin.ModelAdmin):
    list_display = ["name", "effective_from", "effective_to", "boundary_rule"]
    inlines = [SizeTierInline]
