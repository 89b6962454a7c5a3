"""Settings of the progress benchmark: the product's settings plus one trivial view."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
ALLOWED_HOSTS = ["127.0.0.1"]
DEBUG = False
LOGGING = {"version": 1, "disable_existing_loggers": True}
