import signal

import pytest
from django.utils import translation

from infra.core.choices import Role

from .factories import OrganizationFactory, UserFactory
from .query_counts import QueryCounts

PASSWORD = "rahasia-uji-123"


def pytest_addoption(parser):
    parser.addoption(
        "--update-query-counts",
        action="store_true",
        help="pin the query counts measured in this run into tests/query_counts.json instead of checking them",
    )


def pytest_collection_modifyitems(config, items):
    """Tests that measure query counts are marked ``query_counts``: ``pytest -m query_counts`` runs them all."""
    for item in items:
        if "query_counts" in item.fixturenames:
            item.add_marker(pytest.mark.query_counts)


@pytest.fixture(scope="session")
def query_counts(request) -> QueryCounts:
    """The exact query count of each page and endpoint, pinned in tests/query_counts.json."""
    return QueryCounts(update=request.config.getoption("--update-query-counts"))


@pytest.fixture(autouse=True, scope="session")
def _huey_immediate():
    """Queued tasks (an import's check) run at once where they are queued: huey's immediate mode.

    A test that needs a real queue and consumer asks for ``huey_queue`` or ``consumer`` below.
    """
    from huey.contrib.djhuey import HUEY

    previous = HUEY.immediate
    HUEY.immediate = True
    yield HUEY
    HUEY.immediate = previous


@pytest.fixture(autouse=True, scope="session")
def _probes_stay_on_loopback():
    """DEVELOPERS.md's network rule, enforced: whatever a test's checks say, the probes' services
    send nothing beyond loopback (a test that probes a namespace runs the engine inside it)."""
    from django.conf import settings

    previous = settings.SIMPUL_PROBE_NETWORKS
    settings.SIMPUL_PROBE_NETWORKS = ["127.0.0.0/8", "::1/128"]
    yield
    settings.SIMPUL_PROBE_NETWORKS = previous


@pytest.fixture
def huey_queue(tmp_path):
    """huey as in production (not immediate): tasks wait in a SqliteHuey queue in a temporary file."""
    from huey.contrib.djhuey import HUEY
    from huey.storage import SqliteStorage

    memory = HUEY.storage
    HUEY.immediate_use_memory = False  # switch modes without opening the configured queue under var/
    HUEY.immediate = False
    HUEY.storage = SqliteStorage(HUEY.name, filename=str(tmp_path / "huey.sqlite3"))
    yield HUEY
    HUEY.immediate = True
    HUEY.immediate_use_memory = True
    HUEY.storage = memory


@pytest.fixture
def consumer(huey_queue):
    """huey's own consumer, two worker threads, started in this process and stopped after the test."""
    handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
    worker = huey_queue.create_consumer(workers=2, worker_type="thread", periodic=False, max_delay=0.2)
    worker.start()
    yield worker
    worker.stop(graceful=True)
    for number, handler in handlers.items():
        signal.signal(number, handler)


@pytest.fixture
def sqlite_readers_do_not_lock():
    """SQLite's in-memory test database is shared between threads in shared-cache mode, where a
    reader locks the tables it reads and a writer meeting that lock fails at once ("database table
    is locked"). The file database of a real deployment (WAL) lets readers and a writer pass; this
    lets the tests' readers (the test, the live server, the consumer's threads) pass the same way."""
    from django.db import connection
    from django.db.backends.signals import connection_created

    def unlocked(sender, connection, **kwargs):
        if connection.vendor == "sqlite":
            connection.cursor().execute("PRAGMA read_uncommitted = 1")

    connection_created.connect(unlocked)
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        unlocked(None, connection)
    yield
    connection_created.disconnect(unlocked)


@pytest.fixture(autouse=True, scope="module")
def _english_for_module_fixtures():
    """Module-scoped fixtures are built before the per-test switch below: give them English too."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _english_messages():
    """Tests check messages in English, the source language: the committed Indonesian catalogue is
    the default outside requests. Pages still follow the request's language (Indonesian by default)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (the status page keeps its answer there for a few seconds,
    keyed by the newest event: a previous test's city must not answer for this one's)."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    """Tests render pages without running collectstatic first: no manifest to look names up in."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The default hasher takes about half a second a password by design; tests create many users.

    The usual hashers stay behind it, so hashes made elsewhere (the demo's users) still verify.
    """
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *settings.PASSWORD_HASHERS]


@pytest.fixture
def organization(db):
    return OrganizationFactory()


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin-uji", role=Role.ADMINISTRATOR)


@pytest.fixture
def engineer(db):
    return UserFactory(username="insinyur-uji", role=Role.ENGINEER)


@pytest.fixture
def operator(db, organization):
    return UserFactory(username="operator-uji", role=Role.OPD_OPERATOR, organization=organization)


@pytest.fixture
def auditor(db):
    return UserFactory(username="auditor-uji", role=Role.AUDITOR)
