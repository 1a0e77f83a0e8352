"""`shipdesk check`: Django's system checks, then Shipdesk's production configuration.

Prints each problem with what to do about it; exits 1 when any is an error (warnings alone: 0).
"""

import sys

from django.core.management.commands.check import Command as DjangoCheck

from shipdesk.ops.configuration import ERROR, configuration_findings


class Command(DjangoCheck):
    help = "Check the code and the production configuration (secret key, hosts, database, email, webhooks, worker)."

    def handle(self, *app_labels, **options):
        super().handle(*app_labels, **options)

        findings = configuration_findings()
        for finding in findings:
            style = self.style.ERROR if finding.level == ERROR else self.style.WARNING
            self.stdout.write(style(f"{finding.level.upper()} {finding.topic}: {finding.problem}"))
            self.stdout.write(f"    fix: {finding.fix}")
        errors = sum(f.level == ERROR for f in findings)
        if errors:
            self.stdout.write(self.style.ERROR(f"{errors} error(s): fix them before starting Shipdesk."))
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS(f"Configuration OK ({len(findings)} warning(s))."))
