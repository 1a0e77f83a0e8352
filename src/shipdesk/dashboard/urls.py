from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    # Sign-in and password reset (Django's auth views, with our templates). The reset URLs keep
    # Django's names, which its views reverse.
    path("signin/", views.SignInView.as_view(), name="signin"),
    path("signout/", views.SignOutView.as_view(), name="signout"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password-reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("switch-shop/", views.switch_shop, name="switch_shop"),
    path("leave-shop/", views.leave_shop, name="leave_shop"),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    path("invitations/<str:token>/accept/", views.invitation_accept, name="invitation_accept"),
    path("invitations/<str:token>/decline/", views.invitation_decline, name="invitation_decline"),
    # Orders
    path("orders/", views.order_list, name="orders"),
    path("orders/poll/", views.order_poll, name="orders_poll"),
    path("orders/bulk/", views.order_bulk, name="orders_bulk"),
    path("orders/service-levels/", views.service_options, name="service_options"),
    path("orders/tracking-check/", views.tracking_check, name="tracking_check"),
    path("orders/<int:order_id>/", views.order_detail, name="order"),
    path("orders/<int:order_id>/confirm/", views.order_confirm, name="order_confirm"),
    path("orders/<int:order_id>/process/", views.order_process, name="order_process"),
    path("orders/<int:order_id>/ship/", views.order_ship, name="order_ship"),
    path("orders/<int:order_id>/deliver/", views.order_deliver, name="order_deliver"),
    path("orders/<int:order_id>/cancel/", views.order_cancel, name="order_cancel"),
    path("orders/<int:order_id>/lines/<int:line_id>/cancel/", views.order_cancel_line, name="order_cancel_line"),
    path(
        "orders/<int:order_id>/lines/<int:line_id>/substitute/",
        views.order_offer_substitute,
        name="order_offer_substitute",
    ),
    path("orders/<int:order_id>/notes/", views.order_note, name="order_note"),
    # Inventory
    path("inventory/", views.inventory, name="inventory"),
    path("inventory/stock/", views.inventory_stock, name="inventory_stock"),
    path("inventory/products/", views.inventory_add_product, name="inventory_add_product"),
    path("inventory/import/", views.inventory_import, name="inventory_import"),
    path("inventory/export.csv", views.inventory_export, name="inventory_export"),
    # Settings (owners)
    path("settings/", views.settings_page, name="settings"),
    path("settings/profile/", views.settings_profile, name="settings_profile"),
    path("settings/closure-days/", views.settings_closure_add, name="settings_closure_add"),
    path(
        "settings/closure-days/<int:closure_id>/remove/", views.settings_closure_remove, name="settings_closure_remove"
    ),
    path("settings/tokens/", views.settings_token_create, name="settings_token_create"),
    path("settings/tokens/<int:token_id>/revoke/", views.settings_token_revoke, name="settings_token_revoke"),
    path("settings/team/", views.settings_member_add, name="settings_member_add"),
    path("settings/team/<int:user_id>/role/", views.settings_member_role, name="settings_member_role"),
    path("settings/team/<int:user_id>/remove/", views.settings_member_remove, name="settings_member_remove"),
    path(
        "settings/team/invitations/<int:invitation_id>/withdraw/",
        views.settings_invitation_withdraw,
        name="settings_invitation_withdraw",
    ),
]
