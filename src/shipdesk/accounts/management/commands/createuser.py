import getpass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from shipdesk.accounts.models import Seller
from shipdesk.accounts.services import create_user
from shipdesk.errors import ShipdeskError


class Command(BaseCommand):
    help = "Create a user (or add an existing one) as owner or staff of a seller."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--seller", help="Seller slug; omit with --operator")
        parser.add_argument("--role", choices=["owner", "staff"], default="staff")
        parser.add_argument("--password", help="Prompted for when omitted and a terminal is attached")
        parser.add_argument("--operator", action="store_true", help="A marketplace operator (admin access)")

    def handle(self, *args, email, seller, role, password, operator, **options):
        target = None
        if seller:
            target = Seller.objects.filter(slug=seller).first()
            if target is None:
                raise CommandError(f"No seller {seller!r}.")
        elif not operator:
            raise CommandError("Give --seller SLUG, or --operator.")
        if password is None and options.get("stdin_isatty", True):
            try:
                password = getpass.getpass("Password: ")
            except (EOFError, KeyboardInterrupt):
                password = None
        if password:
            try:
                validate_password(password)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from exc
        try:
            user = create_user(email=email, password=password or None, seller=target, role=role)
        except ShipdeskError as exc:
            raise CommandError(f"{exc.message} {exc.details}") from exc
        if operator:
            user.is_staff = True
            user.is_superuser = True
            user.save(update_fields=["is_staff", "is_superuser"])
        where = f"{role} of {target.slug}" if target else "operator"
        self.stdout.write(self.style.SUCCESS(f"{user.email} is {where}."))
