from django.contrib import admin

from cpts.models import CPTS


@admin.register(CPTS)
class CPTSAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "stage", "created_at"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}
