from django.contrib import admin

from shipdesk.readonly_admin import ReadOnlyAdmin

from .models import PeriodicRun, WorkerProcess


@admin.register(WorkerProcess)
class WorkerProcessAdmin(ReadOnlyAdmin):
    list_display = ("worker_id", "hostname", "pid", "started_at", "seen_at", "stopped_at")


@admin.register(PeriodicRun)
class PeriodicRunAdmin(ReadOnlyAdmin):
    list_display = ("name", "slot_start", "claimed_by", "task_id", "created_at")
    list_filter = ("name",)
