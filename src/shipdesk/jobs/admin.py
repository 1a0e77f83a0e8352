from django.contrib import admin

from .models import PeriodicRun, WorkerProcess


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WorkerProcess)
class WorkerProcessAdmin(ReadOnly):
    list_display = ("worker_id", "hostname", "pid", "started_at", "seen_at", "stopped_at")


@admin.register(PeriodicRun)
class PeriodicRunAdmin(ReadOnly):
    list_display = ("name", "slot_start", "claimed_by", "task_id", "created_at")
    list_filter = ("name",)
