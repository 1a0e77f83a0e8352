from django.apps import AppConfig


class ConversationsConfig(AppConfig):
    name = "shipdesk.conversations"
    label = "conversations"
    verbose_name = "Conversations and support"
