"""The dashboard's URLs, in one list: the views live with the apps they show (accounts: sign-in,
settings, team; orders; inventory); the names and paths are the dashboard's public surface."""

from django.urls import path

from shipdesk.accounts import views as account_views
from shipdesk.inventory import views as inventory_views
from shipdesk.orders import dashboard_views as order_views

urlpatterns = [
    path("", account_views.home, name="home"),
    # Sign-in and password reset (Django's auth views, with our templates). The reset URLs keep
    # Django's names, which its views reverse.
    path("signin/", account_views.SignInView.as_view(), name="signin"),
    path("signout/", account_views.SignOutView.as_view(), name="signout"),
    path("password-reset/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", account_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password-reset/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password-reset/done/", account_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("switch-shop/", account_views.switch_shop, name="switch_shop"),
    path("leave-shop/", account_views.leave_shop, name="leave_shop"),
    path("invitations/<str:token>/", account_views.invitation, name="invitation"),
    path("invitations/<str:token>/accept/", account_views.invitation_accept, name="invitation_accept"),
    path("invitations/<str:token>/decline/", account_views.invitation_decline, name="invitation_decline"),
    # Orders
    path("orders/", order_views.order_list, name="orders"),
    path("orders/poll/", order_views.order_poll, name="orders_poll"),
    path("orders/bulk/", order_views.order_bulk, name="orders_bulk"),
    path("orders/service-levels/", order_views.service_options, name="service_options"),
    path("orders/tracking-check/", order_views.tracking_check, name="tracking_check"),
    path("orders/<int:order_id>/", order_views.order_detail, name="order"),
    path("orders/<int:order_id>/confirm/", order_views.order_confirm, name="order_confirm"),
    path("orders/<int:order_id>/process/", order_views.order_process, name="order_process"),
    path("orders/<int:order_id>/ship/", order_views.order_ship, name="order_ship"),
    path("orders/<int:order_id>/deliver/", order_views.order_deliver, name="order_deliver"),
    path("orders/<int:order_id>/address/", order_views.order_address, name="order_address"),
    path("orders/<int:order_id>/cancel/", order_views.order_cancel, name="order_cancel"),
    path("orders/<int:order_id>/lines/<int:line_id>/cancel/", order_views.order_cancel_line, name="order_cancel_line"),
    path(
        "orders/<int:order_id>/lines/<int:line_id>/substitute/",
        order_views.order_offer_substitute,
        name="order_offer_substitute",
    ),
    path("orders/<int:order_id>/notes/", order_views.order_note, name="order_note"),
    path("orders/<int:order_id>/refund/", order_views.order_refund, name="order_refund"),
    # Inventory
    path("inventory/", inventory_views.inventory, name="inventory"),
    path("inventory/stock/", inventory_views.inventory_stock, name="inventory_stock"),
    path("inventory/products/", inventory_views.inventory_add_product, name="inventory_add_product"),
    path("inventory/import/", inventory_views.inventory_import, name="inventory_import"),
    path("inventory/export.csv", inventory_views.inventory_export, name="inventory_export"),
    # Settings (owners)
    path("settings/", account_views.settings_page, name="settings"),
    path("settings/profile/", account_views.settings_profile, name="settings_profile"),
    path("settings/addresses/<str:kind>/", account_views.settings_address, name="settings_address"),
    path("settings/label-service/", account_views.settings_label_service, name="settings_label_service"),
    path("settings/logo/", account_views.settings_logo, name="settings_logo"),
    path("settings/insert/", account_views.settings_insert, name="settings_insert"),
    path("settings/return-policy/", account_views.settings_return_policy, name="settings_return_policy"),
    path("settings/invoices/", account_views.settings_invoices, name="settings_invoices"),
    path("settings/closure-days/", account_views.settings_closure_add, name="settings_closure_add"),
    path(
        "settings/closure-days/<int:closure_id>/remove/",
        account_views.settings_closure_remove,
        name="settings_closure_remove",
    ),
    path("settings/tokens/", account_views.settings_token_create, name="settings_token_create"),
    path("settings/tokens/<int:token_id>/revoke/", account_views.settings_token_revoke, name="settings_token_revoke"),
    path("settings/team/", account_views.settings_member_add, name="settings_member_add"),
    path("settings/team/<int:user_id>/role/", account_views.settings_member_role, name="settings_member_role"),
    path("settings/team/<int:user_id>/remove/", account_views.settings_member_remove, name="settings_member_remove"),
    path(
        "settings/team/invitations/<int:invitation_id>/withdraw/",
        account_views.settings_invitation_withdraw,
        name="settings_invitation_withdraw",
    ),
]
