"""The collector's thresholds during a bulk job: raised, shared, and always put back."""

import gc
import threading
import weakref

import pytest

from infra.core.collector import BULK_THRESHOLDS, fewer_collections


@pytest.fixture(autouse=True)
def _thresholds():
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*saved)


def test_thresholds_are_raised_inside_and_restored_after():
    with fewer_collections():
        assert gc.get_threshold() == BULK_THRESHOLDS
    assert gc.get_threshold() == (700, 10, 10)


def test_restored_when_the_block_raises():
    with pytest.raises(RuntimeError), fewer_collections():
        raise RuntimeError("the import failed")
    assert gc.get_threshold() == (700, 10, 10)


def test_nested_blocks_restore_only_when_the_outer_one_ends():
    with fewer_collections():
        with fewer_collections():
            assert gc.get_threshold() == BULK_THRESHOLDS
        assert gc.get_threshold() == BULK_THRESHOLDS, "the outer job still runs"
    assert gc.get_threshold() == (700, 10, 10)


def test_a_higher_threshold_is_kept_and_an_off_collector_stays_off():
    gc.set_threshold(100_000, 5, 50)
    with fewer_collections():
        assert gc.get_threshold() == (100_000, BULK_THRESHOLDS[1], 50)
    assert gc.get_threshold() == (100_000, 5, 50)
    gc.set_threshold(0, 10, 10)
    with fewer_collections():
        assert gc.get_threshold()[0] == 0
    assert gc.get_threshold() == (0, 10, 10)


def test_concurrent_jobs_share_one_raise_and_the_last_one_out_restores():
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first():
        with fewer_collections():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second():
        first_in.wait(5)
        with fewer_collections():
            second_in.set()
            first_out.wait(5)
            seen["after the first ended"] = gc.get_threshold()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen["after the first ended"] == BULK_THRESHOLDS
    assert gc.get_threshold() == (700, 10, 10)


def test_the_collector_still_runs_by_itself_inside():
    """Raised, not off: a job that makes cycles by the hundred thousand still has them freed."""

    class Node:
        pass

    freed = []
    with fewer_collections():
        first = Node()
        first.self = first
        weakref.finalize(first, freed.append, True)
        del first
        for _ in range(3 * BULK_THRESHOLDS[0]):
            node = Node()
            node.self = node
        assert freed == [True], "collected without a gc.collect()"


def test_thresholds_set_by_someone_else_during_the_block_are_left_alone():
    with fewer_collections():
        gc.set_threshold(1000, 15, 15)  # another part of the process changes its mind meanwhile
    assert gc.get_threshold() == (1000, 15, 15)
