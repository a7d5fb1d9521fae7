"""Reads of the survey kept in the cache (Redis in production, shared by every web worker; per process
with the local and test settings): the survey's questions (``selectors.survey_questions``, read by
every section page and answer save), the peers' data (``peers.peer_data``, every submitted pick, read
by every peers page) and the staff table of the closest pairs made from it (``peers.staff_table``).
Issue #9 benchmark: they were a quarter of a section page, a third of an answer save and most of a
peers page.

Each entry is stored with the current *structure generation*: any change to a survey, section,
question, choice or show-if condition (the builder, a copy, the demo seed; ``receivers``) draws a new
generation, which retires every entry at once (builder edits are rare; a change can cascade through
many rows). A survey's peers entries are also forgotten when one of its portraits is saved or deleted
(submitted, reopened, merged), when a submitted portrait's answer is saved or its consent changes
(``services``, ``peers``) and when an organisation is saved (its name is in the table); with it go the
members' suggested peers computed from it (``cached_from_peers``). Forgetting
happens at once and again on commit, so that a concurrent read cannot keep the state from before the
change; the timeout bounds what a write outside these paths (a raw ``update()``) could leave behind.
"""


from django.core.cache import cache

from portal.generations import Generation, now_and_on_commit

GENERATION = Generation("surveys.structure-generation")
TIMEOUT = 15 * 60


def questions_key(survey_id) -> str:
    return f"surveys.questions.{survey_id}"


def peers_key(survey_id) -> str:
    return f"surveys.peers.{survey_id}"


def peers_version_key(survey_id) -> str:
    # Drawn afresh each time the survey's peers' data is forgotten: a member's suggestions computed
    # from it (``cached_from_peers``) carry it and are retired with it.
    return f"surveys.peers-version.{survey_id}"


def peer_table_key(survey_id) -> str:
    return f"surveys.peer-table.{survey_id}"


def cached(key: str, compute):
    """The value stored under ``key`` for the current generation, else ``compute()`` (stored).
    One cache round trip when it is there."""
    found = cache.get_many([GENERATION.key, key])
    generation = GENERATION.current(found)
    entry = found.get(key)
    if entry is not None and entry[0] == generation:
        return entry[1]
    value = compute()
    cache.set(key, (generation, value), TIMEOUT)
    return value


def cached_from_peers(survey_id, key: str, compute):
    """Like ``cached``, for a value computed from the survey's peers' data (a member's suggested peers):
    also retired when that data is forgotten. One cache round trip when it is there, without reading the
    peers' data itself."""
    version = Generation(peers_version_key(survey_id), TIMEOUT)
    found = cache.get_many([GENERATION.key, version.key, key])
    generation, version = GENERATION.current(found), version.current(found)
    entry = found.get(key)
    if entry is not None and entry[:2] == (generation, version):
        return entry[2]
    value = compute()
    cache.set(key, (generation, version, value), TIMEOUT)
    return value


def structure_changed() -> None:
    """A survey's structure changed: every cached question list and peers' data is out of date."""
    GENERATION.renew()


def forget_peers(*survey_ids) -> None:
    """These surveys' submitted portraits or picks changed: recompute their peers' data."""
    keys = [key(pk) for pk in survey_ids if pk is not None
            for key in (peers_key, peers_version_key, peer_table_key)]
    if keys:
        now_and_on_commit(lambda: cache.delete_many(keys))
