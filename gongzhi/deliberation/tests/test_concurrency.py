"""Nobody votes twice, even when the same voter's ballots arrive at the same instant (PostgreSQL, real threads)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from gongzhi.deliberation import services
from gongzhi.deliberation.models import Participation, SecretBallot, Vote

from .test_votes import owners_vote


def _race(attempts):
    barrier = threading.Barrier(len(attempts))
    outcomes = [None] * len(attempts)

    def run(index, function, kwargs):
        try:
            barrier.wait(timeout=10)
            function(**kwargs)
            outcomes[index] = "cast"
        except ValidationError as exc:
            outcomes[index] = "refused: " + " ".join(exc.messages)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion
            outcomes[index] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, f, k)) for i, (f, k) in enumerate(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks and real concurrency")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_ballots_of_one_voter_count_once(staff, tree, compound, window, resident, add_dwelling):
    b, c = resident(), resident()
    add_dwelling("100", b[1], c[1])  # co-owners: one voting unit, two people who may cast its ballot
    add_dwelling("50", resident()[1])
    vote = owners_vote(staff, tree, compound, window, secret=True)
    for _round in range(3):
        outcomes = _race([(services.cast_ballot, {"actor": b[0], "vote": vote, "choice": "yes"}),
                          (services.cast_ballot, {"actor": c[0], "vote": vote, "choice": "no"}),
                          (services.cast_ballot, {"actor": b[0], "vote": vote, "choice": "abstain"})])
        assert sorted(o.split(":")[0] for o in outcomes).count("cast") <= 1, outcomes
        assert all(o == "cast" or "nobody votes twice" in o for o in outcomes), outcomes
    assert Participation.objects.filter(vote=vote).count() == 1
    assert SecretBallot.objects.filter(vote=vote).count() == 1
    assert Vote.objects.get(pk=vote.pk).cast_count == 1


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks and real concurrency")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_ballot_racing_the_close_is_either_counted_or_refused(staff, tree, compound, window, resident,
                                                                  add_dwelling):
    voters = [resident() for _ in range(4)]
    for user, person in voters:
        add_dwelling("80", person)
    vote = owners_vote(staff, tree, compound, window)
    # The close is told the window is over while the voters still cast within it (as clocks may differ).
    during = window[0] + (window[1] - window[0]) / 2
    outcomes = _race([(services.close_vote, {"actor": staff["community_a"], "vote": vote, "at": window[1]})]
                     + [(services.cast_ballot, {"actor": u, "vote": vote, "choice": "yes", "at": during})
                        for u, _p in voters])
    closed = Vote.objects.get(pk=vote.pk)
    counted = Participation.objects.filter(vote=vote).count()
    assert closed.state == "closed", outcomes
    # Whatever entered before the close is in the result, nothing after it.
    assert closed.result["counts"]["cast"] == counted == closed.cast_count
