from django.urls import path

from . import views

urlpatterns = [
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/bell/", views.alert_bell, name="alerts_bell"),
    path("alerts/read-all/", views.alert_read_all, name="alerts_read_all"),
    path("alerts/<int:alert_id>/read/", views.alert_read, name="alert_read"),
    path("alerts/<int:alert_id>/delay-notice/", views.alert_delay_notice, name="alert_delay_notice"),
    # What each email looks like, with a sample order (a seller's preview of the templates).
    path("alerts/emails/", views.email_previews, name="email_previews"),
    path("alerts/emails/<slug:kind>/", views.email_preview, name="email_preview"),
    path("alerts/emails/<slug:kind>/html/", views.email_preview_html, name="email_preview_html"),
    # The local mailbox of `shipdesk run` (EMAIL_URL unset under DEBUG, or mailbox://).
    path("dev/mail/", views.dev_mail, name="dev_mail"),
    path("dev/mail/<int:message_id>/", views.dev_mail_message, name="dev_mail_message"),
    path("dev/mail/<int:message_id>/html/", views.dev_mail_html, name="dev_mail_html"),
]
