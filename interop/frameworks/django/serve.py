"""Starts the Django fixture: creates its database in the state directory, the users of testdata/users.txt, then
runs Django's development server (threaded, no autoreload) on 127.0.0.1:$LIMPET_FW_PORT.

Run by interop/frameworks/start.sh django, with the venv's Python.
"""

import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [here, os.path.join(os.path.dirname(here), "python")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fixture.settings")

import django  # noqa: E402
from django.core.management import call_command  # noqa: E402

from fixturecommon import env, read_users  # noqa: E402


def main():
    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from django.contrib.auth.models import User

    for name, email, password in read_users(env("LIMPET_FW_USERS")):
        User.objects.create_user(name, email, password, is_staff=True)
    call_command("runserver", "127.0.0.1:" + env("LIMPET_FW_PORT"), use_reloader=False, use_threading=True)


if __name__ == "__main__":
    main()
