"""What the in-process bench scripts share (board_inprocess, staff_inprocess, section_inprocess): the
options naming a database kept by `bench/web.py --setup-only`, Django set up against it with the bench
settings, and test clients signed in as the bench's staff user and approved member."""

import os


def add_database_options(parser) -> None:
    parser.add_argument("--database", default="portal_bench")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")


def setup(args) -> None:
    """Django with config.settings.bench on ``args.database`` and ``args.redis``."""
    pg = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "config.settings.bench", "DJANGO_SECRET_KEY": "bench-" + "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "testserver", "DATABASE_URL": f"{pg}/{args.database}",
        "CELERY_BROKER_URL": args.redis, "REDIS_URL": args.redis, "PORTAL_BASE_URL": "http://testserver",
        "DJANGO_SECURE_SSL_REDIRECT": "false", "DJANGO_SECURE_COOKIES": "false", "DJANGO_LOG_LEVEL": "WARNING",
    })
    import django

    django.setup()


def signed_in_client(email: str):
    """A test client with the session of the bench user ``email`` (dataset.STAFF_EMAIL, MEMBER_EMAIL)."""
    from django.test import Client

    from bench import dataset
    from community.models import User

    client = Client()
    client.cookies["sessionid"] = dataset.session_for(User.objects.get(email=email))
    return client
