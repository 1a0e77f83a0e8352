"""The admin of records that are written only by the services: shown, never edited there.

Orders, ledger entries, notifications, snapshots and the like change only through one service
function each (which writes its event and outbox rows in the same transaction); an admin form
would bypass that, so the admin may look, and act only through actions that call the services.
"""

from __future__ import annotations

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
